"""WebRTC end to end: two aiortc peers log in over REST, join, and exchange offer, answer and
ICE only through our WebSocket; it passes when a data channel opens and carries a message
both ways."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from tests.ws.live_ws import World
from tests.ws.rtc_peer import SignalingPeer


async def pump(client: Any, peer: SignalingPeer) -> None:
    """Feed every relayed signaling message to the peer."""
    while True:
        frame = await client.recv(timeout=60)
        if frame["type"] in ("webrtc_offer", "webrtc_answer", "ice_candidate"):
            await peer.handle(frame)


async def test_two_aiortc_peers_connect_through_the_relay(world: World) -> None:
    alice = await world.login(await world.user("alice"))
    bob = await world.login(await world.user("bob"))
    meeting = await world.rest.create_meeting(alice.token, title="p2p")
    for user in (alice, bob):
        await world.rest.join(user.token, meeting["meeting_number"])
    a = await world.connect(alice)
    await a.join(meeting["id"])
    b = await world.connect(bob)
    await b.join(meeting["id"])
    await a.next("user_joined")

    caller = SignalingPeer(a.send, meeting["id"], bob.id)
    callee = SignalingPeer(b.send, meeting["id"], alice.id)
    pumps = [asyncio.create_task(pump(a, caller)), asyncio.create_task(pump(b, callee))]
    try:
        await caller.call()
        await asyncio.wait_for(asyncio.gather(caller.opened.wait(), callee.opened.wait()), 30)
        assert caller.channel is not None and callee.channel is not None
        caller.channel.send("hello from alice")
        assert await asyncio.wait_for(callee.messages.get(), 10) == "hello from alice"
        callee.channel.send("hello from bob")
        assert await asyncio.wait_for(caller.messages.get(), 10) == "hello from bob"
    finally:
        for task in pumps:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await caller.close()
        await callee.close()
    # every description and candidate came through our socket
    assert caller.relayed["sdp"] == 1 and callee.relayed["sdp"] == 1
    assert caller.relayed["ice"] >= 2 and callee.relayed["ice"] >= 2
