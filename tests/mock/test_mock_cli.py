"""`contractkit mock` as a user runs it: a real subprocess on a free port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner
from websockets.sync.client import connect

from cli.main import app
from tests.mock.mock_support import ROOT

EXE = Path(sys.executable).parent / "contractkit"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_serves_rest_and_ws(tmp_path: Path) -> None:
    port = _free_port()
    log = (tmp_path / "mock.log").open("w")
    proc = subprocess.Popen(
        [str(EXE), "mock", "--port", str(port), "--dynamic"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    try:
        url = f"http://127.0.0.1:{port}/v1/health"
        deadline = time.monotonic() + 20
        while True:
            try:
                resp = httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, (tmp_path / "mock.log").read_text()
                assert time.monotonic() < deadline, "mock did not start"
                time.sleep(0.1)
        assert resp.status_code == 200 and resp.json()["code"] == 0
        with connect(f"ws://127.0.0.1:{port}/v1/ws?access_token=t") as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "connected"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
    output = (tmp_path / "mock.log").read_text()
    assert f"GET    http://127.0.0.1:{port}/v1/health" in output
    assert "(dynamic)" in output


def test_cli_reports_unloadable_contracts(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = CliRunner().invoke(
        app, ["mock", "--openapi", str(missing), "--asyncapi", str(missing)]
    )
    assert result.exit_code == 2
    assert "CK001" in result.output


def test_cli_help_lists_the_options() -> None:
    result = CliRunner().invoke(app, ["mock", "--help"])
    assert result.exit_code == 0
    for option in ("--port", "--host", "--dynamic", "--config", "--openapi", "--asyncapi"):
        assert option in result.output


def test_contract_paths_from_config_and_flags(tmp_path: Path) -> None:
    from cli.mock import contract_paths

    cfg = tmp_path / "contractkit.yaml"
    cfg.write_text(
        "version: 1\ncontracts:\n"
        f"  openapi: {ROOT}/contracts/meeting.openapi.yaml\n"
        f"  asyncapi: {ROOT}/contracts/meeting.asyncapi.yaml\n"
        "targets:\n  anything: {output: out}\n",
        encoding="utf-8",
    )
    oas, aas, root = contract_paths(cfg, None, None)
    assert (oas.name, aas.name, root) == (
        "meeting.openapi.yaml",
        "meeting.asyncapi.yaml",
        tmp_path.resolve(),
    )
    other = tmp_path / "other.yaml"
    assert contract_paths(cfg, other, None)[0] == other


def test_cli_reports_a_bad_config(tmp_path: Path) -> None:
    cfg = tmp_path / "contractkit.yaml"
    cfg.write_text("version: 1\ncontracts: {openapi: a.yaml}\ntargets: {}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["mock", "--config", str(cfg)])
    assert result.exit_code == 2
    assert "CFG002" in result.output
