"""Meetings: create, list, join, detail, leave, end; plus the helpers the WebSocket uses.

Rules (docs/rest.md has the full list):
- Numbers are 9 random digits, unique among live meetings (`live_number` unique index);
  an unstarted meeting's number expires after `meeting_number_ttl`, and it then reads as ended.
- Joins lock the meeting row (PostgreSQL `FOR UPDATE`, SQLite `BEGIN IMMEDIATE`), so the
  capacity holds exactly under concurrency; a repeated join by the same user is a no-op.
- Object-level authorization: only the creator and users who have been in the meeting see it.
  Everyone else gets 404 40402 (existence is not revealed); a member who is not the creator
  gets 403 40301 on `end`.
"""

from __future__ import annotations

import math
import secrets

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from generated import models as m
from generated.errors import ApiError
from generated.models import ErrorCode
from server_impl.auth.passwords import PasswordHasher
from server_impl.db.engine import Database
from server_impl.db.models import Meeting, Participant
from server_impl.events import MeetingEvents, NoopEvents, notify_safely
from server_impl.services import meeting_join as mj
from server_impl.services import meeting_queries as q
from server_impl.services.chat import ChatStore
from server_impl.services.common import is_our_id, new_id, require_clean_text, utcnow
from server_impl.services.meeting_realtime import Membership, RealtimeMixin
from server_impl.services.views import (
    effective_status,
    meeting_detail,
    meeting_view,
)
from server_impl.settings import Settings

__all__ = ["MeetingService", "Membership"]

NUMBER_ATTEMPTS = 20


def _not_found() -> ApiError:
    return ApiError(ErrorCode.MEETING_NOT_FOUND)


