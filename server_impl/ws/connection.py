"""One client socket: its `seq` counter and how messages reach it without a task per send.

Every message for a client, a reply or a broadcast, goes through `push`, which stamps the next
`seq` and hands the text to the ASGI `send` right away, in the caller's own step: the server's
send writes to the transport without suspending unless the client is not reading
(backpressure). Only then is that half-done send handed to a writer task, which finishes it
and drains the frames queued behind it, while broadcasters carry on. So a broadcast is one
serialization plus a synchronous write per recipient (like `websockets.broadcast`), a slow
client never stalls a room, and `seq` order is delivery order. A client whose queue grows past
the cap is a slow consumer and is closed.
"""

from __future__ import annotations

import asyncio
import logging
import types
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from generated.ws.messages import CloseCode
from server_impl.ws.coroutines import resume
from server_impl.ws.direct_send import DirectSender
from server_impl.ws.frames import Frame
from server_impl.ws.ratelimit import RateLimiter

log = logging.getLogger(__name__)

AsgiSend = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: Close code for a client that does not read its messages (RFC 6455 policy violation).
SLOW_CONSUMER_CLOSE = int(CloseCode.SLOW_CONSUMER)


class Connection:
    """An accepted, authenticated socket of `user_id`."""

    __slots__ = (
        "_direct",
        "_send",
        "close_code",
        "connection_id",
        "last_seen",
        "limiter",
        "max_outbox",
        "outbox",
        "rooms",
        "seq",
        "user",
        "user_id",
        "writer",
    )

    def __init__(
        self,
        send: AsgiSend,
        *,
        connection_id: str,
        user_id: str,
        user: dict[str, Any],
        limiter: RateLimiter,
        max_outbox: int,
        now: float,
    ) -> None:
        self._send = send
        self._direct = DirectSender.for_send(send)  # uvicorn's protocol: frames without ASGI
        self.writer: asyncio.Task[None] | None = None  # only while a send is blocked
        self.connection_id = connection_id
        self.user_id = user_id
        self.user = user  # UserSummary as JSON
        self.limiter = limiter
        self.max_outbox = max_outbox
        self.seq = 0
        self.outbox: deque[MutableMapping[str, Any]] = deque()  # ASGI messages behind it
        self.rooms: set[str] = set()
        self.last_seen = now
        self.close_code: int | None = None  # set once a close is queued

    @property
    def open(self) -> bool:
        """True until a close has been queued (or the client went away)."""
        return self.close_code is None

    def push(self, frame: Frame) -> None:
        """Send `frame` with this connection's next `seq` (dropped once closing)."""
        if self.close_code is not None:
            return
        self.seq = seq = self.seq + 1
        text = f"{frame.head}{seq}{frame.tail}"
        direct = self._direct
        if direct is not None and self.writer is None:
            try:
                if direct.try_send(text):
                    return
            except Exception as exc:  # the client went away
                self._failed(exc)
                return
        self._deliver({"type": "websocket.send", "text": text})

    def close(self, code: int, reason: str = "") -> None:
        """Close with `code` after what is already queued; later pushes are dropped."""
        if self.close_code is not None:
            return
        self.close_code = code
        self._deliver({"type": "websocket.close", "code": code, "reason": reason})

    def gone(self, code: int = 1006) -> None:
        """The client disconnected: drop the queue and stop a blocked send."""
        if self.close_code is None:
            self.close_code = code
        self.outbox.clear()
        if self.writer is not None and not self.writer.done():
            self.writer.cancel()

    # ------------------------------------------------------------------ delivery
    def _deliver(self, message: MutableMapping[str, Any]) -> None:
        if self.writer is not None:  # a send is blocked: queue behind it
            if len(self.outbox) >= self.max_outbox and message["type"] == "websocket.send":
                log.warning("ws %s: slow consumer, closing", self.connection_id)
                self.outbox.clear()
                self.close_code = SLOW_CONSUMER_CLOSE
                message = {
                    "type": "websocket.close",
                    "code": SLOW_CONSUMER_CLOSE,
                    "reason": "slow consumer",
                }
            self.outbox.append(message)
            return
        coro = self._send(message)
        if type(coro) is not types.CoroutineType:  # an awaitable of another kind: no shortcut
            self.writer = asyncio.ensure_future(self._drain(coro))
            return
        try:
            yielded = coro.send(None)  # runs until the frame is written, or until it blocks
        except StopIteration:
            return
        except Exception as exc:  # the client went away
            self._failed(exc)
            return
        loop = asyncio.get_running_loop()
        self.writer = loop.create_task(self._drain(resume(coro, yielded)))

    async def _drain(self, blocked: Awaitable[None]) -> None:
        """Finish the blocked send, then send the queue; then back to direct sends."""
        try:
            await blocked
            while self.outbox:
                message = self.outbox.popleft()
                await self._send(message)
                if message["type"] == "websocket.close":
                    self.outbox.clear()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._failed(exc)
        finally:
            self.writer = None

    def _failed(self, exc: BaseException) -> None:
        log.debug("ws %s: send failed: %r", self.connection_id, exc)
        self.gone()
