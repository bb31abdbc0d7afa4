"""AsyncAPI message rules (CK140-CK146) on contracts broken on purpose."""

from __future__ import annotations

import copy

from generators.diagnostics import Severity
from generators.diagnostics import pointer as P
from tests.lint.lint_support import AAS_FILE


def msg(aas, key):
    return aas["components"]["messages"][key]


def test_message_without_example_or_payload_in_example(lint_mutated):
    def change(_, aas):
        msg(aas, "Ping").pop("examples")
        msg(aas, "Pong")["examples"] = [{"name": "pong"}]

    linted = lint_mutated(change)
    assert linted.pointers("CK140", AAS_FILE) == {
        P("components", "messages", "Ping"),
        P("components", "messages", "Pong", "examples", 0),
    }


def test_message_without_type_const(lint_mutated):
    linted = lint_mutated(
        lambda _, aas: msg(aas, "Pong")["payload"]["properties"]["type"].pop("const")
    )
    assert linted.pointers("CK141", AAS_FILE) == {P("components", "messages", "Pong", "payload")}
    assert "CK100" in linted.codes()  # the IR needs the const; the other rules still ran
    assert linted.result.exit_code() == 1


def test_envelope_fields_missing_or_optional(lint_mutated):
    def change(_, aas):
        msg(aas, "Ping")["payload"]["required"].remove("seq")
        payload = msg(aas, "JoinRoom")["payload"]
        payload["properties"].pop("timestamp")
        payload["required"].remove("timestamp")

    linted = lint_mutated(change)
    assert linted.pointers("CK142", AAS_FILE) == {
        P("components", "messages", "Ping", "payload", "required"),
        P("components", "messages", "JoinRoom", "payload"),
    }
    assert any("lacks timestamp" in m for m in linted.messages("CK142"))


def test_duplicate_type_in_one_direction(lint_mutated):
    def change(_, aas):
        msg(aas, "Pong")["payload"]["properties"]["type"]["const"] = "connected"
        msg(aas, "Pong")["name"] = "connected"
        msg(aas, "Pong")["examples"][0]["payload"]["type"] = "connected"

    linted = lint_mutated(change)
    pong_type = ("components", "messages", "Pong", "payload", "properties", "type", "const")
    assert linted.pointers("CK143", AAS_FILE) == {P(*pong_type)}
    assert "server messages" in linted.messages("CK143")[0]


def test_same_type_in_both_directions_is_fine(lint_mutated):
    # chat_message is sent by clients (SendChatMessage) and by the server (ChatMessage)
    assert not lint_mutated().pointers("CK143")


def test_name_differs_from_type_is_a_warning(lint_mutated):
    linted = lint_mutated(lambda _, aas: msg(aas, "JoinRoom").update(name="joinRoom"))
    assert linted.pointers("CK144", AAS_FILE) == {P("components", "messages", "JoinRoom", "name")}
    assert {d.severity for d in linted.diagnostics if d.code == "CK144"} == {Severity.WARNING}


def test_message_no_operation_uses(lint_mutated):
    def change(_, aas):
        unused = copy.deepcopy(msg(aas, "Ping"))
        unused["name"] = "noop"
        unused["payload"]["properties"]["type"]["const"] = "noop"
        unused["examples"][0]["payload"]["type"] = "noop"
        aas["components"]["messages"]["Noop"] = unused

    linted = lint_mutated(change)
    assert linted.pointers("CK145", AAS_FILE) == {P("components", "messages", "Noop")}
    assert linted.codes(Severity.ERROR) == set()


def test_close_codes(lint_mutated):
    def change(_, aas):
        rows = aas["info"]["x-close-codes"]
        rows.append({"code": 1006, "name": "ABNORMAL", "description": "不可发送"})
        rows.append({"code": 4001, "name": "AGAIN", "description": "重复"})
        rows.append({"code": 4100, "name": "NO_DESCRIPTION"})

    linted = lint_mutated(change)
    assert linted.pointers("CK146", AAS_FILE) == {
        P("info", "x-close-codes", 10),
        P("info", "x-close-codes", 11, "code"),
        P("info", "x-close-codes", 12),
    }
