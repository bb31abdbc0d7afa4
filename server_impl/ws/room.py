"""One meeting's room: who is present, the room event sequence, and the history for resume.

A room event (user_joined, user_left, media_state_changed, chat_message, meeting_ended) takes
the next `room_seq`, is serialized once, kept in a bounded history and pushed to every present
connection. `room_seq` starts from a time-derived floor (`now_ms * 1000`), so it also keeps
increasing across server restarts and never repeats a number a client has already seen.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from server_impl.ws.connection import Connection
from server_impl.ws.frames import Frame, now_ms

Json = dict[str, Any]
BuildFrame = Callable[[str, Json], Frame]


class Presence:
    """A user's place in a room; `conn` is None while a dropped client is in its grace period."""

    __slots__ = ("audio_muted", "conn", "detached_at", "grace", "joined_at", "user", "video_muted")

    def __init__(self, user: Json, joined_at: str, audio_muted: bool, video_muted: bool) -> None:
        self.user = user  # UserSummary JSON
        self.joined_at = joined_at
        self.audio_muted = audio_muted
        self.video_muted = video_muted
        self.conn: Connection | None = None
        self.detached_at: float | None = None
        self.grace: asyncio.TimerHandle | None = None

    def participant(self) -> Json:
        """The contract's `Participant`."""
        return {
            "user_id": self.user["id"],
            "nickname": self.user["nickname"],
            "avatar": self.user["avatar"],
            "joined_at": self.joined_at,
            "audio_muted": self.audio_muted,
            "video_muted": self.video_muted,
        }

    def cancel_grace(self) -> None:
        """Stop the pending `user_left` of a dropped client."""
        if self.grace is not None:
            self.grace.cancel()
            self.grace = None
        self.detached_at = None


class Room:
    """Presence, sequence and history of one meeting."""

    __slots__ = (
        "build",
        "ended",
        "first_seq",
        "history",
        "id",
        "last_activity",
        "presences",
        "recent_chat",
        "seq",
    )

    def __init__(
        self,
        room_id: str,
        build: BuildFrame,
        *,
        history_size: int,
        snapshot_messages: int,
        recent_chat: list[Json],
        floor_seq: int,
        now: float,
    ) -> None:
        self.id = room_id
        self.build = build
        self.seq = max(floor_seq, now_ms() * 1000)
        self.first_seq = self.seq + 1  # the oldest room_seq this process can replay
        self.presences: dict[str, Presence] = {}
        #: (room_seq, monotonic time, frame) of recent events
        self.history: deque[tuple[int, float, Frame]] = deque(maxlen=history_size)
        self.recent_chat: deque[Json] = deque(recent_chat, maxlen=snapshot_messages)
        self.ended = False
        self.last_activity = now

    # ------------------------------------------------------------------ queries
    def live(self) -> Iterator[Connection]:
        """Connections currently attached to the room."""
        for presence in self.presences.values():
            conn = presence.conn
            if conn is not None and conn.close_code is None:
                yield conn

    @property
    def count(self) -> int:
        """`participant_count`: users present, including those within their grace period."""
        return len(self.presences)

    def snapshot(self) -> Json:
        """`RoomSnapshotData`."""
        return {
            "room_id": self.id,
            "room_seq": self.seq,
            "participants": [p.participant() for p in self.presences.values()],
            "participant_count": len(self.presences),
            "recent_messages": list(self.recent_chat),
        }

    def replay_since(self, last_seq: int) -> list[Frame] | None:
        """Frames of every event after `last_seq`, or None if some are no longer kept."""
        if last_seq > self.seq or last_seq + 1 < self.first_seq:
            return None
        if last_seq == self.seq:
            return []
        if not self.history or last_seq + 1 < self.history[0][0]:
            return None
        return [frame for seq, _, frame in self.history if seq > last_seq]

    # ------------------------------------------------------------------ events
    def emit(
        self, type_: str, data: Json, now: float, *, exclude: Connection | None = None
    ) -> Frame:
        """Publish a room event: next `room_seq`, serialize once, keep, push to everyone."""
        self.seq += 1
        data["room_seq"] = self.seq
        frame = self.build(type_, data)
        self.history.append((self.seq, now, frame))
        self.last_activity = now
        for presence in self.presences.values():
            conn = presence.conn
            if conn is not None and conn is not exclude:
                conn.push(frame)  # (a closing connection drops it)
        return frame
