"""The contract's error format `{code, message, details}`, statuses from the error table."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from generators.ir import ApiIR

Json = Any

# Codes the mock itself raises; each must exist in the contract's error table (checked at start).
MISSING_FIELD = 40003
INVALID_PARAMETER = 40004
MALFORMED_BODY = 40005
UNKNOWN_MESSAGE_TYPE = 40010
TOKEN_INVALID = 40103
ROUTE_NOT_FOUND = 40404
METHOD_NOT_ALLOWED = 40501
MESSAGE_TOO_LARGE = 41302
INTERNAL_ERROR = 50001
USED_CODES = (
    MISSING_FIELD,
    INVALID_PARAMETER,
    MALFORMED_BODY,
    UNKNOWN_MESSAGE_TYPE,
    TOKEN_INVALID,
    ROUTE_NOT_FOUND,
    METHOD_NOT_ALLOWED,
    MESSAGE_TOO_LARGE,
    INTERNAL_ERROR,
)


class MockError(Exception):
    """A request the mock rejects: a code of the error table, optional details and headers."""

    def __init__(
        self,
        code: int,
        details: dict[str, Json] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.details = details
        self.headers = headers or {}


def error_body(ir: ApiIR, code: int, details: dict[str, Json] | None) -> dict[str, Json]:
    """`{code, message, details?}` with the table's message."""
    body: dict[str, Json] = {"code": code, "message": ir.error(code).message}
    if details is not None:
        body["details"] = details
    return body


def error_response(ir: ApiIR, exc: MockError) -> JSONResponse:
    """The HTTP response for `exc`, with the status from the error table."""
    return JSONResponse(
        error_body(ir, exc.code, exc.details),
        status_code=ir.error(exc.code).status,
        headers=exc.headers,
    )


def missing_codes(ir: ApiIR) -> list[int]:
    """Codes the mock needs that the contract's error table lacks (should be empty)."""
    known = {e.code for e in ir.error_codes}
    return [c for c in USED_CODES if c not in known]
