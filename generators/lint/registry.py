"""The rule registry: every rule has a stable ID, a severity, a title and a check function."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from generators.diagnostics import Severity
from generators.lint.context import Finding, LintContext

Check = Callable[[LintContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A lint rule. IDs never change meaning; a retired ID is never reused."""

    id: str
    severity: Severity
    title: str
    check: Check
    needs_ir: bool


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    title: str,
    *,
    severity: Severity = Severity.ERROR,
    needs_ir: bool = True,
) -> Callable[[Check], Check]:
    """Register `check` as rule `rule_id`. `needs_ir=False` rules run even without an IR."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"duplicate lint rule id {rule_id}")
        RULES[rule_id] = Rule(rule_id, severity, title, check, needs_ir)
        return check

    return register
