"""Translate contract schemas (OpenAPI 3.0 dialect or AsyncAPI) into plain draft-07 JSON Schema."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Json = Any
DRAFT7 = "http://json-schema.org/draft-07/schema#"
_DROP = {"example", "examples", "xml", "externalDocs", "discriminator", "deprecated"}


def ref_name(ref: str) -> str:
    """`./x.yaml#/components/schemas/User` -> `User`."""
    return ref.rsplit("/", 1)[-1]


def to_json_schema(node: Json) -> Json:
    """Return a draft-07 copy of `node`: `nullable` folded into `type`, refs to definitions."""
    if isinstance(node, list):
        return [to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": f"#/definitions/{ref_name(node['$ref'])}"}
    out: dict[str, Json] = {}
    for key, value in node.items():
        if key in _DROP or key.startswith("x-") or key == "nullable":
            continue
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {k: to_json_schema(v) for k, v in value.items()}
        elif key in ("enum", "const", "default", "required"):
            out[key] = value
        else:
            out[key] = to_json_schema(value)
    if node.get("nullable") is True:
        _allow_null(out)
    return out


def _allow_null(schema: dict[str, Json]) -> None:
    typ = schema.get("type")
    if isinstance(typ, str):
        schema["type"] = [typ, "null"]
    elif isinstance(typ, list) and "null" not in typ:
        schema["type"] = [*typ, "null"]
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    if "type" not in schema and ("allOf" in schema or "$ref" in schema):
        schema_copy = dict(schema)
        schema.clear()
        schema["anyOf"] = [schema_copy, {"type": "null"}]


def refs_in(node: Json) -> Iterable[str]:
    """Names of every `#/definitions/<Name>` referenced inside `node`."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref_name(ref)
        for value in node.values():
            yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


def bundle(root: dict[str, Json], definitions: dict[str, dict[str, Json]]) -> dict[str, Json]:
    """A self-contained draft-07 schema: `root` plus the definitions it reaches, sorted."""
    needed: set[str] = set()
    todo = list(refs_in(root))
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        todo.extend(refs_in(definitions[name]))
    doc: dict[str, Json] = {"$schema": DRAFT7, **root}
    if needed:
        doc["definitions"] = {n: definitions[n] for n in sorted(needed)}
    return doc
