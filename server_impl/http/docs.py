"""`/v1/openapi.json` and the Swagger UI at `/v1/ui/`, as plain routes of the outer app.

Connexion's own Swagger UI middleware runs a router on every request; serving the contract
and the UI here keeps that cost off the API path (only these URLs reach this code).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "meeting.openapi.yaml"

_INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="./static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="./static/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{url: "/v1/openapi.json", dom_id: "#swagger-ui"}});
</script></body></html>
"""


def load_contract(path: Path = CONTRACT) -> dict[str, Any]:
    """The OpenAPI contract as a JSON-able dict."""
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


def docs_routes(*, swagger_ui: bool, contract: Path = CONTRACT) -> list[BaseRoute]:
    """Routes serving the contract (always) and the Swagger UI (when enabled)."""
    document = load_contract(contract)
    spec_bytes = orjson.dumps(document)
    title = str(document.get("info", {}).get("title", "API"))

    async def openapi_json(_request: Request) -> Response:
        return Response(spec_bytes, media_type="application/json")

    routes: list[BaseRoute] = [Route("/v1/openapi.json", openapi_json, methods=["GET"])]
    if swagger_ui:
        import swagger_ui_bundle  # type: ignore[import-untyped]

        index = _INDEX.format(title=title)

        async def ui_index(_request: Request) -> Response:
            return HTMLResponse(index)

        async def ui_redirect(_request: Request) -> Response:
            return RedirectResponse("/v1/ui/")

        routes += [
            Route("/v1/ui", ui_redirect, methods=["GET"]),
            Route("/v1/ui/", ui_index, methods=["GET"]),
            Mount("/v1/ui/static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path)),
        ]
    return routes
