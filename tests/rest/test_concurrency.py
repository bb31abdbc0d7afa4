"""Races over real HTTP: the capacity holds exactly, a refresh token is spent exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.conftest import LiveServer, register_user

from .helpers import create_meeting


async def _gather_posts(server: LiveServer, requests: list[tuple[str, dict, dict]]) -> list:
    """Fire all requests at once, each on its own connection."""

    async def one(path: str, body: dict, headers: dict) -> httpx.Response:
        async with server.async_client() as client:
            return await client.post(path, json=body, headers=headers)

    return await asyncio.gather(*(one(*r) for r in requests))


async def test_joins_racing_for_the_last_seats_never_overfill(server: LiveServer) -> None:
    with server.client() as api:
        host = register_user(api)
        users = [register_user(api) for _ in range(12)]
        meeting = create_meeting(api, host, max_participants=4)
    number = meeting["meeting_number"]
    responses = await _gather_posts(
        server, [(f"/meetings/{number}/join", {}, u.headers) for u in users]
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 4, 409: 8}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {40902}
    with server.client() as api:
        detail = api.get(f"/meetings/{meeting['id']}", headers=host.headers).json()["data"]
    assert detail["participant_count"] == 4
    winners = {r.json()["data"]["participants"][-1]["user_id"] for r in responses if r.is_success}
    assert {p["user_id"] for p in detail["participants"]} <= {u.id for u in users}
    assert len(winners) <= 4


async def test_one_user_joining_many_times_at_once_counts_once(server: LiveServer) -> None:
    with server.client() as api:
        host, guest = register_user(api), register_user(api)
        meeting = create_meeting(api, host, max_participants=2)
    number = meeting["meeting_number"]
    responses = await _gather_posts(
        server, [(f"/meetings/{number}/join", {}, guest.headers) for _ in range(8)]
    )
    assert {r.status_code for r in responses} == {200}
    with server.client() as api:
        detail = api.get(f"/meetings/{meeting['id']}", headers=host.headers).json()["data"]
    assert detail["participant_count"] == 1


async def test_two_refreshes_racing_with_one_token_one_wins(server: LiveServer) -> None:
    with server.client() as api:
        user = register_user(api)
    for _ in range(3):
        responses = await _gather_posts(
            server,
            [("/auth/refresh", {"refresh_token": user.refresh_token}, {}) for _ in range(2)],
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 401]
        loser = next(r for r in responses if r.status_code == 401)
        assert loser.json()["code"] == 40103
        user.refresh_token = next(r for r in responses if r.is_success).json()["data"][
            "refresh_token"
        ]


async def test_many_refreshes_racing_exactly_one_wins(server: LiveServer) -> None:
    with server.client() as api:
        user = register_user(api)
    responses = await _gather_posts(
        server, [("/auth/refresh", {"refresh_token": user.refresh_token}, {}) for _ in range(10)]
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 401: 9}


async def test_concurrent_creations_get_distinct_numbers(server: LiveServer) -> None:
    with server.client() as api:
        host = register_user(api)
    responses = await _gather_posts(server, [("/meetings", {}, host.headers) for _ in range(20)])
    assert {r.status_code for r in responses} == {201}
    numbers = {r.json()["data"]["meeting_number"] for r in responses}
    assert len(numbers) == 20


async def test_concurrent_registrations_of_one_email_create_one_account(
    server: LiveServer,
) -> None:
    body = {"email": f"race{id(server)}{asyncio.get_running_loop().time()}@example.com"}
    body.update(password="Password123", nickname="竞争")
    responses = await _gather_posts(server, [("/auth/register", body, {}) for _ in range(6)])
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 5}
