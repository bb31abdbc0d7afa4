"""The AI operations under load, over real HTTP: saturation answers 429/42902 with
`Retry-After`, a request past `timeout_seconds` answers 503/50302, and `GET /health` keeps
answering while 8 recognitions run at once.

The server's own `AIService.stats()` (the server runs in this process) tells when its
capacity is full, so the 429 does not depend on how fast anything runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ServerFactory, register_user

from .helpers import pcm_b64, require_ai
from .live_ai import PATHS, contract, speech, speech_wav, start_ai_server
from .test_asr import SENTENCES

pytestmark = [pytest.mark.ai, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

#: fail-safe for the polling loops below (never an assertion about speed)
WAIT_LIMIT = 300.0


@pytest.fixture(scope="module")
def load_server(start_server: ServerFactory) -> Iterator[Any]:
    """1 worker + 7 waiting: 8 requests in flight at most, the 9th is refused."""
    require_ai()
    server = start_ai_server(start_server, workers=1, queue_depth=7)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(load_server: Any) -> str:
    """A registered user's access token on `load_server`."""
    with load_server.client() as client:
        return register_user(client).access_token


def client_of(server: Any) -> httpx.AsyncClient:
    """An async client on `server`'s API with a generous timeout."""
    return httpx.AsyncClient(base_url=server.api_url, timeout=WAIT_LIMIT)


def stats(server: Any) -> dict[str, Any]:
    """The live server's AI queue figures."""
    result: dict[str, Any] = server.app.state.services.ai.service.stats()
    return result


async def wait_until(server: Any, predicate: Any) -> None:
    """Poll `stats()` until `predicate(stats)` holds."""
    deadline = time.monotonic() + WAIT_LIMIT
    while not predicate(stats(server)):
        assert time.monotonic() < deadline, f"stuck at {stats(server)}"
        await asyncio.sleep(0.02)


@pytest.mark.timeout(900)
async def test_saturation_is_429_with_retry_after(load_server: Any, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    long_job = speech_wav(SENTENCES[3], seconds=7.5)  # seconds of work for the one worker
    short = {
        "audio_data": pcm_b64(speech(SENTENCES[5])),
        "audio_format": "pcm",
        "sample_rate": 16000,
    }
    path = PATHS["recognize_speech"]
    async with client_of(load_server) as client:
        first = asyncio.ensure_future(client.post(path, json=long_job, headers=headers))
        await wait_until(load_server, lambda s: s["running"] == 1)
        queued = [
            asyncio.ensure_future(client.post(path, json=short, headers=headers)) for _ in range(7)
        ]
        await wait_until(load_server, lambda s: s["inflight"] == 8)
        refused = [await client.post(path, json=short, headers=headers) for _ in range(3)]
        accepted = await asyncio.gather(first, *queued)
    for response in refused:
        body = contract().check("recognize_speech", response, 429)
        assert body == {
            "code": 42902,
            "message": "AI 服务繁忙，请稍后再试",  # noqa: RUF001 (the contract's text)
            "details": {"inflight": 8, "capacity": 8},
        }
        assert 1 <= int(response.headers["retry-after"]) <= 60
    for response in accepted:
        assert contract().check("recognize_speech", response, 200)["data"]["transcript"]
    assert stats(load_server)["inflight"] == 0


@pytest.mark.timeout(900)
async def test_health_answers_while_8_recognitions_run(load_server: Any, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    jobs = [speech_wav(sentence, seconds=4.0) for sentence in SENTENCES[:8]]
    health_codes: list[int] = []
    while_busy = 0
    async with (
        client_of(load_server) as ai_client,
        client_of(load_server) as health,
    ):
        recognitions = asyncio.gather(
            *(ai_client.post(PATHS["recognize_speech"], json=job, headers=headers) for job in jobs)
        )
        await wait_until(load_server, lambda s: s["inflight"] == 8)
        while not recognitions.done():
            busy = stats(load_server)["running"] > 0
            response = await health.get("/health")
            health_codes.append(response.status_code)
            assert response.json()["data"]["status"] == "ok"
            while_busy += busy and stats(load_server)["running"] > 0
            await asyncio.sleep(0.05)
        results = await recognitions
    assert set(health_codes) == {200}
    assert while_busy >= 5, f"only {while_busy} health checks overlapped a recognition"
    for response in results:
        assert contract().check("recognize_speech", response, 200)["data"]["transcript"]


@pytest.mark.timeout(600)
def test_past_the_timeout_is_503(start_server: ServerFactory) -> None:
    """`timeout_seconds` of 10 ms: no recognition (let alone a worker start) fits in it."""
    require_ai()
    server = start_ai_server(start_server, workers=1, queue_depth=1, timeout_seconds=0.01)
    try:
        with server.client() as client:
            headers = {"Authorization": f"Bearer {register_user(client).access_token}"}
            body = {
                "audio_data": pcm_b64(speech(SENTENCES[1])),
                "audio_format": "pcm",
                "sample_rate": 16000,
            }
            response = client.post(PATHS["recognize_speech"], json=body, headers=headers)
            answer = contract().check("recognize_speech", response, 503)
            assert answer == {
                "code": 50302,
                "message": "AI 处理超时",
                "details": {"timeout_seconds": 0.01},
            }
            assert client.get("/health").status_code == 200
    finally:
        server.stop()  # waits for the abandoned job, which keeps its worker until it ends
