"""Deterministic data from a draft-07 schema (the `--dynamic` mode), without examples.

The output is meant to validate against the schema: bounds, lengths, formats, enums, `const`
and patterns (via `regexgen`) are honoured; every declared property is filled in. Callers
validate the result and fall back to the contract's example if it does not.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from generators.jsonschema_util import ref_name
from generators.mock import regexgen

Json = Any
_MAX_DEPTH = 16
_FORMATS = {
    "email": "user@example.com",
    "uri": "https://example.com/resource",
    "url": "https://example.com/resource",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "byte": base64.b64encode(b"contractkit").decode(),
    "binary": "contractkit",
}


class DataGenerator:
    """Generates one value per schema; `$ref`s resolve against `definitions`."""

    def __init__(
        self, definitions: dict[str, dict[str, Json]], now: datetime | None = None
    ) -> None:
        self.definitions = definitions
        self.now = now

    def generate(self, schema: Json, hint: str = "") -> Json:
        return self._gen(schema, hint, 0)

    def _gen(self, schema: Json, hint: str, depth: int) -> Json:
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return None
        if "$ref" in schema:
            return self._gen(self.definitions[ref_name(schema["$ref"])], hint, depth + 1)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return next((v for v in schema["enum"] if v is not None), None)
        if "default" in schema and not isinstance(schema["default"], dict | list):
            return schema["default"]
        if "allOf" in schema:
            return self._all_of(schema, hint, depth)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [b for b in schema[key] if b.get("type") != "null"] or schema[key]
                return self._gen(branches[0], hint, depth + 1)
        return self._typed(schema, _type_of(schema), hint, depth)

    def _all_of(self, schema: dict[str, Json], hint: str, depth: int) -> Json:
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        parts = [self._gen(p, hint, depth + 1) for p in schema["allOf"]]
        if "properties" in rest or rest.get("type") == "object":
            parts.append(self._gen(rest, hint, depth + 1))
        if all(isinstance(p, dict) for p in parts):
            merged: dict[str, Json] = {}
            for part in parts:
                merged.update(part)
            return merged
        return parts[0] if parts else None

    def _typed(self, schema: dict[str, Json], typ: str, hint: str, depth: int) -> Json:
        if typ == "object":
            return self._object(schema, hint, depth)
        if typ == "array":
            count = min(max(schema.get("minItems", 1), 1), schema.get("maxItems", 1 << 30))
            return [self._gen(schema.get("items", {}), hint, depth + 1) for _ in range(count)]
        if typ == "string":
            return self._string(schema, hint)
        if typ in ("integer", "number"):
            return _number(schema, integer=typ == "integer")
        if typ == "boolean":
            return False
        return None

    def _object(self, schema: dict[str, Json], hint: str, depth: int) -> dict[str, Json]:
        props: dict[str, Json] = schema.get("properties", {})
        out = {name: self._gen(sub, name, depth + 1) for name, sub in props.items()}
        extra = schema.get("additionalProperties")
        if not out and isinstance(extra, dict) and extra:
            out[hint or "key"] = self._gen(extra, hint, depth + 1)
        return out

    def _string(self, schema: dict[str, Json], hint: str) -> str:
        low: int = schema.get("minLength", 0)
        high: int | None = schema.get("maxLength")
        fmt = schema.get("format")
        if "pattern" in schema:
            matched = regexgen.generate(schema["pattern"], low, high)
            if matched is not None:
                return matched
        if fmt in ("date-time", "date", "time"):
            now = (self.now or datetime.now(UTC)).replace(microsecond=0)
            stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
            return {"date-time": stamp, "date": stamp[:10], "time": stamp[11:]}[fmt]
        text: str = _FORMATS.get(fmt or "", hint or "string")
        text = text + "x" * max(0, low - len(text))
        return text[:high] if high is not None else text


def _type_of(schema: dict[str, Json]) -> str:
    typ = schema.get("type")
    if isinstance(typ, list):
        typ = next((t for t in typ if t != "null"), "null")
    if isinstance(typ, str):
        return typ
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    return "array" if "items" in schema else "string"


def _number(schema: dict[str, Json], *, integer: bool) -> int | float:
    low = schema.get("minimum")
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + (1 if integer else 1e-3)
    high = schema.get("maximum")
    if "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - (1 if integer else 1e-3)
    if low is not None and high is not None:
        value = low if integer else (low + high) / 2
    elif low is not None:
        value = low
    else:
        value = 0 if high is None or high >= 0 else high
    step = schema.get("multipleOf")
    if step:
        value = -(-value // step) * step
    return int(value) if integer else float(value)
