"""The part of `MeetingService` the WebSocket uses: presence, media state, chat, profiles.

`MeetingService` (server_impl/services/meetings.py) inherits these; docs/rest.md lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from generated import models as m
from generated.errors import ApiError
from generated.models import ErrorCode
from server_impl.db.engine import Database
from server_impl.db.models import Meeting, Participant, User
from server_impl.services import meeting_queries as q
from server_impl.services.chat import ChatInput, ChatRecord, ChatStore
from server_impl.services.common import is_our_id, utcnow
from server_impl.services.meeting_join import PRESENT_PARTICIPANTS
from server_impl.services.views import (
    meeting_view,
    participant_of,
    participant_view,
    user_summary,
)

#: the user's open stay with their profile (`get_participant_view`; the room admission)
_STAY_VIEW = PRESENT_PARTICIPANTS.where(Participant.user_id == bindparam("user_id"))


@dataclass(frozen=True, slots=True)
class Membership:
    """A user's relation to a meeting (see `RealtimeMixin.membership`)."""

    meeting: m.Meeting | None
    participant: m.Participant | None


class RealtimeMixin:
    """WebSocket-facing queries and updates; needs `_db`, `_ttl` and `chat`."""

    _db: Database
    _ttl: int
    chat: ChatStore

    async def get_meeting(self, meeting_id: str) -> m.Meeting | None:
        """A meeting by id, without any access check (the WebSocket checks presence itself)."""
        if not is_our_id(meeting_id, "meeting"):
            return None
        async with self._db.read() as session:
            meeting = await session.get(Meeting, meeting_id)
        return None if meeting is None else meeting_view(meeting, utcnow(), self._ttl)

    async def is_active_participant(self, meeting_id: str, user_id: str) -> bool:
        """Whether the user is in the (not ended) meeting right now."""
        if not is_our_id(meeting_id, "meeting"):
            return False
        async with self._db.read() as session:
            return await q.open_stay(session, meeting_id, user_id) is not None

    async def get_participant_view(self, meeting_id: str, user_id: str) -> m.Participant:
        """The user as a present participant (403 40303 when not in the meeting)."""
        params = {"meeting_id": meeting_id, "user_id": user_id}
        row = await self._db.run_read(lambda conn: conn.execute(_STAY_VIEW, params).first())
        if row is None:
            raise ApiError(ErrorCode.NOT_IN_MEETING)
        return participant_of(row)

    async def present_participants(self, meeting_id: str) -> list[m.Participant]:
        """Everyone in the meeting right now, in joining order (room snapshot)."""
        async with self._db.read() as session:
            return await q.present_participants(session, meeting_id)

    async def set_media_state(
        self, meeting_id: str, user_id: str, audio_muted: bool | None, video_muted: bool | None
    ) -> m.Participant:
        """Update the user's mute flags (None leaves one unchanged); 40303 when not present."""
        async with self._db.write() as session:
            stay = await q.open_stay(session, meeting_id, user_id)
            if stay is None:
                raise ApiError(ErrorCode.NOT_IN_MEETING)
            if audio_muted is not None:
                stay.audio_muted = audio_muted
            if video_muted is not None:
                stay.video_muted = video_muted
            user = await session.get(User, user_id)
            assert user is not None
        return participant_view(stay, user)

    async def get_user_summary(self, user_id: str) -> m.UserSummary:
        """A user's public profile (404 40401 when unknown)."""
        async with self._db.read() as session:
            user = await session.get(User, user_id)
        if user is None:
            raise ApiError(ErrorCode.USER_NOT_FOUND)
        return user_summary(user)

    async def save_chat_message(
        self,
        meeting_id: str,
        sender_id: str,
        content: str,
        room_seq: int,
        *,
        message_id: str | None = None,
        created_at: datetime | None = None,
    ) -> ChatRecord:
        """Persist one chat message at `room_seq` (allocated by the WebSocket room)."""
        message = ChatInput(meeting_id, sender_id, content, room_seq, message_id, created_at)
        return (await self.chat.save_many([message]))[0]

    async def save_chat_messages(self, messages: Sequence[ChatInput]) -> list[ChatRecord]:
        """Persist several chat messages in one transaction (WebSocket write batching)."""
        return await self.chat.save_many(messages)

    async def recent_chat_messages(self, meeting_id: str, limit: int = 50) -> list[ChatRecord]:
        """The newest `limit` chat messages, oldest first."""
        return await self.chat.recent(meeting_id, limit)

    async def last_room_seq(self, meeting_id: str) -> int:
        """The highest stored chat `room_seq` of the meeting (0 when none)."""
        return await self.chat.last_room_seq(meeting_id)

    async def membership(self, meeting_id: str, user_id: str) -> Membership:
        """What the WebSocket needs to admit a user to a room, in one read.

        `meeting` is None when the meeting does not exist or the user may not see it;
        `participant` is None when the user is not in the meeting right now.
        """
        if not is_our_id(meeting_id, "meeting"):
            return Membership(None, None)
        now = utcnow()
        async with self._db.read() as session:
            meeting = await q.load_visible_meeting(session, meeting_id, user_id)
            if meeting is None:
                return Membership(None, None)
            row = (
                await session.execute(
                    select(Participant, User)
                    .join(User, User.id == Participant.user_id)
                    .where(
                        Participant.meeting_id == meeting_id,
                        Participant.user_id == user_id,
                        Participant.left_at.is_(None),
                    )
                )
            ).first()
        participant = None if row is None else participant_view(row[0], row[1])
        return Membership(meeting_view(meeting, now, self._ttl), participant)
