"""The `ws_strategies` target: valid draws validate, invalid draws are rejected, garbage too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generators.ir import Direction
from tests.generators import test_ws_support as support

M = support.messages_module()
S = support.strategies_module()
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# kinds that have a site in each direction of this contract (no arrays in client messages)
CLIENT_KINDS = ("wrong_type", "missing", "extra", "enum", "out_of_range", "too_long", "too_short")
SERVER_KINDS = ("wrong_type", "missing", "extra", "enum", "out_of_range", "too_long", "too_short")


def parse(direction: str, raw: str | bytes) -> Any:
    return (M.parse_client_message if direction == "client" else M.parse_server_message)(raw)


def test_rendering_is_deterministic() -> None:
    first = support.render("ws_strategies")
    assert list(first) == ["strategies.py"]
    assert first == support.render("ws_strategies")


def test_every_message_has_a_strategy_and_sites() -> None:
    assert list(S.CLIENT_MESSAGES) == list(M.CLIENT_MESSAGE_TYPES)
    assert list(S.SERVER_MESSAGES) == list(M.SERVER_MESSAGE_TYPES)
    assert frozenset(M.CLIENT_MESSAGE_TYPES) == S.CLIENT_TYPES
    classes = [*M.CLIENT_MESSAGE_TYPES.values(), *M.SERVER_MESSAGE_TYPES.values()]
    assert sorted(S.SITES) == sorted(cls.__name__ for cls in classes)
    join = {site.path: site for site in S.SITES["JoinRoom"]}
    assert join[("data", "room_id")] == S.Site(
        ("data", "room_id"), types=("string",), required=True, min_length=1, max_length=64
    )
    assert join[()].closed == ("type", "seq", "timestamp", "data")


@pytest.mark.parametrize("direction", ["client", "server"])
@SETTINGS
@given(data=st.data())
def test_valid_draws_validate(direction: Direction, data: st.DataObject) -> None:
    frame = data.draw(S.client_message() if direction == "client" else S.server_message())
    event(frame["type"])
    support.validator(direction).validate(frame)
    assert parse(direction, S.encode(frame)).type == frame["type"]


@pytest.mark.parametrize("name", sorted(S.CLIENT_MESSAGES))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_each_client_strategy_draws_its_type(name: str, data: st.DataObject) -> None:
    frame = data.draw(S.CLIENT_MESSAGES[name]())
    assert frame["type"] == name
    assert isinstance(M.parse_client_message(S.encode(frame)), M.CLIENT_MESSAGE_TYPES[name])


@SETTINGS
@given(data=st.data())
def test_overrides_aim_frames(data: st.DataObject) -> None:
    room = data.draw(st.sampled_from(["meeting_1", "meeting_2"]))
    frame = data.draw(S.client_message(room_id=room, target_user_id=st.just("user_9")))
    assert frame["data"].get("room_id", room) == room
    assert frame["data"].get("target_user_id", "user_9") == "user_9"
    offer = data.draw(S.client_webrtc_offer(room_id=room, target_user_id="user_7"))
    assert (offer["data"]["room_id"], offer["data"]["target_user_id"]) == (room, "user_7")
    support.validator("client").validate(offer)


@pytest.mark.parametrize("kind", [*CLIENT_KINDS, "unknown_type"])
@SETTINGS
@given(data=st.data())
def test_client_mutations_are_rejected(kind: str, data: st.DataObject) -> None:
    mutation = data.draw(S.mutated_client_message(kinds=(kind,)))
    assert mutation.kind == kind
    event(f"{mutation.frame.get('type') if isinstance(mutation.frame, dict) else '-'}")
    assert not support.validator("client").is_valid(mutation.frame), mutation
    with pytest.raises(M.MessageParseError) as info:
        M.parse_client_message(S.encode(mutation.frame))
    expected = M.UnknownMessageType if kind == "unknown_type" else M.InvalidMessage
    assert isinstance(info.value, expected | M.MalformedFrame), mutation


@pytest.mark.parametrize("kind", [*SERVER_KINDS, "unknown_type"])
@SETTINGS
@given(data=st.data())
def test_server_mutations_are_rejected(kind: str, data: st.DataObject) -> None:
    mutation = data.draw(S.mutated_server_message(kinds=(kind,)))
    assert not support.validator("server").is_valid(mutation.frame), mutation
    with pytest.raises(M.MessageParseError):
        M.parse_server_message(S.encode(mutation.frame))


@SETTINGS
@given(frame=S.invalid_client_message(room_id="meeting_1"))
def test_invalid_client_messages_are_rejected(frame: Any) -> None:
    assert not support.validator("client").is_valid(frame)
    with pytest.raises(M.MessageParseError):
        M.parse_client_message(S.encode(frame))


@SETTINGS
@given(raw=S.garbage_frame())
def test_garbage_is_malformed(raw: str | bytes) -> None:
    event(type(raw).__name__)
    with pytest.raises(M.MalformedFrame) as info:
        M.parse_client_message(raw)
    assert info.value.code is M.ErrorCode.MALFORMED_BODY
    assert info.value.request_seq is None


def test_encode_is_compact_json() -> None:
    frame = {"type": "chat_message", "data": {"content": "大家好"}}
    assert S.encode(frame) == '{"type":"chat_message","data":{"content":"大家好"}}'
    assert json.loads(S.encode(frame)) == frame
