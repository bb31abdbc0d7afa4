"""The fixed cost of the Connexion layer per request, in process, without the database.

The same handler (a constant `User`) and the same token check (JWT decode only) are served
once through the generated Connexion app (as in production: response validation on, no
Swagger UI router) and once through a bare Starlette route; ASGI calls are made directly
(no sockets). The overhead is the difference of the median per-request times.

    python -m benchmarks.rest.overhead [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generated import models as m
from generated.server.app import HandlerSet
from generated.server.context import Principal, RequestContext
from generated.server.interfaces import HANDLER_CLASSES, UsersHandlers
from server_impl.app import make_connexion_app
from server_impl.auth.tokens import TokenService
from server_impl.db.engine import Database, create_engine
from server_impl.settings import Settings

SECRET = "bench-secret-" + "s" * 40
USER = m.User(
    id="user_0123456789abcdef01234567",
    email="bench@example.com",
    nickname="基准",
    avatar=None,
    created_at=datetime(2026, 1, 1, tzinfo=UTC),
    updated_at=datetime(2026, 1, 1, tzinfo=UTC),
)


class ConstantUsers(UsersHandlers):
    """`get_current_user` without a database."""

    async def get_current_user(self, ctx: RequestContext) -> m.User:
        """The constant user."""
        return USER


def _apps(validate_responses: bool) -> tuple[Any, Any, str]:
    settings = Settings(jwt_secret=SECRET, database_url="sqlite+aiosqlite:///:memory:")
    tokens = TokenService(settings, Database(create_engine(settings)), SECRET)
    token = tokens.issue(USER.id, 0).access_token

    async def authenticate(raw: str) -> Principal:
        claims = tokens.decode(raw, "access")
        return Principal(user_id=claims["sub"], claims=claims)

    handlers = {name: cls() for name, cls in HANDLER_CLASSES.items()}
    handlers["users"] = ConstantUsers()
    connexion_app = make_connexion_app(
        HandlerSet(**handlers), authenticate, validate_responses=validate_responses
    )

    async def users_me(request: Request) -> Response:
        _, _, raw = request.headers.get("authorization", "").partition(" ")
        principal = await authenticate(raw)
        ctx = RequestContext(principal.user_id, principal.claims, "", request.headers, request)
        user = await ConstantUsers().get_current_user(ctx)
        body = {"code": 0, "message": "成功", "data": user.model_dump(mode="json")}
        return Response(orjson.dumps(body), media_type="application/json")

    bare = Starlette(routes=[Route("/v1/users/me", users_me, methods=["GET"])])
    return connexion_app, bare, token


async def _time(app: Any, token: str, requests: int) -> list[float]:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/users/me",
        "raw_path": b"/v1/users/me",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 40000),
        "server": ("bench", 80),
    }
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    for _ in range(500):  # warm up (builds Connexion's middleware stack)
        await app(dict(scope), receive, send)
    if set(status) != {200}:
        raise RuntimeError(f"unexpected statuses {set(status)}")
    gc.collect()
    gc.freeze()
    samples = []
    for _ in range(requests):
        start = time.perf_counter_ns()
        await app(dict(scope), receive, send)
        samples.append((time.perf_counter_ns() - start) / 1000)
    gc.unfreeze()
    return samples


async def measure(requests: int = 20_000, validate_responses: bool = True) -> dict[str, Any]:
    """Median/mean µs per request through Connexion and bare Starlette, and the difference."""
    connexion_app, bare, token = _apps(validate_responses)
    # interleave the two, three rounds each, to even out drift
    results: dict[str, list[float]] = {"connexion": [], "bare": []}
    for _ in range(3):
        results["connexion"] += await _time(connexion_app, token, requests // 3)
        results["bare"] += await _time(bare, token, requests // 3)
    out: dict[str, Any] = {"requests": requests, "validate_responses": validate_responses}
    for name, samples in results.items():
        out[f"{name}_median_us"] = round(statistics.median(samples), 1)
        out[f"{name}_mean_us"] = round(statistics.fmean(samples), 1)
    out["overhead_median_us"] = round(out["connexion_median_us"] - out["bare_median_us"], 1)
    out["overhead_mean_us"] = round(out["connexion_mean_us"] - out["bare_mean_us"], 1)
    return out


def main() -> None:
    """Print the measurement as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--no-validate-responses", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(measure(args.requests, not args.no_validate_responses))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
