"""The measured scenarios: capacity and memory, join latency, WebRTC data
channel open time, memory under churn. Each returns plain numbers for the report."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import websockets

from benchmarks.ws.httpclient import HttpConn
from benchmarks.ws.load import (
    background_load,
    envelope,
    expect,
    on_message,
    percentile,
)
from benchmarks.ws.population import Member, Rest
from benchmarks.ws.servers import ServerProcess
from benchmarks.ws.wsclient import WsConn

HOST = "127.0.0.1"


async def gather_limited(coros: list[Awaitable[Any]], limit: int = 100) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(coro: Awaitable[Any]) -> Any:
        async with gate:
            return await coro

    return await asyncio.gather(*(run(c) for c in coros))


async def connect_ours(port: int, member: Member) -> WsConn:
    """Authenticated socket, `connected` read, room joined (snapshot read)."""
    connected: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    state = {"waiters": {"connected": connected}, "room_id": member.room_id}
    path = f"/v1/ws?access_token={member.token}"
    conn = await WsConn.connect(HOST, port, path, on_message, state=state)
    await asyncio.wait_for(connected, 30)
    snapshot = expect(conn, "room_snapshot")
    conn.send(envelope("join_room", 1, {"room_id": member.room_id}))
    await asyncio.wait_for(snapshot, 30)
    return conn


async def connect_bare(port: int, room_id: str) -> WsConn:
    connected: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    state = {"waiters": {"connected": connected}, "room_id": room_id}
    conn = await WsConn.connect(HOST, port, f"/?room={room_id}", on_message, state=state)
    await asyncio.wait_for(connected, 30)
    return conn


async def close_all(conns: list[WsConn]) -> None:
    for conn in conns:
        conn.close()
    await asyncio.gather(*(asyncio.wait_for(c.closed, 10) for c in conns), return_exceptions=True)


def ping_all(conns: list[WsConn]) -> list[asyncio.Future[str]]:
    futures = []
    for conn in conns:
        futures.append(expect(conn, "pong"))
        conn.send(envelope("ping", 2, {}))
    return futures


async def capacity(server: ServerProcess, members: list[Member]) -> tuple[list[WsConn], dict]:
    """Connect and join everyone; RSS per connection; every socket answers a ping."""
    rss0 = server.rss_bytes()
    t0 = time.perf_counter()
    conns = await gather_limited([connect_ours(server.port, m) for m in members])
    seconds = time.perf_counter() - t0
    await asyncio.sleep(2)
    rss1 = server.rss_bytes()
    pongs = await asyncio.wait_for(asyncio.gather(*ping_all(conns)), 60)
    return conns, {
        "connections": len(conns),
        "alive": len(pongs),
        "connect_seconds": round(seconds, 1),
        "rss_before_mb": round(rss0 / 2**20, 1),
        "rss_after_mb": round(rss1 / 2**20, 1),
        "kb_per_connection": round((rss1 - rss0) / len(conns) / 1024, 1),
    }


async def join_latency(
    port: int, pairs: list[tuple[Member, Member, str]]
) -> list[tuple[float, float, float]]:
    """Per sample (ms): REST join; then socket connected; then `join_room` until the peer's
    `user_joined`. The total is the join latency of the issue. The REST join goes through a
    lean keep-alive client (`httpclient`): httpx's own cost would be measured as latency."""
    samples = []
    http = HttpConn(HOST, port)
    try:
        for host, joiner, number in pairs:
            samples.append(await _join_sample(http, port, host, joiner, number))
    finally:
        await http.aclose()
    return samples


