"""Draft-07 validation against IR schemas, with failures mapped to the contract's error codes.

A failing `required` is MISSING_FIELD (40003); a failure inside a component schema that carries
`x-error-code` in the source (e.g. `Email` -> 40001) is that code; anything else is
INVALID_PARAMETER (40004).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from generators.ir import ApiIR
from generators.jsonschema_util import bundle
from generators.mock.errors import INVALID_PARAMETER, MISSING_FIELD

Json = Any


@dataclass(frozen=True)
class Issue:
    """One validation failure: error code, dotted field path and a readable reason."""

    code: int
    field: str
    reason: str

    def as_json(self) -> dict[str, Json]:
        return {"field": self.field, "reason": self.reason, "code": self.code}


class Checker:
    """A compiled validator for one schema."""

    def __init__(self, validator: Draft7Validator, codes: dict[int, int]) -> None:
        self._validator = validator
        self._codes = codes

    def is_valid(self, instance: Json) -> bool:
        return bool(self._validator.is_valid(instance))

    def issues(self, instance: Json, root: str = "") -> list[Issue]:
        """Every failure, missing fields first, then in path order."""
        found = [self._issue(e, root) for e in self._validator.iter_errors(instance)]
        return sorted(found, key=lambda i: (i.code != MISSING_FIELD, i.field, i.reason))

    def _issue(self, err: ValidationError, root: str) -> Issue:
        path = [str(p) for p in err.absolute_path]
        if err.validator == "required" and isinstance(err.instance, dict):
            wanted = err.validator_value if isinstance(err.validator_value, list) else []
            missing = [p for p in wanted if p not in err.instance]
            name = ".".join([*path, str(missing[0]) if missing else ""])
            return Issue(MISSING_FIELD, _join(root, name), err.message)
        code = self._codes.get(id(err.schema), INVALID_PARAMETER)
        return Issue(code, _join(root, ".".join(path)), err.message)


def _join(root: str, field: str) -> str:
    return ".".join(p for p in (root, field) if p) or "body"


class SchemaRegistry:
    """Compiles IR schemas (bundled with `ApiIR.definitions()`) into cached checkers."""

    def __init__(self, ir: ApiIR) -> None:
        self.definitions = ir.definitions()
        self._codes = _error_code_index(ir, self.definitions)
        self._cache: dict[int, Checker] = {}

    def checker(self, schema: dict[str, Json]) -> Checker:
        key = id(schema)
        if key not in self._cache:
            doc = bundle(schema, self.definitions)
            Draft7Validator.check_schema(doc)
            validator = Draft7Validator(doc, format_checker=Draft7Validator.FORMAT_CHECKER)
            self._cache[key] = Checker(validator, self._codes)
        return self._cache[key]


def _error_code_index(ir: ApiIR, definitions: dict[str, dict[str, Json]]) -> dict[int, int]:
    """id() of every node inside a definition whose source has `x-error-code` -> that code."""
    index: dict[int, int] = {}
    for name, named in {**ir.schemas, **ir.ws_schemas}.items():
        code = named.source.get("x-error-code")
        if isinstance(code, int):
            for node in _nodes(definitions[name]):
                index[id(node)] = code
    return index


def _nodes(node: Json) -> list[dict[str, Json]]:
    """Every schema object inside `node` (not following `$ref`)."""
    out: list[dict[str, Json]] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            out.append(cur)
            stack.extend(v for v in cur.values() if isinstance(v, dict | list))
        elif isinstance(cur, list):
            stack.extend(cur)
    return out
