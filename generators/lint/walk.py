"""Walk the contract documents: operations, media examples and every schema position."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from generators.build_ir import HTTP_METHODS
from generators.lint.context import LintContext, Node

SchemaRole = Literal["root", "property", "nested"]
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_NOT_TRAVERSED = {"example", "examples", "enum", "const", "default"}


@dataclass(frozen=True)
class HttpOperation:
    """One operation object as written: its path template, method and node."""

    path: str
    method: str
    node: Node


def http_operations(ctx: LintContext) -> Iterator[HttpOperation]:
    """Every operation under `paths`, in document order."""
    paths = ctx.oas.get("paths")
    if paths is None:
        return
    for path, item in paths.items():
        item = ctx.deref(item)
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is not None and isinstance(op.value, dict):
                yield HttpOperation(path, method, op)


def media_examples(ctx: LintContext, media: Node) -> Iterator[tuple[str, Node]]:
    """(name, value node) of `example` and each `examples/<name>/value`.

    Works for media types, parameters and headers, which all write examples this way.
    """
    single = media.get("example")
    if single is not None:
        yield "example", single
    examples = media.get("examples")
    if examples is None:
        return
    for name, entry in examples.items():
        value = ctx.deref(entry).get("value")
        if value is not None:
            yield name, value


def media_types(ctx: LintContext, owner: Node) -> Iterator[tuple[str, Node]]:
    """(content type, media node) under `owner/content` (a request body or response)."""
    content = ctx.child(owner, "content")
    if content is not None:
        yield from content.items()


def schema_roots(ctx: LintContext) -> Iterator[tuple[Node, bool]]:
    """Every schema written in either document: (node, is a named component schema)."""
    for doc, keys in ((ctx.oas, {"schema"}), (ctx.aas, {"payload", "query"})):
        comps = doc.get("components", "schemas")
        for _, schema in comps.items() if comps is not None else ():
            yield schema, True
        yield from ((n, False) for n in _find_roots(doc, keys, skip=comps))


def _find_roots(node: Node, keys: set[str], skip: Node | None) -> Iterator[Node]:
    if skip is not None and node.pointer == skip.pointer:
        return
    for key, child in node.items():
        if key in _NOT_TRAVERSED or key.startswith("x-"):
            continue
        if key in keys and isinstance(child.value, dict):
            yield child
        else:
            yield from _find_roots(child, keys, skip)
    for child in node.elements():
        yield from _find_roots(child, keys, skip)


def walk_schema(node: Node, role: SchemaRole = "root") -> Iterator[tuple[Node, SchemaRole]]:
    """A schema and every inline subschema, with its role; `$ref`s are not followed."""
    if not isinstance(node.value, dict):
        return
    yield node, role
    if "$ref" in node.value:
        return
    props = node.get("properties")
    for _, prop in props.items() if props is not None else ():
        yield from walk_schema(prop, "property")
    for key in ("items", "additionalProperties", "not"):
        sub = node.get(key)
        if sub is not None:
            yield from walk_schema(sub, "nested")
    for key in _SUBSCHEMA_LISTS:
        subs = node.get(key)
        for sub in subs.elements() if subs is not None else ():
            yield from walk_schema(sub, "nested")
