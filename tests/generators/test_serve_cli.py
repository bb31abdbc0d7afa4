"""`contractkit serve` as a real process on a real port."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.generators.project import CLI, ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    cmd = [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(
        [*cmd, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise AssertionError(f"serve exited with {proc.returncode}:\n{out}")
            try:
                httpx.get(f"{url}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def test_serve_stubs_answers_501_in_the_contract_format() -> None:
    with serving("--stubs") as url:
        r = httpx.get(f"{url}/health", timeout=10)
        assert r.status_code == 501
        assert r.json()["code"] == 50101
        assert httpx.get(f"{url}/ui/", timeout=10).status_code == 200


def test_serve_configured_app(tmp_path: Path) -> None:
    env = {"CONTRACTKIT_GC_TUNING": "false", "DATABASE_URL": ""}
    with serving("--data-dir", str(tmp_path / "data"), env=env) as url:
        r = httpx.get(f"{url}/health", timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["code"] == 0
        assert httpx.get(f"{url}/ui/", timeout=10).status_code == 200
        assert httpx.get(f"{url}/nope", timeout=10).json()["code"] == 40404


def test_serve_refuses_an_unknown_uvicorn_option(tmp_path: Path) -> None:
    config = (ROOT / "contractkit.yaml").read_text(encoding="utf-8")
    config = config.replace("  uvicorn:", "  uvicorn:\n    ws_max_sise: 10", 1)
    for part in ("contracts",):
        (tmp_path / part).symlink_to(ROOT / part)
    (tmp_path / "contractkit.yaml").write_text(config, encoding="utf-8")
    result = subprocess.run(
        [*CLI, "serve", "--config", str(tmp_path / "contractkit.yaml"), "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    message = " ".join(result.stderr.split())  # rich wraps long lines
    assert "unknown uvicorn option 'ws_max_sise' (did you mean 'ws_max_size'?)" in message
