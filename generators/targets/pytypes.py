"""Python type annotations for IR (draft-07) schemas, matching the `models` target's classes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generators.ir import ApiIR
from generators.jsonschema_util import ref_name

Json = Any
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def is_model_class(source: dict[str, Json]) -> bool:
    """Whether datamodel-code-generator emits a class for this component schema.

    Objects and multi-value enums become classes; primitives are inlined (root models are
    collapsed) and single-value enums become `Literal`s.
    """
    if source.get("type") == "object" or "properties" in source or "allOf" in source:
        return True
    return len(source.get("enum", [])) > 1


@dataclass
class Annotator:
    """Turns schemas into annotation strings and records the model names they use."""

    ir: ApiIR
    models: set[str] = field(default_factory=set)
    stdlib: set[str] = field(default_factory=set)

    def annotation(self, schema: dict[str, Json]) -> str:
        """The annotation for `schema` (nullable schemas get `| None`)."""
        if "$ref" in schema:
            return self._ref(ref_name(schema["$ref"]))
        if "anyOf" in schema:
            parts = [self.annotation(s) for s in schema["anyOf"]]
            return " | ".join(dict.fromkeys(parts))
        kinds = schema.get("type")
        types = kinds if isinstance(kinds, list) else [kinds]
        nullable = "null" in types
        base = [t for t in types if t != "null"]
        ann = self._base(schema, base[0] if base else None)
        return f"{ann} | None" if nullable and ann not in ("Any", "None") else ann

    def _ref(self, name: str) -> str:
        source = self.ir.schemas[name].source
        if is_model_class(source):
            self.models.add(name)
            return name
        return self.annotation(self.ir.schemas[name].json_schema)

    def _base(self, schema: dict[str, Json], kind: str | None) -> str:
        if "enum" in schema:
            values = [v for v in schema["enum"] if v is not None]
            self.stdlib.add("Literal")
            return f"Literal[{', '.join(repr(v) for v in values)}]"
        if kind == "string" and schema.get("format") == "date-time":
            self.stdlib.add("datetime")
            return "datetime"
        if kind in _SCALARS:
            return _SCALARS[kind]
        if kind == "array":
            return f"list[{self.annotation(schema.get('items', {}))}]"
        if kind == "object":
            self.stdlib.add("Any")
            return "dict[str, Any]"
        self.stdlib.add("Any")
        return "Any"

    def default(self, schema: dict[str, Json]) -> str | None:
        """A Python expression for the schema's default, or None when there is none."""
        target = self.ir.schemas[ref_name(schema["$ref"])] if "$ref" in schema else None
        if "default" in schema:
            value = schema["default"]
        elif target is not None and "default" in target.json_schema:
            value = target.json_schema["default"]
        else:
            return None
        if target is not None and is_model_class(target.source) and "enum" in target.source:
            names = target.source.get("x-enum-varnames") or target.source["enum"]
            member = str(names[target.source["enum"].index(value)])
            if not re.fullmatch(r"[A-Za-z_]\w*", member):
                raise ValueError(f"default {value!r} of {target.name} has no member name")
            return f"{target.name}.{member}"
        return repr(value)
