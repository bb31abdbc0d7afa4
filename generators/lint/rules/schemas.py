"""Rules on component schemas across both documents (CK160-CK161)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generators.diagnostics import Severity
from generators.lint.context import Finding, LintContext, Node
from generators.lint.registry import rule

Json = Any
_DATA_KEYS = {"example", "examples", "default", "enum", "const"}
_NAME_MAPS = {"properties", "patternProperties"}


@rule("CK160", "no schema name is defined in both documents", needs_ir=False)
def name_collision(ctx: LintContext) -> Iterator[Finding]:
    oas = ctx.oas.get("components", "schemas")
    aas = ctx.aas.get("components", "schemas")
    if oas is None or aas is None:
        return
    for name, node in aas.items():
        if name in oas.value:
            yield node.finding(
                f"schema {name} is also defined in {ctx.oas.file}; generated "
                "code and the IR name schemas by name only, so $ref it instead"
            )


@rule("CK161", "every component schema is used", severity=Severity.WARNING, needs_ir=False)
def unused_schemas(ctx: LintContext) -> Iterator[Finding]:
    docs = [
        (ctx.oas, ctx.oas.get("components", "schemas")),
        (ctx.aas, ctx.aas.get("components", "schemas")),
    ]
    used: set[tuple[Path, str]] = set()
    todo = [t for doc, comps in docs for t in _targets(ctx, doc, skip=comps)]
    while todo:
        key = todo.pop()
        if key in used:
            continue
        used.add(key)
        doc = ctx.oas if key[0] == ctx.oas.path.resolve() else ctx.aas
        schema = doc.get("components", "schemas", key[1])
        if schema is not None:
            todo.extend(_targets(ctx, schema, skip=None))
    for doc, comps in docs:
        for name, node in comps.items() if comps is not None else ():
            if (doc.path.resolve(), name) not in used:
                yield node.finding(f"schema {name} is not used")


def _targets(ctx: LintContext, node: Node, skip: Node | None) -> Iterator[tuple[Path, str]]:
    """(file, schema name) of every component schema `$ref`ed under `node`."""
    for ref in _refs(node.value, skip.value if skip is not None else None):
        try:
            path, frag, _ = ctx.contracts.resolve(ref, node.path)
        except (KeyError, IndexError, ValueError, TypeError):
            continue
        tokens = frag.split("/")
        if tokens[1:3] == ["components", "schemas"] and len(tokens) > 3:
            yield path.resolve(), tokens[3].replace("~1", "/").replace("~0", "~")


def _refs(value: Json, skip: Json, names: bool = False) -> Iterator[str]:
    """Every `$ref` string under `value`; example data is not searched.

    `names` says `value` maps property names to schemas (so `default` is a name there).
    """
    if value is skip and skip is not None:
        return
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and not names:
            yield ref
        for key, child in value.items():
            if names or key not in _DATA_KEYS:
                yield from _refs(child, skip, not names and key in _NAME_MAPS)
    elif isinstance(value, list):
        for child in value:
            yield from _refs(child, skip)
