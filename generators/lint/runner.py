"""Run every lint rule over both contracts and collect all diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from generators.build_ir import build_ir
from generators.diagnostics import Diagnostic, Diagnostics, Severity
from generators.ir import ApiIR
from generators.lint import rules as _rules  # noqa: F401  (registers every rule)
from generators.lint.context import LintContext, display_name
from generators.lint.loading import brief, load_for_lint
from generators.lint.registry import RULES, Rule
from generators.loader import Contracts

INTERNAL = "CK100"


@dataclass(frozen=True)
class LintResult:
    """Sorted, de-duplicated diagnostics; `loaded` is False when a contract is unreadable."""

    diagnostics: list[Diagnostic]
    loaded: bool

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)

    def exit_code(self, *, strict: bool = False) -> int:
        """0 clean, 1 lint errors (or warnings with `strict`), 2 contracts unreadable."""
        if not self.loaded:
            return 2
        failing = self.count(Severity.ERROR) + (self.count(Severity.WARNING) if strict else 0)
        return 1 if failing else 0


def lint_contracts(openapi_path: Path, asyncapi_path: Path, root: Path | None = None) -> LintResult:
    """Lint both contracts; file names in diagnostics are relative to `root` (default: cwd)."""
    root = root or Path.cwd()
    loaded = load_for_lint(openapi_path, asyncapi_path)
    if isinstance(loaded, Diagnostics):
        return LintResult(sorted(set(_from_loader(loaded, root))), loaded=False)
    contracts = loaded
    diags = Diagnostics()
    diags.extend(_from_loader(contracts.diagnostics, root))
    ctx = LintContext(contracts, _build_ir(contracts, root, diags), root)
    crashed = [
        (lint_rule.id, error)
        for lint_rule in sorted(RULES.values(), key=lambda r: r.id)
        if (error := _run(lint_rule, ctx, diags)) is not None
    ]
    if crashed and contracts.diagnostics.has_errors:  # explained by the loader's errors
        ids = ", ".join(rule_id for rule_id, _ in crashed)
        diags.add(
            INTERNAL, f"rules {ids} could not finish because of the errors above", file=ctx.oas.file
        )
    else:
        for rule_id, error in crashed:
            diags.add(INTERNAL, f"rule {rule_id} could not finish ({error})", file=ctx.oas.file)
    return LintResult(sorted(set(diags)), loaded=True)  # shared responses are reported once


def _run(lint_rule: Rule, ctx: LintContext, diags: Diagnostics) -> str | None:
    """Run one rule, adding its findings; why it stopped early, or None."""
    if lint_rule.needs_ir and not ctx.has_ir:
        return None
    try:
        for f in lint_rule.check(ctx):
            diags.add(
                lint_rule.id, f.message, file=f.file, pointer=f.pointer, severity=lint_rule.severity
            )
    except Exception as exc:  # a broken document must not hide the other rules' findings
        return brief(exc)
    return None


def _build_ir(contracts: Contracts, root: Path, diags: Diagnostics) -> ApiIR | None:
    try:
        return build_ir(contracts, root)
    except Exception as exc:  # the document-level rules still run and say what is wrong
        diags.add(
            INTERNAL,
            f"the IR could not be built ({brief(exc)}); rules that need it were skipped",
            file=display_name(contracts.openapi_path, root),
        )
        return None


def _from_loader(diags: Diagnostics, root: Path) -> list[Diagnostic]:
    """The loader's diagnostics, with files named like the IR names them and one-paragraph
    messages (the validators append the failing schema and instance)."""
    return [
        replace(
            d,
            file=display_name(Path(d.file), root) if d.file else d.file,
            message=d.message.split("\n\n", 1)[0].strip(),
        )
        for d in diags
    ]
