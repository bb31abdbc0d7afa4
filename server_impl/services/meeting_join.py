"""The join transaction in Core statements: the hottest REST path, and half of a client's
time to get into a room.

Two units, each run in one greenlet on a plain connection (`Database.run_read/run_write`):
- `find_by_number`: the live meeting of a number and whether the caller is already in it
  (an idempotent re-join then needs no lock and no write);
- `join_locked`: under the meeting's lock (PostgreSQL `FOR UPDATE`, SQLite `BEGIN
  IMMEDIATE`), the capacity check, the new stay and the status change, then the people present.
A first join costs five statements on SQLite (six on PostgreSQL), a re-join two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, exists, func, insert, select, update

from generated import models as m
from generated.errors import ApiError
from generated.models import ErrorCode
from server_impl.db.models import Meeting, Participant, User
from server_impl.services.common import new_id
from server_impl.services.views import effective_status, participant_of

MEETINGS: Table = Meeting.__table__  # type: ignore[assignment]
PARTICIPANTS: Table = Participant.__table__  # type: ignore[assignment]
USERS: Table = User.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """One `meetings` row (the fields `views.meeting_view` reads)."""

    id: str
    meeting_number: str
    live_number: str | None
    title: str | None
    creator_id: str
    status: str
    max_participants: int
    password_hash: str | None
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any, **changes: Any) -> MeetingRecord:
        """From a result row holding every `meetings` column (extra columns ignored)."""
        fields = {name: row._mapping[name] for name in cls.__slots__}
        return cls(**(fields | changes))


@dataclass(frozen=True, slots=True)
class Lookup:
    """What `find_by_number` saw: the live meeting (None: no live meeting of that number,
    then `ever` says whether one existed) and whether the caller is in it now."""

    meeting: MeetingRecord | None
    present: bool
    ever: bool


def _open_stay(meeting_id: Any, user_id: Any) -> Any:
    p = PARTICIPANTS.c
    return exists().where(p.meeting_id == meeting_id, p.user_id == user_id, p.left_at.is_(None))


# Statements are built once: building and cache-keying a statement costs more than running it.
_M, _P, _U = MEETINGS.c, PARTICIPANTS.c, USERS.c
_FIND_LIVE = select(MEETINGS, _open_stay(_M.id, bindparam("user_id")).label("present")).where(
    _M.live_number == bindparam("number")
)
_FIND_EVER = select(_M.id).where(_M.meeting_number == bindparam("number")).limit(1)
PRESENT_PARTICIPANTS = (
    select(_U.id, _U.nickname, _U.avatar, _P.joined_at, _P.audio_muted, _P.video_muted)
    .select_from(PARTICIPANTS.join(USERS, _U.id == _P.user_id))
    .where(_P.meeting_id == bindparam("meeting_id"), _P.left_at.is_(None))
    .order_by(_P.joined_at, _P.id)
)
_COUNT = (
    select(func.count())
    .where(_P.meeting_id == _M.id, _P.left_at.is_(None))
    .scalar_subquery()
    .label("present_count")
)
_MINE = _open_stay(_M.id, bindparam("user_id")).label("mine")
_BY_ID = _M.id == bindparam("meeting_id")
_LOCK_SQLITE = select(MEETINGS, _COUNT, _MINE).where(_BY_ID)  # inside BEGIN IMMEDIATE
_LOCK = select(MEETINGS).where(_BY_ID).with_for_update()
_COUNTS = select(_COUNT, _MINE).select_from(MEETINGS).where(_BY_ID)
_INSERT_STAY = insert(PARTICIPANTS)
_START = (
    update(MEETINGS)
    .where(_BY_ID)
    .values(status="active", started_at=bindparam("now", type_=_M.started_at.type))
)


def find_by_number(conn: Connection, number: str, user_id: str) -> Lookup:
    """The live meeting of `number`, and whether `user_id` is in it (one statement)."""
    row = conn.execute(_FIND_LIVE, {"number": number, "user_id": user_id}).first()
    if row is not None:
        return Lookup(MeetingRecord.from_row(row), bool(row.present), True)
    ever = conn.execute(_FIND_EVER, {"number": number}).first()
    return Lookup(None, False, ever is not None)


def present_participants(conn: Connection, meeting_id: str) -> list[m.Participant]:
    """The users in the meeting right now, in joining order."""
    return [
        participant_of(row)
        for row in conn.execute(PRESENT_PARTICIPANTS, {"meeting_id": meeting_id})
    ]


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """Who joins which meeting (found by `find_by_number`), with which media state."""

    meeting_id: str
    number: str
    user_id: str
    audio_muted: bool
    video_muted: bool
    now: datetime
    number_ttl: int


@dataclass(frozen=True, slots=True)
class JoinResult:
    """The meeting after the join, who is in it, and whether this call added the caller."""

    meeting: MeetingRecord
    participants: list[m.Participant]
    joined_now: bool


def join_locked(conn: Connection, req: JoinRequest) -> JoinResult:
    """Lock the meeting, check it is live and has room, add the caller's stay (once)."""
    params = {"meeting_id": req.meeting_id, "user_id": req.user_id}
    if conn.dialect.name == "sqlite":  # BEGIN IMMEDIATE: no other writer until we commit
        row = conn.execute(_LOCK_SQLITE, params).first()
        if row is None:
            raise ApiError(ErrorCode.MEETING_ENDED)
        present_count, already_in = row.present_count, row.mine
    else:  # lock first: a subquery in the locking statement would see a stale snapshot
        row = conn.execute(_LOCK, params).first()
        if row is None:
            raise ApiError(ErrorCode.MEETING_ENDED)
        counts = conn.execute(_COUNTS, params).one()
        present_count, already_in = counts.present_count, counts.mine
    meeting = MeetingRecord.from_row(row)
    if (
        meeting.live_number != req.number
        or effective_status(meeting, req.now, req.number_ttl)[0] == "ended"
    ):
        raise ApiError(ErrorCode.MEETING_ENDED)
    joined_now = not already_in
    if joined_now:
        if present_count >= meeting.max_participants:
            raise ApiError(
                ErrorCode.MEETING_FULL, details={"max_participants": meeting.max_participants}
            )
        stay = {
            "id": new_id("part"),
            "meeting_id": meeting.id,
            "user_id": req.user_id,
            "joined_at": req.now,
            "left_at": None,
            "audio_muted": req.audio_muted,
            "video_muted": req.video_muted,
        }
        conn.execute(_INSERT_STAY, stay)
        if meeting.status == "waiting":
            conn.execute(_START, {"meeting_id": meeting.id, "now": req.now})
            meeting = MeetingRecord.from_row(row, status="active", started_at=req.now)
    return JoinResult(meeting, present_participants(conn, meeting.id), joined_now)