class MeetingService(RealtimeMixin):
    """Meeting lifecycle and membership (+ the WebSocket helpers of `RealtimeMixin`)."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        passwords: PasswordHasher,
        events: MeetingEvents | None = None,
    ) -> None:
        self._settings = settings
        self._db = db
        self._passwords = passwords
        self._ttl = settings.meeting_number_ttl
        self.events: MeetingEvents = events or NoopEvents()
        self.chat = ChatStore(db)

    # ------------------------------------------------------------------ create / list
    async def create(
        self, creator_id: str, title: str | None, password: str | None, max_participants: int
    ) -> m.Meeting:
        """A new waiting meeting with a fresh live number."""
        require_clean_text(title, "title")
        cap = self._settings.max_participants_cap
        if not 2 <= max_participants <= cap:
            raise ApiError(
                ErrorCode.INVALID_PARAMETER,
                details={"field": "max_participants", "maximum": cap},
            )
        hashed = await self._passwords.hash(password) if password else None
        for _ in range(NUMBER_ATTEMPTS):
            number = f"{secrets.randbelow(10**9):09d}"
            now = utcnow()
            meeting = Meeting(
                id=new_id("meeting"),
                meeting_number=number,
                live_number=number,
                title=title,
                creator_id=creator_id,
                status="waiting",
                max_participants=max_participants,
                password_hash=hashed,
                started_at=None,
                ended_at=None,
                created_at=now,
            )
            try:
                async with self._db.write() as session:
                    # An expired unstarted meeting gives its number back.
                    await session.execute(
                        update(Meeting)
                        .where(
                            Meeting.live_number == number,
                            q.status_filter("ended", q.expiry_cutoff(now, self._ttl)),
                        )
                        .values(live_number=None)
                    )
                    session.add(meeting)
            except IntegrityError:
                continue  # the number is live elsewhere: draw another
            return meeting_view(meeting, now, self._ttl)
        raise ApiError(ErrorCode.INTERNAL_ERROR, message="no free meeting number")

    async def list_meetings(
        self, user_id: str, type_: str, status: str | None, page: int, limit: int
    ) -> m.MeetingList:
        """The caller's meetings (`my`: created; `history`: joined at least once), newest first."""
        now = utcnow()
        cond: ColumnElement[bool]
        if type_ == "history":
            cond = exists().where(
                Participant.meeting_id == Meeting.id, Participant.user_id == user_id
            )
        else:
            cond = Meeting.creator_id == user_id
        if status:
            cond = cond & q.status_filter(status, q.expiry_cutoff(now, self._ttl))
        async with self._db.read() as session:
            total = int(
                await session.scalar(select(func.count()).select_from(Meeting).where(cond)) or 0
            )
            rows = await session.scalars(
                select(Meeting)
                .where(cond)
                .order_by(Meeting.created_at.desc(), Meeting.id.desc())
                .offset((page - 1) * limit)
                .limit(limit)
            )
            meetings = [meeting_view(row, now, self._ttl) for row in rows]
        return m.MeetingList(
            meetings=meetings,
            pagination=m.Pagination(
                page=page, limit=limit, total=total, total_pages=math.ceil(total / limit)
            ),
        )

    # ------------------------------------------------------------------ join / leave / end
    async def join(
        self,
        user_id: str,
        number: str,
        password: str | None,
        audio_muted: bool,
        video_muted: bool,
        ws_url: str,
    ) -> m.MeetingJoinInfo:
        """Join by number: 40402 unknown, 40903 ended, 40302 wrong password, 40902 full.

        Core statements in two short units (`meeting_join`): a lock-free lookup, then, unless
        the caller is already in, the locked capacity check and insert.
        """
        now = utcnow()
        found = await self._db.run_read(lambda conn: mj.find_by_number(conn, number, user_id))
        meeting = found.meeting
        if meeting is None:
            raise ApiError(ErrorCode.MEETING_ENDED) if found.ever else _not_found()
        if effective_status(meeting, now, self._ttl)[0] == "ended":
            raise ApiError(ErrorCode.MEETING_ENDED)
        if meeting.password_hash is not None and (
            not password or not await self._passwords.verify(password, meeting.password_hash)
        ):
            raise ApiError(ErrorCode.WRONG_MEETING_PASSWORD)
        if found.present and meeting.password_hash is None:
            # Idempotent re-join: nothing changes, so no lock and no write.
            people = await self._db.run_read(lambda conn: mj.present_participants(conn, meeting.id))
            return self._join_info(meeting_detail(meeting, people, now, self._ttl), ws_url)
        request = mj.JoinRequest(
            meeting.id, number, user_id, audio_muted, video_muted, utcnow(), self._ttl
        )
        result = await self._db.run_write(lambda conn: mj.join_locked(conn, request))
        detail = meeting_detail(result.meeting, result.participants, request.now, self._ttl)
        if result.joined_now:
            await notify_safely("participant_joined", self.events, meeting.id, user_id)
        return self._join_info(detail, ws_url)

    def _join_info(self, detail: m.MeetingDetail, ws_url: str) -> m.MeetingJoinInfo:
        return m.MeetingJoinInfo(
            **dict(detail),
            ice_servers=[m.IceServer(**server) for server in self._settings.ice_servers],
            ws_url=ws_url,
        )

    async def detail(self, user_id: str, meeting_id: str) -> m.MeetingDetail:
        """A meeting with its present participants (creator and participants only)."""
        if not is_our_id(meeting_id, "meeting"):
            raise _not_found()
        now = utcnow()
        async with self._db.read() as session:
            meeting = await q.load_visible_meeting(session, meeting_id, user_id)
            if meeting is None:
                raise _not_found()
            participants = await q.present_participants(session, meeting_id)
        return meeting_detail(meeting, participants, now, self._ttl)

    async def leave(self, user_id: str, meeting_id: str) -> None:
        """Leave a meeting the caller is in (404 40402 otherwise)."""
        if not is_our_id(meeting_id, "meeting"):
            raise _not_found()
        async with self._db.write() as session:
            stay = await q.open_stay(session, meeting_id, user_id)
            if stay is None:
                raise _not_found()
            stay.left_at = utcnow()
        await notify_safely("participant_left", self.events, meeting_id, user_id)

    async def end(self, user_id: str, meeting_id: str) -> None:
        """End a meeting (creator only: 40301; already ended: 40903); everyone leaves."""
        if not is_our_id(meeting_id, "meeting"):
            raise _not_found()
        async with self._db.write() as session:
            meeting = await q.load_visible_meeting(session, meeting_id, user_id, lock=True)
            if meeting is None:
                raise _not_found()
            if meeting.creator_id != user_id:
                raise ApiError(ErrorCode.FORBIDDEN)
            now = utcnow()
            if effective_status(meeting, now, self._ttl)[0] == "ended":
                raise ApiError(ErrorCode.MEETING_ENDED)
            meeting.status = "ended"
            meeting.ended_at = now
            meeting.live_number = None
            await session.execute(
                update(Participant)
                .where(Participant.meeting_id == meeting_id, Participant.left_at.is_(None))
                .values(left_at=now)
            )
        await notify_safely("meeting_ended", self.events, meeting_id, now)

    # ------------------------------------------------------------------ for files and WS
    async def require_member(self, user_id: str, meeting_id: str) -> m.Meeting:
        """The meeting if the caller is its creator or has been in it; else 404 40402."""
        if not is_our_id(meeting_id, "meeting"):
            raise _not_found()
        async with self._db.read() as session:
            meeting = await q.load_visible_meeting(session, meeting_id, user_id)
        if meeting is None:
            raise _not_found()
        return meeting_view(meeting, utcnow(), self._ttl)
