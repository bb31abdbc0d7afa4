"""Resume: a client that reconnects within the window receives every missed room event, in
order, nothing duplicated; past the window (or without history) it gets `resume_failed` and a
fresh snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.ws.live_ws import World, start_ws_server


@pytest.fixture(scope="module")
def sticky_server(start_server: Callable[..., Any]) -> Any:
    """A long grace period: a dropped client keeps its place while it reconnects."""
    return start_ws_server(start_server, disconnect_grace_ms=30_000, history_size=4)


@pytest.fixture(scope="module")
def short_window_server(start_server: Callable[..., Any]) -> Any:
    """A 600 ms resume window after a 50 ms grace period."""
    return start_ws_server(start_server, disconnect_grace_ms=50, resume_window_ms=600)


async def chat(client: Any, room_id: str, text: str) -> None:
    await client.send("chat_message", {"room_id": room_id, "content": text})


async def test_resume_within_grace_replays_everything_and_does_not_flap(
    sticky_server: Any, make_world: Callable[[Any], World]
) -> None:
    world: World = make_world(sticky_server)
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    await chat(a, meeting.id, "seen")
    await a.next("chat_message")
    await b.next("chat_message")
    b.drop()
    for text in ("missed 1", "missed 2"):
        await chat(a, meeting.id, text)
        await a.next("chat_message", content=text)
    await a.send("media_control", {"room_id": meeting.id, "action": "mute_video", "value": True})
    state = await a.next("media_state_changed", video_muted=True)
    b2 = await world.connect(meeting.users[1], room_seqs=b.room_seqs)
    last = b.room_seqs[meeting.id]
    await b2.send("resume", {"room_id": meeting.id, "last_room_seq": last})
    resumed = await b2.next("resumed", room_id=meeting.id, replayed=3)
    assert resumed["data"]["room_seq"] == state["data"]["room_seq"]
    replay = [await b2.recv() for _ in range(3)]
    assert [f["type"] for f in replay] == ["chat_message", "chat_message", "media_state_changed"]
    assert [f["data"].get("content") for f in replay[:2]] == ["missed 1", "missed 2"]
    await chat(a, meeting.id, "live again")
    await b2.next("chat_message", content="live again")
    events = await a.sync()
    assert [f["type"] for f in events] == ["chat_message"]  # no user_left / user_joined


async def test_resume_after_the_grace_period_replays_the_departure_and_rejoins(
    world: World,
) -> None:
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    b.drop()
    await a.next("user_left", user_id=meeting.users[1].id, reason="disconnected")
    await chat(a, meeting.id, "while you were away")
    await a.next("chat_message")
    b2 = await world.connect(meeting.users[1], room_seqs=b.room_seqs)
    await b2.send("resume", {"room_id": meeting.id, "last_room_seq": b.room_seqs[meeting.id]})
    await b2.next("resumed", replayed=2)
    await b2.next("user_left", user_id=meeting.users[1].id, reason="disconnected")
    await b2.next("chat_message", content="while you were away")
    for client in (a, b2):  # back in the room, announced to everyone
        joined = await client.next("user_joined", participant_count=2)
        assert joined["data"]["user"]["id"] == meeting.users[1].id


async def test_resume_past_the_window_fails_with_a_fresh_snapshot(
    short_window_server: Any, make_world: Callable[[Any], World]
) -> None:
    world: World = make_world(short_window_server)
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    b.drop()
    await a.next("user_left", reason="disconnected")
    await asyncio.sleep(1.0)  # outlive the 600 ms window
    b2 = await world.connect(meeting.users[1])
    await b2.send("resume", {"room_id": meeting.id, "last_room_seq": b.room_seqs[meeting.id]})
    await b2.next("resume_failed", room_id=meeting.id, reason="window_expired")
    snapshot = await b2.next("room_snapshot", participant_count=2)
    assert snapshot["data"]["room_seq"] > b.room_seqs[meeting.id]
    await a.next("user_joined", participant_count=2)


async def test_resume_without_the_history_fails_with_a_fresh_snapshot(
    sticky_server: Any, make_world: Callable[[Any], World]
) -> None:
    world: World = make_world(sticky_server)
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    b.drop()
    for i in range(6):  # more than the 4 events the server keeps
        await chat(a, meeting.id, f"m{i}")
        await a.next("chat_message")
    b2 = await world.connect(meeting.users[1])
    await b2.send("resume", {"room_id": meeting.id, "last_room_seq": b.room_seqs[meeting.id]})
    await b2.next("resume_failed", reason="history_unavailable")
    snapshot = await b2.next("room_snapshot", participant_count=2)
    assert snapshot["data"]["recent_messages"][-1]["content"] == "m5"
    assert await a.sync() == []  # b kept its place: nothing to announce
    for bogus in (0, snapshot["data"]["room_seq"] + 10):
        await b2.send("resume", {"room_id": meeting.id, "last_room_seq": bogus})
        await b2.next("resume_failed", reason="history_unavailable")
        await b2.next("room_snapshot")


async def test_resume_of_a_room_never_entered(world: World) -> None:
    meeting = await world.meeting(2)
    a = await world.connect(meeting.host)
    await a.send("resume", {"room_id": meeting.id, "last_room_seq": 5})
    await a.next("resume_failed", reason="history_unavailable")  # the room is not open yet
    await a.next("room_snapshot", participant_count=1)
    b = await world.connect(meeting.users[1])
    await b.send("resume", {"room_id": meeting.id, "last_room_seq": 5})
    await b.next("resume_failed", reason="not_in_room")
    await b.next("room_snapshot", participant_count=2)  # admitted, so it enters
    stranger = await world.connect(await world.user())
    await stranger.send("resume", {"room_id": meeting.id, "last_room_seq": 5})
    await stranger.next("resume_failed", reason="not_in_room")
    assert await stranger.sync() == []  # not admitted: no snapshot


async def test_resume_into_an_ended_meeting_replays_the_end_then_closes(
    sticky_server: Any, make_world: Callable[[Any], World]
) -> None:
    world: World = make_world(sticky_server)
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    b.drop()
    await world.rest.end(meeting.host.token, meeting.id)
    ended = await a.next("meeting_ended")
    assert (await a.closed())[0] == 4010
    b2 = await world.connect(meeting.users[1], room_seqs=b.room_seqs)
    await b2.send("resume", {"room_id": meeting.id, "last_room_seq": b.room_seqs[meeting.id]})
    await b2.next("resumed", replayed=1)
    replayed = await b2.next("meeting_ended")
    assert replayed["data"] == ended["data"]
    assert (await b2.closed())[0] == 4010
