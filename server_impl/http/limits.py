"""Request body size limits, enforced while the body streams in (before anything is stored).

- A declared `Content-Length` above the limit is answered 413 at once, without reading.
- Otherwise bytes are counted as the app receives them; past the limit the app is cut off,
  the rest of the body is drained (up to `drain_cap` more bytes, so well-behaved clients read
  the answer instead of a reset) and 413 is sent, whatever the app would have answered.
- A body without `Content-Length` (chunked) is spooled first (memory up to 1 MiB, then a
  temporary file), counted the same way, and replayed with its real `Content-Length`:
  Connexion treats a request without that header as having no body at all.

Uploads (`POST /v1/meetings/{id}/files`) get `upload_limit` (the file cap plus multipart
overhead) and code 41301 with `details.max_bytes`; every other request gets `body_limit`.
The exact per-file cap is checked again by the file service on the parsed file.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from tempfile import SpooledTemporaryFile

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from generated.errors import ApiError
from generated.models import ErrorCode

MULTIPART_OVERHEAD = 64 * 1024
SPOOL_MEMORY = 1024 * 1024
REPLAY_CHUNK = 64 * 1024
_UPLOAD_PATH = re.compile(r"^/v1/meetings/[^/]+/files/?$")


class BodyTooLarge(Exception):
    """Raised into the app when its request body passes the limit."""


class BodyLimitMiddleware:
    """ASGI middleware applying the limits above."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_upload_bytes: int,
        body_limit: int,
        drain_cap: int = 16 * 1024 * 1024,
    ) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes
        self.upload_limit = max_upload_bytes + MULTIPART_OVERHEAD
        self.body_limit = body_limit
        self.drain_cap = drain_cap

    def _limit_for(self, scope: Scope) -> tuple[int, ApiError]:
        if scope["method"] == "POST" and _UPLOAD_PATH.match(scope["path"]):
            error = ApiError(ErrorCode.FILE_TOO_LARGE, details={"max_bytes": self.max_upload_bytes})
            return self.upload_limit, error
        error = ApiError(ErrorCode.FILE_TOO_LARGE, details={"max_bytes": self.body_limit})
        return self.body_limit, error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through, counting body bytes of HTTP requests."""
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, error = self._limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_error(send, error)
            return
        if declared is None and _header(scope, b"transfer-encoding") is not None:
            spooled = await _spool(receive, limit, self.drain_cap)
            if spooled is None:
                await _send_error(send, error)
                return
            await self._replay(scope, spooled, send)
            return
        state = {"received": 0, "exceeded": False, "replied": False}

        async def limited_receive() -> Message:
            if state["exceeded"]:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["exceeded"] = True
                    if message.get("more_body", False):
                        await _drain(receive, self.drain_cap)
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state["exceeded"]:
                if not state["replied"]:
                    state["replied"] = True
                    await _send_error(send, error)
                return  # whatever the app answers, the client gets the 413
            await send(message)

        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if state["exceeded"] and not state["replied"]:
            state["replied"] = True
            await _send_error(send, error)

    async def _replay(self, scope: Scope, spooled: SpooledTemporaryFile[bytes], send: Send) -> None:
        """Hand a spooled body to the app as if it had come with a Content-Length."""
        size = spooled.tell()
        spooled.seek(0)
        headers = [
            (k, v)
            for k, v in scope["headers"]
            if k not in (b"transfer-encoding", b"content-length")
        ]
        headers.append((b"content-length", str(size).encode()))
        replay_scope = {**scope, "headers": headers}
        done = False

        async def replay_receive() -> Message:
            nonlocal done
            if done:
                return {"type": "http.disconnect"}
            chunk = await asyncio.to_thread(spooled.read, REPLAY_CHUNK)
            more = spooled.tell() < size
            done = not more
            return {"type": "http.request", "body": chunk, "more_body": more}

        try:
            await self.app(replay_scope, replay_receive, send)
        finally:
            spooled.close()


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return bytes(value)
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


async def _spool(
    receive: Receive, limit: int, drain_cap: int
) -> SpooledTemporaryFile[bytes] | None:
    """The whole body in a spooled file, or None (after draining) when it passes `limit`."""
    spooled: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            spooled.close()
            if message.get("more_body", False):
                await _drain(receive, drain_cap)
            return None
        if chunk:
            await asyncio.to_thread(spooled.write, chunk)
        if not message.get("more_body", False):
            break
    return spooled


async def _drain(receive: Receive, cap: int) -> None:
    drained = 0
    while drained <= cap:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _send_error(send: Send, error: ApiError) -> None:
    body = orjson.dumps(error.body())
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
