"""Fixtures of the WebSocket suite: real servers (from `start_server` in tests/conftest.py)
with signaling timers suited to each test, users, meetings and checked socket clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.ws.live_ws import World, start_ws_server


@pytest.fixture(scope="session")
def ws_server(start_server: Callable[..., Any]) -> Any:
    """The suite's shared server."""
    return start_ws_server(start_server)


@pytest.fixture
async def world(ws_server: Any) -> AsyncIterator[World]:
    """A `World` on the shared server."""
    w = World(ws_server)
    yield w
    await w.aclose()


@pytest.fixture
async def make_world() -> AsyncIterator[Callable[[Any], World]]:
    """`World`s on servers a test starts itself."""
    worlds: list[World] = []

    def factory(server: Any) -> World:
        w = World(server)
        worlds.append(w)
        return w

    yield factory
    for w in worlds:
        await w.aclose()
