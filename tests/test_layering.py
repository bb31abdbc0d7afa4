"""ARCHITECTURE.md's layering rule, enforced by parsing every import (ast).

    cli ──► generators ──► IR ──► contracts        server_impl ──► generated

- `cli` may import `generators` (the server app is loaded by its configured import path).
- `generators` never imports `cli`, `server_impl` or `generated`.
- `generated` imports only third-party libraries and itself.
- `server_impl` imports `generated`, never `generators` or `cli`.
- Nothing imports `cli` (tests, which drive the CLI, are not a layer).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"cli", "generators", "generated", "server_impl", "tests", "templates", "contracts"}
# layer -> first-party packages it may import (itself included)
ALLOWED = {
    "cli": {"cli", "generators"},
    "generators": {"generators"},
    "generated": {"generated"},
    "server_impl": {"server_impl", "generated"},
}


def _package(path: Path) -> list[str]:
    rel = path.relative_to(ROOT).with_suffix("")
    return list(rel.parts[:-1])  # a module's package; `__init__` is its own package's too


def imports(source: str, package: list[str]) -> Iterator[tuple[int, str]]:
    """(line, absolute module) for every import statement in `source`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module


def violations(layer: str, source: str, package: list[str], where: str) -> list[str]:
    out = []
    for line, module in imports(source, package):
        top = module.split(".")[0]
        if top in FIRST_PARTY and top not in ALLOWED[layer]:
            out.append(f"{where}:{line}: {layer} imports {module}")
    return out


def layer_files(layer: str) -> list[Path]:
    return sorted(p for p in (ROOT / layer).rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports(layer: str) -> None:
    files = layer_files(layer)
    assert files, f"no Python files in {layer}/"
    found: list[str] = []
    for path in files:
        source = path.read_text(encoding="utf-8")
        found += violations(layer, source, _package(path), str(path.relative_to(ROOT)))
    assert not found, "layering violations:\n" + "\n".join(found)


def test_checker_catches_violations() -> None:
    src = "from generators.ir import ApiIR\nimport cli.main\nfrom ..errors import ApiError\n"
    found = violations("generated", src, ["generated", "server"], "x.py")
    assert found == [
        "x.py:1: generated imports generators.ir",
        "x.py:2: generated imports cli.main",
    ]
    assert violations("server_impl", "from . import models\n", ["server_impl", "db"], "y") == []
    rel = list(imports("from ..ir import ApiIR\nfrom . import base\n", ["generators", "targets"]))
    assert rel == [(1, "generators.ir"), (2, "generators.targets")]
