"""`create_app(settings) -> ASGI app`: the meeting service (REST + WebSocket) on one port.

Layout (outer Starlette app):
    /v1/ws            WebSocket (from `server_impl.ws.build_ws_endpoint(services)`, if present)
    /v1/openapi.json  the contract;  /v1/ui/  Swagger UI (when `settings.swagger_ui`)
    (anything else)   the generated Connexion AsyncApp serving every REST operation
Start-up (lifespan) applies the Alembic migrations, purges expired revocations, warms the
Connexion app up, then tunes the garbage collector (`gc.freeze()` + higher thresholds).
"""

from __future__ import annotations

import gc
import importlib
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from connexion import AsyncApp
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from sqlalchemy import delete
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from generated.server.app import CONTRACT, AppOptions, Authenticate, HandlerSet
from generated.server.app import create_app as create_connexion_app
from server_impl.db.migrate import upgrade
from server_impl.db.models import RevokedToken
from server_impl.events import FanoutEvents, MeetingEvents
from server_impl.handlers import build_handlers
from server_impl.http import connexion_perf
from server_impl.http.allow import AllowHeaderMiddleware, allowed_methods
from server_impl.http.docs import docs_routes, load_contract
from server_impl.http.limits import BodyLimitMiddleware, BodyTooLarge
from server_impl.services import Services, build_services
from server_impl.services.common import utcnow
from server_impl.settings import Settings

log = logging.getLogger(__name__)

#: generation-0 threshold after start-up (default 700): fewer, cheaper young collections
GC_GEN0_THRESHOLD = 50_000
WS_PATH = "/v1/ws"
#: bodies of non-upload requests (the AI endpoints take up to 16 MB of base64 audio)
DEFAULT_BODY_LIMIT = 24 * 1024 * 1024


def create_app(settings: Settings | None = None, *, events: MeetingEvents | None = None) -> Any:
    """Build the whole service for `settings` (default: from the environment).

    `events`, when given, also hears about REST joins, leaves and ends (besides the
    WebSocket hub).
    """
    settings = settings or Settings.from_env()
    services = build_services(settings)
    connexion_app = build_connexion_app(services)
    ws_endpoint = _websocket_endpoint(services)  # the hub makes itself the listener
    if events is not None:
        services.set_events(FanoutEvents([services.events, events]))
    routes: list[BaseRoute] = docs_routes(swagger_ui=settings.swagger_ui, contract=CONTRACT)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await _start(services, connexion_app, ws_endpoint)
        try:
            yield
        finally:
            await _stop(services, ws_endpoint)

    app = ServiceApp(
        ws_endpoint,
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(
                AllowHeaderMiddleware, table=allowed_methods(load_contract(CONTRACT), "/v1")
            ),
            Middleware(
                BodyLimitMiddleware,
                max_upload_bytes=settings.max_upload_bytes,
                body_limit=max(DEFAULT_BODY_LIMIT, settings.max_upload_bytes),
            ),
        ],
    )
    # Everything else (any path, even one a route regex cannot match) goes to Connexion.
    app.router.default = connexion_app
    app.state.services = services
    app.state.connexion = connexion_app
    return app


class ServiceApp(Starlette):
    """The service's ASGI app. The `/v1/ws` socket goes straight to its endpoint: none of the
    HTTP middleware applies to a WebSocket, and each layer would wrap every message it sends."""

    def __init__(self, ws_endpoint: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ws_endpoint = ws_endpoint

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "websocket"
            and scope["path"] == WS_PATH
            and self._ws_endpoint is not None
        ):
            scope["app"] = self
            await self._ws_endpoint(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def build_connexion_app(services: Services) -> AsyncApp:
    """The generated Connexion app wired to our handlers and token check."""
    return make_connexion_app(
        build_handlers(services),
        services.tokens.authenticate,
        validate_responses=services.settings.validate_responses,
    )


def make_connexion_app(
    handlers: HandlerSet, authenticate: Authenticate, *, validate_responses: bool
) -> AsyncApp:
    """The generated app as we serve it: no per-request Swagger UI router, per-operation
    caches of Connexion's decorator chain (`connexion_perf`), quiet 413s."""
    connexion_perf.install()
    app = create_connexion_app(
        handlers,
        authenticate,
        options=AppOptions(validate_responses=validate_responses, swagger_ui=False),
    )
    # The spec and UI are served by `docs_routes`; drop the per-request Swagger UI router.
    app.middleware.middlewares = [
        mw for mw in app.middleware.middlewares if mw is not SwaggerUIMiddleware
    ]
    app.add_error_handler(BodyTooLarge, _body_too_large)
    return app


def _body_too_large(_request: ConnexionRequest, _exc: Exception) -> ConnexionResponse:
    # Never reaches the client: BodyLimitMiddleware answers 413 itself.
    return ConnexionResponse(status_code=413, body=b"", content_type="application/json")


def _websocket_endpoint(services: Services) -> Callable[..., Any] | None:
    """`server_impl.ws.build_ws_endpoint(services)` when the WebSocket package provides it."""
    try:
        module = importlib.import_module("server_impl.ws")
    except ModuleNotFoundError:
        return None
    factory = getattr(module, "build_ws_endpoint", None)
    if factory is None:
        return None
    endpoint: Callable[..., Any] = factory(services)
    return endpoint


async def _maybe_call(target: object, name: str) -> None:
    hook = getattr(target, name, None)
    if hook is not None:
        result = hook()
        if inspect.isawaitable(result):
            await result


async def _start(services: Services, connexion_app: AsyncApp, ws_endpoint: object) -> None:
    settings = services.settings
    if settings.migrate_on_startup:
        await upgrade(services.db, settings.database_schema)
    async with services.db.write() as session:
        await session.execute(delete(RevokedToken).where(RevokedToken.expires_at < utcnow()))
    await _warm_up(connexion_app)
    await _maybe_call(ws_endpoint, "startup")
    services.ai.startup()  # lazy, or a background start of the AI workers: never waits
    if settings.gc_tuning and ws_endpoint is None:
        tune_gc()  # with the WebSocket, the hub's GcPolicy owns the collector


async def _stop(services: Services, ws_endpoint: object) -> None:
    await _maybe_call(ws_endpoint, "shutdown")
    await services.close()


async def _warm_up(connexion_app: AsyncApp) -> None:
    """Build Connexion's middleware stack (spec parsing, validators) before the first client."""
    transport = httpx.ASGITransport(app=connexion_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://warm-up") as client:
        await client.get("/v1/health")


def tune_gc() -> None:
    """Move everything allocated so far out of the collector's way, collect young less often."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)
