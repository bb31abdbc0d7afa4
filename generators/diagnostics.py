"""Collected diagnostics with stable codes, JSON pointers and three output formats."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How serious a diagnostic is; errors fail a command."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding: a stable code, where it is (file + JSON pointer) and what is wrong."""

    file: str
    pointer: str
    code: str
    severity: Severity
    message: str


@dataclass
class Diagnostics:
    """An ordered collection of diagnostics; add as you go, report at the end."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        code: str,
        message: str,
        *,
        file: str = "",
        pointer: str = "",
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.items.append(Diagnostic(file, pointer, code, severity, message))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items)


def escape_pointer_token(token: str) -> str:
    """Escape one JSON-pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """Build a JSON pointer from raw tokens."""
    return "".join("/" + escape_pointer_token(str(t)) for t in tokens)


def format_text(diags: Iterable[Diagnostic]) -> str:
    lines = [f"{d.file}#{d.pointer}: {d.severity} {d.code}: {d.message}" for d in diags]
    return "\n".join(lines)


def format_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([asdict(d) for d in diags], ensure_ascii=False, indent=2)


def format_github(diags: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands (::error file=...::message)."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    out = []
    for d in diags:
        msg = f"{d.code} {d.pointer}: {d.message}".replace("%", "%25").replace("\n", "%0A")
        out.append(f"::{level[d.severity]} file={d.file},title={d.code}::{msg}")
    return "\n".join(out)


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}


def render(diags: Iterable[Diagnostic], fmt: str) -> str:
    """Render diagnostics in one of FORMATTERS' formats."""
    return FORMATTERS[fmt](sorted(diags))
