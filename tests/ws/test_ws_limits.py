"""Bad input and limits: every refusal is an `error` with `request_seq` and the socket stays
up; frames over the cap get 41302 (over the protocol cap: 1009); floods get 42901 then 4029;
silent sockets are closed with 4008."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.ws.live_ws import World, start_ws_server


@pytest.mark.parametrize(
    ("raw", "code", "request_seq"),
    [
        ("not json", 40005, None),
        ("{", 40005, None),
        ("[1, 2]", 40005, None),
        ('"ping"', 40005, None),
        (b"\xff\xfe\x00binary", 40005, None),
        ('{"type": "teleport", "seq": 7, "timestamp": 1, "data": {}}', 40010, 7),
        ('{"type": "ping", "seq": 8, "timestamp": 1}', 40003, 8),
        ('{"type": "ping", "seq": 9, "timestamp": 1, "data": {"client_time": "now"}}', 40004, 9),
        ('{"type": "join_room", "seq": 10, "timestamp": 1, "data": {"room_id": ""}}', 40004, 10),
        ('{"type": "join_room", "seq": -1, "timestamp": 1, "data": {"room_id": "r"}}', 40004, None),
        ('{"type": 5, "seq": 11, "timestamp": 1, "data": {}}', 40004, 11),
        ('{"seq": 12, "timestamp": 1, "data": {}}', 40003, 12),
        ('{"type": "ping", "seq": 13, "timestamp": 1, "data": {}, "extra": 1}', 40004, 13),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays(
    world: World, raw: Any, code: Any, request_seq: Any
) -> None:
    client = await world.connect(await world.user())
    await client.send_raw(raw)
    await client.error_for(request_seq, code)
    assert await client.sync() == []


async def test_frames_over_64_kib_get_41302_and_the_socket_stays(world: World) -> None:
    meeting = await world.meeting(1)
    (client,) = await world.in_room(meeting)
    room = {"room_id": meeting.id}
    envelope: dict[str, Any] = {"type": "chat_message", "seq": 21, "timestamp": 1, "data": room}
    big = json.dumps({**envelope, "data": {**room, "content": "x" * 66_000}})
    await client.send_raw(big)
    error = await client.error_for(21, 41302)
    assert error["data"]["details"]["max_bytes"] == 65_536
    at_cap = json.dumps({**envelope, "seq": 22, "data": {**room, "content": ""}})
    at_cap = at_cap.replace('"content": ""', '"content": "' + "y" * (65_536 - len(at_cap)) + '"')
    assert len(at_cap.encode()) == 65_536
    await client.send_raw(at_cap)
    await client.error_for(22, 40004)  # within the cap: parsed, then too long for the schema
    assert await client.sync() == []


async def test_frames_over_the_protocol_cap_close_with_1009(world: World) -> None:
    client = await world.connect(await world.user())
    await client.send_raw("z" * (1024 * 1024 + 1))
    assert (await client.closed())[0] == 1009


@pytest.fixture(scope="module")
def strict_server(start_server: Callable[..., Any]) -> Any:
    """Small limits: 5 messages/s (burst 5, 10 more tolerated)."""
    return start_ws_server(start_server, rate_per_second=5.0, rate_burst=5, rate_flood_tolerance=10)


@pytest.fixture(scope="module")
def heartbeat_server(start_server: Callable[..., Any]) -> Any:
    """A 500 ms heartbeat timeout."""
    return start_ws_server(start_server, heartbeat_timeout_ms=500)


async def test_a_flood_gets_42901_then_4029(
    strict_server: Any, make_world: Callable[[Any], World]
) -> None:
    world: World = make_world(strict_server)
    client = await world.connect(await world.user())
    for seq in range(1, 41):
        await client.send("ping", {"client_time": seq}, seq=seq)
    pongs, limited = 0, 0
    for seq in range(1, 41):
        frame = await client.recv()
        if frame["type"] == "pong":
            assert limited == 0 and frame["data"]["client_time"] == seq
            pongs += 1
        else:
            assert frame["type"] == "error" and frame["data"]["code"] == 42901, frame
            assert frame["data"]["request_seq"] == seq
            limited += 1
            if limited > 10:
                break
    assert pongs >= 5 and limited == 11
    assert (await client.closed())[0] == 4029


async def test_a_client_that_slows_down_recovers(
    strict_server: Any, make_world: Callable[[Any], World]
) -> None:
    world: World = make_world(strict_server)
    client = await world.connect(await world.user())
    for seq in range(1, 9):
        await client.send("ping", {"client_time": seq}, seq=seq)
    types = [(await client.recv())["type"] for _ in range(8)]
    assert "error" in types
    await asyncio.sleep(1.2)  # the bucket refills at 5/s
    assert await client.sync() == []


async def test_a_silent_socket_is_closed_with_4008(
    heartbeat_server: Any, make_world: Callable[[Any], World]
) -> None:
    world: World = make_world(heartbeat_server)
    client = await world.connect(await world.user())
    assert await client.closed() == (4008, "heartbeat timeout")


async def test_a_pinging_socket_stays_open(
    heartbeat_server: Any, make_world: Callable[[Any], World]
) -> None:
    world: World = make_world(heartbeat_server)
    client = await world.connect(await world.user())
    for _ in range(8):  # 1.6 s of pings, over three heartbeat timeouts
        assert await client.sync() == []
        await asyncio.sleep(0.2)
    assert await client.sync() == []
