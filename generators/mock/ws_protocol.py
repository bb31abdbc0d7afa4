"""Protocol knowledge the AsyncAPI contract does not state machine-readably (yet).

REPLIES is the one table of "client message -> what the server answers". Each reply starts
from the server message's first example; fields of the client's `data` that the reply's data
schema also declares are copied over (`room_id`, `content`, `sdp`, `candidate`, ...); then the
entry's `fill` sets computed fields. A `room_event` reply gets the room's next `room_seq`, is
kept in the room's history (for `resume`) and goes to every connection in the room (sender
included); other replies go to the sender only.

Proposal: an `x-replies: [room_snapshot, user_joined]` extension on each client message of the
AsyncAPI document would let the mock read this table from the contract.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Json = Any

MAX_MESSAGE_BYTES = 64 * 1024  # contract prose: larger messages get 41302, connection stays
MAX_FRAME_BYTES = 1024 * 1024  # contract prose: larger frames are closed with 1009
CLOSE_TOKEN_INVALID = "TOKEN_INVALID"  # names in ApiIR.close_codes (`x-close-codes`)
CLOSE_MEETING_ENDED = "MEETING_ENDED"


@dataclass
class ReplyContext:
    """What a `fill` function may read."""

    data: dict[str, Json]  # the client message's data
    user_id: str  # the connection's user (from the `connected` example)
    room_seq: int  # the room's current room_seq (already advanced for a room event)
    now_ms: int
    recent_messages: list[Json] = field(default_factory=list)
    media: dict[str, bool] = field(default_factory=dict)  # the connection's mute state
    replayed: int = 0
    members: int = 0  # connections in the room once this message is handled


Fill = Callable[[ReplyContext], dict[str, Json]]


@dataclass(frozen=True)
class Reply:
    """One server message sent in answer."""

    type: str
    room_event: bool = False
    fill: Fill | None = None


@dataclass(frozen=True)
class Rule:
    """How the mock handles one client message type."""

    replies: tuple[Reply, ...]
    membership: Literal["join", "leave"] | None = None  # applied before replying
    replay: bool = False  # resume: re-send history after `last_room_seq`


def iso(now_ms: int) -> str:
    return datetime.fromtimestamp(now_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pong(c: ReplyContext) -> dict[str, Json]:
    return {"client_time": c.data.get("client_time"), "server_time": c.now_ms}


def _snapshot(c: ReplyContext) -> dict[str, Json]:
    return {"room_seq": c.room_seq, "recent_messages": c.recent_messages}


def _media(c: ReplyContext) -> dict[str, Json]:
    key = "audio_muted" if c.data.get("action") == "mute_audio" else "video_muted"
    c.media[key] = bool(c.data.get("value"))
    return {"user_id": c.user_id, **c.media}


def _chat(c: ReplyContext) -> dict[str, Json]:
    return {"message_id": f"msg_{c.room_seq}", "created_at": iso(c.now_ms)}


def _resumed(c: ReplyContext) -> dict[str, Json]:
    return {"room_seq": c.room_seq, "replayed": c.replayed}


def _relay(c: ReplyContext) -> dict[str, Json]:
    return {"from_user_id": c.user_id}


def _joined(c: ReplyContext) -> dict[str, Json]:
    return {"participant_count": c.members, **c.media}


def _left(c: ReplyContext) -> dict[str, Json]:
    return {"user_id": c.user_id, "reason": "left", "participant_count": c.members}


REPLIES: dict[str, Rule] = {
    "ping": Rule((Reply("pong", fill=_pong),)),
    "join_room": Rule(
        (Reply("room_snapshot", fill=_snapshot), Reply("user_joined", room_event=True)),
        membership="join",
    ),
    "leave_room": Rule((Reply("user_left", room_event=True, fill=_left),), membership="leave"),
    "media_control": Rule((Reply("media_state_changed", room_event=True, fill=_media),)),
    "chat_message": Rule((Reply("chat_message", room_event=True, fill=_chat),)),
    "resume": Rule((Reply("resumed", fill=_resumed),), membership="join", replay=True),
    "webrtc_offer": Rule((Reply("webrtc_offer", fill=_relay),)),
    "webrtc_answer": Rule((Reply("webrtc_answer", fill=_relay),)),
    "ice_candidate": Rule((Reply("ice_candidate", fill=_relay),)),
}

# `connected`: the example, with a connection id of its own.
CONNECTED = Reply("connected", fill=lambda c: {"connection_id": f"conn_{uuid.uuid4().hex[:12]}"})
# `resume` whose events have left the room's history: the contract's fallback.
RESUME_FAILED = (
    Reply("resume_failed", fill=lambda c: {"reason": "history_unavailable"}),
    Reply("room_snapshot", fill=_snapshot),
)
# On disconnect, the rest of the room hears `user_left` (reason `disconnected`).
DISCONNECTED = Reply(
    "user_left",
    room_event=True,
    fill=lambda c: {"user_id": c.user_id, "reason": "disconnected", "participant_count": c.members},
)
# A successful REST `end_meeting` ends the room named by its `meeting_id`, then closes 4010.
REST_EVENTS: dict[str, tuple[str, Reply]] = {
    "end_meeting": (
        "meeting_id",
        Reply("meeting_ended", room_event=True, fill=lambda c: {"ended_at": iso(c.now_ms)}),
    ),
}
