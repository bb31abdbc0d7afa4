"""Write-behind persistence of chat messages, batched.

A chat message is broadcast as soon as it has its `room_seq`, then stored by this writer: one
task drains the queue: it lingers `linger` seconds after the first message, and whatever
arrives meanwhile (in any room), or while a batch is being written, goes into one multi-row
transaction. At most the last `linger` seconds of chat are at risk if the process dies.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from server_impl.ws.backend import WsBackend

log = logging.getLogger(__name__)

Json = dict[str, Any]


class ChatWriter:
    """Queue chat messages with `add`; `flush` waits until everything queued is stored."""

    def __init__(self, backend: WsBackend, *, linger: float = 0.05, retries: int = 3) -> None:
        self._backend = backend
        self._linger = linger  # wait this long for more messages before a write
        self._retries = retries
        self._pending: list[Json] = []
        self._wake: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.stored = 0
        self.failed = 0

    def add(self, message: Json) -> None:
        """Queue one `ChatMessageData` (its `room_id` names the meeting) for storage."""
        self._pending.append(message)
        if self._task is None or self._task.done():
            self._wake, self._idle = asyncio.Event(), asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())
        assert self._wake is not None and self._idle is not None
        self._idle.clear()
        self._wake.set()

    async def flush(self) -> None:
        """Wait until every queued message has been written (or given up on)."""
        if self._task is not None and not self._task.done() and self._idle is not None:
            await self._idle.wait()

    async def close(self) -> None:
        """Flush and stop the writer task."""
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        assert self._wake is not None and self._idle is not None
        while True:
            if not self._pending:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            await asyncio.sleep(self._linger)
            batch, self._pending = self._pending, []
            await self._store(batch)

    async def _store(self, messages: list[Json]) -> None:
        for attempt in range(1, self._retries + 1):
            try:
                await self._backend.save_chat_messages(messages)
            except Exception:
                if attempt == self._retries:
                    self.failed += len(messages)
                    log.exception("chat: dropping %d message(s)", len(messages))
                    return
                await asyncio.sleep(0.05 * attempt)
            else:
                self.stored += len(messages)
                return
