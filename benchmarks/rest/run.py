"""REST benchmark, in one run: throughput and latency of the served API against a bare
Starlette baseline, Connexion's per-request overhead, and health latency under logins.

    .venv/bin/python -m benchmarks.rest.run [--duration 6] [--rounds 3] [--connections 16]
        [--database-url postgresql://...] [--out benchmarks/rest/results]

- Each comparison alternates our endpoint and the bare one, `rounds` windows each (after a
  warm-up of each), and compares the medians: background load then hits both sides alike.

- One uvicorn worker pinned to core 0 (`taskset -c 0`), `wrk` pinned to core 1, production
  settings: response validation on, no Swagger UI router, GC tuned after start-up, sized pool,
  bcrypt cost 12. The bare endpoints live in the same process (`benchmarks/rest/app.py`), so
  both sides share the pool, the GC tuning and the database.
- Endpoints: authenticated `GET /v1/users/me`, and `POST /v1/meetings/{number}/join` where
  every request is a first join into another meeting (token check, meeting read, a write
  transaction locking the meeting row: capacity count, participant insert, waiting -> active,
  then the detail read). The meetings are bulk-inserted before the run; the wrk script walks
  through their numbers (a separate set for each side and for each warm-up).
- The login rate limit is raised for the benchmark (50 concurrent logins from one IP would
  otherwise be 45 answers of 429 that never reach bcrypt).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from benchmarks.rest.overhead import measure as measure_overhead
from server_impl.db.engine import Database, create_engine
from server_impl.db.models import Meeting
from server_impl.services.common import new_id
from server_impl.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SERVER_CORE = "0"
CLIENT_CORE = "1"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    port: int, data_dir: Path, database_url: str | None, schema: str | None
) -> subprocess.Popen[bytes]:
    """The benchmark app under uvicorn, one worker, pinned to SERVER_CORE."""
    env = {
        **os.environ,
        "CONTRACTKIT_DATA_DIR": str(data_dir),
        "CONTRACTKIT_VALIDATE_RESPONSES": "1",
        "CONTRACTKIT_SWAGGER_UI": "0",
        "CONTRACTKIT_GC_TUNING": "1",
        "CONTRACTKIT_LOGIN_RATE_LIMIT": "100000",
        "CONTRACTKIT_REGISTER_RATE_LIMIT": "100000",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
        env["CONTRACTKIT_DATABASE_SCHEMA"] = schema or ""
    command = [
        "taskset", "-c", SERVER_CORE, sys.executable, "-m", "uvicorn", "--factory",
        "benchmarks.rest.app:create", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("benchmark server did not start")


def seed(base: str) -> dict[str, Any]:
    """The benchmark user (registered through the API) and its token."""
    password = "BenchPass123"
    with httpx.Client(base_url=base, timeout=60) as client:
        reg = client.post(
            "/auth/register",
            json={"email": "bench@example.com", "password": password, "nickname": "基准"},
        ).json()["data"]
    return {"token": reg["tokens"]["access_token"], "user_id": reg["user"]["id"],
            "email": "bench@example.com", "password": password}  # fmt: skip


async def create_meetings(settings: Settings, creator_id: str, count: int) -> list[str]:
    """Insert `count` waiting meetings owned by `creator_id`; return their numbers."""
    numbers = [f"{n:09d}" for n in random.sample(range(10**9), count)]
    now = datetime.now(UTC)
    rows = [
        {"id": new_id("meeting"), "meeting_number": n, "live_number": n, "title": "bench",
         "creator_id": creator_id, "status": "waiting", "max_participants": 4,
         "password_hash": None, "started_at": None, "ended_at": None, "created_at": now}
        for n in numbers
    ]  # fmt: skip
    db = Database(create_engine(settings))
    try:
        async with db.write() as session:
            await session.execute(insert(Meeting), rows)
    finally:
        await db.dispose()
    return numbers


def join_script(directory: Path, name: str, prefix: str, token: str, numbers: list[str]) -> Path:
    """A wrk script POSTing `{prefix}/meetings/<next number>/join`."""
    table = ",".join(f'"{n}"' for n in numbers)
    lines = [
        f"local numbers = {{{table}}}",
        "local i = 0",
        f'local headers = {{["Authorization"] = "Bearer {token}", '
        '["Content-Type"] = "application/json"}',
        "request = function()",
        "  i = i + 1",
        f'  local path = "{prefix}/meetings/" .. numbers[i] .. "/join"',
        '  return wrk.format("POST", path, headers, "{}")',
        "end",
    ]
    path = directory / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lua_script(directory: Path, name: str, method: str, token: str, body: str | None) -> Path:
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Authorization"] = "Bearer {token}"']
    if body is not None:
        lines += [f"wrk.body = '{body}'", 'wrk.headers["Content-Type"] = "application/json"']
    path = directory / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def parse_wrk(output: str) -> dict[str, float]:
    """requests/s, p50/p99 latency (ms), and error counts from `wrk --latency`."""
    result: dict[str, float] = {}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result["rps"] = float(rps.group(1)) if rps else 0.0
    for pct in ("50", "99"):
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if match:
            result[f"p{pct}_ms"] = round(float(match.group(1)) * _UNITS[match.group(2)], 3)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx"] = float(non2xx.group(1)) if non2xx else 0.0
    errors = re.search(r"Socket errors: (.*)", output)
    result["socket_errors"] = (
        float(sum(int(n) for n in re.findall(r"\d+", errors.group(1)))) if errors else 0.0
    )
    return result


def wrk(url: str, script: Path | None, duration: int, connections: int) -> dict[str, float]:
    command = ["taskset", "-c", CLIENT_CORE, "wrk", "-t", "1", "-c", str(connections),
               "-d", f"{duration}s", "--latency"]  # fmt: skip
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def measure_pair(targets: list[tuple[str, Path]], args: argparse.Namespace) -> dict[str, Any]:
    """Warm both sides, then alternate ours/bare `rounds` times; compare the medians.

    `targets` alternates ours (even) and bare (odd), one (url, script) per window, so that
    changing background load hits both sides alike.
    """
    wrk(*targets[0], 2, args.connections)
    wrk(*targets[1], 2, args.connections)
    runs: dict[str, list[dict[str, float]]] = {"connexion": [], "bare": []}
    for i, target in enumerate(targets[2:]):
        side = "connexion" if i % 2 == 0 else "bare"
        runs[side].append(wrk(*target, args.duration, args.connections))
    out: dict[str, Any] = {"runs": runs}
    for side, samples in runs.items():
        out[side] = {
            key: statistics.median(sample[key] for sample in samples)
            for key in ("rps", "p50_ms", "p99_ms", "non_2xx", "socket_errors")
        }
    bare_rps = out["bare"]["rps"]
    out["ratio"] = round(out["connexion"]["rps"] / bare_rps, 3) if bare_rps else None
    return out


async def logins_during_health(base: str, creds: dict[str, Any], duration: int) -> dict[str, Any]:
    """`GET /health` p99 (wrk, in the background) while 50 logins run at once."""
    health = subprocess.Popen(
        ["taskset", "-c", CLIENT_CORE, "wrk", "-t", "1", "-c", "4", "-d", f"{duration}s",
         "--latency", f"{base}/health"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    await asyncio.sleep(1)
    body = {"email": creds["email"], "password": creds["password"]}
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        start = time.perf_counter()
        responses = await asyncio.gather(
            *(client.post("/auth/login", json=body) for _ in range(50))
        )
        logins_s = time.perf_counter() - start
    out, _ = health.communicate()
    codes = sorted({r.status_code for r in responses})
    return {"health": parse_wrk(out), "logins": 50, "login_statuses": codes,
            "logins_wall_s": round(logins_s, 2)}  # fmt: skip


async def _drop_schema(url: str, schema: str) -> None:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make sysdeps)")
    data_dir = Path(tempfile.mkdtemp(prefix="ck-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    schema = f"ck_bench_{os.getpid()}" if args.database_url else None
    server = start_server(port, data_dir, args.database_url, schema)
    results: dict[str, Any] = {
        "window_s": args.duration,
        "rounds": args.rounds,
        "connections": args.connections,
        "database": "postgresql" if args.database_url else "sqlite",
        "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
    }
    try:
        creds = seed(base + "/v1")
        scripts = Path(tempfile.mkdtemp(prefix="ck-wrk-"))
        token = creds["token"]
        me = lua_script(scripts, "me", "GET", token, None)
        settings = Settings.from_env(
            {"CONTRACTKIT_DATA_DIR": str(data_dir), "DATABASE_URL": args.database_url or "",
             "CONTRACTKIT_DATABASE_SCHEMA": schema or ""}
        )  # fmt: skip
        per_run = args.meetings_per_run
        windows = 2 * (args.rounds + 1)  # a warm-up, then `rounds`, for each side
        numbers = asyncio.run(create_meetings(settings, creds["user_id"], windows * per_run))
        joins = [
            (base, join_script(scripts, f"join{i}", ("/v1", "/bare")[i % 2], token,
                               numbers[i * per_run : (i + 1) * per_run]))
            for i in range(windows)
        ]  # fmt: skip
        me_targets = [(f"{base}{('/v1', '/bare')[i % 2]}/users/me", me) for i in range(windows)]
        for name, targets in (("users_me", me_targets), ("join", joins)):
            results[name] = measure_pair(targets, args)
        results["health_under_logins"] = asyncio.run(
            logins_during_health(base + "/v1", creds, args.login_window)
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
        if schema:
            asyncio.run(_drop_schema(args.database_url, schema))
    results["loadavg_after"] = os.getloadavg()
    samples = [asyncio.run(measure_overhead(args.overhead_requests)) for _ in range(3)]
    results["connexion_overhead_in_process"] = {
        "runs": samples,
        "overhead_median_us": statistics.median(s["overhead_median_us"] for s in samples),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=6, help="seconds per wrk window")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--login-window", type=int, default=10)
    parser.add_argument("--overhead-requests", type=int, default=15_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--meetings-per-run", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating windows per side")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "rest" / "results")
    args = parser.parse_args()
    results = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"rest-{results['database']}.json"
    (args.out / name).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
