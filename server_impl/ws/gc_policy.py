"""Garbage-collector policy for a process holding thousands of long-lived sockets.

With the default settings CPython's full collections walk every object of every connection
(300-550 ms at 5,000 sockets, see /work/shared/REFERENCE.md), which breaks any latency goal.
The policy:

- keep young collections small (gen 0: 10,000, gen 1: 2, so a young collection walks at most
  a few tens of thousands of objects: a few ms, never hundreds), and raise the gen-2
  one so far that the interpreter never starts a full collection on its own: full
  collections happen only where this policy decides;
- every `freeze_interval`, `gc.freeze()` (O(1)): whatever survived so far moves to the
  permanent generation, which no collection walks, so the collected generations stay small;
- frozen objects that later become cyclic garbage are only reclaimed by a full
  `unfreeze -> collect -> freeze`, the one pause the policy allows (about 0.9 s at 5,000 live
  sockets). It runs every `full_interval` (30 min), for garbage cycles of any source (HTTP
  requests). A closed socket leaves none when served with
  `server_impl.http.uvicorn_http.HttpToolsProtocol`; under plain uvicorn each one leaves a
  12-40 KB cycle (its upgraded HTTP protocol, parser and transport), and `churn_min` > 0 adds
  a full collection after that many closed sockets (and at least `churn_ratio` times the
  live ones), so memory is a bounded sawtooth instead of a leak. benchmarks/ws measures
  memory under churn. Nothing here walks the heap outside those collections
  (`gc.get_freeze_count()` does: it is only read during them).
- after `trim_after_closed` closed sockets: a collection of the unfrozen generations
  (`gc.collect(2)`, which also empties the interpreter's free lists; the frozen sockets are
  not walked, so it costs milliseconds) and glibc's `malloc_trim(0)`, which hands freed heap
  pages back to the system. Without them RSS grew by ~40 MB per 1,000 sockets opened and
  closed (no cyclic garbage: free lists and a fragmented C heap); with them it stays flat.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class GcStats:
    """What the policy did (exposed for benchmarks and tests)."""

    freezes: int = 0
    full_collections: int = 0
    last_full_pause_ms: float = 0.0
    frozen_objects: int = 0
    trims: int = 0
    last_trim_ms: float = 0.0
    collections: list[int] = field(default_factory=lambda: [0, 0, 0])  # per generation
    max_pause_ms: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])


def libc_malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim(pad)`, or None where the C library has none (musl, macOS)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


@dataclass
class GcPolicy:
    """Process-wide GC management; `tick` is called by the hub's housekeeping loop."""

    gen0_threshold: int = 10_000
    gen1_threshold: int = 2
    gen2_threshold: int = 1_000_000
    freeze_interval: float = 10.0
    churn_ratio: float = 1.0
    churn_min: int = 10_000
    full_interval: float = 1800.0
    #: closed sockets before the freed heap is returned to the system (0: never)
    trim_after_closed: int = 1_000
    stats: GcStats = field(default_factory=GcStats)
    _installed: bool = False
    _last_freeze: float = 0.0
    _closed_since_full: int = 0
    _closed_since_trim: int = 0
    _malloc_trim: Callable[[int], int] | None = field(default_factory=libc_malloc_trim)
    _last_full: float = 0.0
    _saved_thresholds: tuple[int, int, int] = (700, 10, 10)
    _started: float = 0.0
    #: collections longer than this are logged (ms)
    slow_pause_ms: float = 50.0

    def install(self) -> None:
        """Raise the thresholds and freeze what exists now (modules, app, config)."""
        if self._installed:
            return
        self._installed = True
        self._saved_thresholds = gc.get_threshold()
        gc.callbacks.append(self._observe)
        gc.collect()
        gc.freeze()
        gc.set_threshold(self.gen0_threshold, self.gen1_threshold, self.gen2_threshold)
        self._last_freeze = self._last_full = time.monotonic()
        self.stats.freezes += 1
        self.stats.frozen_objects = gc.get_freeze_count()

    def uninstall(self) -> None:
        """Restore the interpreter's defaults (tests, shutdown)."""
        if not self._installed:
            return
        self._installed = False
        if self._observe in gc.callbacks:
            gc.callbacks.remove(self._observe)
        gc.unfreeze()
        gc.set_threshold(*self._saved_thresholds)

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        """`gc.callbacks` hook: count collections and their pauses per generation."""
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = info.get("generation", 2)
        pause = (time.perf_counter() - self._started) * 1000
        self.stats.collections[generation] += 1
        if pause > self.stats.max_pause_ms[generation]:
            self.stats.max_pause_ms[generation] = pause
        if pause > self.slow_pause_ms:
            log.info("gc: generation %d collection took %.1f ms", generation, pause)

    def connection_closed(self) -> None:
        """Count churn: frozen objects of closed sockets wait for the next full collection."""
        self._closed_since_full += 1
        self._closed_since_trim += 1

    def tick(self, live_connections: int, now: float | None = None) -> None:
        """Freeze young survivors periodically; run a full collection after heavy churn."""
        if not self._installed:
            return
        wanted = (self.gen0_threshold, self.gen1_threshold, self.gen2_threshold)
        if gc.get_threshold() != wanted:  # someone reset them after `install`
            gc.set_threshold(*wanted)
        now = time.monotonic() if now is None else now
        churned = self.churn_min > 0 and self._closed_since_full >= max(
            self.churn_min, self.churn_ratio * live_connections
        )
        if 0 < self.trim_after_closed <= self._closed_since_trim:
            self.trim_heap()
        if churned or now - self._last_full >= self.full_interval:
            self.full_collection()
        elif now - self._last_freeze >= self.freeze_interval:
            gc.freeze()  # O(1); `gc.get_freeze_count()` would walk every frozen object
            self._last_freeze = now
            self.stats.freezes += 1

    def trim_heap(self) -> None:
        """Collect the unfrozen generations (emptying free lists), then return the C heap's
        free pages to the system (`malloc_trim(0)`, where the C library has it)."""
        self._closed_since_trim = 0
        started = time.perf_counter()
        gc.collect(2)  # frozen objects are not walked
        if self._malloc_trim is not None:
            self._malloc_trim(0)
        pause = (time.perf_counter() - started) * 1000
        self.stats.trims += 1
        self.stats.last_trim_ms = pause
        log.info("gc: heap trimmed after churn, %.1f ms", pause)

    def full_collection(self) -> None:
        """`unfreeze -> collect -> freeze`: reclaim cyclic garbage of closed connections."""
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        pause = (time.perf_counter() - started) * 1000
        self._closed_since_full = 0
        self._last_freeze = self._last_full = time.monotonic()
        self.stats.full_collections += 1
        self.stats.last_full_pause_ms = pause
        self.stats.frozen_objects = gc.get_freeze_count()
        log.info("gc: full collection (churn or interval), %.1f ms", pause)
