"""Shared WebSocket state of the mock: connections, rooms, room_seq and a bounded history."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket

Json = Any
HISTORY = 256  # room events kept per room for `resume`
log = logging.getLogger("contractkit.mock")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class Connection:
    """One client connection: its own strictly increasing `seq`, rooms and mute state."""

    def __init__(
        self, ws: WebSocket, check: Callable[[dict[str, Json]], dict[str, Json]], user_id: str
    ) -> None:
        self.ws = ws
        self.check = check
        self.user_id = user_id
        self.seq = 0
        self.rooms: set[str] = set()
        self.media = {"audio_muted": False, "video_muted": False}
        self.closed = False
        self._lock = asyncio.Lock()

    async def send(self, type_: str, data: dict[str, Json]) -> None:
        """Send one envelope; `check` validates it (and substitutes an error if it fails)."""
        async with self._lock:
            if self.closed:
                return
            self.seq += 1
            envelope = self.check(
                {"type": type_, "seq": self.seq, "timestamp": now_ms(), "data": data}
            )
            try:
                await self.ws.send_text(json.dumps(envelope, ensure_ascii=False))
            except Exception:  # the peer went away between our check and the send
                self.closed = True

    async def close(self, code: int) -> None:
        async with self._lock:
            if not self.closed:
                self.closed = True
                try:
                    await self.ws.close(code)
                except Exception:
                    log.debug("close(%s) on a gone connection", code)


@dataclass(eq=False)
class Room:
    """A room: members, its `room_seq` counter and recent events `(room_seq, type, data)`."""

    seq: int = 0
    members: set[Connection] = field(default_factory=set)
    history: deque[tuple[int, str, dict[str, Json]]] = field(
        default_factory=lambda: deque(maxlen=HISTORY)
    )

    def record(self, type_: str, data: dict[str, Json]) -> None:
        self.history.append((self.seq, type_, data))

    def since(self, room_seq: int) -> list[tuple[int, str, dict[str, Json]]] | None:
        """Events after `room_seq`, or None if some of them have left the history."""
        oldest = self.seq - len(self.history) + 1
        if room_seq + 1 < oldest:
            return None
        return [e for e in self.history if e[0] > room_seq]

    def recent(self, type_: str, limit: int = 20) -> list[dict[str, Json]]:
        return [d for _, t, d in self.history if t == type_][-limit:]


class Hub:
    """All rooms of one mock process (REST `end_meeting` reaches them too)."""

    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}

    def room(self, room_id: str) -> Room:
        return self.rooms.setdefault(room_id, Room())

    def join(self, conn: Connection, room_id: str) -> None:
        self.room(room_id).members.add(conn)
        conn.rooms.add(room_id)

    def leave(self, conn: Connection, room_id: str) -> None:
        self.room(room_id).members.discard(conn)
        conn.rooms.discard(room_id)
