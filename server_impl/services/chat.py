"""Chat persistence for the WebSocket (`chat_messages`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from generated import models as m
from server_impl.db.engine import Database
from server_impl.db.models import ChatMessage, User
from server_impl.services.common import new_id, utcnow
from server_impl.services.views import user_summary


@dataclass(frozen=True, slots=True)
class ChatInput:
    """A chat message to store (ids and room_seq are chosen by the WebSocket room)."""

    meeting_id: str
    sender_id: str
    content: str
    room_seq: int
    message_id: str | None = None  # None: a new `msg_…` id
    created_at: datetime | None = None  # None: now


@dataclass(frozen=True, slots=True)
class ChatRecord:
    """One stored chat message with its sender's public profile."""

    message_id: str
    meeting_id: str
    room_seq: int
    sender: m.UserSummary
    content: str
    created_at: datetime


class ChatStore:
    """Save and read chat messages; `room_seq` is allocated by the caller (the room hub)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_many(self, messages: Sequence[ChatInput]) -> list[ChatRecord]:
        """Store messages in one transaction; a repeated (meeting_id, room_seq) or message id
        raises `IntegrityError` and stores none of them."""
        now = utcnow()
        rows = [
            ChatMessage(
                id=msg.message_id or new_id("msg"),
                meeting_id=msg.meeting_id,
                sender_id=msg.sender_id,
                content=msg.content,
                room_seq=msg.room_seq,
                created_at=msg.created_at or now,
            )
            for msg in messages
        ]
        if not rows:
            return []
        async with self._db.write() as session:
            session.add_all(rows)
            await session.flush()
            senders = {
                user.id: user
                for user in await session.scalars(
                    select(User).where(User.id.in_({row.sender_id for row in rows}))
                )
            }
        return [_record(row, senders[row.sender_id]) for row in rows]

    async def recent(self, meeting_id: str, limit: int) -> list[ChatRecord]:
        """The newest `limit` messages of a meeting, oldest first."""
        return await self._select(meeting_id, None, limit)

    async def after(self, meeting_id: str, room_seq: int, limit: int = 1000) -> list[ChatRecord]:
        """Messages with a room_seq greater than `room_seq`, oldest first (for resume)."""
        return await self._select(meeting_id, room_seq, limit)

    async def last_room_seq(self, meeting_id: str) -> int:
        """The highest room_seq stored for the meeting (0 when none)."""
        async with self._db.read() as session:
            value = await session.scalar(
                select(func.max(ChatMessage.room_seq)).where(ChatMessage.meeting_id == meeting_id)
            )
        return int(value or 0)

    async def _select(self, meeting_id: str, after: int | None, limit: int) -> list[ChatRecord]:
        query = (
            select(ChatMessage, User)
            .join(User, User.id == ChatMessage.sender_id)
            .where(ChatMessage.meeting_id == meeting_id)
        )
        if after is None:
            query = query.order_by(ChatMessage.room_seq.desc()).limit(limit)
        else:
            query = (
                query.where(ChatMessage.room_seq > after)
                .order_by(ChatMessage.room_seq)
                .limit(limit)
            )
        async with self._db.read() as session:
            rows = [_record(msg, user) for msg, user in await session.execute(query)]
        return sorted(rows, key=lambda r: r.room_seq)


def _record(row: ChatMessage, sender: User) -> ChatRecord:
    return ChatRecord(
        message_id=row.id,
        meeting_id=row.meeting_id,
        room_seq=row.room_seq,
        sender=user_summary(sender),
        content=row.content,
        created_at=row.created_at,
    )
