"""The hub: every connection and room of the process, presence rules, and REST events.

It implements `server_impl.events.MeetingEvents`, so a REST leave or end reaches the sockets.
All state changes here are synchronous; handlers do their awaiting (database) first and then
call into the hub, so each change and the messages it causes are one atomic step for the
event loop and `seq`/`room_seq` order is delivery order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any, Protocol

from generated.ws.messages import CloseCode
from server_impl.ws.backend import WsBackend
from server_impl.ws.chatlog import ChatWriter
from server_impl.ws.config import WsSettings
from server_impl.ws.connection import Connection
from server_impl.ws.frames import Frame, iso_now
from server_impl.ws.gc_policy import GcPolicy
from server_impl.ws.room import Presence, Room

log = logging.getLogger(__name__)

Json = dict[str, Any]

# Close codes of the contract (info.x-close-codes).
CLOSE_SESSION_REPLACED = int(CloseCode.SESSION_REPLACED)
CLOSE_HEARTBEAT_TIMEOUT = int(CloseCode.HEARTBEAT_TIMEOUT)
CLOSE_MEETING_ENDED = int(CloseCode.MEETING_ENDED)
CLOSE_GOING_AWAY = int(CloseCode.GOING_AWAY)
#: how long a drop is remembered, so that a late `resume` is told `window_expired`
DEPARTURE_MEMORY_S = 3600.0
DEPARTURE_MEMORY_MAX = 100_000


class Codec(Protocol):
    """Builds server frames (the generated models do the work; see `codec.py`)."""

    def frame(self, type_: str, data: Json) -> Frame:
        """A server message of `type_` with `data`, validated against the contract."""
        ...


class Hub:
    """Process-wide signaling state."""

    def __init__(self, backend: WsBackend, codec: Codec, settings: WsSettings) -> None:
        self.backend = backend
        self.codec = codec
        self.settings = settings
        self.connections: dict[str, Connection] = {}  # user_id -> its one live connection
        self.rooms: dict[str, Room] = {}
        self.chat = ChatWriter(backend)
        self.gc = GcPolicy(
            churn_min=settings.gc_full_after_closed, churn_ratio=settings.gc_full_churn_ratio
        )
        #: (room_id, user_id) -> monotonic time the user's client dropped out of the room
        self.departures: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._opening: dict[str, asyncio.Future[Room]] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self.accepted = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start housekeeping (idempotent; called on the first connection)."""
        if self._sweeper is None or self._sweeper.done():
            if self.settings.gc_policy:
                self.gc.install()
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_loop())

    async def close(self) -> None:
        """Close every socket (1001), store pending chat, stop housekeeping."""
        for conn in list(self.connections.values()):
            conn.close(CLOSE_GOING_AWAY, "server shutting down")
        await self.chat.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        self.gc.uninstall()

    # ------------------------------------------------------------------ connections
    def register(self, conn: Connection) -> None:
        """Make `conn` the user's connection; an older one is closed with 4004."""
        self.start()
        old = self.connections.get(conn.user_id)
        if old is not None and old is not conn:
            self._detach_all(old)
            old.close(CLOSE_SESSION_REPLACED, "session replaced")
        self.connections[conn.user_id] = conn
        self.accepted += 1

    def unregister(self, conn: Connection) -> None:
        """The socket is gone: its rooms start their grace period."""
        if self.connections.get(conn.user_id) is conn:
            del self.connections[conn.user_id]
        self._detach_all(conn)
        self.gc.connection_closed()

    def _detach_all(self, conn: Connection) -> None:
        now = time.monotonic()
        grace = self.settings.disconnect_grace_ms / 1000
        loop = asyncio.get_running_loop()
        for room_id in list(conn.rooms):
            room = self.rooms.get(room_id)
            presence = room.presences.get(conn.user_id) if room else None
            if room is not None and presence is not None and presence.conn is conn:
                presence.conn = None
                presence.detached_at = now
                presence.grace = loop.call_later(grace, self._grace_expired, room, presence)
        conn.rooms.clear()

    def _grace_expired(self, room: Room, presence: Presence) -> None:
        uid = presence.user["id"]
        presence.grace = None
        if room.presences.get(uid) is not presence or presence.conn is not None:
            return
        del room.presences[uid]
        self.departed(room.id, uid, presence.detached_at or time.monotonic())
        self._announce_left(room, uid, "disconnected")

    def departed(self, room_id: str, user_id: str, when: float) -> None:
        """Remember that the user's client dropped out of the room at `when`."""
        key = (room_id, user_id)
        self.departures[key] = when
        self.departures.move_to_end(key)
        if len(self.departures) > DEPARTURE_MEMORY_MAX:
            self.departures.popitem(last=False)

    # ------------------------------------------------------------------ rooms
    async def open_room(self, room_id: str) -> Room:
        """The room of a meeting, loading its recent chat on first use."""
        room = self.rooms.get(room_id)
        if room is not None:
            return room
        pending = self._opening.get(room_id)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[Room] = asyncio.get_running_loop().create_future()
        self._opening[room_id] = fut
        try:
            recent, max_seq = await self.backend.recent_chat(
                room_id, self.settings.snapshot_messages
            )
            room = Room(
                room_id,
                self.codec.frame,
                history_size=self.settings.history_size,
                snapshot_messages=self.settings.snapshot_messages,
                recent_chat=recent,
                floor_seq=max_seq,
                now=time.monotonic(),
            )
            self.rooms[room_id] = room
            fut.set_result(room)
            return room
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: waiters re-raise it, nobody else needs to
            raise
        finally:
            del self._opening[room_id]

    def member(self, conn: Connection, room_id: str) -> tuple[Room, Presence] | None:
        """The room and presence if `conn` is attached to the room."""
        room = self.rooms.get(room_id)
        presence = room.presences.get(conn.user_id) if room is not None else None
        if room is None or presence is None or presence.conn is not conn:
            return None
        return room, presence

    def enter(
        self, conn: Connection, room: Room, view: Any, *, announce_self: bool = False
    ) -> bool:
        """Attach `conn` to the room. A new presence is announced with `user_joined` (to the
        others, or to everyone with `announce_self`); a presence kept through a grace period
        is re-attached silently. Returns whether the user was newly announced."""
        uid = conn.user_id
        presence = room.presences.get(uid)
        announced = presence is None
        if presence is None:
            presence = Presence(conn.user, view.joined_at, view.audio_muted, view.video_muted)
            room.presences[uid] = presence
            self.departures.pop((room.id, uid), None)
        else:
            presence.cancel_grace()
        presence.conn = conn
        conn.rooms.add(room.id)
        if announced:
            data = {
                "user": conn.user,
                "room_id": room.id,
                "participant_count": room.count,
                "audio_muted": presence.audio_muted,
                "video_muted": presence.video_muted,
            }
            room.emit(
                "user_joined", data, time.monotonic(), exclude=None if announce_self else conn
            )
        return announced

    def send_snapshot(self, conn: Connection, room: Room) -> None:
        """Push `room_snapshot` to one connection."""
        conn.push(self.codec.frame("room_snapshot", room.snapshot()))

    def leave(self, conn: Connection, room: Room, reason: str) -> None:
        """Remove the user's presence; everyone, the leaver included, gets `user_left`."""
        uid = conn.user_id
        presence = room.presences.pop(uid, None)
        if presence is not None:
            presence.cancel_grace()
        self.departures.pop((room.id, uid), None)
        conn.rooms.discard(room.id)
        frame = self._announce_left(room, uid, reason)
        conn.push(frame)

    def _announce_left(self, room: Room, user_id: str, reason: str) -> Frame:
        data = {
            "user_id": user_id,
            "room_id": room.id,
            "participant_count": room.count,
            "reason": reason,
        }
        return room.emit("user_left", data, time.monotonic())

    # ------------------------------------------------------------------ REST events
    async def participant_joined(self, meeting_id: str, user_id: str) -> None:
        """A REST join: nothing to announce until the user's socket enters the room."""

    async def participant_left(self, meeting_id: str, user_id: str) -> None:
        """A REST leave: the user leaves the room too (`user_left`, reason `left_meeting`)."""
        room = self.rooms.get(meeting_id)
        if room is None:
            return
        self.departures.pop((room.id, user_id), None)
        presence = room.presences.pop(user_id, None)
        if presence is None:
            return
        presence.cancel_grace()
        frame = self._announce_left(room, user_id, "left_meeting")
        if presence.conn is not None:
            presence.conn.rooms.discard(room.id)
            presence.conn.push(frame)

    async def meeting_ended(self, meeting_id: str, ended_at: datetime | str | None = None) -> None:
        """The meeting ended over REST: `meeting_ended` to everyone, then close 4010."""
        room = self.rooms.get(meeting_id)
        if room is None or room.ended:
            return
        when = ended_at if isinstance(ended_at, str) else _iso(ended_at)
        now = time.monotonic()
        live = list(room.live())
        room.emit("meeting_ended", {"room_id": room.id, "ended_at": when}, now)
        room.ended = True
        for uid, presence in room.presences.items():
            presence.cancel_grace()
            self.departed(room.id, uid, now)
        room.presences.clear()
        for conn in live:
            conn.rooms.discard(room.id)
            conn.close(CLOSE_MEETING_ENDED, "meeting ended")

    # ------------------------------------------------------------------ housekeeping
    async def _sweep_loop(self) -> None:
        interval = self.settings.sweep_interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            try:
                self.sweep(time.monotonic())
            except Exception:  # housekeeping must never die
                log.exception("ws: sweep failed")

    def sweep(self, now: float) -> None:
        """Close silent sockets (4008), forget expired departures and idle rooms, run GC."""
        timeout = self.settings.heartbeat_timeout_ms / 1000
        for conn in list(self.connections.values()):
            if conn.open and now - conn.last_seen > timeout:
                conn.close(CLOSE_HEARTBEAT_TIMEOUT, "heartbeat timeout")
        window = self.settings.resume_window_ms / 1000
        for room_id, room in list(self.rooms.items()):
            if not room.presences and now - room.last_activity > window:
                del self.rooms[room_id]  # nobody can resume into it any more
        while self.departures:
            key, when = next(iter(self.departures.items()))
            if now - when <= DEPARTURE_MEMORY_S:
                break
            del self.departures[key]
        self.gc.tick(len(self.connections), now)

    def stats(self) -> Json:
        """Counters for benchmarks and debugging."""
        return {
            "connections": len(self.connections),
            "rooms": len(self.rooms),
            "accepted": self.accepted,
            "chat_stored": self.chat.stored,
            "chat_failed": self.chat.failed,
            "gc": vars(self.gc.stats).copy(),
        }


def _iso(value: datetime | None) -> str:
    if value is None:
        return iso_now()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
