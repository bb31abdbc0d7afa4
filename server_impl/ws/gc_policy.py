"""Garbage-collector policy for a process holding thousands of long-lived sockets.

With the default settings CPython's full collections walk every object of every connection
(300-550 ms at 5,000 sockets, see /work/shared/REFERENCE.md), which breaks any latency goal.
The policy:

- raise the gen-0 threshold, so young collections are rarer (each stays cheap), and the gen-2
  one so far that the interpreter never starts a full collection on its own: full
  collections happen only where this policy decides;
- every `freeze_interval`, collect the young generations and `gc.freeze()` the survivors: they
  move to the permanent generation, which no collection walks, so gen 2 stays small;
- frozen objects that later become cyclic garbage are only reclaimed by a full
  `unfreeze -> collect -> freeze`. Every closed socket leaves such a cycle inside uvicorn (its
  HTTP protocol object, parser and transport: about 12 KB), so after `churn_min` closed
  sockets (and at least `churn_ratio` times the live ones) one full collection runs. That is
  the one pause the policy allows (about 0.6 s at 5,000 live sockets); memory is a bounded
  sawtooth under churn instead of a leak (benchmarks/ws measures both). The same full
  collection also runs when the frozen generation has grown by `growth` since the last one
  (garbage from other sources, e.g. HTTP requests, is reclaimed too).
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class GcStats:
    """What the policy did (exposed for benchmarks and tests)."""

    freezes: int = 0
    full_collections: int = 0
    last_full_pause_ms: float = 0.0
    frozen_objects: int = 0


@dataclass
class GcPolicy:
    """Process-wide GC management; `tick` is called by the hub's housekeeping loop."""

    gen0_threshold: int = 50_000
    gen1_threshold: int = 20
    gen2_threshold: int = 1_000_000
    freeze_interval: float = 10.0
    churn_ratio: float = 1.0
    churn_min: int = 10_000
    growth: float = 1.0
    stats: GcStats = field(default_factory=GcStats)
    _installed: bool = False
    _last_freeze: float = 0.0
    _closed_since_full: int = 0
    _frozen_after_full: int = 0
    _saved_thresholds: tuple[int, int, int] = (700, 10, 10)

    def install(self) -> None:
        """Raise the thresholds and freeze what exists now (modules, app, config)."""
        if self._installed:
            return
        self._installed = True
        self._saved_thresholds = gc.get_threshold()
        gc.collect()
        gc.freeze()
        gc.set_threshold(self.gen0_threshold, self.gen1_threshold, self.gen2_threshold)
        self._last_freeze = time.monotonic()
        self._frozen_after_full = gc.get_freeze_count()
        self.stats.freezes += 1
        self.stats.frozen_objects = self._frozen_after_full

    def uninstall(self) -> None:
        """Restore the interpreter's defaults (tests, shutdown)."""
        if not self._installed:
            return
        self._installed = False
        gc.unfreeze()
        gc.set_threshold(*self._saved_thresholds)

    def connection_closed(self) -> None:
        """Count churn: frozen objects of closed sockets wait for the next full collection."""
        self._closed_since_full += 1

    def tick(self, live_connections: int, now: float | None = None) -> None:
        """Freeze young survivors periodically; run a full collection after heavy churn."""
        if not self._installed:
            return
        now = time.monotonic() if now is None else now
        churned = self._closed_since_full >= max(
            self.churn_min, self.churn_ratio * live_connections
        )
        grown = gc.get_freeze_count() > (1 + self.growth) * self._frozen_after_full
        if churned or grown:
            self.full_collection()
        elif now - self._last_freeze >= self.freeze_interval:
            gc.collect(1)
            gc.freeze()
            self._last_freeze = now
            self.stats.freezes += 1
            self.stats.frozen_objects = gc.get_freeze_count()

    def full_collection(self) -> None:
        """`unfreeze -> collect -> freeze`: reclaim cyclic garbage of closed connections."""
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        pause = (time.perf_counter() - started) * 1000
        self._closed_since_full = 0
        self._last_freeze = time.monotonic()
        self._frozen_after_full = gc.get_freeze_count()
        self.stats.full_collections += 1
        self.stats.last_full_pause_ms = pause
        self.stats.frozen_objects = gc.get_freeze_count()
        log.info("gc: full collection after churn, %.1f ms", pause)
