"""Open-loop chat load and latency measurement over many `WsConn`s.

Open loop: message i is due at `start + i / rate` whatever happened to earlier ones, and its
latency is measured from that due time (no coordinated omission). The content carries the due
time, so every delivery (to all room members, the sender included) yields one sample.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.ws.wsclient import WsConn

CHAT_PREFIX = '{"type":"chat_message"'
CONTENT_KEY = '"content":"b'
FILLER = " lorem ipsum dolor sit amet, consectetur adipiscing"


def envelope(type_: str, seq: int, data: dict[str, Any]) -> str:
    return json.dumps({"type": type_, "seq": seq, "timestamp": 0, "data": data})


@dataclass
class Meter:
    """Latency samples (ms) of deliveries whose message was due at or after `since_ns`."""

    since_ns: int = 0
    samples: array[float] = field(default_factory=lambda: array("d"))
    last_ns: int = 0

    def record(self, due_ns: int, now_ns: int) -> None:
        if due_ns >= self.since_ns:
            self.samples.append((now_ns - due_ns) / 1e6)
            self.last_ns = now_ns


METER = Meter()


def on_message(conn: WsConn, text: str) -> None:
    """Route one received message: chat deliveries to the meter, the rest to waiters."""
    if text.startswith(CHAT_PREFIX):
        i = text.find(CONTENT_KEY)
        if i >= 0:
            start = i + len(CONTENT_KEY)
            METER.record(int(text[start : text.index(" ", start)]), time.perf_counter_ns())
            return
    waiters: dict[str, asyncio.Future[str]] = conn.state.setdefault("waiters", {})
    if not waiters:
        return
    kind = text[9 : text.index('"', 9)]  # {"type":"<kind>"
    fut = waiters.pop(kind, None)
    if fut is not None and not fut.done():
        fut.set_result(text)


def expect(conn: WsConn, kind: str) -> asyncio.Future[str]:
    """A future for the next message of `kind` on `conn`."""
    fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    conn.state.setdefault("waiters", {})[kind] = fut
    return fut


@dataclass
class PhaseResult:
    """One offered rate: what was delivered and how fast."""

    offered: float
    sent: int
    expected: int
    delivered: int
    seconds: float
    p50: float
    p99: float
    max: float
    client_cpu: float
    server_cpu_s: float = 0.0
    wall: float = 0.0

    @property
    def server_cores(self) -> float:
        """Share of a core the server used (near 1.0: CPU-bound; far below with high
        latency: starved by other processes on its core)."""
        return self.server_cpu_s / self.wall if self.wall else 0.0

    @property
    def achieved(self) -> float:
        """Messages per second fully delivered (deliveries / room size / time)."""
        return self.offered * self.delivered / max(1, self.expected) if self.seconds else 0.0

    @property
    def deliveries_per_s(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def run_rate(
    senders: list[WsConn],
    rate: float,
    duration: float,
    room_size: int,
    *,
    warmup: float = 1.0,
    drain: float = 5.0,
    server_cpu: Callable[[], float] | None = None,
) -> PhaseResult:
    """Send chat at `rate` msgs/s round-robin over `senders` for warmup + duration."""
    gc.collect()
    gc.disable()  # the client's own pauses must not show up as server latency
    try:
        return await _run_rate(senders, rate, duration, room_size, warmup, drain, server_cpu)
    finally:
        gc.enable()


async def _run_rate(
    senders: list[WsConn],
    rate: float,
    duration: float,
    room_size: int,
    warmup: float,
    drain: float,
    server_cpu: Callable[[], float] | None,
) -> PhaseResult:
    total = int(rate * (warmup + duration))
    first_measured = int(rate * warmup)
    start_ns = time.perf_counter_ns() + 20_000_000
    step_ns = 1e9 / rate
    METER.since_ns = start_ns + int(first_measured * step_ns)
    METER.samples = array("d")
    cpu0, srv0 = time.process_time(), server_cpu() if server_cpu else 0.0
    wall0 = time.perf_counter()
    i = 0
    n = len(senders)
    while i < total:
        now = time.perf_counter_ns()
        due = start_ns + int(i * step_ns)
        if due > now:
            await asyncio.sleep(max(0.001, (due - now) / 1e9))  # never spin
            continue
        while i < total and start_ns + int(i * step_ns) <= now:
            due = start_ns + int(i * step_ns)
            conn = senders[i % n]
            room = conn.state["room_id"]
            conn.state["seq"] = seq = conn.state.get("seq", 1) + 1
            content = f"b{due} {FILLER}"
            conn.send(envelope("chat_message", seq, {"room_id": room, "content": content}))
            i += 1
    expected = (total - first_measured) * room_size
    deadline = time.perf_counter() + drain
    while len(METER.samples) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    wall = time.perf_counter() - wall0
    cpu = (time.process_time() - cpu0) / wall
    samples = sorted(METER.samples)
    seconds = (METER.last_ns - METER.since_ns) / 1e9 if samples else 0.0
    return PhaseResult(
        offered=rate,
        sent=total,
        expected=expected,
        delivered=len(samples),
        seconds=seconds,
        p50=percentile(samples, 0.50),
        p99=percentile(samples, 0.99),
        max=samples[-1] if samples else float("nan"),
        client_cpu=cpu,
        server_cpu_s=(server_cpu() - srv0) if server_cpu else 0.0,
        wall=wall,
    )


async def background_load(senders: list[WsConn], rate: float, stop: asyncio.Event) -> int:
    """Chat at `rate` msgs/s until `stop` is set (deliveries are not measured)."""
    start, i, n = time.perf_counter(), 0, len(senders)
    while not stop.is_set():
        now = time.perf_counter()
        while start + i / rate <= now:  # everything due by now
            conn = senders[i % n]
            conn.state["seq"] = seq = conn.state.get("seq", 1) + 1
            data = {"room_id": conn.state["room_id"], "content": f"b0 {FILLER}"}
            conn.send(envelope("chat_message", seq, data))
            i += 1
        await asyncio.sleep(max(0.001, start + i / rate - time.perf_counter()))
    return i
