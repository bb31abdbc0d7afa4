"""Code that runs inside the AI worker processes.

`init_worker` is the pool's initializer: it pins thread counts, builds the engines once
(`EngineRegistry.warm_up`) and keeps them in a module global. The `run_*` functions are
the picklable tasks; they return plain dicts shaped like the contract's response `data`.
Any exception that is not already an `AIError` becomes 42201 (AI 处理失败).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from server_impl.ai.config import AIConfig
from server_impl.ai.errors import AI_PROCESSING_FAILED, AIError

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_registry: Any = None  # EngineRegistry, set by init_worker


def init_worker(config: AIConfig) -> None:
    """Pool initializer: limit threads, then load every engine once."""
    threads = str(config.worker_threads)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, threads)
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import torch

        torch.set_num_threads(config.worker_threads)
    except ImportError:
        pass
    global _registry
    from server_impl.ai.engines.registry import EngineRegistry

    _registry = EngineRegistry(config)
    _registry.warm_up()


def _guard(fn: Callable[[], _T]) -> _T:
    """Run `fn`; non-`AIError` failures become 42201 with a short reason."""
    if _registry is None:  # only when a task runs outside a pool initialized by init_worker
        init_worker(AIConfig())
    try:
        return fn()
    except AIError:
        raise
    except Exception as exc:
        log.exception("AI task failed")
        reason = f"{type(exc).__name__}: {exc}"[:300]
        raise AIError(AI_PROCESSING_FAILED, details={"reason": reason}) from None


def ping(delay: float = 0.0) -> int:
    """Warm-up task: returns the worker's pid once its engines are loaded."""
    if _registry is None:
        init_worker(AIConfig())
    if delay:
        time.sleep(delay)
    return os.getpid()


def run_recognize(clip: Any, language: str, hint_phrases: Sequence[str] | None) -> dict[str, Any]:
    """Speech recognition → recognize `data`."""

    def work() -> dict[str, Any]:
        result = _registry.asr().recognize(clip, language, hint_phrases)
        data: dict[str, Any] = result.to_dict()
        data["duration_ms"] = clip.duration_ms
        return data

    return _guard(work)


def run_emotion(clip: Any) -> dict[str, Any]:
    """Emotion detection → emotion `data`."""

    def work() -> dict[str, Any]:
        data: dict[str, Any] = _registry.emotion().detect(clip).to_dict()
        data["duration_ms"] = clip.duration_ms
        return data

    return _guard(work)


def run_enhance(clip: Any, kind: str, audio_format: str) -> dict[str, Any]:
    """Enhancement → enhance `data` (audio encoded back in the input's format and rate)."""

    def work() -> dict[str, Any]:
        from server_impl.ai.audio import AudioFormat, encode_audio

        out = _registry.enhancer().enhance(clip, kind)
        return {
            "audio_data": encode_audio(out, cast(AudioFormat, audio_format)),
            "audio_format": audio_format,
            "sample_rate": out.sample_rate,
            "enhancement_type": kind,
            "duration_ms": out.duration_ms,
        }

    return _guard(work)
