"""Reusable queries over meetings and participants (no business rules here)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from generated import models as m
from server_impl.db.models import Meeting, Participant, User
from server_impl.services.views import participant_view


def expiry_cutoff(now: datetime, number_ttl: int) -> datetime:
    """Unstarted meetings created before this instant have expired."""
    return now - timedelta(seconds=number_ttl)


def status_filter(status: str, cutoff: datetime) -> ColumnElement[bool]:
    """SQL for the *effective* status (an expired unstarted meeting counts as ended)."""
    if status == "waiting":
        return and_(Meeting.status == "waiting", Meeting.created_at > cutoff)
    if status == "ended":
        return or_(
            Meeting.status == "ended",
            and_(Meeting.status == "waiting", Meeting.created_at <= cutoff),
        )
    return Meeting.status == status


def is_member(user_id: str) -> ColumnElement[bool]:
    """The user created the meeting or has ever been in it."""
    ever_joined = exists().where(
        Participant.meeting_id == Meeting.id, Participant.user_id == user_id
    )
    return or_(Meeting.creator_id == user_id, ever_joined)


async def load_visible_meeting(
    session: AsyncSession, meeting_id: str, user_id: str, *, lock: bool = False
) -> Meeting | None:
    """The meeting if `user_id` may see it (creator or participant, past or present)."""
    query = select(Meeting).where(Meeting.id == meeting_id, is_member(user_id))
    if lock:
        query = query.with_for_update(of=Meeting)
    result: Meeting | None = await session.scalar(query)
    return result


async def open_stay(session: AsyncSession, meeting_id: str, user_id: str) -> Participant | None:
    """The user's current (not yet left) participant row in the meeting."""
    result: Participant | None = await session.scalar(
        select(Participant).where(
            Participant.meeting_id == meeting_id,
            Participant.user_id == user_id,
            Participant.left_at.is_(None),
        )
    )
    return result


async def present_participants(session: AsyncSession, meeting_id: str) -> list[m.Participant]:
    """The users in the meeting right now, in joining order."""
    rows = await session.execute(
        select(Participant, User)
        .join(User, User.id == Participant.user_id)
        .where(Participant.meeting_id == meeting_id, Participant.left_at.is_(None))
        .order_by(Participant.joined_at, Participant.id)
    )
    return [participant_view(p, u) for p, u in rows]
