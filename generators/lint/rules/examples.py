"""Rules: every example validates against its own schema (CK150-CK155)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generators.jsonschema_util import to_json_schema
from generators.lint.context import Finding, LintContext, Node
from generators.lint.registry import rule
from generators.lint.walk import media_examples, media_types, schema_roots, walk_schema
from generators.lint.ws_messages import ws_messages

Json = Any


def _check(ctx: LintContext, example: Node, schema: Json, what: str) -> Iterator[Finding]:
    for inner, message in ctx.examples.errors(example.value, schema):
        at = f" at {inner}" if inner else ""
        yield Finding(example.file, example.pointer + inner, f"{what} is invalid{at}: {message}")


def _media_findings(ctx: LintContext, owner: Node, what: str) -> Iterator[Finding]:
    for content_type, media in media_types(ctx, owner):
        schema = media.get("schema")
        if schema is None:
            continue
        json_schema = to_json_schema(schema.value)
        for name, example in media_examples(ctx, media):
            yield from _check(ctx, example, json_schema, f"{what} ({content_type}) {name!r}")


@rule("CK150", "request body examples match their schema")
def request_examples(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.ir.operations:
        if op.body is not None:
            yield from _media_findings(
                ctx, ctx.at(op.body.location), f"request example of {op.operation_id}"
            )


@rule("CK151", "response examples match their schema")
def response_examples(ctx: LintContext) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()  # shared components/responses are checked once
    for op in ctx.ir.operations:
        for resp in op.responses:
            node = ctx.at(resp.location)
            if (node.file, node.pointer) not in seen:
                seen.add((node.file, node.pointer))
                yield from _media_findings(ctx, node, f"{resp.status} response example")


@rule("CK152", "parameter examples match their schema")
def parameter_examples(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.ir.operations:
        for param in op.parameters:
            for name, example in media_examples(ctx, ctx.at(param.location)):
                yield from _check(
                    ctx, example, param.json_schema, f"parameter {param.name!r} {name}"
                )


@rule("CK153", "schema-level examples match their schema")
def schema_examples(ctx: LintContext) -> Iterator[Finding]:
    for root, _ in schema_roots(ctx):
        for node, _role in walk_schema(root):
            json_schema = to_json_schema(node.value)
            example = node.get("example")
            if example is not None:
                yield from _check(ctx, example, json_schema, "schema example")
            listed = node.get("examples") if node.path == ctx.aas.path else None
            for item in listed.elements() if listed is not None else ():
                yield from _check(ctx, item, json_schema, "schema example")


@rule("CK154", "message examples match their payload schema")
def message_examples(ctx: LintContext) -> Iterator[Finding]:
    for msg in ws_messages(ctx):
        examples = msg.node.get("examples")
        if msg.payload is None or examples is None:
            continue
        json_schema = to_json_schema(msg.payload.value)
        for example in examples.elements():
            payload = example.get("payload")
            if payload is not None:
                yield from _check(ctx, payload, json_schema, f"example of message {msg.key}")


@rule("CK155", "response header examples match their schema")
def header_examples(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.ir.operations:
        for resp in op.responses:
            headers = ctx.child(ctx.at(resp.location), "headers")
            for name, declared in headers.items() if headers is not None else ():
                header = ctx.deref(declared)
                schema = header.get("schema")
                for label, example in media_examples(ctx, header):
                    yield from _check(
                        ctx,
                        example,
                        to_json_schema(schema.value if schema else {}),
                        f"header {name!r} {label}",
                    )
