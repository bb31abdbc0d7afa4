"""Media state (broadcast and visible over REST) and chat (broadcast, bounds, persistence)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.ws.live_ws import World, start_ws_server


async def test_media_control_is_broadcast_and_shows_in_rest(world: World) -> None:
    meeting = await world.meeting(3)
    a, b, c = await world.in_room(meeting)
    me = meeting.users[1].id
    await b.send("media_control", {"room_id": meeting.id, "action": "mute_audio", "value": True})
    for client in (a, b, c):
        await client.next("media_state_changed", user_id=me, audio_muted=True, video_muted=False)
    await b.send("media_control", {"room_id": meeting.id, "action": "mute_video", "value": True})
    for client in (a, b, c):
        await client.next("media_state_changed", user_id=me, audio_muted=True, video_muted=True)
    await b.send("media_control", {"room_id": meeting.id, "action": "mute_audio", "value": False})
    for client in (a, b, c):
        await client.next("media_state_changed", user_id=me, audio_muted=False, video_muted=True)
    detail = await world.rest.detail(meeting.host.token, meeting.id)
    mine = next(p for p in detail["participants"] if p["user_id"] == me)
    assert (mine["audio_muted"], mine["video_muted"]) == (False, True)
    late = await world.connect(meeting.users[2])  # replaces c; its snapshot has the state
    snapshot = await late.join(meeting.id)
    mine = next(p for p in snapshot["data"]["participants"] if p["user_id"] == me)
    assert (mine["audio_muted"], mine["video_muted"]) == (False, True)


async def test_media_control_outside_the_room_is_refused(world: World) -> None:
    meeting = await world.meeting(1)
    client = await world.connect(meeting.host)
    data = {"room_id": meeting.id, "action": "mute_audio", "value": True}
    seq = await client.send("media_control", data)
    await client.error_for(seq, 40303)
    seq = await client.send("media_control", {**data, "action": "mute_screen"})
    await client.error_for(seq, 40004)


async def test_chat_reaches_everyone_with_the_servers_fields(world: World) -> None:
    meeting = await world.meeting(3)
    clients = await world.in_room(meeting)
    sender = meeting.users[2]
    await clients[2].send("chat_message", {"room_id": meeting.id, "content": "大家好"})
    frames = [await client.next("chat_message") for client in clients]
    data = frames[0]["data"]
    assert all(f["data"] == data for f in frames)
    assert re.fullmatch(r"msg_[0-9a-f]{24}", data["message_id"])
    assert data["sender"] == {"id": sender.id, "nickname": sender.nickname, "avatar": None}
    assert data["content"] == "大家好"
    assert data["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("content", "code"),
    [("", 40004), ("x" * 2001, 40004), ("a\u0000b", 40004), (None, 40003)],
)
async def test_chat_content_is_bounded(world: World, content: Any, code: Any) -> None:
    meeting = await world.meeting(1)
    (client,) = await world.in_room(meeting)
    data = (
        {"room_id": meeting.id} if content is None else {"room_id": meeting.id, "content": content}
    )
    seq = await client.send("chat_message", data)
    error = await client.error_for(seq, code)
    assert error["data"]["details"]
    longest = "界" * 2000  # 2000 characters (6000 bytes) is fine
    await client.send("chat_message", {"room_id": meeting.id, "content": longest})
    await client.next("chat_message", content=longest)


async def test_chat_is_persisted_with_the_meeting(
    start_server: Callable[..., Any],
    make_settings: Callable[..., Any],
    make_world: Callable[[Any], World],
) -> None:
    settings = make_settings(extra={"ws": {"snapshot_messages": 3}})
    server = start_server(settings)
    world: World = make_world(server)
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    sent = []
    for i in range(4):
        await a.send("chat_message", {"room_id": meeting.id, "content": f"m{i}"})
        sent.append((await a.next("chat_message"))["data"])
        await b.next("chat_message")
    await world.aclose()
    server.stop()  # a graceful stop stores what is still queued

    restarted = start_server(settings)
    world2: World = make_world(restarted)
    client = await world2.connect(meeting.users[1])
    snapshot = (await client.join(meeting.id))["data"]
    assert snapshot["recent_messages"] == sent[-3:]
    assert snapshot["room_seq"] > sent[-1]["room_seq"]  # room_seq keeps increasing
    await client.send("chat_message", {"room_id": meeting.id, "content": "after restart"})
    after = await client.next("chat_message")
    assert after["data"]["room_seq"] > snapshot["room_seq"]


async def test_a_restarted_server_does_not_reuse_room_seqs(
    start_server: Callable[..., Any], make_world: Callable[[Any], World]
) -> None:
    server = start_ws_server(start_server)
    world: World = make_world(server)
    meeting = await world.meeting(1)
    (client,) = await world.in_room(meeting)
    await client.send(
        "media_control", {"room_id": meeting.id, "action": "mute_audio", "value": True}
    )
    last = (await client.next("media_state_changed"))["data"]["room_seq"]
    await world.aclose()
    server.stop()
    again = start_server(server.settings)
    world2: World = make_world(again)
    fresh = await world2.connect(meeting.host)
    snapshot = await fresh.join(meeting.id)
    assert snapshot["data"]["room_seq"] > last
