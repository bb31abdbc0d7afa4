"""Validate a REST request against its operation: auth, parameters and body."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from generators.ir import Operation, Parameter, RequestBody
from generators.jsonschema_util import ref_name
from generators.mock.errors import (
    INVALID_PARAMETER,
    MALFORMED_BODY,
    MISSING_FIELD,
    TOKEN_INVALID,
    MockError,
)
from generators.mock.schema_check import Issue, SchemaRegistry

Json = Any
_BEARER = re.compile(r"^\s*bearer\s+\S+\s*$", re.IGNORECASE)
_INT = re.compile(r"^[+-]?\d+$")


def check_auth(op: Operation, request: Request) -> None:
    """Secured operations need `Authorization: Bearer <any token>`."""
    if op.secured and not _BEARER.match(request.headers.get("authorization", "")):
        raise MockError(
            TOKEN_INVALID,
            {"reason": "missing or malformed Bearer token"},
            headers={"WWW-Authenticate": "Bearer"},
        )


def _raise_first(issues: list[Issue], location: str) -> None:
    if issues:
        first = issues[0]
        details = {"field": first.field, "reason": first.reason, "in": location}
        raise MockError(first.code, {**details, "errors": [i.as_json() for i in issues]})


class RequestValidator:
    """Validates parameters and bodies with compiled IR schemas."""

    def __init__(self, registry: SchemaRegistry) -> None:
        self.registry = registry

    def check_params(self, op: Operation, request: Request, path_values: dict[str, str]) -> None:
        for param in op.parameters:
            raw = self._raw(param, request, path_values)
            if raw is None:
                if param.required:
                    raise MockError(
                        MISSING_FIELD,
                        {
                            "field": param.name,
                            "in": param.location_in,
                            "reason": "required parameter is missing",
                        },
                    )
                continue
            value = self.coerce(raw, param.json_schema)
            checker = self.registry.checker(param.json_schema)
            _raise_first(checker.issues(value, root=param.name), param.location_in)

    @staticmethod
    def _raw(param: Parameter, request: Request, path_values: dict[str, str]) -> str | None:
        if param.location_in == "path":
            return path_values.get(param.name)
        if param.location_in == "query":
            return request.query_params.get(param.name)
        if param.location_in == "header":
            return request.headers.get(param.name)
        return request.cookies.get(param.name)

    def coerce(self, raw: str, schema: dict[str, Json]) -> Json:
        """Turn a parameter string into the schema's type where it parses (else leave it)."""
        while "$ref" in schema:
            schema = self.registry.definitions[ref_name(schema["$ref"])]
        types = schema.get("type", "string")
        for typ in types if isinstance(types, list) else [types]:
            if typ == "integer" and _INT.match(raw):
                return int(raw)
            if typ == "number":
                try:
                    return float(raw)
                except ValueError:
                    continue
            if typ == "boolean" and raw in ("true", "false"):
                return raw == "true"
            if typ == "string":
                return raw
        return raw

    async def check_body(self, op: Operation, request: Request) -> None:
        body = op.body
        if body is None:
            return
        raw = await request.body()
        ctype = request.headers.get("content-type", "")
        if not raw and not ctype.lower().startswith("multipart/"):
            if body.required:
                raise MockError(
                    MISSING_FIELD,
                    {"field": "body", "in": "body", "reason": "request body is required"},
                )
            return
        media = ctype.split(";", 1)[0].strip().lower()
        if media != body.content_type:
            raise MockError(
                MALFORMED_BODY,
                {"reason": f"Content-Type must be {body.content_type}", "received": ctype or None},
            )
        value = await (self._form(body, request) if _is_form(media) else _json(raw))
        checker = self.registry.checker(body.json_schema)
        _raise_first(checker.issues(value), "body")

    async def _form(self, body: RequestBody, request: Request) -> dict[str, Json]:
        """Form fields as a dict; binary fields must be file parts (checked by presence)."""
        try:
            form = await request.form()
        except Exception as exc:  # python-multipart raises several unrelated types
            raise MockError(MALFORMED_BODY, {"reason": f"unreadable form body: {exc}"}) from exc
        declared, binary = _form_fields(body.json_schema, self.registry.definitions)
        out: dict[str, Json] = {}
        try:
            for key, value in form.multi_items():
                is_file = isinstance(value, UploadFile)
                if key in declared and (key in binary) != is_file:
                    want = "a file part" if key in binary else "a text field"
                    raise MockError(
                        INVALID_PARAMETER, {"field": key, "in": "body", "reason": f"must be {want}"}
                    )
                out[key] = "<file>" if is_file else value
        finally:
            await form.close()
        return out


def _is_form(media: str) -> bool:
    return media in ("multipart/form-data", "application/x-www-form-urlencoded")


async def _json(raw: bytes) -> Json:
    def no_constants(name: str) -> Json:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MockError(MALFORMED_BODY, {"reason": f"invalid JSON: {exc}"}) from exc


def _form_fields(
    schema: dict[str, Json], definitions: dict[str, dict[str, Json]]
) -> tuple[set[str], set[str]]:
    """Declared form fields, and those of them that are files (`format: binary`)."""
    while "$ref" in schema:
        schema = definitions[ref_name(schema["$ref"])]
    props: dict[str, Json] = schema.get("properties", {})
    files = {n for n, s in props.items() if isinstance(s, dict) and s.get("format") == "binary"}
    return set(props), files
