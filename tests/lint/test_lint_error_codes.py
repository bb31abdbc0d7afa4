"""Error-table rules (CK120-CK126) on contracts broken on purpose."""

from __future__ import annotations

from generators.diagnostics import Severity
from generators.diagnostics import pointer as P
from tests.lint.lint_support import AAS_FILE, OAS_FILE

TABLE = ("components", "schemas", "ErrorCode")
BAD_REQUEST = ("components", "responses", "BadRequest", "content", "application/json", "examples")


def table(oas):
    return oas["components"]["schemas"]["ErrorCode"]


def test_codes_missing_from_the_table_everywhere_they_are_used(lint_mutated):
    def change(oas, aas):
        oas["components"]["responses"]["BadRequest"]["content"]["application/json"]["examples"][
            "invalid_email"
        ]["value"]["code"] = 40099
        oas["components"]["schemas"]["Email"]["x-error-code"] = 40077
        aas["components"]["messages"]["Error"]["examples"][0]["payload"]["data"]["code"] = 40098

    linted = lint_mutated(change)
    assert linted.pointers("CK120", OAS_FILE) == {
        P(*BAD_REQUEST, "invalid_email", "value", "code"),
        P("components", "schemas", "Email", "x-error-code"),
    }
    assert linted.pointers("CK120", AAS_FILE) == {
        P("components", "messages", "Error", "examples", 0, "payload", "data", "code")
    }


def test_table_and_enum_disagree(lint_mutated):
    def change(oas, _):
        t = table(oas)
        t["enum"].remove(40011)
        t["x-enum-varnames"].remove("WRONG_OLD_PASSWORD")
        t["enum"].append(40012)
        t["x-enum-varnames"].append("SOMETHING_NEW")

    linted = lint_mutated(change)
    assert linted.pointers("CK121") == {
        P(*TABLE, "x-error-codes", 10, "code"),  # 40011: in the table, not in the enum
        P(*TABLE, "enum", 34),  # 40012: in the enum, not in the table
    }


def test_enum_order_differs(lint_mutated):
    def change(oas, _):
        t = table(oas)
        t["enum"][0], t["enum"][1] = t["enum"][1], t["enum"][0]

    linted = lint_mutated(change)
    assert linted.pointers("CK121") == {P(*TABLE, "enum")}
    assert linted.pointers("CK122") == {
        P(*TABLE, "x-enum-varnames", 0),
        P(*TABLE, "x-enum-varnames", 1),
    }


def test_varnames_disagree_with_names(lint_mutated):
    def change(oas, _):
        table(oas)["x-enum-varnames"][0] = "BAD_EMAIL"
        table(oas)["x-enum-varnames"].pop()

    linted = lint_mutated(change)
    assert linted.pointers("CK122") == {
        P(*TABLE, "x-enum-varnames", 0),
        P(*TABLE, "x-enum-varnames"),  # one name short
    }


def test_duplicate_and_malformed_rows(lint_mutated):
    def change(oas, _):
        rows = table(oas)["x-error-codes"]
        rows.append(dict(rows[0]))
        rows.append({"code": 40012, "status": 400, "name": "NO_MESSAGE"})

    linted = lint_mutated(change)
    assert linted.pointers("CK123") == {
        P(*TABLE, "x-error-codes", 35, "code"),
        P(*TABLE, "x-error-codes", 35, "name"),
        P(*TABLE, "x-error-codes", 36),
    }


def test_code_prefix_must_be_its_status(lint_mutated):
    def change(oas, _):
        rows = table(oas)["x-error-codes"]
        rows[1]["status"] = 401  # 40002 is not a 401
        rows[2]["status"] = 302

    linted = lint_mutated(change)
    assert linted.pointers("CK124") == {
        P(*TABLE, "x-error-codes", 1, "code"),
        P(*TABLE, "x-error-codes", 2, "status"),
    }


def test_error_examples_under_the_wrong_status(lint_mutated):
    def change(oas, _):
        responses = oas["paths"]["/auth/register"]["post"]["responses"]
        responses["400"] = {"$ref": "#/components/responses/Forbidden"}

    linted = lint_mutated(change)
    assert linted.pointers("CK125") == {P("paths", "/auth/register", "post", "responses", "400")}
    assert len(linted.messages("CK125")) == 2  # 40301 and 40302
    assert "40301, a 403 error, under a 400 response" in " ".join(linted.messages("CK125"))


def test_example_message_differs_from_the_table(lint_mutated):
    def change(oas, _):
        examples = oas["components"]["responses"]["BadRequest"]["content"]["application/json"]
        examples["examples"]["invalid_email"]["value"]["message"] = "bad email"

    linted = lint_mutated(change)
    assert linted.pointers("CK126") == {P(*BAD_REQUEST, "invalid_email", "value", "message")}
    assert {d.severity for d in linted.diagnostics if d.code == "CK126"} == {Severity.WARNING}


def test_no_error_table_at_all(lint_mutated):
    linted = lint_mutated(lambda oas, _: table(oas).pop("x-error-codes"))
    assert linted.pointers("CK121") == {P(*TABLE)}
    assert len(linted.pointers("CK120")) > 30  # every used code is now unknown


def test_operation_error_lists(lint_mutated):
    def change(oas, _):
        register = oas["paths"]["/auth/register"]["post"]
        register["x-error-codes"] += [40302, 40001, 40999, "x"]  # 403 undocumented, dup, unknown
        health = oas["paths"]["/health"]["get"]
        health["responses"]["503"] = {"$ref": "#/components/responses/ServiceUnavailable"}

    linted = lint_mutated(change)
    listed = ("paths", "/auth/register", "post", "x-error-codes")
    assert linted.pointers("CK127") == {P(*listed, 8), P(*listed, 9), P(*listed, 11)}
    assert linted.pointers("CK120") == {P(*listed, 10)}
    assert linted.pointers("CK128") == {P("paths", "/health", "get", "responses", "503")}
    assert any("40302 is a 403 error" in m for m in linted.messages("CK127"))


def test_a_shared_example_wrong_under_every_use_is_reported_once_where_it_is(lint_mutated):
    def change(oas, _):
        examples = oas["components"]["responses"]["BadRequest"]["content"]["application/json"]
        examples["examples"]["invalid_email"]["value"]["code"] = 40101

    linted = lint_mutated(change)
    assert linted.pointers("CK125") == {P(*BAD_REQUEST, "invalid_email", "value", "code")}
    assert len(linted.messages("CK125")) == 1
