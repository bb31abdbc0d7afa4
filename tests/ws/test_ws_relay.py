"""WebRTC relay: offer, answer and ICE reach only the addressed participant of the same room,
with the sender set by the server; no spoofing, no reaching other rooms."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ws.live_ws import World

SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {
    "candidate": "candidate:1 1 UDP 2122252543 192.168.1.2 54321 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


@pytest.mark.parametrize(
    ("type_", "payload"),
    [
        ("webrtc_offer", {"sdp": SDP}),
        ("webrtc_answer", {"sdp": SDP}),
        ("ice_candidate", {"candidate": CANDIDATE}),
        ("ice_candidate", {"candidate": {"candidate": ""}}),  # end of candidates
        ("ice_candidate", {"candidate": {"candidate": "", "sdpMid": None, "sdpMLineIndex": None}}),
    ],
)
async def test_relay_reaches_only_the_target(world: World, type_: Any, payload: Any) -> None:
    meeting = await world.meeting(3)
    a, b, c = await world.in_room(meeting)
    target = meeting.users[1].id
    await a.send(type_, {"room_id": meeting.id, "target_user_id": target, **payload})
    got = await b.next(type_)
    assert got["data"] == {"room_id": meeting.id, "from_user_id": meeting.users[0].id, **payload}
    assert await c.sync() == []
    assert await a.sync() == []


async def test_the_sender_cannot_be_spoofed(world: World) -> None:
    meeting = await world.meeting(3)
    a, b, _ = await world.in_room(meeting)
    data = {
        "room_id": meeting.id,
        "target_user_id": meeting.users[1].id,
        "sdp": SDP,
        "from_user_id": meeting.users[2].id,
    }
    seq = await a.send("webrtc_offer", data)
    error = await a.error_for(seq, 40004)  # an extra field is not allowed
    assert error["data"]["details"]["errors"]
    assert await b.sync() == []


async def test_relay_targets_must_be_present_in_the_same_room(world: World) -> None:
    meeting = await world.meeting(2)
    other = await world.meeting(1)
    a, b = await world.in_room(meeting)
    (x,) = await world.in_room(other)
    outsider = other.host.id
    base = {"room_id": meeting.id, "sdp": SDP}
    for target, code in ((outsider, 40401), ("user_nobody", 40401), (meeting.users[0].id, 40004)):
        seq = await a.send("webrtc_offer", {**base, "target_user_id": target})
        await a.error_for(seq, code)
    # addressing a room the sender is not in, even with a target who is there
    seq = await x.send("webrtc_offer", {**base, "target_user_id": meeting.users[1].id})
    await x.error_for(seq, 40303)
    await b.send("leave_room", {"room_id": meeting.id})
    await a.next("user_left")
    await b.next("user_left")
    ice = {"room_id": meeting.id, "target_user_id": meeting.users[1].id, "candidate": CANDIDATE}
    seq = await a.send("ice_candidate", ice)
    await a.error_for(seq, 40401)  # the target has left the room
    assert await b.sync() == []


async def test_relay_payloads_are_validated(world: World) -> None:
    meeting = await world.meeting(2)
    a, b = await world.in_room(meeting)
    target = meeting.users[1].id
    to = {"room_id": meeting.id, "target_user_id": target}
    bad: list[tuple[str, dict[str, Any], int]] = [
        ("webrtc_offer", {**to, "sdp": ""}, 40004),
        ("webrtc_offer", {**to, "sdp": "x" * 32769}, 40004),
        ("webrtc_answer", {**to}, 40003),
        ("ice_candidate", {**to, "candidate": {"sdpMid": "0"}}, 40003),
        ("ice_candidate", {**to, "candidate": {"candidate": "c", "sdpMLineIndex": 256}}, 40004),
        ("webrtc_answer", {**to, "target_user_id": "", "sdp": SDP}, 40004),
    ]
    for type_, data, code in bad:
        seq = await a.send(type_, data)
        await a.error_for(seq, code)
    assert await b.sync() == []
