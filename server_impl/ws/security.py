"""Handshake checks: the token from the query (kept out of logs) and the Origin allow-list."""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

TOKEN_PARAM = "access_token"
REDACTED = "[redacted]"
_TOKEN_IN_TEXT = re.compile(r"(access_token=)[^&\s\"']+")


def take_token(scope: MutableMapping[str, Any]) -> str | None:
    """Read `?access_token=` and redact it in the scope itself.

    The ASGI server logs the scope's query string (uvicorn: `"WebSocket /v1/ws?..." [accepted]`)
    from the same dict, so after this no log line can carry the token.
    """
    raw: bytes = scope.get("query_string") or b""
    if not raw:
        return None
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    token = next((value for key, value in pairs if key == TOKEN_PARAM), None)
    if token is not None:
        kept = [(k, REDACTED if k == TOKEN_PARAM else v) for k, v in pairs]
        scope["query_string"] = urlencode(kept, safe="[]").encode("latin-1")
    return token or None


def header(scope: MutableMapping[str, Any], name: bytes) -> str | None:
    """One request header (latin-1), or None."""
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """ASVS V4.4: browsers send `Origin`; it must be listed (or `*`) or be this very host.

    A missing Origin (bots, native clients, the test clients) passes: only browsers send it
    and only browsers need the protection.
    """
    if origin is None:
        return True
    normalized = origin.strip().rstrip("/").lower()
    if "*" in allowed or normalized in {a.rstrip("/").lower() for a in allowed}:
        return True
    if host is None or normalized == "null":
        return False
    parts = urlsplit(normalized)
    return parts.scheme in ("http", "https") and parts.netloc == host.strip().lower()


class RedactTokens(logging.Filter):
    """Belt and braces: scrub `access_token=...` from any record of the server's loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message and args in place; never drop it."""
        if isinstance(record.msg, str) and TOKEN_PARAM in record.msg:
            record.msg = _TOKEN_IN_TEXT.sub(rf"\1{REDACTED}", record.msg)
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, str) and TOKEN_PARAM in a for a in args):
            record.args = tuple(
                _TOKEN_IN_TEXT.sub(rf"\1{REDACTED}", a) if isinstance(a, str) else a for a in args
            )
        return True


_FILTER = RedactTokens()


def install_log_redaction(names: tuple[str, ...] = ("uvicorn.error", "uvicorn.access")) -> None:
    """Attach the filter to the server's loggers and their handlers (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
