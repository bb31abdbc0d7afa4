"""Connecting: `connected`, token failures (error, then 4001/4002), Origin allow-list (4003),
the one-connection-per-user policy (4004) and tokens kept out of the server's logs."""

from __future__ import annotations

import logging
import time
from typing import Any

import jwt
import pytest

from tests.ws.live_ws import ALLOWED_ORIGIN, World


async def test_connected_carries_the_user_and_the_timers(world: World) -> None:
    user = await world.user()
    client = await world.open(user)
    frame = await client.next("connected", user_id=user.id)
    assert frame["seq"] == 1
    data = frame["data"]
    assert data["connection_id"].startswith("conn_")
    assert data["heartbeat_interval_ms"] == 30_000
    assert data["heartbeat_timeout_ms"] == 60_000
    assert data["resume_window_ms"] == 120_000
    pong = await client.sync()
    assert pong == []


@pytest.mark.parametrize("token", [None, "", "not-a-jwt", "a.b.c"])
async def test_missing_or_invalid_token_gets_40103_then_4001(world: World, token: Any) -> None:
    client = await world.open(None, token=token)
    error = await client.next("error", code=40103, request_seq=None)
    assert error["seq"] == 1
    assert await client.closed() == (4001, "")


async def test_expired_token_gets_40102_then_4002(world: World) -> None:
    user = await world.user()
    settings = world.server.settings
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": user.id,
        "iat": now - 7200,
        "exp": now - 3600,
        "jti": "expired-token-test",
        "typ": "access",
        "ver": 0,
    }
    token = jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    client = await world.open(None, token=token)
    await client.next("error", code=40102, request_seq=None)
    assert (await client.closed())[0] == 4002


async def test_refresh_token_and_revoked_access_token_are_refused(world: World) -> None:
    user = await world.user()
    refresh = await world.open(None, token=user.refresh_token)  # wrong token type
    await refresh.next("error", code=40103)
    assert (await refresh.closed())[0] == 4001
    resp = await world.rest.http.post(
        "/auth/logout",
        json={"refresh_token": user.refresh_token},
        headers={"Authorization": f"Bearer {user.token}"},
    )
    assert resp.status_code == 200, resp.text
    revoked = await world.open(None, token=user.token)
    await revoked.next("error", code=40103)
    assert (await revoked.closed())[0] == 4001


@pytest.mark.parametrize("origin", ["https://evil.example.com", "null", "http://127.0.0.2:1"])
async def test_foreign_origin_is_closed_with_4003(world: World, origin: Any) -> None:
    user = await world.user()
    client = await world.open(user, origin=origin)
    assert await client.closed() == (4003, "")
    assert client.received == []


async def test_allowed_same_and_absent_origins_connect(world: World) -> None:
    user = await world.user()
    same_origin = world.server.url
    for origin in (ALLOWED_ORIGIN, same_origin, None):
        client = await world.connect(user, origin=origin)
        assert await client.sync() == []
        await client.close()


async def test_a_second_connection_replaces_the_first_without_flapping(world: World) -> None:
    meeting = await world.meeting(2)
    a1, b = await world.in_room(meeting)
    a2 = await world.connect(meeting.users[0])
    assert await a1.closed() == (4004, "session replaced")
    snapshot = await a2.join(meeting.id)
    assert snapshot["data"]["participant_count"] == 2
    assert await b.sync() == []  # no user_left / user_joined for the replaced socket
    await a2.send("chat_message", {"room_id": meeting.id, "content": "from the new socket"})
    await a2.next("chat_message", content="from the new socket")
    await b.next("chat_message", content="from the new socket")


async def test_the_token_never_reaches_the_server_log(world: World) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self: Any, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("uvicorn.error")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        user = await world.user()
        client = await world.connect(user)
        await client.sync()
        bad = await world.open(None, token=user.token + "x")
        await bad.closed()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [r.getMessage() for r in records]
    assert any("access_token=[redacted]" in line for line in lines), lines
    assert not any(user.token[:40] in line for line in lines), lines
