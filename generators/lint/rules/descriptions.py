"""Rules on documentation of schemas and properties, in both documents (CK130-CK131)."""

from __future__ import annotations

from collections.abc import Iterator

from generators.lint.context import Finding, LintContext, Node, last_token
from generators.lint.registry import rule
from generators.lint.walk import schema_roots, walk_schema


def _described(node: Node) -> bool:
    text = node.value.get("description") if isinstance(node.value, dict) else None
    return isinstance(text, str) and bool(text.strip())


@rule("CK130", "every component schema has a description", needs_ir=False)
def schema_description(ctx: LintContext) -> Iterator[Finding]:
    for root, named in schema_roots(ctx):
        if named and not _described(root) and "$ref" not in root.value:
            name = last_token(root.pointer)
            yield root.finding(f"schema {name} has no description")


@rule("CK131", "every property has a description (a bare $ref inherits it)", needs_ir=False)
def property_description(ctx: LintContext) -> Iterator[Finding]:
    for root, _ in schema_roots(ctx):
        for node, role in walk_schema(root):
            if role == "property" and "$ref" not in node.value and not _described(node):
                name = last_token(node.pointer)
                yield node.finding(f"property {name!r} has no description")
