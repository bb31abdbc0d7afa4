"""Options of the mock server."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MockOptions:
    """How the mock answers.

    dynamic: generate success bodies from the response schema instead of the examples.
    cors: answer CORS preflights and add CORS headers (any origin), as Prism does.
    """

    dynamic: bool = False
    cors: bool = True
