"""Target `ts_messages`: TypeScript discriminated unions of the WebSocket messages.

Emits `messages.ts` (relative to the target's output directory, `generated/ts/` by default):
an interface per message with `type` as a string-literal tag (never widened to `string`),
`ClientMessage` / `ServerMessage` unions, type guards, and `parseServerMessage` /
`parseClientMessage`, which check a frame against the contract's draft-07 schema (embedded,
descriptions stripped). The code type-checks with `tsc --strict` on the default target and
uses no library API newer than ES5, so it compiles for browsers and Node alike.

`TemplateContext.extra` for `templates/ts_messages/messages.ts.jinja`:
    types: `TsType` per schema reachable from a message (shared OpenAPI ones included, as
        there is no TypeScript models module), in contract order.
    client / server: `TsMessage` per message, in contract order.
    definitions: the embedded validation schemas (JSON text).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generators.ir import ApiIR, Direction, Message
from generators.jsonschema_util import ref_name
from generators.render import Renderer, TemplateContext
from generators.targets.base import Files, Target
from generators.targets.ws_messages import (
    WsTargetError,
    main,
    message_doc,
    reachable,
    schema_types,
)

Json = Any
NAME = "ts_messages"
DEFAULT_OPTIONS: dict[str, Any] = {}
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_DOC_ONLY = {"description", "title", "examples", "example", "default"}


@dataclass(frozen=True)
class TsType:
    """One exported type: `export interface X {...}` or `export type X = ...`."""

    name: str
    doc: str
    body: str
    interface: bool
    consts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TsMessage:
    """One message interface of one direction."""

    name: str
    type: str
    direction: Direction
    doc: str
    body: str


def ts_doc(text: str | None, indent: str = "") -> str:
    """A JSDoc comment (empty when there is no text)."""
    if not text:
        return ""
    lines = text.strip().replace("*/", "*\\/").splitlines()
    if len(lines) == 1:
        return f"{indent}/** {lines[0]} */\n"
    body = "".join(f"{indent} *{' ' + line if line else ''}\n" for line in lines)
    return f"{indent}/**\n{body}{indent} */\n"


def ts_key(name: str) -> str:
    """A property key: bare when it is an identifier, else quoted."""
    return name if _IDENT.match(name) else json.dumps(name)


def ts_literal(value: Json) -> str:
    """A TypeScript literal type for a JSON scalar."""
    return json.dumps(value, ensure_ascii=False)


class TsTypes:
    """Maps draft-07 schema nodes to TypeScript type expressions."""

    def __init__(self, definitions: Mapping[str, Json]) -> None:
        self.definitions = definitions

    def expr(self, node: Mapping[str, Json], indent: str, where: str) -> str:
        """The type of `node` (`| null` included when nullable)."""
        if "$ref" in node:
            return ref_name(node["$ref"])
        if "const" in node:
            return ts_literal(node["const"])
        if "enum" in node:
            return " | ".join(ts_literal(v) for v in node["enum"])
        subs = node.get("anyOf", node.get("oneOf"))
        if subs is not None:
            return " | ".join(self.expr(s, indent, where) for s in subs)
        if len(node.get("allOf", [])) == 1:
            return self.expr(node["allOf"][0], indent, where)
        if set(node) & {"allOf", "not", "if"}:
            raise WsTargetError(f"{where}: allOf/not/if are not supported in WebSocket schemas")
        types = schema_types(node) or ["any"]
        return " | ".join(self._typed(t, node, indent, where) for t in types)

    def _typed(self, typ: str, node: Mapping[str, Json], indent: str, where: str) -> str:
        simple = {"string": "string", "integer": "number", "number": "number"}
        simple |= {"boolean": "boolean", "null": "null", "any": "unknown"}
        if typ in simple:
            return simple[typ]
        if typ == "array":
            return f"Array<{self.expr(node.get('items', {}), indent, where)}>"
        if typ == "object":
            return self.object_body(node, indent, where)
        raise WsTargetError(f"{where}: unsupported type {typ!r}")

    def object_body(self, node: Mapping[str, Json], indent: str, where: str) -> str:
        """`{ a: A; b?: B }` over several lines (an index signature when open and shapeless)."""
        props = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        if not props:
            if extra is False:
                return "Record<string, never>"
            value = self.expr(extra, indent, where) if isinstance(extra, dict) else "unknown"
            return f"{{ [key: string]: {value} }}"
        required = set(node.get("required", []))
        inner = indent + "  "
        lines = []
        for key, sub in props.items():
            doc = ts_doc(sub.get("description") if "$ref" not in sub else None, inner)
            optional = "" if key in required else "?"
            value = self.expr(sub, inner, f"{where}.{key}")
            lines.append(f"{doc}{inner}{ts_key(key)}{optional}: {value};\n")
        return "{\n" + "".join(lines) + indent + "}"


def enum_consts(schema: Mapping[str, Json]) -> tuple[tuple[str, str], ...]:
    """`x-enum-varnames` as (member, literal) pairs for a `const` object."""
    names = schema.get("x-enum-varnames", [])
    values = schema.get("enum", [])
    if not names or len(names) != len(values):
        return ()
    return tuple((str(n), ts_literal(v)) for n, v in zip(names, values, strict=True))


def validation_schema(node: Json) -> Json:
    """A copy of a draft-07 schema without documentation keywords."""
    if isinstance(node, list):
        return [validation_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Json] = {}
    for key, value in node.items():
        if key in ("properties", "definitions"):
            out[key] = {k: validation_schema(v) for k, v in value.items()}
        elif key in ("enum", "const", "required"):
            out[key] = value
        elif key not in _DOC_ONLY:
            out[key] = validation_schema(value)
    return out


def _message(types: TsTypes, msg: Message) -> TsMessage:
    body = types.object_body(msg.payload, "", msg.key)
    return TsMessage(msg.class_name, msg.type, msg.direction, ts_doc(message_doc(msg)), body)


class TsMessagesTarget:
    """TypeScript WebSocket message types, guards and a runtime validator."""

    name = NAME
    description = "TypeScript discriminated unions, type guards and validators of the WebSocket"
    default_options = DEFAULT_OPTIONS

    def render(self, ir: ApiIR, renderer: Renderer, options: Mapping[str, Any]) -> Files:
        defs = ir.definitions()
        names = reachable((m.payload for m in ir.messages), defs)
        types = TsTypes(defs)
        exported: list[TsType] = []
        for name in [*ir.ws_schemas, *ir.schemas]:  # contract order, AsyncAPI first
            if name not in names:
                continue
            node = defs[name]
            source = (ir.ws_schemas.get(name) or ir.schemas[name]).source
            doc = (ir.ws_schemas.get(name) or ir.schemas[name]).description
            interface = "properties" in node and schema_types(node) == ["object"]
            body = types.object_body(node, "", name) if interface else types.expr(node, "", name)
            exported.append(TsType(name, ts_doc(doc), body, interface, enum_consts(source)))
        messages = {m.class_name for m in ir.messages}
        if messages & set(names):
            raise WsTargetError(f"message names clash with schemas: {messages & set(names)}")
        validation = {n: validation_schema(defs[n]) for n in sorted(names)}
        validation |= {m.class_name: validation_schema(m.payload) for m in ir.messages}
        extra = {
            "types": exported,
            "client": [_message(types, m) for m in ir.messages_from("client")],
            "server": [_message(types, m) for m in ir.messages_from("server")],
            "definitions": json.dumps(validation, ensure_ascii=False, indent=2, sort_keys=True),
        }
        ctx = TemplateContext(ir=ir, target=self.name, options=options, extra=extra)
        return {"messages.ts": renderer.render("ts_messages/messages.ts.jinja", ctx)}


TARGET: Target = TsMessagesTarget()

if __name__ == "__main__":
    main(sys.argv[1:] or [NAME])
