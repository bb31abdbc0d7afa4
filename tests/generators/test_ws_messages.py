"""The `ws_messages` target: committed output, round trips, discriminated unions, parse errors."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generators import pipeline
from generators.ir import Direction
from generators.targets.ws_messages import WsTargetError
from tests.generators import test_ws_support as support

M = support.messages_module()
S = support.strategies_module()
DIRECTIONS: tuple[Direction, ...] = ("client", "server")
EXAMPLES = [(d, key, typ, ex) for d in DIRECTIONS for key, typ, ex in support.examples(d)]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(direction: str, raw: str | bytes) -> Any:
    return (M.parse_client_message if direction == "client" else M.parse_server_message)(raw)


# ---------------------------------------------------------------- committed output
def test_committed_output_is_current() -> None:
    files = pipeline.render(support.ir(), support.config(), support.WS_TARGETS)
    drift = pipeline.diff(support.config(), files, extraneous=False)
    assert not drift, f"run `contractkit generate`: {drift.changed.keys() or drift.missing}"


def test_rendering_is_deterministic() -> None:
    assert support.render("ws_messages") == support.render("ws_messages")


def test_emitted_files() -> None:
    files = support.render("ws_messages")
    assert sorted(files) == [
        "__init__.py",
        "client.schema.json",
        "messages.py",
        "server.schema.json",
    ]
    schema = json.loads(files["client.schema.json"])
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert (
        files["client.schema.json"]
        == json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )


def test_shared_models_are_imported_not_copied() -> None:
    source = support.render("ws_messages")["messages.py"]
    assert "from generated.models import ErrorCode, Participant, UserSummary" in source
    for name in ("UserSummary", "Participant", "ErrorCode"):
        assert f"class {name}(" not in source
    assert M.ChatMessageData.model_fields["sender"].annotation.__module__ == "generated.models"


def test_unknown_error_name_is_rejected() -> None:
    with pytest.raises(WsTargetError, match="NO_SUCH_ERROR"):
        support.render("ws_messages", {"error_codes": {"invalid": "NO_SUCH_ERROR"}})


# ---------------------------------------------------------------- the unions
def test_tables_follow_the_contract() -> None:
    ir = support.ir()
    tables: dict[Direction, Any] = {
        "client": M.CLIENT_MESSAGE_TYPES,
        "server": M.SERVER_MESSAGE_TYPES,
    }
    for direction, table in tables.items():
        msgs = ir.messages_from(direction)
        assert list(table) == [m.type for m in msgs]
        assert [cls.__name__ for cls in table.values()] == [m.class_name for m in msgs]
    shared = set(M.CLIENT_MESSAGE_TYPES) & set(M.SERVER_MESSAGE_TYPES)
    assert shared == {"chat_message", "webrtc_offer", "webrtc_answer", "ice_candidate"}
    for tag in shared:
        assert M.CLIENT_MESSAGE_TYPES[tag] is not M.SERVER_MESSAGE_TYPES[tag]
        assert issubclass(M.CLIENT_MESSAGE_TYPES[tag], M.ClientEnvelope)
        assert issubclass(M.SERVER_MESSAGE_TYPES[tag], M.ServerEnvelope)


@pytest.mark.parametrize(("direction", "key", "typ", "example"), EXAMPLES)
def test_example_round_trip(direction: Direction, key: str, typ: str, example: Any) -> None:
    raw = json.dumps(example, ensure_ascii=False)
    msg = parse(direction, raw)
    assert type(msg).__name__ == key
    assert msg.type == typ and msg.direction == direction
    assert json.loads(M.dump_message(msg)) == example
    assert parse(direction, M.dump_message(msg)) == msg
    assert parse(direction, raw.encode()) == msg
    support.validator(direction).validate(example)


def _mutations(example: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Deterministic schema violations of one example."""
    out = []
    for name, change in [
        ("no type", lambda f: f.pop("type")),
        ("unknown type", lambda f: f.update(type="no_such_type")),
        ("no seq", lambda f: f.pop("seq")),
        ("string seq", lambda f: f.update(seq="1")),
        ("negative seq", lambda f: f.update(seq=-1)),
        ("float timestamp", lambda f: f.update(timestamp=1.5)),
        ("extra root field", lambda f: f.update(extra=1)),
        ("extra data field", lambda f: f["data"].update(extra=1)),
        ("data is a list", lambda f: f.update(data=[])),
        ("data is null", lambda f: f.update(data=None)),
    ]:
        frame = copy.deepcopy(example)
        change(frame)
        out.append((name, frame))
    required = [k for k in example["data"] if k != "client_time"]
    for field in required[:1]:
        frame = copy.deepcopy(example)
        del frame["data"][field]
        out.append((f"no data.{field}", frame))
    return out


