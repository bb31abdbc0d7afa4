"""Build the HTTP answer for a selected documented response (example or generated body)."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.responses import JSONResponse, Response

from generators.ir import Header
from generators.ir import Response as ContractResponse
from generators.mock.datagen import DataGenerator
from generators.mock.schema_check import SchemaRegistry

Json = Any
log = logging.getLogger("contractkit.mock")
# Standard headers whose schema says only `type: string`; used when the IR has no example.
_HTTP_DEFAULTS = {"content-disposition": "attachment"}


class ResponseBuilder:
    """Renders contract responses; dynamic bodies are validated before use."""

    def __init__(self, registry: SchemaRegistry) -> None:
        self.registry = registry
        self.generator = DataGenerator(registry.definitions)

    def build(self, resp: ContractResponse, example: str | None, dynamic: bool) -> Response:
        """`example` names one of `resp.examples`; `dynamic` generates the body instead."""
        headers = {h.name: self.header_value(h) for h in resp.headers}
        if resp.content_type is None:
            return Response(status_code=resp.status, headers=headers)
        value = resp.examples.get(example) if example is not None else None
        if dynamic or value is None:
            value = self.generated(resp, fallback=value)
        if resp.is_binary:
            return Response(
                _bytes(value),
                status_code=resp.status,
                headers=headers,
                media_type=resp.content_type,
            )
        return JSONResponse(value, status_code=resp.status, headers=headers)

    def generated(self, resp: ContractResponse, fallback: Json) -> Json:
        """A body generated from the response schema, or `fallback` if it would not validate."""
        if resp.json_schema is None:
            return fallback
        value = self.generator.generate(resp.json_schema)
        if resp.is_binary or self.registry.checker(resp.json_schema).is_valid(value):
            return value
        log.warning("generated %s body does not validate; using the example", resp.status)
        return fallback

    def header_value(self, header: Header) -> str:
        """The header's example if the IR carries one, else a value generated from its schema."""
        example = getattr(header, "example", None) or _HTTP_DEFAULTS.get(header.name.lower())
        value = (
            example
            if example is not None
            else self.generator.generate(header.json_schema, header.name)
        )
        return value if isinstance(value, str) else json.dumps(value)


def _bytes(value: Json) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return b"" if value is None else json.dumps(value).encode("utf-8")
