"""Description rules (CK130-CK131) in both documents."""

from __future__ import annotations

from generators.diagnostics import pointer as P
from tests.lint.lint_support import AAS_FILE, OAS_FILE


def test_undescribed_schemas_in_both_documents(lint_mutated):
    def change(oas, aas):
        oas["components"]["schemas"]["User"].pop("description")
        aas["components"]["schemas"]["RoomId"]["description"] = "  "

    linted = lint_mutated(change)
    assert linted.pointers("CK130", OAS_FILE) == {P("components", "schemas", "User")}
    assert linted.pointers("CK130", AAS_FILE) == {P("components", "schemas", "RoomId")}


def test_undescribed_properties_anywhere(lint_mutated):
    def change(oas, aas):
        schemas = oas["components"]["schemas"]
        schemas["User"]["properties"]["email"].pop("description")
        schemas["MeetingDetail"]["allOf"][1]["properties"]["participants"].pop("description")
        aas["components"]["schemas"]["ChatMessageData"]["properties"]["content"].pop("description")
        aas["components"]["messages"]["Ping"]["payload"]["properties"]["type"].pop("description")

    linted = lint_mutated(change)
    assert linted.pointers("CK131", OAS_FILE) == {
        P("components", "schemas", "User", "properties", "email"),
        P("components", "schemas", "MeetingDetail", "allOf", 1, "properties", "participants"),
    }
    assert linted.pointers("CK131", AAS_FILE) == {
        P("components", "schemas", "ChatMessageData", "properties", "content"),
        P("components", "messages", "Ping", "payload", "properties", "type"),
    }


def test_inline_schemas_in_operations_are_checked(lint_mutated):
    def change(oas, _):
        media = oas["paths"]["/health"]["get"]["responses"]["200"]["content"]["application/json"]
        media["schema"] = {"type": "object", "properties": {"status": {"type": "string"}}}
        media["example"] = {"status": "ok"}

    linted = lint_mutated(change)
    media = ("paths", "/health", "get", "responses", "200", "content", "application/json")
    assert linted.pointers("CK131") == {P(*media, "schema", "properties", "status")}


def test_a_bare_ref_property_inherits_its_description(lint_mutated):
    linted = lint_mutated()
    # User.avatar is `$ref: AvatarUrl` without a description of its own
    assert P("components", "schemas", "User", "properties", "avatar") not in linted.pointers(
        "CK131"
    )
    assert not linted.pointers("CK130") and not linted.pointers("CK131")
