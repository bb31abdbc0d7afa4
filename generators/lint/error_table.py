"""Read the error table (`x-error-codes` on `ErrorCode`) and every place an error code is used."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from generators.jsonschema_util import ref_name
from generators.lint.context import LintContext, Node
from generators.lint.walk import (
    http_operations,
    media_examples,
    media_types,
    schema_roots,
    walk_schema,
)

ERROR_SCHEMA = "ErrorCode"


@dataclass(frozen=True)
class TableRow:
    """A well-formed row of the error table."""

    code: int
    status: int
    name: str
    message: str
    node: Node


@dataclass(frozen=True)
class CodeUse:
    """An error code used somewhere: an example, an `x-error-code(s)` list or extension.

    `status` is the HTTP status of the response an example is documented under (None
    elsewhere); `usage` is that response as the operation declares it.
    """

    code: int
    node: Node
    what: str
    message_node: Node | None = None
    status: int | None = None
    usage: Node | None = None

    @property
    def message(self) -> str | None:
        """The example's `message`, when it has one."""
        node = self.message_node
        return node.value if node is not None and isinstance(node.value, str) else None


def table_node(ctx: LintContext) -> Node | None:
    return ctx.oas.get("components", "schemas", ERROR_SCHEMA)


def table_rows(ctx: LintContext) -> list[TableRow]:
    """The well-formed rows of `x-error-codes` (malformed ones are reported by CK123)."""
    table = table_node(ctx)
    rows = table.get("x-error-codes") if table is not None else None
    out = []
    for row in rows.elements() if rows is not None else ():
        v = row.value
        if (
            isinstance(v, dict)
            and _is_int(v.get("code"))
            and _is_int(v.get("status"))
            and isinstance(v.get("name"), str)
            and isinstance(v.get("message"), str)
        ):
            out.append(TableRow(v["code"], v["status"], v["name"], v["message"], row))
    return out


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def code_uses(ctx: LintContext) -> Iterator[CodeUse]:
    """Every error code used in REST and WebSocket examples, operations and schemas."""
    yield from _rest_uses(ctx)
    yield from _message_uses(ctx)
    for op in http_operations(ctx):
        listed = op.node.get("x-error-codes")
        for item in listed.elements() if listed is not None else ():
            if _is_int(item.value):
                yield CodeUse(item.value, item, f"x-error-codes of {op.method.upper()} {op.path}")
    for root, _ in schema_roots(ctx):
        for node, _role in walk_schema(root):
            single = node.get("x-error-code")
            if single is not None and _is_int(single.value):
                yield CodeUse(single.value, single, "x-error-code")


def _rest_uses(ctx: LintContext) -> Iterator[CodeUse]:
    for op in http_operations(ctx):
        responses = op.node.get("responses")
        for status, declared in responses.items() if responses is not None else ():
            if not status.isdigit() or int(status) < 400:
                continue
            resp = ctx.deref(declared)
            for _, media in media_types(ctx, resp):
                for name, example in media_examples(ctx, media):
                    code = example.get("code")
                    if code is not None and _is_int(code.value):
                        yield CodeUse(
                            code.value,
                            code,
                            f"example {name!r}",
                            example.get("message"),
                            int(status),
                            declared,
                        )


def _message_uses(ctx: LintContext) -> Iterator[CodeUse]:
    messages = ctx.aas.get("components", "messages")
    for key, msg in messages.items() if messages is not None else ():
        data = ctx.child(msg, "payload", "properties", "data")
        code_schema = data.get("properties", "code") if data is not None else None
        ref = code_schema.value.get("$ref") if code_schema is not None else None
        if not (isinstance(ref, str) and ref_name(ref) == ERROR_SCHEMA):
            continue
        examples = msg.get("examples")
        for example in examples.elements() if examples is not None else ():
            data_value = example.get("payload", "data")
            code = data_value.get("code") if data_value is not None else None
            if data_value is not None and code is not None and _is_int(code.value):
                yield CodeUse(
                    code.value, code, f"message {key!r} example", data_value.get("message")
                )
