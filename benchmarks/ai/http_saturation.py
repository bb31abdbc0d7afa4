"""Requests/s at saturation over HTTP: the real app (`uvicorn --factory
server_impl.app:create_app`) in a subprocess, its AI workers started in the background,
`capacity` requests in flight at once from an httpx client in this process.

Used by `run.py --http`; compare with the in-process `AIService` figures to see what
the HTTP layer (JSON, base64 in the body, validation, auth) costs per request.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PATHS = {
    "recognize": "/ai/speech/recognize",
    "detect_emotion": "/ai/emotion/detect",
    "enhance denoise": "/ai/audio/enhance",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(workers: int) -> Iterator[str]:
    """The app on a free port with `workers` AI workers (queue depth = workers); its API URL."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            CONTRACTKIT_DATA_DIR=data_dir,
            CONTRACTKIT_BCRYPT_ROUNDS="4",
            CONTRACTKIT_AI_WORKERS=str(workers),
            CONTRACTKIT_AI_QUEUE_DEPTH=str(workers),
            CONTRACTKIT_AI_TIMEOUT_SECONDS="300",
            CONTRACTKIT_AI_START="background",
        )
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "server_impl.app:create_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        proc = subprocess.Popen(command, cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{port}/v1"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def _token(base: str) -> str:
    body = {
        "email": f"bench-{secrets.token_hex(6)}@example.com",
        "password": "Bench" + secrets.token_hex(6) + "9",
        "nickname": "bench",
    }
    response = httpx.post(f"{base}/auth/register", json=body, timeout=30)
    response.raise_for_status()
    token: str = response.json()["data"]["tokens"]["access_token"]
    return token


async def _measure(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], requests: int, capacity: int
) -> dict[str, float]:
    sem = asyncio.Semaphore(capacity)
    latencies: list[float] = []

    async def one() -> None:
        async with sem:
            t = time.perf_counter()
            response = await client.post(path, json=body)
            response.raise_for_status()  # never a 429: at most `capacity` in flight
            latencies.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(requests)))
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    return {
        "requests_per_s": requests / wall,
        "p50_s": lat[len(lat) // 2],
        "p95_s": lat[min(len(lat) - 1, int(0.95 * len(lat)))],
    }


def saturate_http(
    workers: int, requests: int, wav_b64: str, seconds: float
) -> dict[str, dict[str, float]]:
    """Per operation: req/s, audio-s/s, p50/p95 latency over HTTP at saturation."""
    wav = {"audio_data": wav_b64, "audio_format": "wav"}
    bodies = {
        "recognize": wav,
        "detect_emotion": wav,
        "enhance denoise": {**wav, "enhancement_type": "denoise"},
    }
    results: dict[str, dict[str, float]] = {}
    with running_server(workers) as base:
        headers = {"Authorization": f"Bearer {_token(base)}"}

        async def run() -> None:
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
                # the first request waits for the background start: not measured
                (await client.post(PATHS["recognize"], json=wav)).raise_for_status()
                for name, body in bodies.items():
                    row = await _measure(client, PATHS[name], body, requests, 2 * workers)
                    row["audio_s_per_s"] = row["requests_per_s"] * seconds
                    results[name] = row
                    print(
                        f"  {name:16s} {row['requests_per_s']:6.2f} req/s   "
                        f"{row['audio_s_per_s']:6.1f} audio-s/s   p50 {row['p50_s']:.2f} s   "
                        f"p95 {row['p95_s']:.2f} s   (HTTP, {requests} x {seconds:.0f} s clips)"
                    )

        print(f"\nHTTP (uvicorn + Connexion), {workers} worker(s):")
        asyncio.run(run())
    return results
