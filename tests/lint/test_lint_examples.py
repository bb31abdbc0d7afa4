"""Example rules (CK150-CK155) and the format checks they use."""

from __future__ import annotations

import pytest

from generators.diagnostics import pointer as P
from generators.lint.validate import ExampleChecker
from tests.lint.lint_support import AAS_FILE, OAS_FILE

JSON = ("content", "application/json")


def op(oas, path, method):
    return oas["paths"][path][method]


def test_request_example_with_a_bad_email(lint_mutated):
    def change(oas, _):
        op(oas, "/auth/register", "post")["requestBody"]["content"]["application/json"]["example"][
            "email"
        ] = "not-an-email"

    linted = lint_mutated(change)
    example = P("paths", "/auth/register", "post", "requestBody", *JSON, "example")
    assert linted.pointers("CK150") == {example + "/email"}
    assert "'email'" in linted.messages("CK150")[0]


def test_response_example_problems_point_inside_the_example(lint_mutated):
    def change(oas, _):
        data = op(oas, "/auth/login", "post")["responses"]["200"]["content"]["application/json"][
            "example"
        ]["data"]
        data["user"]["created_at"] = "yesterday"
        data["user"]["avatar"] = "not a uri"
        data.pop("tokens")

    linted = lint_mutated(change)
    example = P("paths", "/auth/login", "post", "responses", "200", *JSON, "example")
    assert linted.pointers("CK151") == {
        example + "/data",  # 'tokens' is a required property
        example + "/data/user/created_at",
        example + "/data/user/avatar",
    }


def test_shared_error_response_example_is_reported_once(lint_mutated):
    def change(oas, _):
        examples = oas["components"]["responses"]["Unauthorized"]["content"]["application/json"]
        examples["examples"]["token_expired"]["value"]["message"] = 42

    linted = lint_mutated(change)
    assert linted.messages("CK151") == [
        "401 response example (application/json) 'token_expired' is invalid at /message: "
        "42 is not of type 'string'"
    ]


def test_parameter_examples(lint_mutated):
    def change(oas, _):
        op(oas, "/meetings", "get")["parameters"][2]["example"] = 0
        oas["components"]["parameters"]["MeetingId"]["example"] = ""

    linted = lint_mutated(change)
    assert linted.pointers("CK152") == {
        P("paths", "/meetings", "get", "parameters", 2, "example"),
        P("components", "parameters", "MeetingId", "example"),
    }


def test_schema_examples_in_both_documents(lint_mutated):
    def change(oas, aas):
        schemas = oas["components"]["schemas"]
        schemas["Email"]["example"] = "nope"
        schemas["Meeting"]["properties"]["meeting_number"]["example"] = "12"
        schemas["AudioData"]["example"] = "!!not base64!!"
        aas["components"]["schemas"]["Seq"]["example"] = -1

    linted = lint_mutated(change)
    assert linted.pointers("CK153", OAS_FILE) == {
        P("components", "schemas", "Email", "example"),
        P("components", "schemas", "Meeting", "properties", "meeting_number", "example"),
        P("components", "schemas", "AudioData", "example"),
    }
    assert linted.pointers("CK153", AAS_FILE) == {P("components", "schemas", "Seq", "example")}


def test_message_examples(lint_mutated):
    def change(_, aas):
        ping = aas["components"]["messages"]["Ping"]["examples"][0]["payload"]
        ping["seq"] = "five"
        chat = aas["components"]["messages"]["ChatMessage"]["examples"][0]["payload"]
        chat["data"]["sender"]["avatar"] = "no uri"  # UserSummary, $ref'd from the OpenAPI file

    linted = lint_mutated(change)
    examples = ("components", "messages")
    assert linted.pointers("CK154", AAS_FILE) == {
        P(*examples, "Ping", "examples", 0, "payload", "seq"),
        P(*examples, "ChatMessage", "examples", 0, "payload", "data", "sender", "avatar"),
    }


def test_header_examples(lint_mutated):
    def change(oas, _):
        oas["components"]["headers"]["RetryAfter"]["example"] = -5
        download = op(oas, "/meetings/{meeting_id}/files/{file_id}", "get")
        download["responses"]["200"]["headers"]["X-Content-SHA256"]["example"] = "xyz"

    linted = lint_mutated(change)
    assert linted.pointers("CK155") == {
        P("components", "headers", "RetryAfter", "example"),
        P(
            "paths",
            "/meetings/{meeting_id}/files/{file_id}",
            "get",
            "responses",
            "200",
            "headers",
            "X-Content-SHA256",
            "example",
        ),
    }


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("email", "user@example.com", "user.example.com"),
        ("date-time", "2026-02-14T10:00:00Z", "2026-02-30T10:00:00Z"),
        ("date-time", "2026-02-14T10:00:00.123+08:00", "2026-02-14 10:00"),
        ("uri", "https://cdn.example.com/a.jpg", "cdn.example.com/a.jpg"),
        ("uri", "stun:stun.l.google.com:19302", "https://exa mple.com"),
        ("byte", "UklGRg==", "UklGRg=!"),
    ],
)
def test_format_checks(fmt, good, bad):
    checker = ExampleChecker({})
    schema = {"type": "string", "format": fmt}
    assert checker.errors(good, schema) == []
    assert checker.errors(bad, schema) != []


def test_unchecked_formats_and_unknown_refs():
    checker = ExampleChecker({})
    assert checker.errors("anything", {"type": "string", "format": "password"}) == []
    assert "unknown schema" in checker.errors(1, {"$ref": "#/definitions/Nope"})[0][1]
    assert "not valid JSON Schema" in checker.errors(1, {"type": "integr"})[0][1]
