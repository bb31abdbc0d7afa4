"""`Codec.frame`: the text it sends is the text it validated, against the generated models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from generated.ws.messages import UserSummary, parse_server_message
from server_impl.ws.codec import Codec

SENDER = {"id": "user_0123456789abcdef01234567", "nickname": "小明", "avatar": None}


def chat(**changes: Any) -> dict[str, Any]:
    data = {
        "message_id": "msg_0123456789abcdef01234567",
        "room_id": "meeting_0123456789abcdef01234567",
        "room_seq": 1_796_647_056_446_001,
        "sender": SENDER,
        "content": '大家好 "quoted" \\ \n',
        "created_at": "2026-12-07T10:00:20.123Z",
    }
    return data | changes


def test_a_chat_frame_is_the_data_as_given_in_the_contracts_envelope() -> None:
    text = Codec().frame("chat_message", chat()).render(42)
    frame = json.loads(text)
    assert list(frame) == ["type", "seq", "timestamp", "data"]
    assert frame["type"] == "chat_message" and frame["seq"] == 42
    assert frame["data"] == chat()
    parse_server_message(text)  # and the generated models accept it


@pytest.mark.parametrize(
    "bad",
    [
        {"room_seq": "1796647056446001"},  # a string where the contract has an integer
        {"created_at": "yesterday"},
        {"surprise": 1},  # a field the contract does not have
        {"sender": {"id": "user_1"}},  # nickname missing
    ],
)
def test_a_frame_that_breaks_the_contract_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Codec().frame("chat_message", chat(**bad))


def test_model_values_take_the_models_serializer() -> None:
    sender: BaseModel = UserSummary.model_validate(SENDER)
    text = Codec().frame("chat_message", chat(sender=sender)).render(1)
    assert json.loads(text)["data"]["sender"] == SENDER
    parse_server_message(text)
