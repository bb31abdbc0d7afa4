"""Loader diagnostics are part of lint; unreadable contracts are a different outcome."""

from __future__ import annotations

from generators.diagnostics import Severity
from generators.diagnostics import pointer as P
from generators.lint import lint_contracts
from tests.lint.lint_support import OAS_FILE


def test_missing_file_means_not_loaded(tmp_path, write_mutated):
    oas, _ = write_mutated()
    result = lint_contracts(oas, tmp_path / "absent.yaml", tmp_path)
    assert not result.loaded
    assert [(d.code, d.file) for d in result.diagnostics] == [("CK001", "absent.yaml")]
    assert result.exit_code() == 2


def test_yaml_syntax_error_means_not_loaded(tmp_path, write_mutated):
    oas, aas = write_mutated()
    aas.write_text("asyncapi: [3.0.0\n", encoding="utf-8")
    result = lint_contracts(oas, aas, tmp_path)
    assert {d.code for d in result.diagnostics} == {"CK002"}
    assert result.exit_code() == 2


def test_schema_validation_errors_are_reported_with_every_other_finding(lint_mutated):
    def change(oas, _):
        oas["paths"]["/health"]["get"]["x_not_allowed"] = True
        oas["paths"]["/health"]["get"].pop("summary")

    linted = lint_mutated(change)
    assert P("paths", "/health", "get") in linted.pointers("OAS001", OAS_FILE)
    assert all("\n" not in m for m in linted.messages("OAS001"))  # one paragraph each
    assert linted.pointers("CK105") == {P("paths", "/health", "get")}
    assert linted.result.loaded
    assert linted.result.exit_code() == 1


def test_unresolvable_ref_is_reported_and_lint_goes_on(lint_mutated):
    def change(oas, _):
        oas["paths"]["/health"]["get"]["responses"]["500"] = {"$ref": "#/components/responses/Nope"}
        oas["paths"]["/users/me"]["get"].pop("summary")

    linted = lint_mutated(change)
    assert linted.pointers("CK003") == {P("paths", "/health", "get", "responses", "500")}
    assert linted.pointers("CK105") == {P("paths", "/users/me", "get")}
    assert linted.result.exit_code() == 1


def test_asyncapi_validation_errors(lint_mutated):
    linted = lint_mutated(
        lambda _, aas: aas["operations"]["sendServerMessages"].update(action="publish")
    )
    assert "AAS001" in linted.codes(Severity.ERROR)
    assert linted.result.exit_code() == 1
