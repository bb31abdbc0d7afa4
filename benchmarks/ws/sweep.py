"""The chat sweep, side by side: every server under test at each offered rate in turn.

The machine's speed drifts by up to 2.5x from hour to hour (and noticeably from minute to
minute), so sweeping one server and then the other compares two different machines. Here
both servers are up at once, each pinned to the same core and loaded only during its own
phase, and each rate is offered to every server back to back (the order alternating from rate
to rate). A server leaves the grid after two saturated rates in a row; then the gap between
its highest sustained rate and its next saturated one is bisected, again interleaved.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.ws.load import PhaseResult, run_rate
from benchmarks.ws.servers import ServerProcess
from benchmarks.ws.wsclient import WsConn

#: a load is sustained when everything is delivered and p99 stays under this (ms)
SUSTAINED_P99_MS = 100.0
Log = Callable[[str], None]


@dataclass
class Side:
    """One server under test and the client sockets that load it."""

    name: str
    server: ServerProcess
    senders: list[WsConn]
    results: list[PhaseResult] = field(default_factory=list)
    repeats: list[PhaseResult] = field(default_factory=list)  # extra phases at a goal's rate

    @property
    def done(self) -> bool:
        """Two saturated rates in a row: higher rates would only queue more."""
        r = self.results
        return len(r) >= 2 and saturated(r[-1]) and saturated(r[-2])

    def next_bisection(self) -> float | None:
        """The middle of the gap above the highest sustained rate (None: nothing to refine)."""
        ok = [r.offered for r in self.results if not saturated(r)]
        if not ok:
            return None
        low = max(ok)
        above = [r.offered for r in self.results if saturated(r) and r.offered > low]
        if not above:
            return None
        high = min(above)
        middle = round((low + high) / 2 / 100) * 100
        return None if middle in (low, high) else float(middle)


def saturated(result: PhaseResult) -> bool:
    """Past the saturation point: deliveries fall behind, or queueing shows in p99."""
    return saturated_at(result.delivered, result.expected, result.p99)


def saturated_at(delivered: int, expected: int, p99: float) -> bool:
    """`saturated` from a phase's figures (as saved in the JSON)."""
    return delivered < 0.99 * expected or p99 > SUSTAINED_P99_MS


def starved(result: PhaseResult) -> bool:
    """Queueing although the server had CPU to spare: the machine was busy, not the server."""
    return result.p99 > SUSTAINED_P99_MS and result.server_cores < 0.8


async def wait_quiet(log: Log, limit: float = 600.0) -> float:
    """Wait (up to `limit` s) until the 1-minute load average is below 1; return it."""
    deadline = time.monotonic() + limit
    while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
        await asyncio.sleep(10)
    load = os.getloadavg()[0]
    log(f"  (load average {load:.2f})")
    return load


async def sweep(
    sides: list[Side],
    rates: list[float],
    duration: float,
    room_size: int,
    log: Log,
    refine: int = 3,
) -> None:
    """Fill each side's `results` (sorted by offered rate) from the interleaved sweep."""
    await wait_quiet(log)
    for side in sides:  # warm-up, not reported
        await run_rate(side.senders, min(rates), duration, room_size)
    for i, rate in enumerate(rates):
        active = [s for s in sides if not s.done]
        if not active:
            break
        for side in active if i % 2 == 0 else active[::-1]:
            await _phase(side, rate, duration, room_size, log)
    for _ in range(refine):
        for side in sides:
            middle = side.next_bisection()
            if middle is not None:
                log(f"  ({side.name}: refining at {middle:.0f} msg/s)")
                await _phase(side, middle, duration, room_size, log)
    for side in sides:
        side.results.sort(key=lambda r: r.offered)


async def repeat(
    sides: list[Side], rate: float, times: int, duration: float, room_size: int, log: Log
) -> None:
    """`times` more phases at `rate` per side, interleaved, into each side's `repeats`: a
    goal judged at one rate is judged on the median of several phases, not on one."""
    for i in range(times):
        for side in sides if i % 2 else sides[::-1]:
            log(f"  ({side.name}: repeat at {rate:.0f} msg/s)")
            side.repeats.append(await _phase(side, rate, duration, room_size, log, keep=False))


async def _phase(
    side: Side, rate: float, duration: float, room_size: int, log: Log, *, keep: bool = True
) -> PhaseResult:
    server = side.server
    result = await run_rate(side.senders, rate, duration, room_size, server_cpu=server.cpu_seconds)
    if keep:
        side.results.append(result)
    busy = "  <- STARVED: other processes on its core" if starved(result) else ""
    log(
        f"  {side.name:<5}{rate:>6.0f} msg/s: p50 {result.p50:7.2f} ms  p99 {result.p99:8.2f} ms  "
        f"max {result.max:8.2f} ms  server {result.server_cpu_s / result.sent * 1e6:4.0f} "
        f"us/msg ({result.server_cores:4.0%} of its core)  client {result.client_cpu:4.0%}{busy}"
    )
    await asyncio.sleep(1.0)
    return result
