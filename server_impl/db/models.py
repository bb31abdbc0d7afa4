"""SQLAlchemy 2 models: seed 004 §5 tables plus files, tokens, login attempts and chat.

The schema is owned by the Alembic chain in `server_impl/db/migrations/`; these classes must
match it (`tests/rest/test_db.py` compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MEETING_STATUSES = ("waiting", "active", "ended")
FILE_TYPES = ("document", "image", "audio", "video", "other")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalize to UTC; SQLite stores it without an offset."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Always return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic-friendly)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class User(Base):
    """An account (seed 004 §5.1)."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    email_key: Mapped[str] = mapped_column(String(255), unique=True)  # casefolded, for lookups
    password_hash: Mapped[str] = mapped_column(String(255))
    nickname: Mapped[str] = mapped_column(String(50))
    avatar: Mapped[str | None] = mapped_column(Text)
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Meeting(Base):
    """A meeting (seed 004 §5.2 plus capacity and password)."""

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'active', 'ended')", name="status"),
        Index("ix_meetings_creator_created", "creator_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    meeting_number: Mapped[str] = mapped_column(String(9), index=True)
    # The number while the meeting can still be joined; NULL once ended or expired.
    live_number: Mapped[str | None] = mapped_column(String(9), unique=True)
    title: Mapped[str | None] = mapped_column(String(100))
    creator_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    max_participants: Mapped[int] = mapped_column(Integer)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Participant(Base):
    """One stay of a user in a meeting (seed 004 §5.3 plus media state)."""

    __tablename__ = "participants"
    __table_args__ = (
        # at most one open stay per user and meeting
        Index(
            "uq_participants_open",
            "meeting_id",
            "user_id",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
        Index("ix_participants_user_meeting", "user_id", "meeting_id"),
    )

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    audio_muted: Mapped[bool] = mapped_column(Boolean, default=False)
    video_muted: Mapped[bool] = mapped_column(Boolean, default=False)


class MeetingFile(Base):
    """A file shared in a meeting; the bytes live on disk under `storage_key`."""

    __tablename__ = "files"
    __table_args__ = (
        CheckConstraint(
            "file_type IN ('document', 'image', 'audio', 'video', 'other')", name="file_type"
        ),
        Index("ix_files_meeting_created", "meeting_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    uploader_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime]


class RevokedToken(Base):
    """The token blacklist: logged-out access tokens and used or revoked refresh tokens."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(50), index=True)
    token_type: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime]


class LoginAttempt(Base):
    """Consecutive login failures per email (known or not), and the lock they cause."""

    __tablename__ = "login_attempts"

    email_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


class ChatMessage(Base):
    """A chat message sent over the WebSocket; `room_seq` orders it within its meeting."""

    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("meeting_id", "room_seq", name="uq_chat_messages_room_seq"),)

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    sender_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    content: Mapped[str] = mapped_column(Text)
    room_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