@pytest.mark.parametrize(("direction", "key", "typ", "example"), EXAMPLES)
def test_mutated_examples_are_rejected(
    direction: Direction, key: str, typ: str, example: Any
) -> None:
    for name, frame in _mutations(example):
        assert not support.validator(direction).is_valid(frame), name
        with pytest.raises(M.MessageParseError):
            parse(direction, json.dumps(frame))


def test_server_chat_message_is_not_a_client_message() -> None:
    server_frame = next(ex for _, t, ex in support.examples("server") if t == "chat_message")
    client_frame = next(ex for _, t, ex in support.examples("client") if t == "chat_message")
    assert not support.validator("client").is_valid(server_frame)
    assert not support.validator("server").is_valid(client_frame)
    with pytest.raises(M.InvalidMessage) as info:
        M.parse_client_message(json.dumps(server_frame))
    assert info.value.message_type == "chat_message"
    assert info.value.request_seq == server_frame["seq"]
    assert {tuple(e["loc"]) for e in info.value.errors} >= {
        ("data", "sender"),
        ("data", "room_seq"),
    }
    with pytest.raises(M.InvalidMessage):
        M.parse_server_message(json.dumps(client_frame))
    assert isinstance(M.parse_client_message(json.dumps(client_frame)), M.SendChatMessage)
    assert isinstance(M.parse_server_message(json.dumps(server_frame)), M.ChatMessage)


# ---------------------------------------------------------------- parse errors
E = M.ErrorCode


@pytest.mark.parametrize(
    ("raw", "error", "code", "request_seq"),
    [
        ("{", M.MalformedFrame, E.MALFORMED_BODY, None),
        ("", M.MalformedFrame, E.MALFORMED_BODY, None),
        (b"\xff\xfe{}", M.MalformedFrame, E.MALFORMED_BODY, None),
        ('{"type": "ping", "seq": 1} trailing', M.MalformedFrame, E.MALFORMED_BODY, None),
        ("[1, 2]", M.MalformedFrame, E.MALFORMED_BODY, None),
        ('"join_room"', M.MalformedFrame, E.MALFORMED_BODY, None),
        ('{"type": "connected", "seq": 7}', M.UnknownMessageType, E.UNKNOWN_MESSAGE_TYPE, 7),
        ('{"type": "nope", "seq": -1}', M.UnknownMessageType, E.UNKNOWN_MESSAGE_TYPE, None),
        ('{"seq": 3}', M.InvalidMessage, E.MISSING_FIELD, 3),
        ('{"type": 5, "seq": 3}', M.InvalidMessage, E.INVALID_PARAMETER, 3),
        (
            '{"type": "join_room", "seq": 4, "timestamp": 1, "data": {}}',
            M.InvalidMessage,
            E.MISSING_FIELD,
            4,
        ),
        (
            '{"type": "join_room", "seq": 5, "timestamp": 1, "data": {"room_id": ""}}',
            M.InvalidMessage,
            E.INVALID_PARAMETER,
            5,
        ),
        (
            '{"type": "ping", "seq": 6, "timestamp": 1, "data": {"client_time": null}}',
            M.InvalidMessage,
            E.INVALID_PARAMETER,
            6,
        ),
        (
            '{"type": "ping", "seq": "6", "timestamp": 1, "data": {}}',
            M.InvalidMessage,
            E.INVALID_PARAMETER,
            None,
        ),
    ],
)
def test_parse_errors(raw: str | bytes, error: Any, code: Any, request_seq: int | None) -> None:
    with pytest.raises(M.MessageParseError) as info:
        M.parse_client_message(raw)
    exc: Any = info.value
    assert exc.code is code
    assert exc.request_seq == request_seq
    assert exc.direction == "client"
    assert exc.message == next(e.message for e in support.ir().error_codes if e.code == code)
    json.dumps(exc.details)  # JSON-ready
    assert exc.details["kind"] == error.kind
    assert type(exc) is error


