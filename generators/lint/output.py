"""Render lint diagnostics: the shared text/json formats, and GitHub annotations with lines."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from generators.diagnostics import Diagnostic, Severity, render
from generators.lint.lines import LineIndex

FORMATS = ("text", "json", "github")
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_lint(diags: Iterable[Diagnostic], fmt: str, root: Path) -> str:
    """`text` and `json` as every command prints them; `github` also carries the line."""
    if fmt != "github":
        return render(diags, fmt)
    lines = LineIndex(root)
    out = []
    for d in sorted(diags):
        props = f"file={_prop(d.file)}"
        line = lines.line(d.file, d.pointer) if d.file else None
        if line is not None:
            props += f",line={line}"
        msg = _data(f"{d.code} {d.pointer}: {d.message}")
        out.append(f"::{_LEVEL[d.severity]} {props},title={_prop(d.code)}::{msg}")
    return "\n".join(out)


def summary(diags: Iterable[Diagnostic]) -> str:
    """`N error(s), M warning(s)`."""
    items = list(diags)
    errors = sum(1 for d in items if d.severity is Severity.ERROR)
    warnings = sum(1 for d in items if d.severity is Severity.WARNING)
    return f"{errors} error(s), {warnings} warning(s)"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
