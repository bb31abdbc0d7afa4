"""Link rules (CK114-CK116) on contracts broken on purpose, and the schema path walk."""

from __future__ import annotations

from generators.diagnostics import pointer as P
from generators.lint.rules.links import has_path

CREATE_LINKS = ("paths", "/meetings", "post", "responses", "201", "links")
LOGIN_LINKS = ("paths", "/auth/login", "post", "responses", "200", "links")
REGISTER_LINKS = ("paths", "/auth/register", "post", "responses", "201", "links")


def links(oas, path, method, status):
    return oas["paths"][path][method]["responses"][status]["links"]


def test_link_to_unknown_operation(lint_mutated):
    def change(oas, _):
        links(oas, "/meetings", "post", "201")["JoinCreatedMeeting"]["operationId"] = "join"

    linted = lint_mutated(change)
    assert linted.pointers("CK114") == {P(*CREATE_LINKS, "JoinCreatedMeeting", "operationId")}


def test_link_parameter_that_the_target_lacks(lint_mutated):
    def change(oas, _):
        link = links(oas, "/meetings", "post", "201")["JoinCreatedMeeting"]
        link["parameters"] = {"meeting_num": "$response.body#/data/meeting_number"}

    linted = lint_mutated(change)
    join = P(*CREATE_LINKS, "JoinCreatedMeeting")
    assert linted.pointers("CK115") == {join + "/parameters/meeting_num", join}
    assert any(
        "does not supply the path parameter 'meeting_number'" in m for m in linted.messages("CK115")
    )


def test_qualified_link_parameter_is_accepted(lint_mutated):
    def change(oas, _):
        link = links(oas, "/meetings", "post", "201")["JoinCreatedMeeting"]
        link["parameters"] = {"path.meeting_number": "$response.body#/data/meeting_number"}

    assert not lint_mutated(change).pointers("CK115")


def test_link_request_body_to_an_operation_without_body(lint_mutated):
    def change(oas, _):
        links(oas, "/auth/login", "post", "200")["GetCurrentUserAfterLogin"]["requestBody"] = {
            "x": "$request.body#/email"
        }

    linted = lint_mutated(change)
    assert linted.pointers("CK115") == {P(*LOGIN_LINKS, "GetCurrentUserAfterLogin", "requestBody")}


def test_link_expressions_to_missing_fields(lint_mutated):
    def change(oas, _):
        link = links(oas, "/meetings", "post", "201")["GetCreatedMeetingDetail"]
        link["parameters"]["meeting_id"] = "$response.body#/data/meeting_identifier"
        body = links(oas, "/auth/register", "post", "201")["LoginWithRegisteredAccount"]
        body["requestBody"]["email"] = "$request.body#/mail"
        end = links(oas, "/meetings", "post", "201")["EndCreatedMeeting"]
        end["parameters"]["meeting_id"] = "$request.path.meeting_id"

    linted = lint_mutated(change)
    assert linted.pointers("CK116") == {
        P(*CREATE_LINKS, "GetCreatedMeetingDetail", "parameters", "meeting_id"),
        P(*REGISTER_LINKS, "LoginWithRegisteredAccount", "requestBody", "email"),
        P(*CREATE_LINKS, "EndCreatedMeeting", "parameters", "meeting_id"),
    }


def test_has_path_follows_refs_all_of_nullable_and_arrays():
    defs = {
        "Env": {"type": "object", "properties": {"code": {"type": "integer"}}},
        "Item": {"type": "object", "properties": {"id": {"type": "string"}}},
        "Res": {
            "allOf": [
                {"$ref": "#/definitions/Env"},
                {
                    "type": "object",
                    "properties": {
                        "data": {
                            "anyOf": [
                                {"type": "array", "items": {"$ref": "#/definitions/Item"}},
                                {"type": "null"},
                            ]
                        }
                    },
                },
            ]
        },
    }
    root = {"$ref": "#/definitions/Res"}
    assert has_path(root, ["code"], defs)
    assert has_path(root, ["data", "0", "id"], defs)
    assert not has_path(root, ["data", "0", "name"], defs)
    assert not has_path(root, ["message"], defs)
    assert has_path({"type": "object", "additionalProperties": True}, ["any"], defs)
