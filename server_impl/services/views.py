"""Database rows -> the contract's models (the only place that knows both)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from generated import models as m
from server_impl.db import models as db


class MeetingFields(Protocol):
    """A meeting as stored: an ORM `Meeting` or a Core row record (`MeetingRecord`)."""

    @property
    def id(self) -> str: ...
    @property
    def meeting_number(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def creator_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def max_participants(self) -> int: ...
    @property
    def password_hash(self) -> str | None: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...


def user_view(user: db.User) -> m.User:
    """The caller's own account (`User`, with email)."""
    return m.User(
        id=user.id,
        email=user.email,
        nickname=user.nickname,
        avatar=user.avatar,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def user_summary(user: db.User) -> m.UserSummary:
    """What other participants may see of a user (no email)."""
    return m.UserSummary(id=user.id, nickname=user.nickname, avatar=user.avatar)


def participant_view(participant: db.Participant, user: db.User) -> m.Participant:
    """One participant with their public profile and media state."""
    return m.Participant(
        user_id=user.id,
        nickname=user.nickname,
        avatar=user.avatar,
        joined_at=participant.joined_at,
        audio_muted=participant.audio_muted,
        video_muted=participant.video_muted,
    )


def participant_of(row: Any) -> m.Participant:
    """The same, from a Core row with the user's `id`, `nickname`, `avatar` and the stay's
    `joined_at`, `audio_muted`, `video_muted` (`meeting_join.PRESENT_PARTICIPANTS`)."""
    return m.Participant(
        user_id=row.id,
        nickname=row.nickname,
        avatar=row.avatar,
        joined_at=row.joined_at,
        audio_muted=row.audio_muted,
        video_muted=row.video_muted,
    )


def effective_status(
    meeting: MeetingFields, now: datetime, number_ttl: int
) -> tuple[str, datetime | None]:
    """(status, ended_at) as clients see them: an unstarted meeting expires after `number_ttl`."""
    if meeting.status == "waiting" and meeting.created_at + timedelta(seconds=number_ttl) <= now:
        return "ended", meeting.created_at + timedelta(seconds=number_ttl)
    return meeting.status, meeting.ended_at


def meeting_view(meeting: MeetingFields, now: datetime, number_ttl: int) -> m.Meeting:
    """A meeting without its participants."""
    status, ended_at = effective_status(meeting, now, number_ttl)
    return m.Meeting(
        id=meeting.id,
        meeting_number=meeting.meeting_number,
        title=meeting.title,
        creator_id=meeting.creator_id,
        status=m.MeetingStatus(status),
        max_participants=meeting.max_participants,
        has_password=meeting.password_hash is not None,
        started_at=meeting.started_at,
        ended_at=ended_at,
        created_at=meeting.created_at,
    )


def meeting_detail(
    meeting: MeetingFields, participants: list[m.Participant], now: datetime, number_ttl: int
) -> m.MeetingDetail:
    """A meeting with the participants currently in it."""
    base = meeting_view(meeting, now, number_ttl)
    return m.MeetingDetail(
        **dict(base), participants=participants, participant_count=len(participants)
    )


def file_view(row: db.MeetingFile) -> m.MeetingFile:
    """Metadata of one shared file."""
    return m.MeetingFile(
        id=row.id,
        meeting_id=row.meeting_id,
        uploader_id=row.uploader_id,
        filename=row.filename,
        content_type=row.content_type,
        file_type=m.FileType(row.file_type),
        size=row.size,
        sha256=row.sha256,
        created_at=row.created_at,
    )
