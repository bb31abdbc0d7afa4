"""`AIRuntime`: the app's AI capability (one `AIService`) and when its worker pool starts.

Configuration: `CONTRACTKIT_AI_*` (`AIConfig.from_env`, docs/ai.md), then
`settings.extra["ai"]` (a mapping of `AIConfig` field -> value, plus `start`), which tests
use to give one server its own pool size, limits and timeouts.

Start modes (`CONTRACTKIT_AI_START`, or `extra["ai"]["start"]`):
- `lazy` (default): nothing at start-up; the pool is spawned by the first request that passes
  validation (that request's `timeout_seconds` includes loading the engines, ~5 s). A server
  whose AI endpoints are never used, or only get invalid input, never spawns a worker.
- `background`: the workers start and load their engines in a background task at start-up;
  the REST and WebSocket service answers at once meanwhile.
Either way the app is ready immediately; without the `ai` extra nothing is spawned and every
AI request answers 503/50301.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Mapping
from typing import Any

from server_impl.ai import AIConfig, AIService
from server_impl.settings import Settings

log = logging.getLogger(__name__)

START_ENV = "CONTRACTKIT_AI_START"
START_MODES = ("lazy", "background")


class AIRuntime:
    """Owns the `AIService` of one app: built at once, started lazily or in the background."""

    def __init__(self, config: AIConfig | None = None, start: str = "lazy") -> None:
        if start not in START_MODES:
            raise ValueError(f"{START_ENV}: {start!r} is not one of {', '.join(START_MODES)}")
        self.config = config or AIConfig()
        self.start_mode = start
        self.service = AIService(self.config)  # imports nothing heavy, spawns nothing
        self._warm_task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, environ: Mapping[str, str] | None = None
    ) -> AIRuntime:
        """`CONTRACTKIT_AI_*` from the environment, overridden by `settings.extra["ai"]`."""
        env = os.environ if environ is None else environ
        overrides: dict[str, Any] = dict(settings.extra.get("ai", {}))
        start = str(overrides.pop("start", env.get(START_ENV, "lazy"))).strip().lower()
        return cls(AIConfig.from_env(env, **overrides), start)

    def startup(self) -> None:
        """App start-up: in `background` mode, begin starting the workers (never waits)."""
        if self.start_mode == "background" and self._warm_task is None:
            self._warm_task = asyncio.get_running_loop().create_task(self._warm())

    @property
    def warming(self) -> bool:
        """True while a background start is still loading the engines."""
        return self._warm_task is not None and not self._warm_task.done()

    async def _warm(self) -> None:
        started = time.monotonic()
        try:
            await self.service.start()
        except Exception:  # a broken pool is rebuilt on the next request; keep serving
            log.exception("AI workers failed to start in the background")
            return
        if not self.service.missing_packages("recognize"):
            log.info("AI workers ready in %.1f s", time.monotonic() - started)

    async def close(self) -> None:
        """App shutdown: stop a background start still running, then the workers."""
        task, self._warm_task = self._warm_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.service.close()
