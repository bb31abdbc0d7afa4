"""WebSocket load benchmark: our server vs a bare `websockets.broadcast` server, side by side.

Both servers are pinned to core 0 (`taskset`), this process (the open-loop load client) to
core 1. The chat sweep loads them in turn at each rate (`sweep.py`), so the machine's drift
in speed hits both alike. Figures printed at the end, and saved as JSON:

- capacity: authenticated connections (rooms of 4) one process holds, memory per connection;
- chat broadcast latency p50/p99/max at the offered loads, and the saturation point, for ours
  and for the bare server (the ceiling), permessage-deflate on;
- join latency (REST join -> socket connected -> join_room -> peer's user_joined), idle and
  under load;
- aiortc data channel open time through our relay;
- server memory under connection churn.

    .venv/bin/python -m benchmarks.ws.run                    # the full run (~15 min)
    .venv/bin/python -m benchmarks.ws.run --quick            # a small smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.ws import scenarios as sc
from benchmarks.ws.population import Member, Rest, populate
from benchmarks.ws.servers import NICE, ServerProcess
from benchmarks.ws.sweep import Side, repeat, saturated_at, sweep

SERVER_CORE, CLIENT_CORE = 0, 1
GOALS = {
    "connections": 10_000,
    "p99_ms_at_4000": 50.0,
    "saturation_ratio": 0.7,
    "join_p50_ms": 5.0,
    "join_p99_ms_under_load": 50.0,
    "rtc_open_ms": 150.0,
}


def log(line: str) -> None:
    print(line, flush=True)


async def bench(args: argparse.Namespace, out: dict[str, Any]) -> None:
    """Start the servers, sweep them side by side, then measure ours alone."""
    ours: OursSide | None = None
    bare: Side | None = None
    try:
        if args.only in (None, "ours"):
            ours = await start_ours(args, out)
        if args.only in (None, "bare"):
            bare = await start_bare(args)
        sides: list[Side] = [side for side in (ours, bare) if side is not None]
        names = " and ".join(side.name for side in sides)
        log(f"chat sweep: {names}, {args.latency_connections} connections each (deflate on)")
        await sweep(sides, args.rates, args.duration, 4, log)
        await repeat(sides, args.goal_rate, args.repeats, args.duration, 4, log)
        for side in sides:
            out[f"{side.name}_sweep"] = [
                asdict(r) | {"achieved": r.achieved, "cores": r.server_cores} for r in side.results
            ]
            out[f"{side.name}_repeats"] = [asdict(r) for r in side.repeats]
        if bare is not None:
            await sc.close_all(bare.senders)
            bare.server.stop()
        if ours is not None:
            await measure_ours_alone(args, out, ours)
    finally:
        for started in (ours, bare):
            if started is not None:
                started.server.stop()
        if ours is not None:
            await ours.rest.aclose()
            shutil.rmtree(ours.data_dir, ignore_errors=True)  # its SQLite file and WAL


@dataclass
class OursSide(Side):
    """Our server, with its REST client, data directory and the users it has not connected."""

    rest: Rest = field(default_factory=lambda: Rest(""))
    data_dir: Path = field(default_factory=Path)
    rooms: list[list[Member]] = field(default_factory=list)
    pairs: list[tuple[Member, Member, str]] = field(default_factory=list)


async def start_ours(args: argparse.Namespace, out: dict[str, Any]) -> OursSide:
    """Our server with `args.connections` sockets (capacity), then trimmed to the sweep's."""
    data_dir = Path(tempfile.mkdtemp(prefix="ck-bench-data-"))
    server = ServerProcess(
        "ours", "benchmarks.ws.serve_ours", SERVER_CORE, ["--data-dir", str(data_dir)]
    )
    server.start()
    log(f"ours: pid {server.pid}, CPUs {server.threads_cpu_affinity()}, port {server.port}")
    rest = Rest(f"http://{sc.HOST}:{server.port}/v1")
    side = OursSide("ours", server, [], rest=rest, data_dir=data_dir)
    t0 = time.perf_counter()
    side.rooms = await populate(rest, args.connections)
    side.pairs = await make_pairs(rest, args.join_samples * (1 + args.repeats + 1))
    took = time.perf_counter() - t0
    log(f"ours: {args.connections} users in {len(side.rooms)} rooms ({took:.0f} s)")
    members = [m for room in side.rooms for m in room]
    conns, cap = await sc.capacity(server, members)
    out["capacity"] = cap
    log(f"capacity: {cap}")
    keep = args.latency_connections
    await sc.close_all(conns[keep:])
    side.senders = conns[:keep]
    await asyncio.sleep(8)  # grace periods end, closes are processed
    gc.collect()
    gc.freeze()
    return side


