"""Initial schema: users, meetings, participants, files, revoked tokens, login attempts, chat.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    """A UTC timestamp column (naive UTC text on SQLite, timestamptz on PostgreSQL)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "users",
        sa.Column("id", sa.String(50), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("email_key", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("nickname", sa.String(50), nullable=False),
        sa.Column("avatar", sa.Text(), nullable=True),
        sa.Column("token_version", sa.Integer(), server_default="0", nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email_key", name="uq_users_email_key"),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(50), nullable=False),
        sa.Column("meeting_number", sa.String(9), nullable=False),
        sa.Column("live_number", sa.String(9), nullable=True),
        sa.Column("title", sa.String(100), nullable=True),
        sa.Column("creator_id", sa.String(50), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        _ts("started_at", nullable=True),
        _ts("ended_at", nullable=True),
        _ts("created_at"),
        sa.CheckConstraint("status IN ('waiting', 'active', 'ended')", name="ck_meetings_status"),
        _fk("meetings", "creator_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.UniqueConstraint("live_number", name="uq_meetings_live_number"),
    )
    op.create_index("ix_meetings_creator_created", "meetings", ["creator_id", "created_at"])
    op.create_index("ix_meetings_meeting_number", "meetings", ["meeting_number"])
    op.create_table(
        "participants",
        sa.Column("id", sa.String(50), nullable=False),
        sa.Column("meeting_id", sa.String(50), nullable=False),
        sa.Column("user_id", sa.String(50), nullable=False),
        _ts("joined_at"),
        _ts("left_at", nullable=True),
        sa.Column("audio_muted", sa.Boolean(), nullable=False),
        sa.Column("video_muted", sa.Boolean(), nullable=False),
        _fk("participants", "meeting_id", "meetings"),
        _fk("participants", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_participants"),
    )
    op.create_index("ix_participants_user_meeting", "participants", ["user_id", "meeting_id"])
    op.create_index(
        "uq_participants_open",
        "participants",
        ["meeting_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("left_at IS NULL"),
        postgresql_where=sa.text("left_at IS NULL"),
    )
    op.create_table(
        "files",
        sa.Column("id", sa.String(50), nullable=False),
        sa.Column("meeting_id", sa.String(50), nullable=False),
        sa.Column("uploader_id", sa.String(50), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("file_type", sa.String(16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(255), nullable=False),
        _ts("created_at"),
        sa.CheckConstraint(
            "file_type IN ('document', 'image', 'audio', 'video', 'other')",
            name="ck_files_file_type",
        ),
        _fk("files", "meeting_id", "meetings"),
        _fk("files", "uploader_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_files"),
        sa.UniqueConstraint("storage_key", name="uq_files_storage_key"),
    )
    op.create_index("ix_files_meeting_created", "files", ["meeting_id", "created_at"])
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(50), nullable=False),
        sa.Column("token_type", sa.String(16), nullable=False),
        _ts("expires_at"),
        _ts("revoked_at"),
        sa.PrimaryKeyConstraint("jti", name="pk_revoked_tokens"),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])
    op.create_index("ix_revoked_tokens_user_id", "revoked_tokens", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("email_key", sa.String(255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        _ts("last_failure_at", nullable=True),
        _ts("locked_until", nullable=True),
        sa.PrimaryKeyConstraint("email_key", name="pk_login_attempts"),
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.String(50), nullable=False),
        sa.Column("meeting_id", sa.String(50), nullable=False),
        sa.Column("sender_id", sa.String(50), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("room_seq", sa.BigInteger(), nullable=False),
        _ts("created_at"),
        _fk("chat_messages", "meeting_id", "meetings"),
        _fk("chat_messages", "sender_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_chat_messages"),
        sa.UniqueConstraint("meeting_id", "room_seq", name="uq_chat_messages_room_seq"),
    )


def downgrade() -> None:
    """Drop every table."""
    for table in (
        "chat_messages",
        "login_attempts",
        "revoked_tokens",
        "files",
        "participants",
        "meetings",
        "users",
    ):
        op.drop_table(table)
