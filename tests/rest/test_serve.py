"""`contractkit serve` (what `make serve`, the README's first command, runs) starts the service
on embedded SQLite with the migrations applied; a restart keeps the data."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CONTRACTKIT_DATA_DIR=str(data_dir), CONTRACTKIT_BCRYPT_ROUNDS="4")
    command = [str(Path(sys.executable).parent / "contractkit"), "serve", "--port", str(port)]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_up(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"contractkit serve exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("contractkit serve did not answer within 60 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("contractkit serve ignored SIGINT")


@pytest.mark.timeout(300)
def test_contractkit_serve_on_embedded_sqlite(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    port = _free_port()
    base = f"http://127.0.0.1:{port}/v1"
    log = tmp_path / "serve.log"
    proc = _serve(data_dir, port, log)
    try:
        _wait_up(proc, base, log)
        body = {"email": "user@example.com", "password": "Password123", "nickname": "张三"}
        assert httpx.post(f"{base}/auth/register", json=body).status_code == 201
        assert httpx.get(f"{base}/ui/").status_code == 200
    finally:
        _stop(proc)
    database = data_dir / "contractkit.db"
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1
    proc = _serve(data_dir, port, log)
    try:
        _wait_up(proc, base, log)
        login = {"email": "user@example.com", "password": "Password123"}
        assert httpx.post(f"{base}/auth/login", json=login).status_code == 200
    finally:
        _stop(proc)
