"""Per-connection message rate limit: a token bucket that can go into debt."""

from __future__ import annotations

from enum import IntEnum


class Verdict(IntEnum):
    """What to do with one incoming message."""

    OK = 0
    LIMITED = 1  # answer 42901, do not process
    FLOOD = 2  # close with 4029


class RateLimiter:
    """`rate` messages/s sustained with a `burst`; past it each message is refused (42901)
    and adds to a debt; a debt above `flood_tolerance` means a persistent flood (4029).

    A client that slows down below the rate pays the debt back and recovers.
    """

    __slots__ = ("_burst", "_floor", "_rate", "_stamp", "_tokens")

    def __init__(self, rate: float, burst: int, flood_tolerance: int, now: float) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._floor = -float(flood_tolerance)
        self._tokens = float(burst)
        self._stamp = now

    def check(self, now: float) -> Verdict:
        """Account for one message arriving at monotonic time `now` (seconds)."""
        tokens = self._tokens + (now - self._stamp) * self._rate
        if tokens > self._burst:
            tokens = self._burst
        self._stamp = now
        tokens -= 1.0
        self._tokens = tokens
        if tokens >= 0.0:
            return Verdict.OK
        if tokens < self._floor:
            return Verdict.FLOOD
        return Verdict.LIMITED
