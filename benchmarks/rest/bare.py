"""The baseline: bare Starlette endpoints doing the same work as the Connexion operations.

Same token check (`TokenService.authenticate`: JWT + revocation/version read), same service
calls and database reads, same envelope and orjson encoding; only Connexion's layers
(routing, security, request/response validation, parameter handling) are missing.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generated.errors import ApiError
from generated.models import ErrorCode
from server_impl.services import Services


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _ok(message: str, data: BaseModel) -> Response:
    return _json(200, {"code": 0, "message": message, "data": data.model_dump(mode="json")})


async def _user_id(services: Services, request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(ErrorCode.TOKEN_INVALID)
    return (await services.tokens.authenticate(token)).user_id


def bare_routes(services: Services) -> list[Route]:
    """`GET /bare/users/me` and `POST /bare/meetings/{number}/join`."""

    async def users_me(request: Request) -> Response:
        try:
            user_id = await _user_id(services, request)
            return _ok("成功", await services.accounts.me(user_id))
        except ApiError as exc:
            return _json(exc.status, exc.body())

    async def join(request: Request) -> Response:
        try:
            user_id = await _user_id(services, request)
            raw = await request.body()
            body = orjson.loads(raw) if raw else {}
            info = await services.meetings.join(
                user_id,
                request.path_params["number"],
                body.get("password"),
                bool(body.get("audio_muted", False)),
                bool(body.get("video_muted", False)),
                f"ws://{request.url.netloc}/v1/ws",
            )
            return _ok("成功加入会议", info)
        except ApiError as exc:
            return _json(exc.status, exc.body())

    return [
        Route("/bare/users/me", users_me, methods=["GET"]),
        Route("/bare/meetings/{number}/join", join, methods=["POST"]),
    ]
