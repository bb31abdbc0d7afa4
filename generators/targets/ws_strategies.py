"""Target `ws_strategies`: Hypothesis strategies for WebSocket frames, generated from the IR.

Emits `strategies.py` (relative to the target's output directory, `generated/ws/` by default):
valid frames per message (JSON-ready dicts), schema-violating mutations of them, and raw garbage
frames. Strategies are emitted from the message schemas rather than delegated to
hypothesis-jsonschema, so that properties such as `room_id` can be aimed at real rooms and every
mutation knows the constraint it breaks.

`TemplateContext.extra` for `templates/ws_strategies/strategies.py.jinja`:
    definitions: `SchemaStrategy` per schema reachable from a message (dependency order).
    messages: `MessageStrategy` per message, client first, in contract order.
    overridable: `Override` per overridable property name.
    client_types / server_types: the `type` tags of each direction.

Options: `overridable` (property names a caller may pin; default `room_id`, `target_user_id`),
`max_text` (max size of unbounded strings, default 40), `max_items` (default 3), `text_cap`
(strings allowed to be longer are drawn up to this size, or at their length limits; default 64).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generators.ir import ApiIR, Direction
from generators.jsonschema_util import ref_name, refs_in
from generators.render import Renderer, TemplateContext, format_python
from generators.targets.base import Files, Target
from generators.targets.ws_messages import (
    TAG,
    WsTargetError,
    main,
    py_literal,
    reachable,
    schema_types,
)

Json = Any
NAME = "ws_strategies"
DEFAULT_OVERRIDABLE = ("room_id", "target_user_id")
DEFAULT_OPTIONS: dict[str, Any] = {
    "overridable": list(DEFAULT_OVERRIDABLE),
    "max_text": 40,
    "max_items": 3,
    "text_cap": 64,
}
_FORMATS = {"date-time": "_DATETIMES", "uri": "_URIS", "email": "_EMAILS"}


@dataclass(frozen=True)
class SchemaStrategy:
    """`_s_<name>(ov)`: valid instances of one component schema."""

    name: str
    expr: str


@dataclass(frozen=True)
class Override:
    """A keyword parameter that pins every property of that name."""

    name: str
    annotation: str


@dataclass(frozen=True)
class MessageStrategy:
    """Public strategy of one message plus its mutation sites."""

    func: str
    class_name: str
    type: str
    direction: Direction
    params: tuple[str, ...]
    sites: tuple[str, ...]


def strategy_name(name: str) -> str:
    """The private function emitted for a component schema."""
    return f"_s_{name}"


class StrategyExprs:
    """Turns draft-07 schema nodes into Hypothesis strategy expressions (Python source)."""

    def __init__(self, definitions: Mapping[str, Json], options: Mapping[str, Any]) -> None:
        self.definitions = definitions
        self.overridable = tuple(options.get("overridable", DEFAULT_OVERRIDABLE))
        self.max_text = int(options.get("max_text", 40))
        self.max_items = int(options.get("max_items", 3))

    def expr(self, node: Mapping[str, Json], where: str) -> str:
        """A strategy expression for `node` (variable `ov` holds the overrides)."""
        if "$ref" in node:
            return f"{strategy_name(ref_name(node['$ref']))}(ov)"
        if "const" in node:
            return f"st.just({py_literal(node['const'])})"
        types = schema_types(node)
        if "enum" in node:
            return f"st.sampled_from({py_literal(node['enum'])})"
        subs = node.get("anyOf", node.get("oneOf"))
        if subs is not None:
            return self._one_of([self.expr(s, where) for s in subs])
        if len(node.get("allOf", [])) == 1:
            return self.expr(node["allOf"][0], where)
        if set(node) & {"allOf", "not", "if"}:
            raise WsTargetError(f"{where}: allOf/not/if are not supported in WebSocket schemas")
        if not types:
            return "_JSON_VALUES"
        return self._one_of([self._typed(t, node, where) for t in types])

    @staticmethod
    def _one_of(exprs: list[str]) -> str:
        return exprs[0] if len(exprs) == 1 else f"st.one_of({', '.join(exprs)})"

    def _typed(self, typ: str, node: Mapping[str, Json], where: str) -> str:
        g = node.get
        if typ == "null":
            return "st.none()"
        if typ == "boolean":
            return "st.booleans()"
        if typ == "integer":
            low = _first(g("minimum"), _plus(g("exclusiveMinimum"), 1))
            high = _first(g("maximum"), _plus(g("exclusiveMaximum"), -1))
            return f"st.integers({_kwargs(min_value=low, max_value=high)})"
        if typ == "number":
            args = _kwargs(
                min_value=g("minimum", g("exclusiveMinimum")),
                max_value=g("maximum", g("exclusiveMaximum")),
                exclude_min="exclusiveMinimum" in node or None,
                exclude_max="exclusiveMaximum" in node or None,
                allow_nan=False,
                allow_infinity=False,
            )
            return f"st.floats({args})"
        if typ == "string":
            return self._string(node)
        if typ == "array":
            low = int(g("minItems", 0))
            high = int(g("maxItems", low + self.max_items))
            item = self.expr(g("items", {}), f"{where}/items")
            return f"st.lists({item}, min_size={low}, max_size={high})"
        if typ == "object":
            return self._object(node, where)
        raise WsTargetError(f"{where}: unsupported type {typ!r}")

    def _string(self, node: Mapping[str, Json]) -> str:
        low, high = node.get("minLength"), node.get("maxLength")
        fmt = _FORMATS.get(str(node.get("format")))
        if "pattern" in node:
            fmt = f"st.from_regex({py_literal(node['pattern'])}, fullmatch=True)"
        if fmt:
            if low is None and high is None:
                return fmt
            return f"{fmt}.filter(lambda s: {low or 0} <= len(s) <= {high or 2**31})"
        size = high if high is not None else max(low or 0, self.max_text)
        return f"_text({_kwargs(min_size=low or None, max_size=size)})"

    def _object(self, node: Mapping[str, Json], where: str) -> str:
        props = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        if not props:
            if extra is False:
                return "st.just({})"
            value = self.expr(extra, where) if isinstance(extra, dict) else "_JSON_VALUES"
            return f"st.dictionaries(st.text(max_size=8), {value}, max_size={self.max_items})"
        required = set(node.get("required", []))
        req = [self._prop(k, v, where) for k, v in props.items() if k in required]
        opt = [self._prop(k, v, where) for k, v in props.items() if k not in required]
        out = f"st.fixed_dictionaries({{{', '.join(req)}}}"
        return out + (f", optional={{{', '.join(opt)}}})" if opt else ")")

    def _prop(self, name: str, node: Mapping[str, Json], where: str) -> str:
        value = self.expr(node, f"{where}.{name}")
        if name in self.overridable:
            value = f"ov.get({py_literal(name)}, {value})"
        return f"{py_literal(name)}: {value}"


def _kwargs(**pairs: Json) -> str:
    return ", ".join(f"{k}={py_literal(v)}" for k, v in pairs.items() if v is not None)


def _first(*values: Json) -> Json:
    return next((v for v in values if v is not None), None)


def _plus(value: Json, delta: int) -> Json:
    return None if value is None else value + delta


# ---------------------------------------------------------------- mutation sites
class Sites:
    """Collects every constrained location of a message (the mutation sites)."""

    def __init__(self, definitions: Mapping[str, Json]) -> None:
        self.definitions = definitions

    def of(self, payload: Mapping[str, Json]) -> list[str]:
        out: list[str] = []
        self._walk(payload, (), False, out, ())
        return out

    def _walk(
        self,
        node: Mapping[str, Json],
        path: tuple[str, ...],
        required: bool,
        out: list[str],
        stack: tuple[str, ...],
    ) -> None:
        if "$ref" in node:
            name = ref_name(node["$ref"])
            if name not in stack:  # a recursive schema is walked once
                self._walk(self.definitions[name], path, required, out, (*stack, name))
            return
        out.append(site_literal(node, path, required))
        props = node.get("properties", {})
        needed = set(node.get("required", []))
        for key, sub in props.items():
            self._walk(sub, (*path, key), key in needed, out, stack)
        if isinstance(node.get("items"), dict):
            self._walk(node["items"], (*path, "*"), False, out, stack)


def site_literal(node: Mapping[str, Json], path: tuple[str, ...], required: bool) -> str:
    """`Site(...)` source for one location (only the constraints it has)."""
    g = node.get
    enum = [g("const")] if "const" in node else g("enum")
    closed = list(g("properties", {})) if g("additionalProperties") is False else None
    pairs: list[tuple[str, Json]] = [
        ("types", tuple(schema_types(node))),
        ("required", required),
        ("tag", path == (TAG,)),
        ("closed", tuple(closed) if closed is not None else None),
        ("enum", tuple(enum) if enum is not None else None),
        ("minimum", g("minimum")),
        ("maximum", g("maximum")),
        ("exclusive_minimum", g("exclusiveMinimum")),
        ("exclusive_maximum", g("exclusiveMaximum")),
        ("min_length", g("minLength")),
        ("max_length", g("maxLength")),
        ("min_items", g("minItems")),
        ("max_items", g("maxItems")),
    ]
    args = [f"{k}={_tuple_literal(v)}" for k, v in pairs if not _empty(v)]
    return f"Site({_tuple_literal(path)}{''.join(', ' + a for a in args)})"


def _empty(value: Json) -> bool:
    return value is None or value is False or value == ()


def _tuple_literal(value: Json) -> str:
    if isinstance(value, tuple):
        inner = ", ".join(py_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return py_literal(value)


# ---------------------------------------------------------------- IR -> specs
def _check_acyclic(names: list[str], defs: Mapping[str, Json]) -> None:
    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name in stack:
            raise WsTargetError(f"recursive schema {name}: not supported by ws_strategies")
        for dep in refs_in(defs[name]):
            visit(dep, (*stack, name))

    for name in names:
        visit(name, ())


def _dependency_order(names: list[str], defs: Mapping[str, Json]) -> list[str]:
    out: dict[str, None] = {}

    def visit(name: str) -> None:
        if name not in out:
            for dep in refs_in(defs[name]):
                visit(dep)
            out[name] = None

    for name in names:
        visit(name)
    return list(out)


def overrides(ir: ApiIR, exprs: StrategyExprs) -> list[Override]:
    """Overridable names used by some message, typed `str` when every use is a string."""
    defs = ir.definitions()
    seen: dict[str, set[str]] = {}
    nodes = [*defs.values(), *(m.payload for m in ir.messages)]
    for node in nodes:
        for key, sub in node.get("properties", {}).items():
            if key in exprs.overridable:
                target = defs[ref_name(sub["$ref"])] if "$ref" in sub else sub
                seen.setdefault(key, set()).update(schema_types(target) or ["any"])
    return [
        Override(n, "_StrArg" if seen[n] == {"string"} else "_AnyArg")
        for n in exprs.overridable
        if n in seen
    ]


def message_params(ir: ApiIR, payload: Mapping[str, Json], names: set[str]) -> tuple[str, ...]:
    """The overridable property names reachable from one message payload."""
    defs = ir.definitions()
    nodes = [payload, *(defs[n] for n in reachable([payload], defs))]
    found = {k for node in nodes for k in node.get("properties", {}) if k in names}
    return tuple(sorted(found))


class WsStrategiesTarget:
    """Hypothesis strategies (valid, mutated, garbage) for every WebSocket message."""

    name = NAME
    description = "Hypothesis strategies of valid and invalid WebSocket frames"
    default_options = DEFAULT_OPTIONS

    def render(self, ir: ApiIR, renderer: Renderer, options: Mapping[str, Any]) -> Files:
        defs = ir.definitions()
        names = reachable((m.payload for m in ir.messages), defs)
        _check_acyclic(names, defs)
        exprs = StrategyExprs(defs, options)
        sites = Sites(defs)
        ovs = overrides(ir, exprs)
        ov_names = {o.name for o in ovs}
        messages = [
            MessageStrategy(
                func=f"{m.direction}_{m.type}",
                class_name=m.class_name,
                type=m.type,
                direction=m.direction,
                params=message_params(ir, m.payload, ov_names),
                sites=tuple(sites.of(m.payload)),
            )
            for direction in ("client", "server")
            for m in ir.messages_from(direction)
        ]
        extra = {
            "definitions": [
                SchemaStrategy(n, exprs.expr(defs[n], n)) for n in _dependency_order(names, defs)
            ],
            "payloads": {m.class_name: exprs.expr(m.payload, m.key) for m in ir.messages},
            "messages": messages,
            "overridable": ovs,
            "text_cap": int(options.get("text_cap", DEFAULT_OPTIONS["text_cap"])),
            "client_types": [m.type for m in ir.messages_from("client")],
            "server_types": [m.type for m in ir.messages_from("server")],
        }
        ctx = TemplateContext(ir=ir, target=self.name, options=options, extra=extra)
        source = renderer.render("ws_strategies/strategies.py.jinja", ctx)
        return {"strategies.py": format_python(source, "strategies.py")}


TARGET: Target = WsStrategiesTarget()

if __name__ == "__main__":
    main(sys.argv[1:] or [NAME])
