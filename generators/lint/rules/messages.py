"""Rules on AsyncAPI messages and the WebSocket protocol (CK140-CK146)."""

from __future__ import annotations

from collections.abc import Iterator

from generators.diagnostics import Severity
from generators.lint.context import Finding, LintContext
from generators.lint.registry import rule
from generators.lint.ws_messages import ws_messages

ENVELOPE = ("type", "seq", "timestamp", "data")


@rule("CK140", "every message has an example with a payload", needs_ir=False)
def message_example(ctx: LintContext) -> Iterator[Finding]:
    for msg in ws_messages(ctx):
        examples = msg.node.get("examples")
        if examples is None or not examples.value:
            yield msg.node.finding(f"message {msg.key} has no example")
            continue
        for example in examples.elements():
            if not isinstance(example.value, dict) or "payload" not in example.value:
                yield example.finding(f"an example of message {msg.key} has no payload")


@rule("CK141", "every message payload has a string `type` const", needs_ir=False)
def message_type_const(ctx: LintContext) -> Iterator[Finding]:
    for msg in ws_messages(ctx):
        const = msg.type_node
        if const is None or not isinstance(const.value, str):
            where = msg.payload or msg.node
            yield where.finding(
                f"message {msg.key}: the payload's `type` property needs a string `const`"
            )


@rule("CK142", "every message payload is the {type, seq, timestamp, data} envelope", needs_ir=False)
def message_envelope(ctx: LintContext) -> Iterator[Finding]:
    for msg in ws_messages(ctx):
        payload = msg.payload
        if payload is None:
            yield msg.node.finding(f"message {msg.key} has no payload schema")
            continue
        props = payload.value.get("properties") or {}
        required = payload.value.get("required") or []
        missing = [f for f in ENVELOPE if f not in props]
        optional = [f for f in ENVELOPE if f in props and f not in required]
        if missing:
            yield payload.finding(f"message {msg.key}: the envelope lacks {', '.join(missing)}")
        if optional:
            yield payload.finding(
                f"message {msg.key}: envelope fields {', '.join(optional)} must be required",
                "required",
            )


@rule("CK143", "message `type` values are unique per direction", needs_ir=False)
def message_type_unique(ctx: LintContext) -> Iterator[Finding]:
    first: dict[tuple[str, str], str] = {}
    for msg in ws_messages(ctx):
        const = msg.type_node
        if const is None or not isinstance(const.value, str):
            continue
        for direction in sorted(msg.directions):
            key = (direction, const.value)
            if key in first:
                yield const.finding(
                    f"type {const.value!r} ({direction} messages) is already used by {first[key]}"
                )
            else:
                first[key] = msg.key


@rule("CK144", "a message's `name` equals its `type`", severity=Severity.WARNING, needs_ir=False)
def message_name(ctx: LintContext) -> Iterator[Finding]:
    for msg in ws_messages(ctx):
        const, name = msg.type_node, msg.node.value.get("name")
        if const is not None and name is not None and name != const.value:
            yield msg.node.finding(
                f"message {msg.key}: name {name!r} differs from its type {const.value!r}", "name"
            )


@rule(
    "CK145",
    "every message is sent or received by an operation",
    severity=Severity.WARNING,
    needs_ir=False,
)
def message_used(ctx: LintContext) -> Iterator[Finding]:
    for msg in ws_messages(ctx):
        if not msg.directions:
            yield msg.node.finding(f"message {msg.key} is not used by any operation")


#: RFC 6455 (and IANA-registered) close codes an endpoint may send in a close frame; 1004 is
#: reserved, 1005, 1006 and 1015 must never be sent
SENDABLE_STANDARD_CLOSE_CODES = frozenset({1000, 1001, 1002, 1003, *range(1007, 1015)})


@rule(
    "CK146",
    "WebSocket close codes are unique, sendable codes (4000-4999, or RFC 6455's)",
    needs_ir=False,
)
def close_codes(ctx: LintContext) -> Iterator[Finding]:
    rows = ctx.aas.get("info", "x-close-codes")
    seen: set[object] = set()
    for row in rows.elements() if rows is not None else ():
        code = row.value.get("code") if isinstance(row.value, dict) else None
        if not isinstance(code, int) or not (
            4000 <= code <= 4999 or code in SENDABLE_STANDARD_CLOSE_CODES
        ):
            yield row.finding(
                f"close code {code!r} is neither an application code (4000-4999) nor a "
                "standard code an endpoint may send"
            )
        elif code in seen:
            yield row.finding(f"close code {code} appears twice", "code")
        elif not all(isinstance(row.value.get(k), str) for k in ("name", "description")):
            yield row.finding(f"close code {code} needs a name and a description")
        seen.add(code)
