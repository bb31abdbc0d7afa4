"""The benchmark server: the production app plus the bare baseline routes, in one process.

    taskset -c 0 python -m uvicorn --factory benchmarks.rest.app:create --port 3100

Settings come from the environment like `contractkit serve` (CONTRACTKIT_*, DATABASE_URL).
"""

from __future__ import annotations

from typing import Any

from benchmarks.rest.bare import bare_routes
from server_impl.app import create_app
from server_impl.settings import Settings


def create(settings: Settings | None = None) -> Any:
    """`server_impl.app.create_app` with `/bare/...` routes in front."""
    app = create_app(settings or Settings.from_env())
    app.router.routes[0:0] = bare_routes(app.state.services)
    return app
