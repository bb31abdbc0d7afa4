"""Rules on schemas across both documents (CK160-CK162)."""

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
#: regex escapes whose character sets differ between ECMA-262 (JSON Schema's dialect: the
#: TypeScript client, schemathesis), Python's `re` and Rust's `regex` (the server's
#: validators): Unicode digits, word characters, white space and word boundaries
_DIALECT_ESCAPES = frozenset("dDwWsSbB")


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


@rule("CK162", "patterns mean the same in every regex dialect (no \\d \\w \\s \\b)", needs_ir=False)
def portable_patterns(ctx: LintContext) -> Iterator[Finding]:
    for doc in (ctx.oas, ctx.aas):
        for node, regex in _patterns(doc):
            escapes = _dialect_escapes(regex)
            if escapes:
                yield node.finding(
                    f"pattern {regex!r} uses {', '.join(escapes)}, whose meaning differs between "
                    "ECMA-262 (JSON Schema, TypeScript, schemathesis), Python's re and Rust's "
                    "regex (Unicode digits, letters, white space); spell the class out, e.g. "
                    "[0-9] for \\d"
                )


def _patterns(node: Node, names: bool = False) -> Iterator[tuple[Node, str]]:
    """(node, regex) of every schema `pattern` and `patternProperties` key under `node`;
    example data is not searched."""
    value = node.value
    if isinstance(value, dict):
        if not names:
            regex = value.get("pattern")
            pattern = node.get("pattern")
            if isinstance(regex, str) and pattern is not None:
                yield pattern, regex
            keyed = node.get("patternProperties")
            if keyed is not None and isinstance(keyed.value, dict):
                yield from ((child, key) for key, child in keyed.items())
        for key, child in node.items():
            if names or key not in _DATA_KEYS:
                yield from _patterns(child, not names and key in _NAME_MAPS)
    elif isinstance(value, list):
        for child in node.elements():
            yield from _patterns(child)


def _dialect_escapes(regex: str) -> list[str]:
    """The dialect-dependent escapes in `regex` (an escaped backslash is not one)."""
    found: set[str] = set()
    i = 0
    while i < len(regex) - 1:
        if regex[i] == "\\":
            if regex[i + 1] in _DIALECT_ESCAPES:
                found.add("\\" + regex[i + 1])
            i += 2
        else:
            i += 1
    return sorted(found)
