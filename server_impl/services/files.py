"""Files shared in a meeting: streamed to disk with a size cap, sha256 recorded.

Bytes are stored under `<files_dir>/<k[:2]>/<k>` where `k` is a random server-chosen key;
nothing a client sends ever becomes part of a path. The client's filename is sanitized and
kept only as metadata (and for `Content-Disposition`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from sqlalchemy import select

from generated import models as m
from generated.errors import ApiError
from generated.models import ErrorCode
from generated.server.context import FileDownload, UploadedFile
from server_impl.db.engine import Database
from server_impl.db.models import MeetingFile
from server_impl.services.common import is_our_id, new_id, utcnow
from server_impl.services.meetings import MeetingService
from server_impl.services.views import file_view
from server_impl.settings import Settings

CHUNK = 1 << 20
MAX_FILENAME_BYTES = 255
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_FORBIDDEN_NAME_CHARS = set('<>:"|?*')
DOCUMENT_TYPES = {
    "application/pdf",
    "application/msword",
    "application/rtf",
    "application/json",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
}


def sanitize_filename(name: str | None) -> str:
    """A safe display name: last path component, printable, no leading dots, <= 255 bytes."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if ch.isprintable() and ch not in _FORBIDDEN_NAME_CHARS)
    base = base.strip().lstrip(".").strip()
    stem, dot, ext = base.rpartition(".")
    if dot and len(ext.encode()) <= 16:
        while stem and len(f"{stem}.{ext}".encode()) > MAX_FILENAME_BYTES:
            stem = stem[:-1]
        base = f"{stem}.{ext}" if stem else ext
    while len(base.encode()) > MAX_FILENAME_BYTES:
        base = base[:-1]
    return base or "file"


def sanitize_content_type(value: str | None) -> str:
    """The part's media type if well formed, else `application/octet-stream`."""
    media = (value or "").split(";", 1)[0].strip().lower()
    return media if _MIME.match(media) else "application/octet-stream"


def infer_file_type(content_type: str) -> str:
    """Classify by media type when the client did not say."""
    major = content_type.split("/", 1)[0]
    if major in ("image", "audio", "video"):
        return major
    if (
        major == "text"
        or content_type in DOCUMENT_TYPES
        or content_type.startswith(("application/vnd.openxmlformats", "application/vnd.oasis"))
    ):
        return "document"
    return "other"


def content_disposition(filename: str) -> str:
    """RFC 6266 attachment header with an ASCII fallback and the UTF-8 name."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class FileService:
    """Upload, list and download meeting files (members only)."""

    def __init__(self, settings: Settings, db: Database, meetings: MeetingService) -> None:
        self._db = db
        self._meetings = meetings
        self._root = settings.effective_files_dir
        self.max_bytes = settings.max_upload_bytes

    def path_for(self, storage_key: str) -> Path:
        """Where the bytes of `storage_key` live."""
        return self._root / storage_key[:2] / storage_key

    async def upload(
        self, user_id: str, meeting_id: str, upload: UploadedFile, file_type: str | None
    ) -> m.MeetingFile:
        """Store an upload (409 40903 if the meeting ended, 413 41301 above the size cap)."""
        meeting = await self._meetings.require_member(user_id, meeting_id)
        if meeting.status == m.MeetingStatus.ended:
            raise ApiError(ErrorCode.MEETING_ENDED)
        if upload.size is not None and upload.size > self.max_bytes:
            raise self._too_large()
        content_type = sanitize_content_type(upload.content_type)
        key = secrets.token_hex(16)
        size, sha256 = await self._store(upload, key)
        row = MeetingFile(
            id=new_id("file"),
            meeting_id=meeting_id,
            uploader_id=user_id,
            filename=sanitize_filename(upload.filename),
            content_type=content_type,
            file_type=file_type or infer_file_type(content_type),
            size=size,
            sha256=sha256,
            storage_key=key,
            created_at=utcnow(),
        )
        try:
            async with self._db.write() as session:
                session.add(row)
        except BaseException:
            await asyncio.to_thread(self._unlink, self.path_for(key))
            raise
        return file_view(row)

    async def list_files(self, user_id: str, meeting_id: str) -> m.MeetingFileList:
        """Every file of the meeting, newest first."""
        await self._meetings.require_member(user_id, meeting_id)
        async with self._db.read() as session:
            rows = await session.scalars(
                select(MeetingFile)
                .where(MeetingFile.meeting_id == meeting_id)
                .order_by(MeetingFile.created_at.desc(), MeetingFile.id.desc())
            )
            return m.MeetingFileList(files=[file_view(row) for row in rows])

    async def download(self, user_id: str, meeting_id: str, file_id: str) -> FileDownload:
        """The stored bytes as a streamed attachment with `X-Content-SHA256`."""
        await self._meetings.require_member(user_id, meeting_id)
        if not is_our_id(file_id, "file"):
            raise ApiError(ErrorCode.FILE_NOT_FOUND)
        async with self._db.read() as session:
            row = await session.scalar(
                select(MeetingFile).where(
                    MeetingFile.id == file_id, MeetingFile.meeting_id == meeting_id
                )
            )
        if row is None:
            raise ApiError(ErrorCode.FILE_NOT_FOUND)
        path = self.path_for(row.storage_key)
        if not await asyncio.to_thread(path.is_file):
            raise ApiError(ErrorCode.FILE_NOT_FOUND)
        return FileDownload(
            path=path,
            filename=row.filename,
            media_type="application/octet-stream",
            headers={
                "X-Content-SHA256": row.sha256,
                "Content-Disposition": content_disposition(row.filename),
            },
        )

    # ------------------------------------------------------------------ storage
    def _too_large(self) -> ApiError:
        return ApiError(ErrorCode.FILE_TOO_LARGE, details={"max_bytes": self.max_bytes})

    async def _store(self, upload: UploadedFile, key: str) -> tuple[int, str]:
        """Copy the upload to disk chunk by chunk, hashing and counting as it goes."""
        final = self.path_for(key)
        partial = final.with_name(final.name + ".part")
        handle: BinaryIO = await asyncio.to_thread(self._open_new, partial)
        digest = hashlib.sha256()
        size = 0
        try:
            async for chunk in upload.chunks(CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise self._too_large()
                digest.update(chunk)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(self._finish, handle, partial, final)
        except BaseException:
            await asyncio.to_thread(self._abort, handle, partial)
            raise
        return size, digest.hexdigest()

    @staticmethod
    def _open_new(path: Path) -> BinaryIO:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "xb")

    @staticmethod
    def _finish(handle: BinaryIO, partial: Path, final: Path) -> None:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(partial, final)

    @staticmethod
    def _abort(handle: BinaryIO, partial: Path) -> None:
        handle.close()
        FileService._unlink(partial)

    @staticmethod
    def _unlink(path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
