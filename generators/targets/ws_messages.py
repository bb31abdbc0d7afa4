"""Target `ws_messages`: pydantic envelopes, per-direction discriminated unions, JSON Schemas.

Emits (relative to the target's output directory, `generated/ws/` by default):
`__init__.py`, `messages.py`, `client.schema.json`, `server.schema.json`.

`TemplateContext.extra` for `templates/ws_messages/*.jinja`:
    models_module: module the shared OpenAPI models are imported from (`generated.models`).
    shared: shared model names imported from it, sorted.
    definitions: local component schemas in dependency order (`AliasSpec` | `ModelSpec`).
    client / server: `MessageSpec`s per direction, in contract order.
    error_codes: parse-error kind -> `ErrorCode` member name.
    seq_annotation: annotation used to recover a client's `seq` from an invalid frame.
    uses_datetime: whether `AwareDatetime` is imported.

Options: `models_module` (default `generated.models`), `error_enum` (default `ErrorCode`),
`error_codes` (kind -> error name; kinds `malformed`, `unknown_type`, `invalid`, `missing`).
"""

from __future__ import annotations

import json
import keyword
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generators.ir import ApiIR, Direction, Message
from generators.jsonschema_util import bundle, ref_name, refs_in
from generators.render import Renderer, TemplateContext, format_python
from generators.targets.base import Files, Target

Json = Any
DEFAULT_ERROR_CODES = {
    "malformed": "MALFORMED_BODY",
    "unknown_type": "UNKNOWN_MESSAGE_TYPE",
    "invalid": "INVALID_PARAMETER",
    "missing": "MISSING_FIELD",
}
TAG = "type"
NAME = "ws_messages"
DEFAULT_OPTIONS: dict[str, Any] = {
    "models_module": "generated.models",
    "error_enum": "ErrorCode",
    "error_codes": DEFAULT_ERROR_CODES,
}
ENVELOPE = (TAG, "seq", "timestamp", "data")
_RESERVED = {"model_config", "model_fields", "schema", "json", "dict", "copy", "validate"}


class WsTargetError(ValueError):
    """The contract uses a schema construct the WebSocket targets cannot express."""


@dataclass(frozen=True)
class FieldSpec:
    """One model field: Python name, wire name, annotation and `Field(...)` arguments."""

    name: str
    alias: str | None
    annotation: str
    field_args: str


@dataclass(frozen=True)
class ModelSpec:
    """A pydantic model for an object schema."""

    name: str
    description: str | None
    extra: str
    fields: tuple[FieldSpec, ...]
    kind: str = "model"

    @property
    def has_aliases(self) -> bool:
        return any(f.alias for f in self.fields)


@dataclass(frozen=True)
class AliasSpec:
    """A type alias for a non-object component schema (`RoomId = Annotated[str, ...]`)."""

    name: str
    description: str | None
    annotation: str
    kind: str = "alias"


@dataclass(frozen=True)
class MessageSpec:
    """One envelope class of one direction."""

    class_name: str
    type: str
    direction: Direction
    doc: str
    model: ModelSpec


