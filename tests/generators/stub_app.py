"""A small implementation of the generated interfaces, served by real uvicorn (no tests here).

The handlers echo what the adapters hand them, so tests can assert the typed arguments, the
envelope, the error mapping and the security hook of `generated/server/app.py`.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import uvicorn

from generated.errors import ApiError
from generated.models import (
    AuthResult,
    CreateMeetingRequest,
    Health,
    IceServer,
    JoinMeetingRequest,
    Meeting,
    MeetingFile,
    MeetingJoinInfo,
    MeetingList,
    MeetingStatus,
    Pagination,
    RegisterRequest,
    TokenPair,
    User,
)
from generated.server import interfaces as base
from generated.server.app import AppOptions, HandlerSet, create_app
from generated.server.context import FileDownload, Principal, RequestContext
from generated.server.forms import FileUploadFormData

NOW = datetime(2026, 2, 14, 10, 0, tzinfo=UTC)
SEEN: dict[str, Any] = {}


def _meeting(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "meeting_1",
        "meeting_number": "123456789",
        "title": None,
        "creator_id": "user_1",
        "status": MeetingStatus.waiting,
        "max_participants": 4,
        "has_password": False,
        "started_at": None,
        "ended_at": None,
        "created_at": NOW,
    }
    return {**data, **overrides}


class System(base.SystemHandlers):
    async def get_health(self, ctx: RequestContext) -> Health:
        SEEN["health_ctx"] = ctx
        return Health(status="ok", version="1.0.0")


class Auth(base.AuthHandlers):
    async def register_user(self, ctx: RequestContext, *, body: RegisterRequest) -> AuthResult:
        SEEN["register"] = body
        if body.nickname == "boom":
            raise RuntimeError("secret internal detail")
        if body.nickname == "busy":
            raise ApiError(42901, details={"retry": 7}, headers={"Retry-After": "7"})
        email = "not-an-email" if body.nickname == "badout" else body.email
        user = User(
            id="user_1",
            email=email,
            nickname=body.nickname,
            avatar=None,
            created_at=NOW,
            updated_at=NOW,
        )
        tokens = TokenPair(
            access_token="a", refresh_token="r", token_type="Bearer", expires_in=3600
        )
        return AuthResult(user=user, tokens=tokens)


class Meetings(base.MeetingsHandlers):
    async def list_meetings(
        self,
        ctx: RequestContext,
        *,
        type_: Literal["my", "history"] = "my",
        status: MeetingStatus | None = None,
        page: int = 1,
        limit: int = 20,
    ) -> MeetingList:
        SEEN["list"] = {"type_": type_, "status": status, "page": page, "limit": limit}
        SEEN["list_ctx"] = ctx
        meeting = Meeting.model_validate(_meeting(status=status or MeetingStatus.active))
        pagination = Pagination(page=page, limit=limit, total=1, total_pages=1)
        return MeetingList(meetings=[meeting], pagination=pagination)

    async def create_meeting(
        self, ctx: RequestContext, *, body: CreateMeetingRequest | None = None
    ) -> Meeting:
        SEEN["create"] = body
        return Meeting.model_validate(
            _meeting(max_participants=body.max_participants if body else 4)
        )

    async def join_meeting(
        self, ctx: RequestContext, *, meeting_number: str, body: JoinMeetingRequest | None = None
    ) -> MeetingJoinInfo:
        SEEN["join"] = (meeting_number, body)
        data = _meeting(meeting_number=meeting_number, participants=[], participant_count=0)
        ice = [IceServer(urls=["stun:stun.example.com:3478"], username=None)]
        return MeetingJoinInfo(**data, ice_servers=ice, ws_url="ws://localhost/v1/ws")


class Files(base.FilesHandlers):
    def __init__(self, download: Path) -> None:
        self.download = download

    async def upload_meeting_file(
        self, ctx: RequestContext, *, meeting_id: str, body: FileUploadFormData
    ) -> MeetingFile:
        content = b"".join([chunk async for chunk in body.file.chunks(4)])
        SEEN["upload"] = (body.file.filename, content, body.file_type)
        return MeetingFile(
            id="file_1",
            meeting_id=meeting_id,
            uploader_id=ctx.user_id or "",
            filename=body.file.filename or "",
            content_type=body.file.content_type or "",
            file_type=body.file_type or "other",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            created_at=NOW,
        )

    async def download_meeting_file(
        self, ctx: RequestContext, *, meeting_id: str, file_id: str
    ) -> FileDownload:
        digest = hashlib.sha256(self.download.read_bytes()).hexdigest()
        return FileDownload(
            self.download, "纪要.txt", "application/octet-stream", {"X-Content-SHA256": digest}
        )


async def authenticate(token: str) -> Principal:
    """`good` -> user_1, `old` -> expired, anything else -> invalid."""
    if token == "good":
        return Principal("user_1", {"role": "member"})
    if token == "old":
        raise ApiError(40102)
    raise ApiError(40103)


def build_app(download: Path, *, validate_responses: bool = True) -> Any:
    handlers = HandlerSet(
        auth=Auth(),
        users=base.UsersHandlers(),
        meetings=Meetings(),
        files=Files(download),
        ai=base.AiHandlers(),
        system=System(),
    )
    return create_app(
        handlers, authenticate, options=AppOptions(validate_responses=validate_responses)
    )


class Live:
    """`app` under uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Live:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
