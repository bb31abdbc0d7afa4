"""Validate an example against a draft-07 schema, with checks for the formats we rely on."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from jsonschema import Draft7Validator, FormatChecker

from generators.diagnostics import pointer
from generators.jsonschema_util import bundle

Json = Any
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
MAX_MESSAGE = 240


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time: the shape, and a real calendar date and time."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # raises on 2026-02-30
    return True


def _is_uri(value: object) -> bool:
    """An absolute URI: a scheme, then something, and no whitespace."""
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    rest = value[len(parts.scheme) + 1 :]
    return bool(_SCHEME.match(parts.scheme)) and bool(rest) and not re.search(r"\s", value)


def _is_byte(value: object) -> bool:
    if isinstance(value, str):
        base64.b64decode(value, validate=True)  # raises binascii.Error
    return True


@cache
def format_checker() -> FormatChecker:
    """Checks `email`, `date-time`, `uri` and `byte` (base64); other formats pass."""
    checker = FormatChecker(formats=())
    checker.checks("email")(_is_email)
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("uri")(_is_uri)
    checker.checks("byte", raises=(binascii.Error, ValueError))(_is_byte)
    return checker


class ExampleChecker:
    """Validates examples against draft-07 schemas that `$ref` the given definitions.

    Bundled schemas are checked and compiled once each (many examples share a schema).
    """

    def __init__(self, definitions: dict[str, dict[str, Json]]) -> None:
        self.definitions = definitions
        self._compiled: dict[str, Draft7Validator | str] = {}

    def _validator(self, schema: Json) -> Draft7Validator | str:
        key = json.dumps(schema, sort_keys=True, default=str)
        if key not in self._compiled:
            self._compiled[key] = self._compile(schema if isinstance(schema, dict) else {})
        return self._compiled[key]

    def _compile(self, schema: dict[str, Json]) -> Draft7Validator | str:
        try:
            doc = bundle(schema, self.definitions)
        except KeyError as exc:
            return f"its schema references an unknown schema {exc}"
        try:
            Draft7Validator.check_schema(doc)
        except jsonschema.SchemaError as exc:
            return f"its schema is not valid JSON Schema: {_short(exc.message)}"
        return Draft7Validator(doc, format_checker=format_checker())

    def errors(self, value: Json, schema: Json) -> list[tuple[str, str]]:
        """Why `value` does not match `schema`: (JSON pointer inside the value, message)."""
        validator = self._validator(schema)
        if isinstance(validator, str):
            return [("", validator)]
        errors = sorted(validator.iter_errors(value), key=lambda e: [str(t) for t in e.path])
        return [(pointer(*err.absolute_path), _short(err.message)) for err in errors]


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"