# ---------------------------------------------------------------- schema helpers
def py_literal(value: Json) -> str:
    """A Python literal for a JSON value (strings double-quoted, as ruff formats them)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return repr(value)


def schema_types(node: Mapping[str, Json]) -> list[str]:
    """The JSON types of a schema node (`type` as a list; empty when unconstrained)."""
    typ = node.get("type")
    if typ is None:
        return []
    return [typ] if isinstance(typ, str) else list(typ)


def is_nullable(node: Mapping[str, Json], definitions: Mapping[str, Json]) -> bool:
    """Whether `null` is a valid instance of `node` (following `$ref`s)."""
    if "$ref" in node:
        return is_nullable(definitions[ref_name(node["$ref"])], definitions)
    if "null" in schema_types(node) or None in node.get("enum", [1]):
        return True
    return any(is_nullable(s, definitions) for s in node.get("anyOf", node.get("oneOf", [])))


def is_object_schema(node: Mapping[str, Json]) -> bool:
    """Whether a component schema becomes a pydantic model (an object with known shape)."""
    return schema_types(node) == ["object"] and (
        "properties" in node or node.get("additionalProperties") is False
    )


def reachable(roots: Iterable[Json], definitions: Mapping[str, Json]) -> list[str]:
    """Names of every definition reachable from `roots`, in first-seen order."""
    seen: dict[str, None] = {}
    todo = [name for root in roots for name in refs_in(root)]
    while todo:
        name = todo.pop(0)
        if name not in seen:
            seen[name] = None
            todo.extend(refs_in(definitions[name]))
    return list(seen)


def field_name(wire: str) -> tuple[str, str | None]:
    """(Python attribute, alias or None) for a JSON property name."""
    plain = wire.isidentifier() and not keyword.iskeyword(wire) and wire not in _RESERVED
    if plain and not wire.startswith(("_", "model_")):
        return wire, None
    ident = "".join(c if c.isalnum() or c == "_" else "_" for c in wire).lstrip("_") or "field"
    if ident[0].isdigit():
        ident = f"f_{ident}"
    return f"{ident}_", wire


def _constraints(pairs: Iterable[tuple[str, Json]]) -> str:
    return ", ".join(f"{k}={py_literal(v)}" for k, v in pairs if v is not None)


def _annotated(base: str, constraints: str) -> str:
    return f"Annotated[{base}, Field({constraints})]" if constraints else base


class PyTypes:
    """Maps draft-07 schema nodes to Python annotations; records what must be imported."""

    def __init__(self, definitions: Mapping[str, Json]) -> None:
        self.definitions = definitions
        self.uses_datetime = False

    def annotation(self, node: Mapping[str, Json], where: str) -> str:
        """The full annotation of `node`, `| None` included when it is nullable."""
        if "$ref" in node:
            return ref_name(node["$ref"])
        if "const" in node:
            return f"Literal[{py_literal(node['const'])}]"
        nullable = "null" in schema_types(node)
        if "enum" in node:
            values = [v for v in node["enum"] if v is not None]
            nullable = nullable or None in node["enum"]
            base = f"Literal[{', '.join(py_literal(v) for v in values)}]"
        elif "anyOf" in node or "oneOf" in node:
            subs = node.get("anyOf", node.get("oneOf", []))
            base = " | ".join(self.annotation(s, where) for s in subs if s != {"type": "null"})
            nullable = nullable or {"type": "null"} in subs
        elif "allOf" in node and len(node["allOf"]) == 1:
            base = self.annotation(node["allOf"][0], where)
        elif set(node) & {"allOf", "not", "if"}:
            raise WsTargetError(f"{where}: allOf/not/if are not supported in WebSocket schemas")
        else:
            types = [t for t in schema_types(node) if t != "null"]
            base = " | ".join(self._typed(t, node, where) for t in types) or "Any"
        return f"{base} | None" if nullable and base != "Any" else base

    def _typed(self, typ: str, node: Mapping[str, Json], where: str) -> str:
        g = node.get
        if typ == "string":
            base = "str"
            if g("format") == "date-time":
                self.uses_datetime, base = True, "AwareDatetime"
            return _annotated(
                base,
                _constraints(
                    [
                        ("min_length", g("minLength")),
                        ("max_length", g("maxLength")),
                        ("pattern", g("pattern")),
                    ]
                ),
            )
        if typ in ("integer", "number"):
            bounds = [("ge", g("minimum")), ("le", g("maximum")), ("gt", g("exclusiveMinimum"))]
            bounds += [("lt", g("exclusiveMaximum")), ("multiple_of", g("multipleOf"))]
            return _annotated("int" if typ == "integer" else "float", _constraints(bounds))
        if typ == "boolean":
            return "bool"
        if typ == "array":
            item = self.annotation(g("items", {}), f"{where}/items")
            sizes = _constraints([("min_length", g("minItems")), ("max_length", g("maxItems"))])
            return _annotated(f"list[{item}]", sizes)
        if typ == "object":
            if node.get("properties"):
                raise WsTargetError(f"{where}: inline object schemas must be components")
            extra = node.get("additionalProperties", True)
            value = self.annotation(extra, where) if isinstance(extra, dict) else "Any"
            return f"dict[str, {value}]"
        raise WsTargetError(f"{where}: unsupported type {typ!r}")

    def model(
        self, name: str, node: Mapping[str, Json], doc: str | None, tag: str | None
    ) -> ModelSpec:
        """A `ModelSpec` for an object schema; `tag` names the discriminator property."""
        required = set(node.get("required", []))
        fields = []
        for wire, prop in node.get("properties", {}).items():
            fields.append(self._field(name, wire, prop, wire in required, wire == tag))
        extra = "forbid" if node.get("additionalProperties") is False else "allow"
        return ModelSpec(name, doc, extra, tuple(fields))

    def _field(self, owner: str, wire: str, prop: Json, required: bool, is_tag: bool) -> FieldSpec:
        py, alias = field_name(wire)
        ann = self.annotation(prop, f"{owner}.{wire}")
        args: list[str] = []
        if is_tag:
            args.append(f"default={py_literal(prop['const'])}")
        elif not required:
            args.append("default=None")
            if not is_nullable(prop, self.definitions):
                # absent is fine, an explicit null is not: reject it, never dump it
                ann = f"Annotated[{ann} | None, _NOT_NULL]"
                args.append("exclude_if=_is_none")
        if alias:
            args.append(f"alias={py_literal(alias)}")
        if prop.get("description") and "$ref" not in prop:
            args.append(f"description={py_literal(prop['description'])}")
        return FieldSpec(py, alias, ann, ", ".join(args))


# ---------------------------------------------------------------- IR -> specs
def local_definitions(ir: ApiIR) -> tuple[list[AliasSpec | ModelSpec], list[str], PyTypes]:
    """AsyncAPI component schemas used by messages, in dependency order, plus shared names."""
    defs = ir.definitions()
    names = reachable((m.payload for m in ir.messages), defs)
    local = [n for n in names if n in ir.ws_schemas and n not in ir.schemas]
    clash = sorted(set(ir.ws_schemas) & set(ir.schemas))
    if clash:
        raise WsTargetError(f"schema names defined in both contracts: {', '.join(clash)}")
    types = PyTypes(defs)
    shared = {r for n in local for r in refs_in(defs[n]) if r in ir.schemas}
    shared |= {r for m in ir.messages for r in refs_in(m.payload) if r in ir.schemas}
    specs: dict[str, AliasSpec | ModelSpec] = {}
    for name in _dependency_order(local, defs):
        node, doc = defs[name], ir.ws_schemas[name].description
        if is_object_schema(node):
            specs[name] = types.model(name, node, doc, None)
        else:
            specs[name] = AliasSpec(name, doc, types.annotation(node, name))
    return list(specs.values()), sorted(shared), types


def _dependency_order(names: list[str], defs: Mapping[str, Json]) -> list[str]:
    out: dict[str, None] = {}
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in out or name in visiting or name not in names:
            return
        visiting.add(name)
        for dep in refs_in(defs[name]):
            visit(dep)
        out[name] = None

    for name in names:
        visit(name)
    return list(out)


def message_specs(ir: ApiIR, types: PyTypes, direction: Direction) -> list[MessageSpec]:
    """Envelope specs of one direction; checks tags are unique and `seq` is present."""
    out: list[MessageSpec] = []
    taken = set(reachable((m.payload for m in ir.messages), ir.definitions()))
    seen: set[str] = set()
    for msg in ir.messages_from(direction):
        if msg.type in seen:
            raise WsTargetError(f"message type {msg.type!r} appears twice ({direction})")
        if msg.class_name in taken:
            raise WsTargetError(f"message class {msg.class_name} clashes with a schema name")
        props = msg.payload.get("properties", {})
        if any(p not in props for p in ENVELOPE):
            raise WsTargetError(f"message {msg.key} must have properties {', '.join(ENVELOPE)}")
        seen.add(msg.type)
        model = types.model(msg.class_name, msg.payload, None, TAG)
        out.append(MessageSpec(msg.class_name, msg.type, direction, message_doc(msg), model))
    return out


def message_doc(msg: Message) -> str:
    """The envelope class docstring."""
    arrow = "client → server" if msg.direction == "client" else "server → client"
    head = ": ".join(p for p in (msg.title, msg.summary) if p) or msg.key
    return f"{head}\n\n`{msg.type}`, {arrow}."


def error_members(ir: ApiIR, options: Mapping[str, Any]) -> dict[str, str]:
    """Parse-error kind -> member name of the shared error enum (checked against the IR).

    The members are the contract's `x-enum-varnames`, which name the `x-error-codes` rows.
    """
    enum_name = str(options.get("error_enum", "ErrorCode"))
    schema = ir.schemas.get(enum_name)
    if schema is None:
        raise WsTargetError(f"error enum schema {enum_name!r} not found in the OpenAPI contract")
    members = set(schema.source.get("x-enum-varnames", [])) or {e.name for e in ir.error_codes}
    wanted = {**DEFAULT_ERROR_CODES, **dict(options.get("error_codes", {}))}
    missing = sorted(v for v in wanted.values() if v not in members)
    if missing:
        raise WsTargetError(f"error names not in {enum_name}: {', '.join(missing)}")
    return wanted


def error_text(ir: ApiIR, name: str) -> str:
    """The error table's message for an error name (empty if the table lacks it)."""
    return next((e.message for e in ir.error_codes if e.name == name), "")


