"""Stage 2: the one intermediate representation every target reads.

Schemas are kept twice: `source` exactly as written in the contract, and `json_schema`, a
draft-07 JSON Schema (OpenAPI `nullable` translated, every `$ref` rewritten to
`#/definitions/<Name>`), so validators and generators never deal with OpenAPI dialect quirks.
Every element carries `file` and `pointer` so diagnostics point into the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Json = Any
Direction = Literal["client", "server"]


@dataclass(frozen=True)
class Location:
    """Where an element is defined: contract file (relative) and JSON pointer."""

    file: str
    pointer: str


@dataclass
class NamedSchema:
    """A component schema (OpenAPI `components/schemas` or AsyncAPI `components/schemas`)."""

    name: str
    origin: Literal["openapi", "asyncapi"]
    source: dict[str, Json]
    json_schema: dict[str, Json]
    description: str | None
    location: Location


@dataclass
class Parameter:
    """A path/query/header parameter of an operation."""

    name: str
    py_name: str
    location_in: Literal["path", "query", "header", "cookie"]
    required: bool
    json_schema: dict[str, Json]
    description: str | None
    example: Json
    location: Location


@dataclass
class RequestBody:
    """The request body of an operation (one media type)."""

    content_type: str
    schema_name: str | None
    json_schema: dict[str, Json]
    required: bool
    example: Json
    location: Location


@dataclass
class Header:
    """A documented response header."""

    name: str
    json_schema: dict[str, Json]
    description: str | None


@dataclass
class Link:
    """An OpenAPI link from a response to another operation."""

    name: str
    operation_id: str
    parameters: dict[str, str]
    request_body: Json
    description: str | None


@dataclass
class Response:
    """One documented response of an operation."""

    status: int
    description: str
    content_type: str | None
    schema_name: str | None
    json_schema: dict[str, Json] | None
    data_schema_name: str | None
    examples: dict[str, Json]
    headers: list[Header]
    error_codes: list[int]
    links: list[Link]
    location: Location

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    @property
    def is_binary(self) -> bool:
        return self.content_type is not None and self.content_type != "application/json"


@dataclass
class Operation:
    """One REST operation."""

    operation_id: str
    method: str
    path: str
    tag: str
    module: str
    summary: str
    description: str | None
    secured: bool
    parameters: list[Parameter]
    body: RequestBody | None
    responses: list[Response]
    location: Location

    @property
    def success(self) -> Response:
        return next(r for r in self.responses if r.is_success)

    @property
    def errors(self) -> list[Response]:
        return [r for r in self.responses if not r.is_success]


@dataclass
class Tag:
    """An operation group; `module` is its Python/TS identifier (`x-module-name`)."""

    name: str
    module: str
    description: str | None
    operation_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ErrorCodeDef:
    """One row of the contract's error table (`x-error-codes`)."""

    code: int
    status: int
    name: str
    message: str


@dataclass
class Message:
    """One WebSocket message type in one direction."""

    key: str
    type: str
    direction: Direction
    title: str | None
    summary: str | None
    data_schema_name: str | None
    payload: dict[str, Json]
    examples: list[Json]
    location: Location

    @property
    def class_name(self) -> str:
        return self.key


@dataclass(frozen=True)
class CloseCode:
    """A documented WebSocket close code (`x-close-codes`)."""

    code: int
    name: str
    description: str


@dataclass
class Channel:
    """The WebSocket channel."""

    key: str
    address: str
    description: str | None
    query_json_schema: dict[str, Json] | None
    location: Location


@dataclass
class ApiIR:
    """Everything a target needs, in contract order (stable output)."""

    title: str
    version: str
    description: str | None
    base_path: str
    openapi_file: str
    asyncapi_file: str
    tags: list[Tag]
    operations: list[Operation]
    schemas: dict[str, NamedSchema]
    error_codes: list[ErrorCodeDef]
    channel: Channel
    messages: list[Message]
    ws_schemas: dict[str, NamedSchema]
    close_codes: list[CloseCode]
    # Absolute directory the contract file names are relative to (not rendered; lets a target
    # hand the contract file itself to a tool, e.g. datamodel-code-generator).
    source_root: str = ""

    def operation(self, operation_id: str) -> Operation:
        return next(o for o in self.operations if o.operation_id == operation_id)

    def messages_from(self, direction: Direction) -> list[Message]:
        return [m for m in self.messages if m.direction == direction]

    def error(self, code: int) -> ErrorCodeDef:
        return next(e for e in self.error_codes if e.code == code)

    def definitions(self) -> dict[str, dict[str, Json]]:
        """All schemas of both documents as draft-07 `definitions` (names are unique)."""
        return {n: s.json_schema for n, s in {**self.schemas, **self.ws_schemas}.items()}
