"""A client that stops reading cannot stall its room: the others keep chatting, and once its
queue passes the cap the server closes it as a slow consumer (1008)."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.ws.live_ws import World, WsClient, start_ws_server


@pytest.fixture(scope="module")
def small_queue_server(start_server: Callable[..., Any]) -> Any:
    """A 20-frame cap on what may wait for one client."""
    return start_ws_server(start_server, max_outbox_frames=20)


async def stalled_client(world: World, token: str) -> WsClient:
    """A client with a tiny receive buffer that reads nothing unless asked to."""
    host, port = world.server.url.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    ws = await connect(
        f"{world.ws_url}?access_token={token}", sock=sock, max_queue=1, ping_interval=None
    )
    client = WsClient(ws, "stalled")
    world.clients.append(client)
    return client


async def test_a_stalled_reader_does_not_stall_the_room(
    small_queue_server: Any, make_world: Callable[[Any], World]
) -> None:
    world: World = make_world(small_queue_server)
    meeting = await world.meeting(2)
    active = await world.connect(meeting.users[0])
    await active.join(meeting.id)
    slow = await stalled_client(world, meeting.users[1].token)
    await slow.next("connected")
    await slow.join(meeting.id)
    await active.next("user_joined")
    sent = 0
    for _ in range(3000):  # 2,000 random characters each: barely compressible
        content = secrets.token_urlsafe(1500)[:2000]
        await active.send("chat_message", {"room_id": meeting.id, "content": content})
        await active.next("chat_message", content=content)  # the sender never waits for `slow`
        sent += 1
        if sent % 50 == 0 and slow.ws.transport.is_closing():
            break
    code, reason = await asyncio.wait_for(slow.closed(), 60)
    assert (code, reason) == (1008, "slow consumer")
    assert len(slow.received) < sent  # it was cut off, not served everything
    left = await active.next("user_left", user_id=meeting.users[1].id)  # after its grace period
    assert left["data"]["reason"] == "disconnected"
    await active.send("chat_message", {"room_id": meeting.id, "content": "still fine"})
    await active.next("chat_message", content="still fine")
