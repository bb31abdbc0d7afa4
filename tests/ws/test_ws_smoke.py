"""Smoke: connect, join, chat between two users."""

from __future__ import annotations

from tests.ws.live_ws import World


async def test_two_users_chat(world: World) -> None:
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    await a.send("chat_message", {"room_id": meeting.id, "content": "hi"})
    got_a = await a.next("chat_message", content="hi")
    got_b = await b.next("chat_message", content="hi")
    assert got_a["data"] == got_b["data"]
