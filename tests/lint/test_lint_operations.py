"""Operation rules (CK101-CK113, CK117-CK119) on contracts broken on purpose."""

from __future__ import annotations

from generators.diagnostics import Severity
from generators.diagnostics import pointer as P
from tests.lint.lint_support import AAS_FILE, OAS_FILE

JSON = ("content", "application/json")


def op(oas, path, method):
    return oas["paths"][path][method]


def test_missing_operation_id(lint_mutated):
    linted = lint_mutated(lambda oas, _: op(oas, "/health", "get").pop("operationId"))
    assert linted.pointers("CK101") == {P("paths", "/health", "get")}


def test_operation_id_not_snake_case(lint_mutated):
    def change(oas, _):
        op(oas, "/auth/logout", "post")["operationId"] = "logoutUser"

    linted = lint_mutated(change)
    assert linted.pointers("CK102") == {P("paths", "/auth/logout", "post", "operationId")}


def test_duplicate_operation_id_points_at_the_second(lint_mutated):
    def change(oas, _):
        op(oas, "/auth/logout", "post")["operationId"] = "login_user"

    linted = lint_mutated(change)
    assert linted.pointers("CK103") == {P("paths", "/auth/logout", "post", "operationId")}
    assert "POST /auth/login" in linted.messages("CK103")[0]


def test_missing_tag_is_reported_even_though_the_ir_cannot_be_built(lint_mutated):
    def change(oas, _):
        op(oas, "/health", "get").pop("tags")
        op(oas, "/users/me", "get")["tags"] = ["未声明"]

    linted = lint_mutated(change)
    assert linted.pointers("CK104") == {
        P("paths", "/health", "get"),
        P("paths", "/users/me", "get", "tags", 0),
    }
    assert "CK100" in linted.codes()  # the IR needs declared tags; it says so
    assert linted.result.exit_code() == 1


def test_missing_summary(lint_mutated):
    linted = lint_mutated(lambda oas, _: op(oas, "/users/me", "patch").pop("summary"))
    assert linted.pointers("CK105") == {P("paths", "/users/me", "patch")}


def test_request_body_without_example(lint_mutated):
    def change(oas, _):
        op(oas, "/auth/register", "post")["requestBody"]["content"]["application/json"].pop(
            "example"
        )

    linted = lint_mutated(change)
    assert linted.pointers("CK106") == {P("paths", "/auth/register", "post", "requestBody", *JSON)}


def test_success_response_without_example_or_without_2xx(lint_mutated):
    def change(oas, _):
        op(oas, "/health", "get")["responses"]["200"]["content"]["application/json"].pop("example")
        op(oas, "/users/me", "get")["responses"].pop("200")

    linted = lint_mutated(change)
    assert linted.pointers("CK107") == {
        P("paths", "/health", "get", "responses", "200", *JSON),
        P("paths", "/users/me", "get"),
    }


def test_body_without_400(lint_mutated):
    linted = lint_mutated(lambda oas, _: op(oas, "/auth/register", "post")["responses"].pop("400"))
    assert linted.pointers("CK108") == {P("paths", "/auth/register", "post", "responses")}
    assert "takes a request body" in linted.messages("CK108")[0]


def test_path_parameters_without_400(lint_mutated):
    def change(oas, _):
        op(oas, "/meetings/{meeting_id}", "get")["responses"].pop("400")
        codes = op(oas, "/meetings/{meeting_id}", "get")["x-error-codes"]
        codes.remove(40004)

    linted = lint_mutated(change)
    assert linted.pointers("CK108") == {P("paths", "/meetings/{meeting_id}", "get", "responses")}
    assert "takes parameters" in linted.messages("CK108")[0]


def test_secured_without_401_and_any_without_500(lint_mutated):
    def change(oas, _):
        op(oas, "/users/me", "get")["responses"].pop("401")
        op(oas, "/health", "get")["responses"].pop("500")

    linted = lint_mutated(change)
    assert linted.pointers("CK109") == {P("paths", "/users/me", "get", "responses")}
    assert linted.pointers("CK110") == {P("paths", "/health", "get", "responses")}


def test_public_operation_needs_no_401(lint_mutated):
    linted = lint_mutated(lambda oas, _: op(oas, "/auth/register", "post"))
    assert not linted.pointers("CK109")


def test_error_response_without_example_is_reported_once(lint_mutated):
    def change(oas, _):
        oas["components"]["responses"]["Conflict"]["content"]["application/json"].pop("examples")

    linted = lint_mutated(change)
    assert linted.pointers("CK111") == {P("components", "responses", "Conflict", *JSON)}
    assert len(linted.messages("CK111")) == 1


def test_path_template_and_parameters_disagree(lint_mutated):
    def change(oas, _):
        oas["paths"]["/meetings/{id}/leave"] = oas["paths"].pop("/meetings/{meeting_id}/leave")

    linted = lint_mutated(change)
    leave = ("paths", "/meetings/{id}/leave", "post")
    assert linted.pointers("CK112") == {
        P(*leave),  # {id} is not declared
        P("components", "parameters", "MeetingId", "name"),  # meeting_id is not in the path
    }
    assert "OAS001" in linted.codes()  # the validator agrees, and lint still ran every rule


def test_parameter_without_description(lint_mutated):
    def change(oas, _):
        op(oas, "/meetings", "get")["parameters"][2].pop("description")
        oas["components"]["parameters"]["MeetingId"].pop("description")

    linted = lint_mutated(change)
    assert linted.pointers("CK113") == {
        P("paths", "/meetings", "get", "parameters", 2),
        P("components", "parameters", "MeetingId"),
    }


def test_unknown_security_scheme(lint_mutated):
    def change(oas, _):
        op(oas, "/users/me", "get")["security"] = [{"ApiKey": []}]

    linted = lint_mutated(change)
    assert linted.pointers("CK117") == {P("paths", "/users/me", "get", "security", 0, "ApiKey")}


def test_tag_module_names(lint_mutated):
    def change(oas, _):
        oas["tags"][0].pop("x-module-name")
        oas["tags"][1]["x-module-name"] = "Users-Module"
        oas["tags"][3]["x-module-name"] = "meetings"

    linted = lint_mutated(change)
    assert linted.pointers("CK118") == {
        P("tags", 0),
        P("tags", 1, "x-module-name"),
        P("tags", 3, "x-module-name"),
    }


def test_unused_tag_is_a_warning(lint_mutated):
    def change(oas, _):
        oas["tags"].append({"name": "空", "description": "无操作", "x-module-name": "empty"})

    linted = lint_mutated(change)
    assert linted.pointers("CK119") == {P("tags", 6)}
    assert linted.codes(Severity.ERROR) == set()
    assert linted.result.exit_code() == 0
    assert linted.result.exit_code(strict=True) == 1


def test_every_problem_is_reported_in_one_run(lint_mutated):
    def change(oas, aas):
        op(oas, "/health", "get").pop("summary")
        op(oas, "/auth/logout", "post")["operationId"] = "logoutUser"
        aas["components"]["messages"]["Ping"].pop("examples")

    linted = lint_mutated(change)
    assert {"CK102", "CK105", "CK140"} <= linted.codes(Severity.ERROR)
    assert {d.file for d in linted.diagnostics} >= {OAS_FILE, AAS_FILE}
