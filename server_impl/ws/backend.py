"""What the signaling layer needs from the rest of the service, as one small interface.

`server_impl.ws.adapter` implements it over the REST engineer's `Services`; the hub, rooms
and handlers depend only on this module, never on the database or the token code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

Json = dict[str, Any]


class Admission(Enum):
    """May this user enter this meeting's room?"""

    OK = "ok"
    NOT_FOUND = "not_found"  # no such meeting, or one the user may not see (40402)
    ENDED = "ended"  # the meeting has ended (40903)
    NOT_IN_MEETING = "not_in_meeting"  # visible, but not admitted through REST join (40303)


@dataclass(frozen=True, slots=True)
class ParticipantView:
    """The REST participant record the room starts from."""

    joined_at: str  # RFC 3339
    audio_muted: bool
    video_muted: bool


class AuthFailure(Exception):
    """The token was refused; `code` is 40102 (expired) or 40103 (invalid, revoked)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class WsBackend(Protocol):
    """Authentication, admission and persistence, as the signaling layer sees them."""

    async def authenticate(self, token: str) -> tuple[str, Json]:
        """The user id of a valid access token and the user's `UserSummary` (`id`,
        `nickname`, `avatar`); raises `AuthFailure`."""
        ...

    async def admission(
        self, meeting_id: str, user_id: str
    ) -> tuple[Admission, ParticipantView | None]:
        """Whether the user may enter the room, with their participant record when so."""
        ...

    async def set_media_state(
        self, meeting_id: str, user_id: str, audio_muted: bool, video_muted: bool
    ) -> None:
        """Persist the mute state (the REST participant list shows it)."""
        ...

    async def save_chat_messages(self, messages: list[Json]) -> None:
        """Persist chat messages (`ChatMessageData` JSON: `room_id`, `room_seq`, ...) at once."""
        ...

    async def recent_chat(self, meeting_id: str, limit: int) -> tuple[list[Json], int]:
        """The last `limit` chat messages (oldest first) and the highest stored `room_seq`."""
        ...