def test_invalid_message_details_point_at_the_field() -> None:
    raw = '{"type": "media_control", "seq": 2, "timestamp": 1, "data": '
    raw += '{"room_id": "r", "action": "mute_all", "value": true}}'
    with pytest.raises(M.InvalidMessage) as info:
        M.parse_client_message(raw)
    assert info.value.errors == [
        {"loc": ["data", "action"], "type": "literal_error", "msg": info.value.errors[0]["msg"]}
    ]
    assert info.value.details["type"] == "media_control"


# ---------------------------------------------------------------- building and dumping
def test_make_message_and_dump() -> None:
    before = M.now_ms()
    pong = M.make_message(M.Pong, 3, M.PongData(server_time=5))
    assert isinstance(pong, M.Pong) and pong.seq == 3 and pong.timestamp >= before
    assert json.loads(M.dump_message(pong)) == {
        "type": "pong",
        "seq": 3,
        "timestamp": pong.timestamp,
        "data": {"server_time": 5},
    }
    echoed = M.make_message(M.Pong, 4, {"client_time": None, "server_time": 1}, timestamp=9)
    assert M.dump_message(echoed) == (
        '{"type":"pong","seq":4,"timestamp":9,"data":{"client_time":null,"server_time":1}}'
    )
    ping = M.Ping(seq=1, timestamp=2, data=M.PingData())
    assert M.dump_message(ping) == '{"type":"ping","seq":1,"timestamp":2,"data":{}}'
    assert ping.model_dump_json() == M.dump_message(ping)  # optional non-nullable never as null
    for frame in (pong, echoed, ping):
        direction = frame.direction
        support.validator(direction).validate(json.loads(M.dump_message(frame)))


def test_error_envelope_from_a_parse_error() -> None:
    with pytest.raises(M.MessageParseError) as info:
        M.parse_client_message('{"type": "dance", "seq": 12, "timestamp": 1, "data": {}}')
    exc = info.value
    data = M.ErrorData(
        code=exc.code, message=exc.message, request_seq=exc.request_seq, details=exc.details
    )
    frame = json.loads(M.dump_message(M.make_message(M.Error, 1, data, timestamp=5)))
    support.validator("server").validate(frame)
    assert frame["data"]["code"] == 40010 and frame["data"]["request_seq"] == 12


def test_invalid_construction_is_rejected() -> None:
    with pytest.raises(ValueError, match="room_id"):
        M.make_message(M.JoinRoom, 1, {"room_id": "x" * 65})
    with pytest.raises(ValueError, match="null"):
        M.PingData(client_time=None)


def test_json_schema_loader_matches_files() -> None:
    for direction in DIRECTIONS:
        schema = M.load_json_schema(direction)
        names = [ref["$ref"].rsplit("/", 1)[-1] for ref in schema["oneOf"]]
        table = M.CLIENT_MESSAGE_TYPES if direction == "client" else M.SERVER_MESSAGE_TYPES
        assert names == [cls.__name__ for cls in table.values()]


# ---------------------------------------------------------------- property-based round trip
@pytest.mark.parametrize("direction", DIRECTIONS)
@SETTINGS
@given(data=st.data())
def test_valid_frames_round_trip(direction: Direction, data: st.DataObject) -> None:
    frame = data.draw(S.client_message() if direction == "client" else S.server_message())
    msg = parse(direction, S.encode(frame))
    table = M.CLIENT_MESSAGE_TYPES if direction == "client" else M.SERVER_MESSAGE_TYPES
    assert type(msg) is table[frame["type"]]
    dumped = M.dump_message(msg)
    assert json.loads(dumped) == frame
    assert parse(direction, dumped) == msg
