"""WebSocket side of `contractkit mock` over a real socket: token check, every client message,
validation errors, rooms (broadcast, room_seq, resume) and the REST `end_meeting` effect."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from generators.ir import ApiIR
from generators.mock.ws_protocol import REPLIES
from tests.mock.mock_support import AUTH, load_ir
from tests.mock.mock_ws_client import CheckedSocket

CLIENT_EXAMPLES = {m.type: m.examples[0] for m in load_ir().messages_from("client")}
EXPECTED = {  # the conventional replies, as frontend teams should see them
    "ping": ["pong"],
    "join_room": ["room_snapshot", "user_joined"],
    "leave_room": ["user_left"],
    "media_control": ["media_state_changed"],
    "chat_message": ["chat_message"],
    "resume": ["resumed"],
    "webrtc_offer": ["webrtc_offer"],
    "webrtc_answer": ["webrtc_answer"],
    "ice_candidate": ["ice_candidate"],
}


def test_reply_table_matches_the_contract(ir: ApiIR) -> None:
    client = {m.type for m in ir.messages_from("client")}
    server = {m.type for m in ir.messages_from("server")}
    assert set(REPLIES) == client == set(EXPECTED)
    assert {r.type for rule in REPLIES.values() for r in rule.replies} <= server


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token_gets_error_then_close_4001(
    ir: ApiIR, origin: str, token: str | None
) -> None:
    with CheckedSocket(ir, origin, token=token) as ws:
        frame = ws.recv()
        assert frame["type"] == "error"
        assert frame["data"]["code"] == 40103
        assert frame["data"]["request_seq"] is None
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv()
        codes = {c.name: c.code for c in ir.close_codes}
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == codes["TOKEN_INVALID"] == 4001


def test_connected_comes_first_with_fresh_seq_and_timestamp(ir: ApiIR, origin: str) -> None:
    example = next(m for m in ir.messages_from("server") if m.type == "connected").examples[0]
    with CheckedSocket(ir, origin) as ws:
        frame = ws.recv()
    assert frame["type"] == "connected"
    assert frame["seq"] == 1
    assert frame["timestamp"] > example["timestamp"]
    assert frame["data"]["user_id"] == example["data"]["user_id"]


@pytest.mark.parametrize("type_", sorted(CLIENT_EXAMPLES))
def test_every_client_example_gets_its_conventional_reply(
    ir: ApiIR, origin: str, type_: str
) -> None:
    example = copy.deepcopy(CLIENT_EXAMPLES[type_])
    with CheckedSocket(ir, origin) as ws:
        ws.recv()
        ws.send_raw(json.dumps(example, ensure_ascii=False))
        frames = ws.recv_types(len(EXPECTED[type_]))
    assert [f["type"] for f in frames] == EXPECTED[type_]
    first = frames[0]["data"]
    for key in ("room_id", "content", "sdp", "candidate"):
        if key in example["data"] and key in first:
            assert first[key] == example["data"][key]


def test_a_conversation_keeps_seq_and_room_seq_increasing(ir: ApiIR, origin: str) -> None:
    room = "room_conversation"
    with CheckedSocket(ir, origin) as ws:
        ws.recv()
        ws.send("ping", {"client_time": 42})
        pong = ws.recv()
        assert pong["data"]["client_time"] == 42
        ws.send("join_room", {"room_id": room})
        snapshot, joined = ws.recv_types(2)
        assert snapshot["data"]["room_seq"] == 0 and joined["data"]["room_seq"] == 1
        ws.send("media_control", {"room_id": room, "action": "mute_audio", "value": True})
        media = ws.recv()["data"]
        assert (media["audio_muted"], media["video_muted"], media["room_seq"]) == (True, False, 2)
        ws.send("chat_message", {"room_id": room, "content": "one"})
        ws.send("chat_message", {"room_id": room, "content": "two"})
        chats = ws.recv_types(2)
        assert [c["data"]["room_seq"] for c in chats] == [3, 4]
        assert chats[0]["data"]["message_id"] != chats[1]["data"]["message_id"]
        ws.send("join_room", {"room_id": room})
        snapshot = ws.recv()
        ws.recv()
        assert [m["content"] for m in snapshot["data"]["recent_messages"]] == ["one", "two"]
        ws.send("leave_room", {"room_id": room})
        left = ws.recv()["data"]
        assert (left["reason"], left["room_seq"]) == ("left", 6)


def test_room_events_reach_every_member(ir: ApiIR, origin: str) -> None:
    room = "room_broadcast"
    with CheckedSocket(ir, origin) as a, CheckedSocket(ir, origin) as b:
        a.recv(), b.recv()
        a.send("join_room", {"room_id": room})
        a.recv_types(2)
        b.send("join_room", {"room_id": room})
        b.recv_types(2)
        assert a.recv()["type"] == "user_joined"
        b.send("chat_message", {"room_id": room, "content": "hello"})
        assert a.recv()["data"]["content"] == b.recv()["data"]["content"] == "hello"
        b.send("webrtc_offer", {"room_id": room, "target_user_id": "u", "sdp": "v=0"})
        assert b.recv()["type"] == "webrtc_offer"  # relays echo to the sender only
        b.close()
        gone = a.recv()
        assert gone["type"] == "user_left" and gone["data"]["reason"] == "disconnected"
        assert gone["data"]["participant_count"] == 1


def test_resume_replays_missed_room_events(ir: ApiIR, origin: str) -> None:
    room = "room_resume"
    with CheckedSocket(ir, origin) as a:
        a.recv()
        a.send("join_room", {"room_id": room})
        a.recv_types(2)
        for text in ("x", "y"):
            a.send("chat_message", {"room_id": room, "content": text})
        last = a.recv_types(2)[0]["data"]["room_seq"]
    with CheckedSocket(ir, origin) as b:
        b.recv()
        b.send("resume", {"room_id": room, "last_room_seq": last})
        resumed = b.recv()
        assert resumed["type"] == "resumed"
        assert resumed["data"]["replayed"] >= 1
        replay = b.recv_types(resumed["data"]["replayed"])
        assert replay[0]["data"]["content"] == "y"


def test_resume_beyond_history_fails_with_snapshot(ir: ApiIR, origin: str) -> None:
    room = "room_history"
    with CheckedSocket(ir, origin) as a:
        a.recv()
        a.send("join_room", {"room_id": room})
        a.recv_types(2)
        for i in range(300):
            a.send("chat_message", {"room_id": room, "content": f"m{i}"})
        a.recv_types(300)
        a.send("resume", {"room_id": room, "last_room_seq": 0})
        failed, snapshot = a.recv_types(2)
    assert failed["type"] == "resume_failed"
    assert failed["data"]["reason"] == "history_unavailable"
    assert snapshot["type"] == "room_snapshot"


BAD_FRAMES: list[tuple[Any, int, int | None]] = [
    ("{not json", 40005, None),
    (b"\x00\x01", 40005, None),
    ('{"type": "shout", "seq": 7, "timestamp": 1, "data": {}}', 40010, 7),
    ('{"seq": 8}', 40010, 8),
    ("[1, 2]", 40010, None),
    ('{"type": "chat_message", "seq": 9, "timestamp": 1, "data": {"room_id": "r"}}', 40003, 9),
    (
        '{"type": "chat_message", "seq": 10, "timestamp": 1, '
        '"data": {"room_id": "r", "content": ""}}',
        40004,
        10,
    ),
    ('{"type": "ping", "seq": -1, "timestamp": 1, "data": {}}', 40004, -1),
    ('{"type": "ping", "seq": "x", "timestamp": 1, "data": {}}', 40004, None),
    (
        '{"type": "media_control", "seq": 11, "timestamp": 1, '
        '"data": {"room_id": "r", "action": "mute_all", "value": true}}',
        40004,
        11,
    ),
    ('{"type": "ping", "seq": 12, "timestamp": 1, "data": {"extra": 1}}', 40004, 12),
    ("x" * (64 * 1024 + 1), 41302, None),
]


@pytest.mark.parametrize(("raw", "code", "request_seq"), BAD_FRAMES)
def test_invalid_frames_get_an_error_and_the_connection_stays(
    ir: ApiIR, origin: str, raw: Any, code: int, request_seq: int | None
) -> None:
    with CheckedSocket(ir, origin) as ws:
        ws.recv()
        ws.send_raw(raw)
        error = ws.recv()
        assert error["type"] == "error"
        assert error["data"]["code"] == code
        assert error["data"]["request_seq"] == request_seq
        assert error["data"]["message"] == ir.error(code).message
        ws.send("ping", {})
        assert ws.recv()["type"] == "pong"


def test_rest_end_meeting_ends_the_room(ir: ApiIR, origin: str) -> None:
    room = "meeting_to_end"
    with CheckedSocket(ir, origin) as ws:
        ws.recv()
        ws.send("join_room", {"room_id": room})
        ws.recv_types(2)
        resp = httpx.post(f"http://{origin}{ir.base_path}/meetings/{room}/end", headers=AUTH)
        assert resp.status_code == 200
        ended = ws.recv()
        assert ended["type"] == "meeting_ended" and ended["data"]["room_id"] == room
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4010
