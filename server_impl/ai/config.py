"""Configuration of the AI services (one frozen dataclass, readable from the environment)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Environment variables are `CONTRACTKIT_AI_<FIELD>` (upper case).
ENV_PREFIX = "CONTRACTKIT_AI_"


def default_workers() -> int:
    """One worker per spare core, at most 2 (1 on a 2-core box: the event loop keeps a core)."""
    return max(1, min(2, (os.cpu_count() or 1) - 1))


@dataclass(frozen=True, slots=True)
class AIConfig:
    """Everything the AI services can be configured with (see docs/ai.md)."""

    #: Extra pocketsphinx language models live in `model_dir/<lang>/` (docs/ai.md).
    model_dir: Path | None = None
    #: Worker processes; engines are loaded once per worker.
    workers: int = dataclasses.field(default_factory=default_workers)
    #: Requests allowed to wait beyond the ones running; more are refused with 429.
    queue_depth: int = 4
    #: Seconds a request may take from submission to result before it fails with 503.
    timeout_seconds: float = 30.0
    #: Longest accepted clip, in seconds (longer: 40008).
    max_seconds: float = 60.0
    #: Use the transcript + sentence-embedding path of emotion detection when installed.
    emotion_text: bool = True
    #: Threads for torch/BLAS inside each worker (1 keeps workers from fighting for cores).
    worker_threads: int = 1
    #: multiprocessing start method for the pool ("spawn" is safe beside threads and torch).
    start_method: str = "spawn"

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be >= 1")
        if self.queue_depth < 0:
            raise ValueError("queue_depth must be >= 0")
        if self.timeout_seconds <= 0 or self.max_seconds <= 0:
            raise ValueError("timeout_seconds and max_seconds must be > 0")

    def replace(self, **changes: Any) -> AIConfig:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> AIConfig:
        """Build from `CONTRACTKIT_AI_*` variables, then `overrides`."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _parse(f.name, raw)
        values.update(overrides)
        return cls(**values)


def _parse(name: str, raw: str) -> Any:
    """Parse one environment value by field name."""
    if name == "model_dir":
        return Path(raw) if raw else None
    if name in ("workers", "queue_depth", "worker_threads"):
        return int(raw)
    if name in ("timeout_seconds", "max_seconds"):
        return float(raw)
    if name == "emotion_text":
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{ENV_PREFIX}{name.upper()}: not a boolean: {raw!r}")
    return raw