async def start_bare(args: argparse.Namespace) -> Side:
    """The bare `websockets` server with the sweep's sockets, in rooms of 4."""
    server = ServerProcess("bare", "benchmarks.ws.bare_server", SERVER_CORE)
    server.start()
    log(f"bare: pid {server.pid}, CPUs {server.threads_cpu_affinity()}, port {server.port}")
    room_ids = [f"room{i // 4}" for i in range(args.latency_connections)]
    conns = await sc.gather_limited([sc.connect_bare(server.port, r) for r in room_ids])
    return Side("bare", server, conns)


async def measure_ours_alone(args: argparse.Namespace, out: dict[str, Any], ours: OursSide) -> None:
    """Join latency (idle, under load), aiortc open time, and memory under churn."""
    server, conns, pairs = ours.server, ours.senders, ours.pairs
    idle = await sc.join_latency(server.port, pairs[: args.join_samples])
    out["join_idle"] = sc.summarize_join(idle)
    log(f"join latency idle {out['join_idle']}")
    runs = []
    for i in range(1 + args.repeats):  # judged on the median run's p99
        batch = pairs[args.join_samples * (i + 1) :][: args.join_samples]
        loaded, sent = await sc.join_latency_under_load(server.port, batch, conns, args.join_load)
        runs.append(sc.summarize_join(loaded) | {"load_msgs_sent": sent})
        log(f"join latency under {args.join_load:.0f} msg/s {runs[-1]}")
    out["join_under_load_runs"] = runs
    out["join_under_load"] = sorted(runs, key=lambda r: r["p99"])[len(runs) // 2]
    out["rtc_open_ms"] = sc.summarize(
        await sc.rtc_open_times(server.port, ours.rest, args.rtc_tries)
    )
    log(f"aiortc data channel open: {out['rtc_open_ms']}")
    keep = args.latency_connections
    spare = ours.rooms[keep // 4 :][: max(1, args.churn_connections // 4)]
    out["churn_rss_mb"] = await sc.churn(server, spare, args.churn_cycles)
    churned = sum(len(r) for r in spare)
    log(f"churn ({churned} sockets x {args.churn_cycles}): RSS {out['churn_rss_mb']} MB")
    await sc.close_all(conns)
    out["ours_gc_log"] = [line for line in server.log().splitlines() if "gc:" in line]


async def make_pairs(rest: Rest, count: int) -> list[tuple[Member, Member, str]]:
    """(host admitted over REST, joiner not yet admitted, meeting number) per join sample."""

    async def pair(i: int) -> tuple[Member, Member, str]:
        host, joiner = await rest.register(f"h{i}"), await rest.register(f"j{i}")
        room_id, number = await rest.create_meeting(host, 2)
        await rest.join(host, number)
        host.room_id = joiner.room_id = room_id
        return host, joiner, number

    return list(await asyncio.gather(*(pair(i) for i in range(count))))


def sustained(sweep: list[dict[str, Any]]) -> tuple[float, float]:
    """(highest offered rate sustained (all delivered, p99 <= 100 ms), the server's CPU
    capacity in msg/s estimated at that rate: 1 / CPU time per message)."""
    ok = [r for r in sweep if not saturated_at(r["delivered"], r["expected"], r["p99"])]
    if not ok:
        return 0.0, 0.0
    best = max(ok, key=lambda r: r["offered"])
    return best["offered"], best["sent"] / best["server_cpu_s"] if best["server_cpu_s"] else 0.0


def paired_cpu_ratios(out: dict[str, Any]) -> list[float]:
    """Bare's CPU per message over ours, for each pair of phases at the goal rate (the sweep's
    and the repeats', each pair run back to back): the throughput ratio a CPU-bound server
    reaches, measured without the sweep's one-phase saturation verdicts."""
    rate = out["args"]["goal_rate"]
    ours = [r for r in out.get("ours_sweep", []) if r["offered"] == rate]
    bare = [r for r in out.get("bare_sweep", []) if r["offered"] == rate]
    pairs = list(zip(ours[:1], bare[:1], strict=False)) + list(
        zip(out.get("ours_repeats", []), out.get("bare_repeats", []), strict=False)
    )
    return [
        round((b["server_cpu_s"] / b["sent"]) / (o["server_cpu_s"] / o["sent"]), 3)
        for o, b in pairs
        if o["server_cpu_s"] and b["server_cpu_s"]
    ]


def report(out: dict[str, Any]) -> None:
    ours, bare = out.get("ours_sweep", []), out.get("bare_sweep", [])
    sat_ours, cap_ours = sustained(ours)
    sat_bare, cap_bare = sustained(bare)
    out["saturation"] = {
        "ours_sustained": sat_ours,
        "bare_sustained": sat_bare,
        "ours_cpu_capacity": round(cap_ours),
        "bare_cpu_capacity": round(cap_bare),
    }
    goal_rate = out["args"]["goal_rate"]
    paired = paired_cpu_ratios(out)
    out["saturation"]["paired_cpu_ratios"] = paired
    paired_median = statistics.median(paired) if paired else None
    at_goal = [r["p99"] for r in ours + out.get("ours_repeats", []) if r["offered"] == goal_rate]
    p99_at_goal = statistics.median(at_goal) if at_goal else None
    cap = out.get("capacity", {})
    rows = [
        ("connections held (rooms of 4)", cap.get("alive"), f">= {GOALS['connections']}"),
        ("memory per connection (KB)", cap.get("kb_per_connection"), "-"),
        (
            f"p99 at {goal_rate:,.0f} msg/s, median of {len(at_goal)} phases (ms)",
            p99_at_goal and round(p99_at_goal, 2),
            f"<= {GOALS['p99_ms_at_4000']}",
        ),
        ("sustained ours (msg/s, p99 <= 100 ms)", round(sat_ours), "-"),
        ("sustained bare websockets (msg/s)", round(sat_bare), "-"),
        (
            "ratio ours / bare (sustained)",
            round(sat_ours / sat_bare, 2) if sat_bare else None,
            f">= {GOALS['saturation_ratio']}",
        ),
        ("CPU capacity ours / bare (msg/s)", f"{round(cap_ours)} / {round(cap_bare)}", "-"),
        (
            "ratio ours / bare (CPU capacity)",
            round(cap_ours / cap_bare, 2) if cap_bare else None,
            f">= {GOALS['saturation_ratio']}",
        ),
        (
            f"ratio CPU per msg bare / ours at {goal_rate:,.0f}, median of {len(paired)} pairs",
            paired_median,
            f">= {GOALS['saturation_ratio']}",
        ),
        ("join p50 idle (ms)", out.get("join_idle", {}).get("p50"), f"<= {GOALS['join_p50_ms']}"),
        ("  of which REST join / WS connect / join_room", _steps(out.get("join_idle", {})), "-"),
        (
            "join p99 under load, median run (ms)",
            out.get("join_under_load", {}).get("p99"),
            f"<= {GOALS['join_p99_ms_under_load']}",
        ),
        (
            "aiortc data channel open p50 (ms)",
            out.get("rtc_open_ms", {}).get("p50"),
            f"<= {GOALS['rtc_open_ms']}",
        ),
        (
            "churn RSS first -> last (MB)",
            out.get("churn_rss_mb") and f"{out['churn_rss_mb'][0]} -> {out['churn_rss_mb'][-1]}",
            "flat",
        ),
    ]
    log("\n=== benchmarks/ws results ===")
    log(f"load average before/after: {out.get('loadavg_before')} / {out.get('loadavg_after')}")
    for name, value, goal in rows:
        log(f"{name:<46} {value!s:>22}   goal {goal}")


def _steps(join: dict[str, Any]) -> str:
    keys = ("rest_join_p50", "ws_connect_p50", "join_room_p50")
    return " / ".join(str(join.get(k)) for k in keys)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--latency-connections", type=int, default=5_000)
    parser.add_argument(
        "--rates", default="1000,2000,3000,4000,5000,6000,7000,8000,9000,10000,12000,14000,16000"
    )
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--join-samples", type=int, default=100)
    parser.add_argument("--join-load", type=float, default=2000)
    parser.add_argument("--goal-rate", type=float, default=4000, help="the p99 goal's msg/s")
    parser.add_argument("--repeats", type=int, default=4, help="extra phases there, join runs")
    parser.add_argument("--rtc-tries", type=int, default=10)
    parser.add_argument("--churn-connections", type=int, default=1000)
    parser.add_argument("--churn-cycles", type=int, default=16)
    parser.add_argument("--only", choices=["ours", "bare"], default=None)
    parser.add_argument("--quick", action="store_true", help="small numbers, for a smoke run")
    parser.add_argument("--output", type=Path, default=Path("benchmarks/ws/results.json"))
    args = parser.parse_args()
    if args.quick:
        args.connections, args.latency_connections, args.rates = 400, 200, "200,400"
        args.duration, args.join_samples, args.rtc_tries = 2.0, 10, 2
        args.churn_connections, args.churn_cycles, args.join_load = 100, 2, 200
        args.goal_rate, args.repeats = 400, 1
    args.rates = [float(r) for r in str(args.rates).split(",")]
    os.sched_setaffinity(0, {CLIENT_CORE})
    os.nice(NICE)
    out: dict[str, Any] = {"args": {k: v for k, v in vars(args).items() if k != "output"}}
    out["loadavg_before"] = os.getloadavg()
    import uvloop

    uvloop.run(bench(args, out))
    out["loadavg_after"] = os.getloadavg()
    report(out)
    args.output.write_text(json.dumps(out, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
