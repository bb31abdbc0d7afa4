"""Users and meetings for the load, created through the real REST API (register, create,
join), so every socket is authenticated and admitted exactly like a real client."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

import httpx


@dataclass
class Member:
    """A registered user admitted to `room_id`."""

    user_id: str
    token: str
    room_id: str = ""
    email: str = ""
    password: str = ""


class Rest:
    """The few REST calls the benchmark needs."""

    def __init__(self, api_url: str, concurrency: int = 48) -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.http = httpx.AsyncClient(base_url=api_url, timeout=120, limits=limits)
        self.gate = asyncio.Semaphore(concurrency)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def post(self, path: str, token: str | None = None, body: object = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.gate:
            resp = await self.http.post(path, json=body, headers=headers)
        if resp.status_code >= 300:
            raise RuntimeError(f"POST {path}: {resp.status_code} {resp.text[:300]}")
        data: dict = resp.json().get("data") or {}
        return data

    async def register(self, nickname: str) -> Member:
        email = f"bench-{secrets.token_hex(8)}@example.com"
        password = "Bench" + secrets.token_hex(6) + "1"
        body = {"email": email, "password": password, "nickname": nickname}
        data = await self.post("/auth/register", body=body)
        return Member(data["user"]["id"], data["tokens"]["access_token"], "", email, password)

    async def create_meeting(self, host: Member, size: int) -> tuple[str, str]:
        data = await self.post("/meetings", host.token, {"max_participants": max(2, size)})
        return str(data["id"]), str(data["meeting_number"])

    async def join(self, member: Member, number: str) -> None:
        await self.post(f"/meetings/{number}/join", member.token)


async def populate(rest: Rest, users: int, room_size: int = 4) -> list[list[Member]]:
    """`users` users in rooms of `room_size`, everyone admitted over REST."""
    members = await asyncio.gather(*(rest.register(f"b{i}") for i in range(users)))
    rooms = [list(members[i : i + room_size]) for i in range(0, users, room_size)]

    async def admit(room: list[Member]) -> None:
        room_id, number = await rest.create_meeting(room[0], room_size)
        for member in room:
            member.room_id = room_id
        await asyncio.gather(*(rest.join(m, number) for m in room))

    await asyncio.gather(*(admit(room) for room in rooms))
    return rooms
