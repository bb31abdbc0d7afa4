"""One coroutine per client message type.

Each does its awaiting (admission, persistence) first, re-checks the state it depends on, and
then changes the hub synchronously. A refusal is `raise WsError(code)`; the endpoint turns it
into an `error` message carrying the client's `seq` as `request_seq`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from server_impl.ws import errors as E
from server_impl.ws.backend import Admission, ParticipantView
from server_impl.ws.connection import Connection
from server_impl.ws.errors import WsError
from server_impl.ws.frames import iso_now, new_message_id, now_ms
from server_impl.ws.hub import CLOSE_MEETING_ENDED, Hub
from server_impl.ws.room import Room

Handler = Callable[[Hub, Connection, Any], Awaitable[None]]

_ADMISSION_ERRORS = {
    Admission.NOT_FOUND: E.MEETING_NOT_FOUND,
    Admission.ENDED: E.MEETING_ENDED,
    Admission.NOT_IN_MEETING: E.NOT_IN_MEETING,
}


def _member(hub: Hub, conn: Connection, room_id: str) -> tuple[Room, Any]:
    found = hub.member(conn, room_id)
    if found is None:
        raise WsError(E.NOT_IN_MEETING, "not in this room; send join_room first")
    return found


async def _admit(hub: Hub, conn: Connection, room_id: str) -> tuple[Room, ParticipantView]:
    """Check the REST admission and open the room, or raise the contract's error."""
    status, view = await hub.backend.admission(room_id, conn.user_id)
    if status is not Admission.OK or view is None:
        raise WsError(_ADMISSION_ERRORS.get(status, E.NOT_IN_MEETING))
    room = await hub.open_room(room_id)
    if room.ended:
        raise WsError(E.MEETING_ENDED)
    return room, view


async def on_ping(hub: Hub, conn: Connection, msg: Any) -> None:
    """`ping` -> `pong` echoing `client_time`."""
    client_time = msg.data.client_time if msg.data is not None else None
    conn.push(hub.codec.frame("pong", {"client_time": client_time, "server_time": now_ms()}))


async def on_join_room(hub: Hub, conn: Connection, msg: Any) -> None:
    """Enter a meeting's room: `room_snapshot` to the joiner, `user_joined` to the others."""
    room_id = msg.data.room_id
    found = hub.member(conn, room_id)
    if found is not None:  # already here: just a fresh snapshot
        hub.send_snapshot(conn, found[0])
        return
    room, view = await _admit(hub, conn, room_id)
    if not conn.open:
        return
    hub.enter(conn, room, view)
    hub.send_snapshot(conn, room)


async def on_leave_room(hub: Hub, conn: Connection, msg: Any) -> None:
    """Leave a room: `user_left` (reason `left`) to everyone, the leaver included."""
    room, _ = _member(hub, conn, msg.data.room_id)
    hub.leave(conn, room, "left")


async def on_media_control(hub: Hub, conn: Connection, msg: Any) -> None:
    """Mute or unmute: persisted for REST, broadcast as `media_state_changed`."""
    data = msg.data
    room, presence = _member(hub, conn, data.room_id)
    audio, video = presence.audio_muted, presence.video_muted
    if data.action == "mute_audio":
        audio = data.value
    else:
        video = data.value
    await hub.backend.set_media_state(room.id, conn.user_id, audio, video)
    found = hub.member(conn, room.id)
    if found is None:  # left, replaced or ended meanwhile
        return
    presence = found[1]
    presence.audio_muted, presence.video_muted = audio, video
    event = {
        "user_id": conn.user_id,
        "room_id": room.id,
        "audio_muted": audio,
        "video_muted": video,
    }
    room.emit("media_state_changed", event, time.monotonic())


async def on_chat_message(hub: Hub, conn: Connection, msg: Any) -> None:
    """Chat: broadcast to everyone (sender included), then stored write-behind."""
    room, _ = _member(hub, conn, msg.data.room_id)
    if "\x00" in msg.data.content:  # no database stores NUL; refuse before broadcasting
        raise WsError(E.INVALID_PARAMETER, details={"field": "content", "reason": "NUL"})
    data = {
        "message_id": new_message_id(),
        "room_id": room.id,
        "sender": conn.user,
        "content": msg.data.content,
        "created_at": iso_now(),
    }
    room.emit("chat_message", data, time.monotonic())
    room.recent_chat.append(data)
    hub.chat.add(data)