def json_schema(ir: ApiIR, direction: Direction) -> dict[str, Json]:
    """One self-contained draft-07 schema for every frame of one direction (`oneOf`)."""
    msgs = ir.messages_from(direction)
    title = "ClientMessage" if direction == "client" else "ServerMessage"
    arrow = "client → server" if direction == "client" else "server → client"
    root = {
        "title": title,
        "description": f"Any {arrow} frame of {ir.channel.address} (discriminated by `{TAG}`).",
        "oneOf": [{"$ref": f"#/definitions/{m.class_name}"} for m in msgs],
    }
    return bundle(root, {**ir.definitions(), **{m.class_name: m.payload for m in msgs}})


def dump_json(doc: Json) -> str:
    """Deterministic JSON text (sorted keys, 2-space indent, trailing newline)."""
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------- the target
class WsMessagesTarget:
    """Pydantic WebSocket messages, parse/dump helpers and per-direction JSON Schemas."""

    name = NAME
    description = "WebSocket envelopes, discriminated unions, parse/dump helpers, JSON Schemas"
    default_options = DEFAULT_OPTIONS

    def render(self, ir: ApiIR, renderer: Renderer, options: Mapping[str, Any]) -> Files:
        definitions, shared, types = local_definitions(ir)
        client = message_specs(ir, types, "client")
        server = message_specs(ir, types, "server")
        seq_prop = ir.messages_from("client")[0].payload["properties"]["seq"]
        codes = error_members(ir, options)
        extra = {
            "models_module": str(options.get("models_module", DEFAULT_OPTIONS["models_module"])),
            "error_enum": str(options.get("error_enum", DEFAULT_OPTIONS["error_enum"])),
            "shared": shared,
            "definitions": definitions,
            "client": client,
            "server": server,
            "error_codes": codes,
            "error_messages": {n: py_literal(error_text(ir, n)) for n in sorted({*codes.values()})},
            "seq_annotation": types.annotation(seq_prop, "seq"),
            "uses_datetime": types.uses_datetime,
        }
        ctx = TemplateContext(ir=ir, target=self.name, options=options, extra=extra)
        return {
            "__init__.py": format_python(
                renderer.render("ws_messages/__init__.py.jinja", ctx), "__init__.py"
            ),
            "messages.py": format_python(
                renderer.render("ws_messages/messages.py.jinja", ctx), "messages.py"
            ),
            "client.schema.json": dump_json(json_schema(ir, "client")),
            "server.schema.json": dump_json(json_schema(ir, "server")),
        }


TARGET: Target = WsMessagesTarget()


# ---------------------------------------------------------------- standalone use
def main(names: list[str]) -> None:
    """Render `names` through the pipeline (as `contractkit generate` does) and write them."""
    from generators import pipeline
    from generators.config import find_config

    config = pipeline.read_config(find_config())
    files = pipeline.render(pipeline.load_ir(config), config, names)
    written = pipeline.write(files, config.root)
    print(f"{', '.join(names)}: {len(files)} file(s), {len(written)} written")


if __name__ == "__main__":
    main(sys.argv[1:] or [NAME])
