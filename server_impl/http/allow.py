"""Correct `Allow` headers on 405 answers.

Connexion registers one route per operation, so a 405 names only the methods of the first
route matching the path (`DELETE /meetings` said `Allow: POST`). RFC 9110 wants every method
the resource supports; this middleware rewrites the header from the contract's paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def allowed_methods(
    document: Mapping[str, Any], base_path: str
) -> list[tuple[re.Pattern[str], str]]:
    """(path regex, `Allow` value) for every path of an OpenAPI document."""
    table: list[tuple[re.Pattern[str], str]] = []
    for template, item in document.get("paths", {}).items():
        methods = [m.upper() for m in HTTP_METHODS if m in item]
        if "GET" in methods and "HEAD" not in methods:
            methods.append("HEAD")  # Starlette answers HEAD for every GET route
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(base_path + template))
        table.append((re.compile(f"^{pattern}/?$"), ", ".join(methods)))
    return table


class AllowHeaderMiddleware:
    """Replace the `Allow` header of 405 responses with the path's full method list."""

    def __init__(self, app: ASGIApp, *, table: list[tuple[re.Pattern[str], str]]) -> None:
        self.app = app
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through, fixing 405 headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def fixing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allow = self._lookup(scope["path"])
                if allow is not None:
                    headers = [(k, v) for k, v in message.get("headers", []) if k != b"allow"]
                    headers.append((b"allow", allow.encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, fixing_send)

    def _lookup(self, path: str) -> str | None:
        for pattern, allow in self.table:
            if pattern.match(path):
                return allow
        return None
