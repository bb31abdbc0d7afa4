"""One client socket: its outgoing queue, its `seq` counter and its single writer task.

Every message for a client, a reply or a broadcast, goes through `push`, which stamps the next
`seq` and appends the text to the outbox synchronously, so `seq` order is send order. One
writer task per connection drains the outbox; broadcasters never await a client, so a slow
client cannot stall a room, and there is no task per send. A client whose outbox grows past
the cap is a slow consumer and is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from server_impl.ws.frames import Frame
from server_impl.ws.ratelimit import RateLimiter

log = logging.getLogger(__name__)

AsgiSend = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: Close code for a client that does not read its messages (RFC 6455 policy violation).
SLOW_CONSUMER_CLOSE = 1008


class _Close:
    """The outbox entry that ends the stream."""

    __slots__ = ("code", "reason")

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason


class Connection:
    """An accepted, authenticated socket of `user_id`."""

    __slots__ = (
        "_send",
        "_waiter",
        "_writer",
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
        self._waiter: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self.connection_id = connection_id
        self.user_id = user_id
        self.user = user  # UserSummary as JSON
        self.limiter = limiter
        self.max_outbox = max_outbox
        self.seq = 0
        self.outbox: deque[str | _Close] = deque()
        self.rooms: set[str] = set()
        self.last_seen = now
        self.close_code: int | None = None  # set once a close is queued

    # ------------------------------------------------------------------ sending
    @property
    def open(self) -> bool:
        """True until a close has been queued (or the client went away)."""
        return self.close_code is None

    def push(self, frame: Frame) -> None:
        """Queue `frame` with this connection's next `seq` (no-op once closing)."""
        if self.close_code is not None:
            return
        if len(self.outbox) >= self.max_outbox:
            log.warning("ws %s: slow consumer, closing", self.connection_id)
            self.outbox.clear()
            self.close(SLOW_CONSUMER_CLOSE, "slow consumer")
            return
        self.seq += 1
        self.outbox.append(f"{frame.head}{self.seq}{frame.tail}")
        self._wake()

    def close(self, code: int, reason: str = "") -> None:
        """Send what is queued, then close with `code`; later pushes are dropped."""
        if self.close_code is not None:
            return
        self.close_code = code
        self.outbox.append(_Close(code, reason))
        self._wake()

    def gone(self, code: int = 1006) -> None:
        """The client disconnected: stop queueing and stop the writer."""
        if self.close_code is None:
            self.close_code = code
        self.outbox.clear()
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    # ------------------------------------------------------------------ the writer
    def start_writer(self) -> asyncio.Task[None]:
        """Start the task that drains the outbox (once, after the handshake)."""
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())
        return self._writer

    async def _write_loop(self) -> None:
        send = self._send
        outbox = self.outbox
        loop = asyncio.get_running_loop()
        try:
            while True:
                if not outbox:
                    waiter = self._waiter = loop.create_future()
                    await waiter
                    continue
                item = outbox.popleft()
                if type(item) is str:
                    await send({"type": "websocket.send", "text": item})
                else:
                    assert isinstance(item, _Close)
                    await send(
                        {"type": "websocket.close", "code": item.code, "reason": item.reason}
                    )
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the client went away mid-send
            log.debug("ws %s: writer stopped: %r", self.connection_id, exc)
            self.gone()
