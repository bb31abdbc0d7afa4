"""Helpers for the lint tests: paths of the repo contracts, and a queryable lint result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generators.diagnostics import Diagnostic, Severity
from generators.lint import LintResult

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "contracts" / "meeting.openapi.yaml"
ASYNCAPI = ROOT / "contracts" / "meeting.asyncapi.yaml"
OAS_FILE = "meeting.openapi.yaml"  # names in diagnostics, relative to tmp_path
AAS_FILE = "meeting.asyncapi.yaml"

Json = Any
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
Change = Callable[[dict[str, Json], dict[str, Json]], None]


@dataclass
class Linted:
    """A lint result with helpers to ask what was reported where."""

    result: LintResult

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.result.diagnostics

    def pointers(self, code: str, file: str | None = None) -> set[str]:
        return {
            d.pointer
            for d in self.diagnostics
            if d.code == code and (file is None or d.file == file)
        }

    def codes(self, severity: Severity | None = None) -> set[str]:
        return {d.code for d in self.diagnostics if severity is None or d.severity is severity}

    def messages(self, code: str) -> list[str]:
        return [d.message for d in self.diagnostics if d.code == code]


def write_docs(directory: Path, oas: dict[str, Json], aas: dict[str, Json]) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = directory / OAS_FILE, directory / AAS_FILE
    for path, doc in zip(paths, (oas, aas), strict=True):
        path.write_text(
            yaml.dump(doc, Dumper=DUMPER, allow_unicode=True, sort_keys=False, width=1000),
            encoding="utf-8",
        )
    return paths
