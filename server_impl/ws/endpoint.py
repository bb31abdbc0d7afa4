"""The `/v1/ws` ASGI endpoint: handshake checks, then one receive loop per connection.

Handshake: Origin allow-list (close 4003), `?access_token=` (error 40103/40102, then close
4001/4002), then `connected`. The loop applies, per message: the heartbeat clock, the rate
limit (42901, then close 4029), the size cap (41302), parsing (40003/40004/40005/40010) and the
handler. A refusal answers `error` with `request_seq` and the socket stays open; no input can
end the loop with an exception (which the server would turn into a 1011 close).

Under our uvicorn protocol (`server_impl.http.uvicorn_http`), those steps run in the
protocol's `data_received` through its text sink (`_take_text`), and so do the handlers that
never wait (`INSTANT_TYPES`: chat, ping, relay): no queue, future or task wake-up per message.
A handler that waits (join, leave, media, resume) is queued for the receive loop, and every
message behind it waits its turn, so the client's order holds.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from generated.ws.messages import ClientMessage, CloseCode
from server_impl.http.uvicorn_http import WebSocketsSansIOProtocol
from server_impl.ws import errors as E
from server_impl.ws.backend import AuthFailure
from server_impl.ws.codec import Codec
from server_impl.ws.connection import Connection
from server_impl.ws.coroutines import run_until_wait
from server_impl.ws.errors import WsError
from server_impl.ws.frames import Frame
from server_impl.ws.handlers import HANDLERS, INSTANT_TYPES
from server_impl.ws.hub import Hub
from server_impl.ws.ratelimit import RateLimiter, Verdict
from server_impl.ws.security import header, origin_allowed, take_token

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

CLOSE_TOKEN_INVALID = int(CloseCode.TOKEN_INVALID)
CLOSE_TOKEN_EXPIRED = int(CloseCode.TOKEN_EXPIRED)
CLOSE_ORIGIN_FORBIDDEN = int(CloseCode.ORIGIN_FORBIDDEN)
CLOSE_RATE_LIMITED = int(CloseCode.RATE_LIMITED)
CLOSE_TOO_BIG = int(CloseCode.MESSAGE_TOO_BIG)  # RFC 6455 "message too big"
#: the contract's protocol cap; uvicorn should enforce it too (`ws_max_size`)
PROTOCOL_MAX_BYTES = 1024 * 1024

MAX_SEQ = 2**53 - 1
#: a receive-loop item queued by `_take_text`: await `run()` (the rest of one message's work)
PENDING = "contractkit.pending"


def peek_seq(raw: str | bytes) -> int | None:
    """The `seq` of a frame we will not process (too big, rate-limited), if it has a valid one.

    Parsing costs no more than receiving the frame did (it is at most the protocol cap); the
    stdlib parser, like the generated one's recovery of `seq` from invalid frames.
    """
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    seq = frame.get("seq") if isinstance(frame, dict) else None
    return seq if type(seq) is int and 0 <= seq <= MAX_SEQ else None


class WsEndpoint:
    """ASGI app for the signaling socket (mount it at `/v1/ws`)."""

    def __init__(self, hub: Hub, codec: Codec) -> None:
        self.hub = hub
        self.codec = codec
        self.settings = hub.settings

    async def startup(self) -> None:
        """App start-up hook: start housekeeping (heartbeat sweep, GC policy)."""
        self.hub.start()

    async def shutdown(self) -> None:
        """App shutdown hook: close every socket (1001) and store pending chat."""
        await self.hub.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":  # plain HTTP on the socket's path
            await send({"type": "http.response.start", "status": 426, "headers": []})
            await send({"type": "http.response.body", "body": b"WebSocket only"})
            return
        token = take_token(scope)
        if (await receive())["type"] != "websocket.connect":
            return
        origin, host = header(scope, b"origin"), header(scope, b"host")
        if not origin_allowed(origin, host, self.settings.allowed_origins):
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_ORIGIN_FORBIDDEN})
            return
        try:
            if token is None:
                raise AuthFailure(E.TOKEN_INVALID, "access_token is missing")
            user_id, user = await self.hub.backend.authenticate(token)
        except AuthFailure as failure:
            await self._refuse(send, failure)
            return
        await send({"type": "websocket.accept"})
        await self._serve(scope, receive, send, user_id, user)

    async def _refuse(self, send: Send, failure: AuthFailure) -> None:
        """Accept only to say why: `error` (seq 1, request_seq null), then 4001/4002."""
        frame = self.codec.error(WsError(failure.code, request_seq=None))
        close = CLOSE_TOKEN_EXPIRED if failure.code == E.TOKEN_EXPIRED else CLOSE_TOKEN_INVALID
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": frame.render(1)})
        await send({"type": "websocket.close", "code": close})

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, user_id: str, user: dict[str, Any]
    ) -> None:
        s = self.settings
        now = time.monotonic()
        conn = Connection(
            send,
            connection_id=f"conn_{os.urandom(6).hex()}",
            user_id=user_id,
            user=user,
            limiter=RateLimiter(s.rate_per_second, s.rate_burst, s.rate_flood_tolerance, now),
            max_outbox=s.max_outbox_frames,
            now=now,
        )
        self.hub.register(conn)
        protocol = getattr(receive, "__self__", None)  # uvicorn's, with a text sink: no queue
        if not isinstance(protocol, WebSocketsSansIOProtocol):
            protocol = None
        conn.push(
            self.codec.frame(
                "connected",
                {
                    "user_id": user_id,
                    "connection_id": conn.connection_id,
                    "heartbeat_interval_ms": s.heartbeat_interval_ms,
                    "heartbeat_timeout_ms": s.heartbeat_timeout_ms,
                    "resume_window_ms": s.resume_window_ms,
                },
            )
        )
        if protocol is not None:
            protocol.text_sink = functools.partial(self._take_text, conn)
        try:
            await self._receive_loop(conn, receive)
        finally:
            if protocol is not None:
                protocol.text_sink = None  # no cycle through the connection is left
            self.hub.unregister(conn)
            writer = conn.writer
            if not conn.open and writer is not None:  # a close is still being delivered
                await asyncio.wait({writer}, timeout=5.0)
            conn.gone()

    async def _receive_loop(self, conn: Connection, receive: Receive) -> None:
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "websocket.receive":
                raw = message.get("text")
                if raw is None:
                    raw = message.get("bytes") or b""
                msg = self._accept_frame(conn, raw)
                if msg is not None:
                    await self._handle(conn, msg)
            elif kind == PENDING:  # queued by `_take_text`
                await message["run"]()
            elif kind == "websocket.disconnect":
                return

    def _take_text(self, conn: Connection, raw: str) -> MutableMapping[str, Any] | None:
        """The protocol's text sink: a message is checked and parsed in `data_received`, and
        an instant handler runs there too; the rest of the work goes to the receive loop."""
        msg = self._accept_frame(conn, raw)
        if msg is None:
            return None
        if msg.type not in INSTANT_TYPES:
            return {"type": PENDING, "run": functools.partial(self._handle, conn, msg)}
        rest = run_until_wait(self._handle(conn, msg))
        return None if rest is None else {"type": PENDING, "run": lambda: rest}

    def _accept_frame(self, conn: Connection, raw: str | bytes) -> ClientMessage | None:
        """Heartbeat clock, rate limit, size cap and parsing: the message, or None (refused
        with an `error`, or the socket is closing)."""
        now = time.monotonic()
        conn.last_seen = now
        if not conn.open:
            return None  # closing: drain input until the disconnect arrives
        try:
            verdict = conn.limiter.check(now)
            if verdict is not Verdict.OK:
                self._reply_error(conn, WsError(E.RATE_LIMITED, request_seq=peek_seq(raw)))
                if verdict is Verdict.FLOOD:
                    conn.close(CLOSE_RATE_LIMITED, "rate limit exceeded")
                return None
            limit = self.settings.max_message_bytes
            if len(raw) > limit // 4 and (size := _size(raw)) > limit:  # ≤ 4 bytes a character
                if size > PROTOCOL_MAX_BYTES:  # the server let a huge frame through
                    conn.close(CLOSE_TOO_BIG, "message too big")
                    return None
                details = {"max_bytes": limit, "bytes": size}
                error = WsError(E.MESSAGE_TOO_LARGE, details=details, request_seq=peek_seq(raw))
                self._reply_error(conn, error)
                return None
            return self.codec.decode(raw)
        except WsError as error:
            self._reply_error(conn, error)
        except Exception:  # a bug must not take the socket down with 1011
            log.exception("ws %s: unexpected error", conn.connection_id)
            self._reply_error(conn, WsError(E.INTERNAL_ERROR, request_seq=peek_seq(raw)))
        return None

    async def _handle(self, conn: Connection, msg: ClientMessage) -> None:
        try:
            await HANDLERS[msg.type](self.hub, conn, msg)
        except WsError as error:
            error.request_seq = msg.seq
            self._reply_error(conn, error)
        except Exception:
            log.exception("ws %s: %s handler failed", conn.connection_id, msg.type)
            self._reply_error(conn, WsError(E.INTERNAL_ERROR, request_seq=msg.seq))

    def _reply_error(self, conn: Connection, error: WsError) -> None:
        frame: Frame = self.codec.error(error)
        conn.push(frame)


def _size(raw: str | bytes) -> int:
    return len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
