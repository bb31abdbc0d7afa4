"""Garbage-collector policy for a process holding thousands of long-lived sockets.

With the default settings CPython's full collections walk every object of every connection
(300-550 ms at 5,000 sockets, see /work/shared/REFERENCE.md), which breaks any latency goal.
The policy:

- young collections run often and stay short (gen 0 threshold 3,000), and, while
  `freeze_young_from` (500) sockets are live, whatever survives one is frozen at once
  (`gc.freeze()` from the collection's `stop` callback, O(1)): the permanent generation,
  which no collection walks. Under chat load most young objects are alive when a collection
  runs (each socket's pending receive: coroutines, a future, its callbacks), so a
  collection's cost is what it walks; walking them again in gen 1 and 2 was pure loss.
  Measured at 5,000 sockets and 4,000 msg/s: 25-40 ms young and 55-100 ms gen-1 pauses with
  generational promotion (10,000, 2), 3-12 ms with survivors frozen. The tick also freezes
  every `freeze_interval`, for what survives without a collection (idle);
- the gen-2 threshold is so high that the interpreter never starts a full collection;
- frozen objects that later become cyclic garbage are only reclaimed by a full
  `unfreeze -> collect -> freeze`, the one long pause the policy allows (about 0.9 s at 5,000
  live sockets). It runs every `full_interval` (30 min), when the process's RSS has grown
  by `rss_growth` (2x, and at least `rss_min_growth_mb`) since the last one, and after
  `churn_min` closed sockets (off by default: a closed socket leaves no cycle when served with
  `server_impl.http.uvicorn_http`'s protocols; under plain uvicorn each one leaves two, of
  12-40 KB and about 45 KB). Nothing here walks the heap outside those collections
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
import os
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


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int | None:
    """This process's resident memory (Linux `/proc/self/statm`), or None elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class GcPolicy:
    """Process-wide GC management; `tick` is called by the hub's housekeeping loop."""

    gen0_threshold: int = 3_000
    gen1_threshold: int = 10
    gen2_threshold: int = 1_000_000
    freeze_interval: float = 10.0
    churn_ratio: float = 1.0
    churn_min: int = 10_000
    full_interval: float = 1800.0
    #: closed sockets before the freed heap is returned to the system (0: never)
    trim_after_closed: int = 1_000
    #: a full collection when RSS reaches this multiple of the RSS after the last one ...
    rss_growth: float = 2.0
    #: ... and has grown by at least this much (MB)
    rss_min_growth_mb: float = 512.0
    rss_bytes: Callable[[], int | None] = field(default_factory=lambda: resident_bytes)
    #: freeze young survivors only while this many sockets are live (few sockets: few
    #: long-lived young objects, and in-flight HTTP requests stay collectable)
    freeze_young_from: int = 500
    stats: GcStats = field(default_factory=GcStats)
    _installed: bool = False
    _last_freeze: float = 0.0
    _closed_since_full: int = 0
    _closed_since_trim: int = 0
    _malloc_trim: Callable[[int], int] | None = field(default_factory=libc_malloc_trim)
    _last_full: float = 0.0
    _saved_thresholds: tuple[int, int, int] = (700, 10, 10)
    _started: float = 0.0
    _rss_after_full: int | None = None
    _freeze_young: bool = False
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
        self._rss_after_full = self.rss_bytes()

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
        """`gc.callbacks` hook: freeze a young collection's survivors; count collections and
        their pauses per generation."""
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = info.get("generation", 2)
        if generation < 2 and self._freeze_young:  # the interpreter's (ours are gen 2)
            gc.freeze()
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
        self._freeze_young = live_connections >= self.freeze_young_from
        churned = self.churn_min > 0 and self._closed_since_full >= max(
            self.churn_min, self.churn_ratio * live_connections
        )
        if 0 < self.trim_after_closed <= self._closed_since_trim:
            self.trim_heap()
        if churned or self._rss_grew() or now - self._last_full >= self.full_interval:
            self.full_collection()
        elif now - self._last_freeze >= self.freeze_interval:
            gc.freeze()  # O(1); `gc.get_freeze_count()` would walk every frozen object
            self._last_freeze = now
            self.stats.freezes += 1

    def _rss_grew(self) -> bool:
        """RSS has grown by `rss_growth` (and `rss_min_growth_mb`) since the last full
        collection: perhaps frozen objects that became cyclic garbage."""
        base = self._rss_after_full
        if base is None or self.rss_growth <= 0:
            return False
        rss = self.rss_bytes()
        if rss is None:
            return False
        return rss >= base * self.rss_growth and rss - base >= self.rss_min_growth_mb * 2**20

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
        self._rss_after_full = self.rss_bytes()
        log.info("gc: full collection (churn, RSS growth or interval), %.1f ms", pause)
