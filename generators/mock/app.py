"""Assemble the mock ASGI app: the WebSocket route, the REST catch-all and CORS."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route, WebSocketRoute

from generators.ir import ApiIR
from generators.mock.errors import missing_codes
from generators.mock.options import MockOptions
from generators.mock.rest import RestMock
from generators.mock.schema_check import SchemaRegistry
from generators.mock.ws import WsMock

METHODS = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]


def create_mock_app(ir: ApiIR, options: MockOptions | None = None) -> Starlette:
    """The mock of everything `ir` describes, as one Starlette app."""
    options = options or MockOptions()
    lacking = missing_codes(ir)
    if lacking:
        raise ValueError(f"the contract's error table lacks codes the mock uses: {lacking}")
    registry = SchemaRegistry(ir)
    ws = WsMock(ir, registry)
    rest = RestMock(ir, registry, options, on_success=ws.rest_event)
    middleware = []
    if options.cors:
        exposed = sorted({h.name for op in ir.operations for r in op.responses for h in r.headers})
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=exposed,
            )
        )
    routes = [
        WebSocketRoute(f"{ir.base_path}{ir.channel.address}", ws.endpoint),
        Route("/{path:path}", rest.endpoint, methods=METHODS),
    ]
    return Starlette(routes=routes, middleware=middleware)
