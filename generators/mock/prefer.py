"""Prism-style response selection: `Prefer: code=404, example=meeting_not_found, dynamic=true`.

The same preferences may be given as query parameters `__code`, `__example`, `__dynamic`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generators.ir import Operation, Response
from generators.mock.errors import INVALID_PARAMETER, MockError

KEYS = ("code", "example", "dynamic")


@dataclass(frozen=True)
class Preferences:
    """What the client asked for; None means "the mock decides"."""

    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None


def parse(header: str | None, query: Mapping[str, str]) -> Preferences:
    """Read the `Prefer` header (RFC 7240 `k=v` pairs) and `__k` query parameters."""
    found: dict[str, str] = {}
    for part in (header or "").replace(";", ",").split(","):
        key, sep, value = part.strip().partition("=")
        if sep and key.strip().lower() in KEYS:
            found[key.strip().lower()] = value.strip().strip('"')
    for key in KEYS:
        if f"__{key}" in query:
            found[key] = query[f"__{key}"]
    code = found.get("code")
    if code is not None and not code.isdigit():
        raise _bad(f"code={code} is not an HTTP status")
    dynamic = found.get("dynamic")
    return Preferences(
        code=int(code) if code is not None else None,
        example=found.get("example"),
        dynamic=None if dynamic is None else dynamic.lower() == "true",
    )


def select(op: Operation, prefs: Preferences) -> tuple[Response, str | None]:
    """The documented response and example name to answer with."""
    if prefs.code is not None:
        chosen = [r for r in op.responses if r.status == prefs.code]
        if not chosen:
            documented = [r.status for r in op.responses]
            raise _bad(f"no documented response with status {prefs.code}", documented=documented)
        candidates = chosen
    else:
        candidates = [op.success, *(r for r in op.responses if r is not op.success)]
    if prefs.example is None:
        response = candidates[0]
        return response, next(iter(response.examples), None)
    for response in candidates:
        if prefs.example in response.examples:
            return response, prefs.example
    names = sorted({n for r in candidates for n in r.examples})
    raise _bad(f"no documented example named {prefs.example!r}", documented=names)


def _bad(reason: str, **extra: object) -> MockError:
    return MockError(INVALID_PARAMETER, {"field": "Prefer", "reason": reason, **extra})
