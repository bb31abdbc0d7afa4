"""Fixtures for the AI suite: `speak` (espeak-ng speech) and a shared, started `ai_service`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .helpers import require_ai, require_espeak, synthesize


@pytest.fixture
def speak() -> Callable[..., Any]:
    """Synthesize English speech with espeak-ng (skips without espeak-ng or the extra)."""
    require_ai()
    require_espeak()
    return synthesize


@pytest.fixture(scope="session")
def ai_service() -> Iterator[Any]:
    """A started AIService shared by the suite (2 workers, queue depth 2)."""
    require_ai()
    from server_impl.ai import AIConfig, AIService

    service = AIService(AIConfig(workers=2, queue_depth=2, timeout_seconds=60))
    asyncio.run(service.start())
    yield service
    asyncio.run(service.close())