def _relay_target(hub: Hub, conn: Connection, data: Any) -> tuple[Room, Connection]:
    room, _ = _member(hub, conn, data.room_id)
    if data.target_user_id == conn.user_id:
        raise WsError(E.INVALID_PARAMETER, "target_user_id is yourself")
    target = room.presences.get(data.target_user_id)
    if target is None or target.conn is None or not target.conn.open:
        raise WsError(E.USER_NOT_FOUND, "target user is not in this room")
    return room, target.conn


async def on_sdp(hub: Hub, conn: Connection, msg: Any) -> None:
    """`webrtc_offer` / `webrtc_answer`: only to the target, sender set by the server."""
    room, target = _relay_target(hub, conn, msg.data)
    relayed = {"room_id": room.id, "from_user_id": conn.user_id, "sdp": msg.data.sdp}
    target.push(hub.codec.frame(msg.type, relayed))


async def on_ice_candidate(hub: Hub, conn: Connection, msg: Any) -> None:
    """`ice_candidate`: only to the target, sender set by the server."""
    room, target = _relay_target(hub, conn, msg.data)
    candidate = msg.data.candidate
    if hasattr(candidate, "model_dump"):
        candidate = candidate.model_dump(mode="json", by_alias=True, exclude_unset=True)
    relayed = {"room_id": room.id, "from_user_id": conn.user_id, "candidate": candidate}
    target.push(hub.codec.frame("ice_candidate", relayed))


async def on_resume(hub: Hub, conn: Connection, msg: Any) -> None:
    """Replay missed room events in order, or `resume_failed` and a fresh snapshot."""
    room_id, last_seq = msg.data.room_id, msg.data.last_room_seq
    uid = conn.user_id
    room = hub.rooms.get(room_id)
    presence = room.presences.get(uid) if room is not None else None
    departed = hub.departures.get((room_id, uid))
    view: ParticipantView | None = None
    if presence is None:
        window = hub.settings.resume_window_ms / 1000
        if departed is not None and time.monotonic() - departed > window:
            await _resume_failed(hub, conn, room_id, "window_expired")
            return
        if room is None:  # nothing of this room in this process (restart, or never opened)
            await _resume_failed(hub, conn, room_id, "history_unavailable")
            return
        if departed is None:  # never here, or left on purpose
            await _resume_failed(hub, conn, room_id, "not_in_room")
            return
        if not room.ended:  # the presence lapsed: still admitted?
            status, view = await hub.backend.admission(room_id, uid)
            if status is not Admission.OK or view is None:
                await _resume_failed(hub, conn, room_id, "not_in_room")
                return
    if not conn.open:
        return
    # synchronous from here: nothing can slip between the replay and live events
    room = hub.rooms.get(room_id)
    frames = room.replay_since(last_seq) if room is not None else None
    if room is None or frames is None:
        await _resume_failed(hub, conn, room_id, "history_unavailable")
        return
    conn.push(
        hub.codec.frame(
            "resumed", {"room_id": room.id, "room_seq": room.seq, "replayed": len(frames)}
        )
    )
    for frame in frames:
        conn.push(frame)
    if room.ended:
        conn.close(CLOSE_MEETING_ENDED, "meeting ended")
        return
    if room.presences.get(uid) is not None:
        hub.enter(conn, room, None)  # re-attach silently
    else:
        hub.enter(conn, room, view, announce_self=True)


async def _resume_failed(hub: Hub, conn: Connection, room_id: str, reason: str) -> None:
    """`resume_failed`, then a fresh `room_snapshot` if the user may still enter the room."""
    conn.push(hub.codec.frame("resume_failed", {"room_id": room_id, "reason": reason}))
    try:
        room, view = await _admit(hub, conn, room_id)
    except WsError:
        return  # not admitted (any more): the failure alone is the answer
    if not conn.open:
        return
    hub.enter(conn, room, view)
    hub.send_snapshot(conn, room)


HANDLERS: dict[str, Handler] = {
    "ping": on_ping,
    "join_room": on_join_room,
    "leave_room": on_leave_room,
    "media_control": on_media_control,
    "chat_message": on_chat_message,
    "webrtc_offer": on_sdp,
    "webrtc_answer": on_sdp,
    "ice_candidate": on_ice_candidate,
    "resume": on_resume,
}

#: handlers that never wait (no I/O): they run inside the protocol's `data_received`, outside
#: any task (so no `asyncio.current_task()`, `asyncio.timeout()` or task-local context); one
#: that does wait after all is finished by the connection's receive loop, in order
INSTANT_TYPES = frozenset(
    {"ping", "chat_message", "webrtc_offer", "webrtc_answer", "ice_candidate"}
)
