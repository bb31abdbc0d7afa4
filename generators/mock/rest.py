"""The REST side of the mock: route, authenticate, validate, then answer from the contract.

Order of checks (as Prism): unknown route (404 40404), undocumented method (405 40501 with
`Allow`), security (401 40103), parameters and body (400 with the mapped code), `Prefer`
selection, then the documented response.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from generators.ir import ApiIR
from generators.mock import prefer
from generators.mock.errors import (
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    ROUTE_NOT_FOUND,
    MockError,
    error_response,
)
from generators.mock.options import MockOptions
from generators.mock.rest_request import RequestValidator, check_auth
from generators.mock.rest_response import ResponseBuilder
from generators.mock.routing import Router
from generators.mock.schema_check import SchemaRegistry

log = logging.getLogger("contractkit.mock")
SuccessHook = Callable[[str, dict[str, str]], Awaitable[None]]


class RestMock:
    """An ASGI-compatible Starlette endpoint serving every operation of the IR."""

    def __init__(
        self,
        ir: ApiIR,
        registry: SchemaRegistry,
        options: MockOptions,
        on_success: SuccessHook | None = None,
    ) -> None:
        self.ir = ir
        self.on_success = on_success
        self.options = options
        self.router = Router(ir.operations)
        self.validator = RequestValidator(registry)
        self.builder = ResponseBuilder(registry)

    async def endpoint(self, request: Request) -> Response:
        try:
            return await self.handle(request)
        except MockError as exc:
            return error_response(self.ir, exc)
        except Exception:
            log.exception("mock failed on %s %s", request.method, request.url.path)
            return error_response(self.ir, MockError(INTERNAL_ERROR))

    async def handle(self, request: Request) -> Response:
        path: str = request.scope["path"]
        base = self.ir.base_path
        found = self.router.match(path[len(base) :]) if path.startswith(base + "/") else None
        if found is None:
            raise MockError(ROUTE_NOT_FOUND, {"path": path})
        route, path_values = found
        op = route.operations.get(request.method)
        if op is None:
            raise MockError(
                METHOD_NOT_ALLOWED,
                {"method": request.method, "allow": route.allow},
                headers={"Allow": route.allow},
            )
        check_auth(op, request)
        self.validator.check_params(op, request, path_values)
        await self.validator.check_body(op, request)
        prefs = prefer.parse(request.headers.get("prefer"), request.query_params)
        response, example = prefer.select(op, prefs)
        dynamic = self.options.dynamic if prefs.dynamic is None else prefs.dynamic
        use_dynamic = dynamic and prefs.example is None and response.is_success
        answer = self.builder.build(response, example, use_dynamic)
        if response.is_success and self.on_success is not None:
            await self.on_success(op.operation_id, path_values)
        return answer
