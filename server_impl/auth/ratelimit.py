"""In-process sliding-window rate limiter (per client IP for login and registration).

State is per process: with N workers the effective limit is N times the configured one
(documented in docs/rest.md). Rejected attempts are not counted, so a client that keeps
hammering is let in again exactly when its oldest counted attempt leaves the window.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most `limit` hits per `window` seconds per key."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> int | None:
        """Count one attempt for `key`; return None if allowed, else seconds to wait (>= 1)."""
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = deque()
            self._hits[key] = hits
            if len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)  # forget the least recently used key
        else:
            self._hits.move_to_end(key)
        cutoff = now - self.window
        while hits and hits[0] <= cutoff:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return None

    def reset(self, key: str | None = None) -> None:
        """Forget one key, or everything."""
        if key is None:
            self._hits.clear()
        else:
            self._hits.pop(key, None)