async def _join_sample(
    http: HttpConn, port: int, host: Member, joiner: Member, number: str
) -> tuple[float, float, float]:
    peer = await connect_ours(port, host)
    arrived = expect(peer, "user_joined")
    t0 = time.perf_counter()
    await http.post(f"/v1/meetings/{number}/join", joiner.token)
    t1 = time.perf_counter()
    connected: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    state = {"waiters": {"connected": connected}, "room_id": joiner.room_id}
    path = f"/v1/ws?access_token={joiner.token}"
    conn = await WsConn.connect(HOST, port, path, on_message, state=state)
    await asyncio.wait_for(connected, 30)
    t2 = time.perf_counter()
    conn.send(envelope("join_room", 1, {"room_id": joiner.room_id}))
    await asyncio.wait_for(arrived, 30)
    t3 = time.perf_counter()
    await close_all([peer, conn])
    return (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000


def summarize_join(samples: list[tuple[float, float, float]]) -> dict[str, Any]:
    """The total's percentiles, and the p50 of each step."""
    out = summarize([sum(s) for s in samples])
    for i, step in enumerate(("rest_join_p50", "ws_connect_p50", "join_room_p50")):
        out[step] = round(percentile(sorted(s[i] for s in samples), 0.5), 2)
    return out


async def join_latency_under_load(
    port: int,
    pairs: list[tuple[Member, Member, str]],
    senders: list[WsConn],
    rate: float,
) -> tuple[list[tuple[float, float, float]], int]:
    stop = asyncio.Event()
    load = asyncio.create_task(background_load(senders, rate, stop))
    await asyncio.sleep(1.0)
    try:
        samples = await join_latency(port, pairs)
    finally:
        stop.set()
        sent = await load
    return samples, sent


async def rtc_open_times(port: int, rest: Rest, tries: int) -> list[float]:
    """Offer -> both aiortc data channels open, signaling only through our socket (ms)."""
    from tests.ws.rtc_peer import SignalingPeer

    alice, bob = await rest.register("alice"), await rest.register("bob")
    room_id, number = await rest.create_meeting(alice, 2)
    for member in (alice, bob):
        await rest.join(member, number)
    times = []
    url = f"ws://{HOST}:{port}/v1/ws?access_token="
    async with websockets.connect(url + alice.token) as a, websockets.connect(url + bob.token) as b:
        for ws in (a, b):
            await ws.recv()  # connected
            await ws.send(envelope("join_room", 1, {"room_id": room_id}))
        for _ in range(tries):
            caller = SignalingPeer(sender(a), room_id, bob.user_id)
            callee = SignalingPeer(sender(b), room_id, alice.user_id)
            pumps = [asyncio.create_task(_pump(a, caller)), asyncio.create_task(_pump(b, callee))]
            t0 = time.perf_counter()
            await caller.call()
            await asyncio.wait_for(asyncio.gather(caller.opened.wait(), callee.opened.wait()), 30)
            times.append((time.perf_counter() - t0) * 1000)
            for task in pumps:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await caller.close()
            await callee.close()
    return times


def sender(ws: Any) -> Callable[[str, dict], Awaitable[None]]:
    """`send(type, data)` over a websockets connection (for `SignalingPeer`)."""
    seq = {"n": 10}

    async def send(type_: str, data: dict) -> None:
        seq["n"] += 1
        await ws.send(envelope(type_, seq["n"], data))

    return send


async def _pump(ws: Any, peer: Any) -> None:
    import json

    async for raw in ws:
        frame = json.loads(raw)
        if frame["type"] in ("webrtc_offer", "webrtc_answer", "ice_candidate"):
            await peer.handle(frame)


async def churn(server: ServerProcess, rooms: list[list[Member]], cycles: int) -> list[float]:
    """Connect and close the same sockets `cycles` times; server RSS (MB) after each cycle."""
    members = [m for room in rooms for m in room]
    rss = []
    for _ in range(cycles):
        conns = await gather_limited([connect_ours(server.port, m) for m in members])
        await close_all(conns)
        await asyncio.sleep(1.5)
        rss.append(round(server.rss_bytes() / 2**20, 1))
    return rss


def summarize(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50": round(percentile(ordered, 0.5), 2),
        "p99": round(percentile(ordered, 0.99), 2),
        "max": round(ordered[-1], 2) if ordered else float("nan"),
        "mean": round(statistics.fmean(ordered), 2) if ordered else float("nan"),
    }
