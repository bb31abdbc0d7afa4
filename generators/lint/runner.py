"""Run every lint rule over both contracts and collect all diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from generators.build_ir import build_ir
from generators.diagnostics import Diagnostic, Diagnostics, Severity
from generators.ir import ApiIR
from generators.lint import rules as _rules  # noqa: F401  (registers every rule)
from generators.lint.context import LintContext, display_name
from generators.lint.registry import RULES
from generators.loader import ContractError, Contracts, load_contracts

UNLOADABLE = {"CK001", "CK002"}  # file missing or not YAML: nothing to lint
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
    try:
        contracts = load_contracts(openapi_path, asyncapi_path)
    except ContractError as exc:
        if any(d.code in UNLOADABLE for d in exc.diagnostics):
            return LintResult(_finish(exc.diagnostics, root), loaded=False)
        contracts = Contracts(
            openapi_path, asyncapi_path, _read(openapi_path), _read(asyncapi_path), exc.diagnostics
        )
    diags = Diagnostics()
    diags.extend(contracts.diagnostics)
    ctx = LintContext(contracts, _build_ir(contracts, root, diags), root)
    for lint_rule in RULES.values():
        if lint_rule.needs_ir and not ctx.has_ir:
            continue
        try:
            for f in lint_rule.check(ctx):
                diags.add(
                    lint_rule.id,
                    f.message,
                    file=f.file,
                    pointer=f.pointer,
                    severity=lint_rule.severity,
                )
        except Exception as exc:  # a broken document must not hide the other rules' findings
            diags.add(
                INTERNAL,
                f"rule {lint_rule.id} could not finish "
                f"({type(exc).__name__}: {exc}); fix the errors above first",
                file=ctx.oas.file,
            )
    return LintResult(_finish(diags, root), loaded=True)


def _build_ir(contracts: Contracts, root: Path, diags: Diagnostics) -> ApiIR | None:
    try:
        return build_ir(contracts, root)
    except Exception as exc:  # the document-level rules still run and say what is wrong
        diags.add(
            INTERNAL,
            f"the IR could not be built ({type(exc).__name__}: {exc}); "
            "rules that need it were skipped",
            file=display_name(contracts.openapi_path, root),
        )
        return None


def _read(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _finish(diags: Diagnostics, root: Path) -> list[Diagnostic]:
    """Loader file names made relative like the IR's; duplicates dropped; sorted."""
    out = {replace(d, file=display_name(Path(d.file), root)) if d.file else d for d in diags}
    return sorted(out)
