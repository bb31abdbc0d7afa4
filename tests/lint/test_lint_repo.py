"""The repo contracts lint clean (once the reported fix lands), and every rule is documented."""

from __future__ import annotations

import re
from pathlib import Path

from generators.diagnostics import Severity
from generators.lint import RULES, lint_contracts
from tests.lint.lint_support import ASYNCAPI, OPENAPI, ROOT


def test_repo_contracts_have_no_errors():
    result = lint_contracts(OPENAPI, ASYNCAPI, ROOT)
    assert result.loaded
    assert [d for d in result.diagnostics if d.severity is Severity.ERROR] == []
    assert result.exit_code() == 0


def test_a_yaml_round_trip_changes_nothing(lint_mutated):
    """The mutation tests rewrite the contracts; that alone must not change the findings."""
    before = lint_contracts(OPENAPI, ASYNCAPI, ROOT).diagnostics
    after = lint_mutated().diagnostics
    assert [(d.code, d.pointer, d.message) for d in before] == [
        (d.code, d.pointer, d.message) for d in after
    ]


def test_every_rule_is_documented():
    doc = (ROOT / "docs" / "lint-rules.md").read_text(encoding="utf-8")
    for rule_id, rule in RULES.items():
        assert re.search(rf"^## {rule_id}\b", doc, re.M), f"{rule_id} is not documented"
        assert f"**{rule.severity}**" in doc.split(f"## {rule_id}", 1)[1].split("\n## ", 1)[0]


def test_rule_ids_are_stable_shaped_and_sorted():
    assert all(re.fullmatch(r"CK1\d\d", rule_id) for rule_id in RULES)
    assert "CK100" not in RULES  # reserved for "could not run"


def test_documented_rules_exist():
    doc = (ROOT / "docs" / "lint-rules.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## (CK1\d\d)\b", doc, re.M))
    assert documented == set(RULES) | {"CK100"}


def test_diagnostic_files_are_relative_to_root():
    result = lint_contracts(OPENAPI, ASYNCAPI, ROOT)
    assert {d.file for d in result.diagnostics} <= {
        "contracts/meeting.openapi.yaml",
        "contracts/meeting.asyncapi.yaml",
    }
    assert Path(ROOT / "contracts/meeting.openapi.yaml").is_file()
