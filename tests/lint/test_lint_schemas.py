"""Cross-document schema rules (CK160-CK161)."""

from __future__ import annotations

from generators.diagnostics import Severity
from generators.diagnostics import pointer as P
from tests.lint.lint_support import AAS_FILE, OAS_FILE


def test_name_defined_in_both_documents(lint_mutated):
    def change(_, aas):
        aas["components"]["schemas"]["User"] = {"type": "string", "description": "冲突"}

    linted = lint_mutated(change)
    assert linted.pointers("CK160", AAS_FILE) == {P("components", "schemas", "User")}


def test_unused_schemas_including_ones_only_unused_schemas_use(lint_mutated):
    def change(oas, _):
        schemas = oas["components"]["schemas"]
        schemas["Orphan"] = {"type": "string", "description": "无人引用"}
        schemas["OrphanHolder"] = {
            "type": "object",
            "description": "也无人引用",
            "properties": {"o": {"$ref": "#/components/schemas/Orphan"}},
        }

    linted = lint_mutated(change)
    assert linted.pointers("CK161", OAS_FILE) == {
        P("components", "schemas", "Orphan"),
        P("components", "schemas", "OrphanHolder"),
    }
    assert {d.severity for d in linted.diagnostics if d.code == "CK161"} == {Severity.WARNING}


def test_repo_contracts_unused_schemas(lint_mutated):
    """Cross-file uses count (UserSummary is used only by the AsyncAPI document)."""
    linted = lint_mutated()
    assert linted.pointers("CK161", OAS_FILE) == set()
    assert linted.pointers("CK161", AAS_FILE) == set()
