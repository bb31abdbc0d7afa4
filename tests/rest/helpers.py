"""Small helpers shared by the REST tests (all over real HTTP)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import Executable, text

from server_impl.db.engine import Database, create_engine
from server_impl.settings import Settings
from tests.conftest import TEST_SECRET, ApiUser


def create_meeting(client: httpx.Client, user: ApiUser, **body: Any) -> dict[str, Any]:
    """POST /meetings as `user` (asserts 201), returns `data`."""
    response = client.post("/meetings", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def join(client: httpx.Client, user: ApiUser, number: str, **body: Any) -> httpx.Response:
    """POST /meetings/{number}/join as `user`."""
    return client.post(f"/meetings/{number}/join", json=body, headers=user.headers)


def assert_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    """The response is `{code, message, details?}` with this status and code."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"code", "message", "details"}
    return body


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge_token(
    claims: dict[str, Any],
    *,
    secret: str = TEST_SECRET,
    alg: str = "HS256",
    header: dict[str, Any] | None = None,
) -> str:
    """A JWT built by hand (any algorithm name, any key), to attack the server with."""
    head = b64url(json.dumps(header or {"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    signing_input = f"{head}.{body}".encode()
    if alg == "none":
        return f"{head}.{body}."
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(signature)}"


def claims_for(user_id: str, typ: str = "access", **overrides: Any) -> dict[str, Any]:
    """Claims like the server issues (valid unless overridden)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "contractkit",
        "aud": "contractkit-api",
        "sub": user_id,
        "iat": now,
        "exp": now + 3600,
        "jti": "forged" + str(time.time_ns()),
        "typ": typ,
        "ver": 0,
    }
    claims.update(overrides)
    return claims


def sql(settings: Settings, statement: str | Executable, **params: Any) -> list[Any]:
    """Run one statement (SQL text or SQLAlchemy) on the server's database, in a thread
    of its own (usable from sync and async tests); returns the rows, if any."""

    async def run() -> list[Any]:
        db = Database(create_engine(settings))
        try:
            async with db.write() as session:
                stmt = text(statement) if isinstance(statement, str) else statement
                result = await session.execute(stmt, params)
                return list(result.all()) if result.returns_rows else []  # type: ignore[attr-defined]
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()
