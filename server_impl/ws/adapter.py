"""`WsBackend` over the REST side's `Services` (tokens, meetings, chat store, database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from generated.errors import ApiError
from server_impl.db.models import ChatMessage
from server_impl.services import Services
from server_impl.services.chat import ChatRecord
from server_impl.services.common import is_our_id
from server_impl.ws import errors as E
from server_impl.ws.backend import Admission, AuthFailure, ParticipantView
from server_impl.ws.errors import WsError

Json = dict[str, Any]
CHAT_TABLE: Table = ChatMessage.__table__  # type: ignore[assignment]


def iso(value: datetime) -> str:
    """RFC 3339 with milliseconds and `Z`, as every timestamp the socket sends."""
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    """The inverse of `iso`."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


#: the columns of `chat_messages`, in `save_chat_messages`' row order
SQLITE_INSERT_CHAT = (
    "INSERT INTO chat_messages (id, meeting_id, sender_id, content, room_seq, created_at) VALUES "
)
#: rows per multi-row INSERT at most (6 variables a row; SQLite allows 32,766)
SQLITE_CHUNK_ROWS = 256


def sqlite_chat_inserts(rows: list[tuple[Any, ...]]) -> list[tuple[str, tuple[Any, ...]]]:
    """Multi-row INSERT statements for `rows`, in chunks of power-of-two sizes.

    One statement is one `sqlite3_step` (the sqlite3 module releases and retakes the GIL
    around every step; `executemany` would do that once per row). Power-of-two chunks keep
    the distinct SQL texts (and so the driver's statement cache) to nine.
    """
    statements = []
    at = 0
    while at < len(rows):
        left = len(rows) - at
        size = min(SQLITE_CHUNK_ROWS, 1 << (left.bit_length() - 1))
        chunk = rows[at : at + size]
        sql = SQLITE_INSERT_CHAT + ", ".join(["(?, ?, ?, ?, ?, ?)"] * size)
        statements.append((sql, tuple(value for row in chunk for value in row)))
        at += size
    return statements


def sqlite_datetime(value: str) -> str:
    """`2026-02-14T10:00:20.123Z` as SQLAlchemy stores a UTC DATETIME on SQLite
    (`2026-02-14 10:00:20.123000`)."""
    if len(value) == 24 and value[10] == "T" and value[19] == "." and value[23] == "Z":
        return f"{value[:10]} {value[11:23]}000"
    return parse_iso(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def chat_json(record: ChatRecord) -> Json:
    """A stored chat message as `ChatMessageData`."""
    return {
        "message_id": record.message_id,
        "room_id": record.meeting_id,
        "room_seq": record.room_seq,
        "sender": record.sender.model_dump(mode="json"),
        "content": record.content,
        "created_at": iso(record.created_at),
    }


class ServicesBackend:
    """The signaling layer's view of the service."""

    def __init__(self, services: Services) -> None:
        self._s = services

    async def authenticate(self, token: str) -> tuple[str, Json]:
        """User id and `UserSummary` of a valid, unrevoked access token (one statement)."""
        try:
            principal, profile = await self._s.tokens.authenticate_profile(token)
        except ApiError as exc:
            code = int(exc.code)
            if code not in (E.TOKEN_EXPIRED, E.TOKEN_INVALID):
                code = E.TOKEN_INVALID
            raise AuthFailure(code, str(exc)) from None
        summary = {"id": profile.id, "nickname": profile.nickname, "avatar": profile.avatar}
        return principal.user_id, summary

    async def admission(
        self, meeting_id: str, user_id: str
    ) -> tuple[Admission, ParticipantView | None]:
        """OK with the participant record, or why not (without revealing unseen meetings)."""
        if not is_our_id(meeting_id, "meeting"):
            return Admission.NOT_FOUND, None
        meetings = self._s.meetings
        try:
            p = await meetings.get_participant_view(meeting_id, user_id)
        except ApiError:
            pass
        else:
            view = ParticipantView(iso(p.joined_at), p.audio_muted, p.video_muted)
            return Admission.OK, view
        try:
            meeting = await meetings.require_member(user_id, meeting_id)
        except ApiError:
            return Admission.NOT_FOUND, None
        if str(getattr(meeting.status, "value", meeting.status)) == "ended":
            return Admission.ENDED, None
        return Admission.NOT_IN_MEETING, None

    async def set_media_state(
        self, meeting_id: str, user_id: str, audio_muted: bool, video_muted: bool
    ) -> None:
        """Persist the flags shown in the REST participant list."""
        try:
            await self._s.meetings.set_media_state(meeting_id, user_id, audio_muted, video_muted)
        except ApiError as exc:
            raise WsError(int(exc.code)) from None

    async def save_chat_messages(self, messages: list[Json]) -> None:
        """Insert a batch of chat messages in one transaction.

        On SQLite the rows go straight to the driver in SQLAlchemy's own storage format (no
        per-row bind processing), as a few multi-row INSERTs (`sqlite_chat_inserts`) on the
        loop's thread (`Database.run_write`); elsewhere through a Core insert.
        """
        if self._s.db.is_sqlite:
            rows = [
                (
                    msg["message_id"],
                    msg["room_id"],
                    msg["sender"]["id"],
                    msg["content"],
                    msg["room_seq"],
                    sqlite_datetime(msg["created_at"]),
                )
                for msg in messages
            ]
            statements = sqlite_chat_inserts(rows)

            def insert(conn: Connection) -> None:
                for sql, params in statements:
                    conn.exec_driver_sql(sql, params)

            await self._s.db.run_write(insert)
            return
        records = [
            {
                "id": msg["message_id"],
                "meeting_id": msg["room_id"],
                "sender_id": msg["sender"]["id"],
                "content": msg["content"],
                "room_seq": msg["room_seq"],
                "created_at": parse_iso(msg["created_at"]),
            }
            for msg in messages
        ]
        async with self._s.db.write() as session:  # Core insert: no ORM bookkeeping per row
            await session.execute(CHAT_TABLE.insert(), records)

    async def recent_chat(self, meeting_id: str, limit: int) -> tuple[list[Json], int]:
        """The last `limit` stored messages and the highest stored `room_seq`."""
        if not is_our_id(meeting_id, "meeting"):
            return [], 0
        chat = self._s.meetings.chat
        records = await chat.recent(meeting_id, limit)
        last = records[-1].room_seq if records else 0
        return [chat_json(r) for r in records], last
