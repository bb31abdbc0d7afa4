"""`AIService`: the async entry point the HTTP layer calls.

Each request is validated and decoded in the calling process (cheap: Base64, header
checks, a numpy view), so bad input never occupies a worker. Valid work goes to a bounded
`ProcessPoolExecutor` whose workers load the engines once (`worker.init_worker`).

Back-pressure: at most `workers` jobs run in the pool and at most `queue_depth` more wait
in a FIFO queue in this process; one more is refused at once with 429/42902 and a
`retry_after` estimate (recent job time x queue position / workers). A request that
exceeds `timeout_seconds` (queueing included) fails with 503/50302: if it was still
waiting it leaves the queue and never runs; if it was running it finishes in the
background and keeps its worker and slot until then, so the bounds stay true. Engine
failures are 422/42201; missing packages or languages are 503/50301. Importing this module
needs none of the heavy packages: without them every call answers 50301.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server_impl.ai import worker
from server_impl.ai.config import AIConfig
from server_impl.ai.engines.base import ENHANCEMENT_KINDS
from server_impl.ai.engines.registry import LanguageModel, discover_languages, resolve_language
from server_impl.ai.errors import (
    AI_BUSY,
    AI_PROCESSING_FAILED,
    AI_TIMEOUT,
    AI_UNAVAILABLE,
    INVALID_PARAMETER,
    MISSING_FIELD,
    AIError,
)

if TYPE_CHECKING:
    from server_impl.ai.audio import Clip

log = logging.getLogger(__name__)

#: Packages every operation needs, and the extra one per operation.
CORE_PACKAGES = ("numpy", "scipy", "soxr", "soundfile")
OPERATION_PACKAGES: dict[str, tuple[str, ...]] = {
    "recognize": ("pocketsphinx",),
    "emotion": ("pocketsphinx",),
    "enhance": (),
    "denoise": ("pyrnnoise",),
}
MAX_HINT_PHRASES = 200


@dataclass(frozen=True, slots=True)
class RecognizeRequest:
    """Contract `SpeechRecognizeRequest` (+ optional `hint_phrases`, grammar mode)."""

    audio_data: str
    audio_format: str
    sample_rate: int | None = None
    language: str | None = None
    hint_phrases: Sequence[str] | None = None


@dataclass(frozen=True, slots=True)
class EmotionRequest:
    """Contract `EmotionDetectRequest`."""

    audio_data: str
    audio_format: str
    sample_rate: int | None = None


@dataclass(frozen=True, slots=True)
class EnhanceRequest:
    """Contract `AudioEnhanceRequest`."""

    audio_data: str
    audio_format: str
    enhancement_type: str
    sample_rate: int | None = None


Request = Mapping[str, Any] | RecognizeRequest | EmotionRequest | EnhanceRequest


def _fields(req: Request) -> dict[str, Any]:
    if dataclasses.is_dataclass(req) and not isinstance(req, type):
        return {f.name: getattr(req, f.name) for f in dataclasses.fields(req)}
    if isinstance(req, Mapping):
        return dict(req)
    raise AIError(INVALID_PARAMETER, details={"reason": "request must be a mapping"})


def _missing(packages: Sequence[str]) -> list[str]:
    return [p for p in packages if importlib.util.find_spec(p) is None]


class AIService:
    """Speech recognition, emotion detection and enhancement behind a bounded process pool."""

    def __init__(self, config: AIConfig | None = None) -> None:
        self.config = config or AIConfig()
        self._languages: dict[str, LanguageModel] = discover_languages(self.config.model_dir)
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._inflight = 0  # running + waiting (bounded by capacity)
        self._running = 0  # submitted to the pool (bounded by workers)
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()
        self._completed = 0
        self._latency_ewma = 1.0

    # ------------------------------------------------------------------ introspection
    @property
    def capacity(self) -> int:
        """Requests allowed in flight (running + queued)."""
        return self.config.workers + self.config.queue_depth

    def available_languages(self) -> list[str]:
        """Canonical recognition language codes (bundled en-US + `model_dir`)."""
        return sorted(self._languages)

    def missing_packages(self, operation: str = "recognize") -> list[str]:
        """Packages an operation needs that are not installed."""
        return _missing(CORE_PACKAGES + OPERATION_PACKAGES.get(operation, ()))

    def stats(self) -> dict[str, Any]:
        """In-flight count, capacity, completed jobs, latency estimate."""
        with self._lock:
            return {
                "inflight": self._inflight,
                "running": self._running,
                "waiting": len(self._waiters),
                "capacity": self.capacity,
                "workers": self.config.workers,
                "completed": self._completed,
                "latency_ewma_s": round(self._latency_ewma, 3),
            }

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Start the workers and wait until each has loaded its engines.

        Without the [ai] extra this only logs a warning (every request then answers 50301).
        """
        missing = self.missing_packages("recognize")
        if missing:
            log.warning("AI services unavailable, missing packages: %s", ", ".join(missing))
            return
        pool = self._ensure_pool()
        pings = [pool.submit(worker.ping, 0.2) for _ in range(self.config.workers)]
        await asyncio.gather(*(asyncio.wrap_future(p) for p in pings))

    async def close(self) -> None:
        """Stop the workers (queued work is cancelled)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)

    # ------------------------------------------------------------------ operations
    async def recognize(self, req: Request) -> dict[str, Any]:
        """Speech to text: contract `SpeechRecognitionResult`."""
        f = _fields(req)
        self._require("recognize")
        language = resolve_language(_opt_str(f, "language"), self._languages)
        hints = _hint_phrases(f.get("hint_phrases"))
        clip = self._decode(f)
        return await self._submit(worker.run_recognize, clip, language, hints)

    async def detect_emotion(self, req: Request) -> dict[str, Any]:
        """Emotion of speech: contract `EmotionResult`."""
        f = _fields(req)
        self._require("emotion")
        clip = self._decode(f)
        return await self._submit(worker.run_emotion, clip)

    async def enhance(self, req: Request) -> dict[str, Any]:
        """Enhanced audio in the input's format and rate: contract `AudioEnhanceResult`."""
        f = _fields(req)
        kind = f.get("enhancement_type")
        if kind is None:
            raise AIError(MISSING_FIELD, details={"field": "enhancement_type"})
        if kind not in ENHANCEMENT_KINDS:
            raise AIError(
                INVALID_PARAMETER,
                details={"field": "enhancement_type", "allowed": list(ENHANCEMENT_KINDS)},
            )
        self._require("enhance")
        if kind == "denoise":
            self._require("denoise")
        clip = self._decode(f)
        return await self._submit(worker.run_enhance, clip, kind, f["audio_format"])

    # ------------------------------------------------------------------ internals
    def _require(self, operation: str) -> None:
        missing = self.missing_packages(operation)
        if missing:
            raise AIError(AI_UNAVAILABLE, details={"missing_packages": missing})

    def _decode(self, f: dict[str, Any]) -> Clip:
        for name in ("audio_data", "audio_format"):
            if f.get(name) is None:
                raise AIError(MISSING_FIELD, details={"field": name})
        if not isinstance(f["audio_data"], str):
            raise AIError(INVALID_PARAMETER, details={"field": "audio_data"})
        try:
            from server_impl.ai.audio import decode_audio
        except ImportError as exc:
            raise AIError(AI_UNAVAILABLE, details={"reason": str(exc)}) from None
        return decode_audio(
            f["audio_data"], f["audio_format"], f.get("sample_rate"), self.config.max_seconds
        )

    def _ensure_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                import multiprocessing

                self._pool = ProcessPoolExecutor(
                    max_workers=self.config.workers,
                    mp_context=multiprocessing.get_context(self.config.start_method),
                    initializer=worker.init_worker,
                    initargs=(self.config,),
                )
            return self._pool

    def _acquire(self) -> None:
        """Take an in-flight slot (running or waiting), or refuse with 429."""
        with self._lock:
            if self._inflight >= self.capacity:
                waiting = self._inflight - self.config.workers + 1
                estimate = self._latency_ewma * max(1, waiting) / self.config.workers
                retry = min(60, max(1, math.ceil(estimate)))
                raise AIError(
                    AI_BUSY,
                    details={"inflight": self._inflight, "capacity": self.capacity},
                    retry_after=retry,
                )
            self._inflight += 1

    async def _wait_for_worker(self, deadline: float) -> None:
        """Wait (FIFO) until fewer than `workers` jobs run; the caller then owns a run slot."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._running < self.config.workers and not self._waiters:
                self._running += 1
                return
            turn: asyncio.Future[None] = loop.create_future()
            entry = (loop, turn)
            self._waiters.append(entry)
        try:
            await asyncio.wait_for(turn, max(0.0, deadline - loop.time()))
        except BaseException:
            with self._lock:
                queued = entry in self._waiters
                if queued:  # never granted: just leave the queue
                    self._waiters.remove(entry)
            if not queued and turn.done() and not turn.cancelled():
                self._free_run_slot()  # granted, then abandoned (e.g. the caller was cancelled)
            # granted but not yet delivered: `_grant` sees the cancelled turn and passes it on
            raise

    def _free_run_slot(self) -> None:
        """A run slot is free: hand it to the oldest live waiter, or release it."""
        with self._lock:
            while self._waiters:
                loop, turn = self._waiters.popleft()
                if not turn.done():
                    loop.call_soon_threadsafe(self._grant, turn)
                    return
            self._running -= 1

    def _grant(self, turn: asyncio.Future[None]) -> None:
        """On the waiter's loop: wake it, or pass the slot on if it gave up meanwhile."""
        if turn.done():
            self._free_run_slot()
        else:
            turn.set_result(None)

    def _job_done(self, started: float) -> Callable[[Future[Any]], None]:
        def done(fut: Future[Any]) -> None:
            with self._lock:
                self._inflight -= 1
                if not fut.cancelled() and fut.exception() is None:
                    self._completed += 1
                    elapsed = time.monotonic() - started
                    self._latency_ewma = 0.8 * self._latency_ewma + 0.2 * elapsed
            self._free_run_slot()

        return done

    def _reset_pool(self, broken: ProcessPoolExecutor | None) -> None:
        if broken is None:
            return
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def _timeout(self) -> AIError:
        return AIError(AI_TIMEOUT, details={"timeout_seconds": self.config.timeout_seconds})

    async def _submit(self, fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        self._acquire()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.timeout_seconds
        try:
            await self._wait_for_worker(deadline)
        except TimeoutError:
            with self._lock:
                self._inflight -= 1
            raise self._timeout() from None
        except BaseException:
            with self._lock:
                self._inflight -= 1
            raise
        pool: ProcessPoolExecutor | None = None
        try:
            pool = self._ensure_pool()
            fut = pool.submit(fn, *args)
        except BaseException as exc:
            with self._lock:
                self._inflight -= 1
            self._free_run_slot()
            if isinstance(exc, BrokenProcessPool):
                self._reset_pool(pool)
                raise AIError(
                    AI_PROCESSING_FAILED, details={"reason": "worker pool broken"}
                ) from None
            raise
        fut.add_done_callback(self._job_done(time.monotonic()))
        try:
            return await asyncio.wait_for(
                asyncio.wrap_future(fut), max(0.0, deadline - loop.time())
            )
        except TimeoutError:
            raise self._timeout() from None
        except BrokenProcessPool:
            self._reset_pool(pool)
            raise AIError(
                AI_PROCESSING_FAILED, details={"reason": "worker process exited"}
            ) from None


def _opt_str(f: dict[str, Any], name: str) -> str | None:
    value = f.get(name)
    if value is not None and not isinstance(value, str):
        raise AIError(INVALID_PARAMETER, details={"field": name})
    return value


def _hint_phrases(value: Any) -> list[str] | None:
    if value is None:
        return None
    if (
        isinstance(value, str | bytes)
        or not isinstance(value, Sequence)
        or not 0 < len(value) <= MAX_HINT_PHRASES
        or not all(isinstance(v, str) and 0 < len(v) <= 200 for v in value)
    ):
        raise AIError(
            INVALID_PARAMETER,
            details={"field": "hint_phrases", "reason": f"1..{MAX_HINT_PHRASES} strings"},
        )
    return list(value)
