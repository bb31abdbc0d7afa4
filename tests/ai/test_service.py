"""AIService plumbing: back-pressure (429), timeouts (503), failures (422), missing deps."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from server_impl.ai import AIService

from .helpers import pcm_b64, require_ai, wav_b64

pytestmark = pytest.mark.ai
ROOT = Path(__file__).resolve().parents[2]


def _speechless(seconds: float = 1.0, rate: int = 16000) -> dict:
    import numpy as np

    rng = np.random.default_rng(3)
    x = (0.05 * rng.standard_normal(round(seconds * rate))).astype(np.float32)
    return {"audio_data": pcm_b64(x), "audio_format": "pcm", "sample_rate": rate}


@pytest.mark.timeout(600)  # slow under a loaded machine; budget ~60 s idle
async def test_saturation_is_429_with_retry_after(ai_service: AIService) -> None:
    from server_impl.ai import AIError

    req = _speechless(2.0)
    n = ai_service.capacity + 3
    results = await asyncio.gather(
        *(ai_service.recognize(req) for _ in range(n)), return_exceptions=True
    )
    ok = [r for r in results if isinstance(r, dict)]
    busy = [r for r in results if isinstance(r, AIError)]
    assert len(ok) == ai_service.capacity
    assert len(busy) == 3
    for err in busy:
        assert (err.status, err.code, err.message) == (429, 42902, "AI 服务繁忙，请稍后再试")  # noqa: RUF001
        assert isinstance(err.retry_after, int) and 1 <= err.retry_after <= 60
    stats = ai_service.stats()
    assert stats["inflight"] == stats["running"] == stats["waiting"] == 0
    # capacity is free again afterwards
    assert "transcript" in await ai_service.recognize(req)


async def test_decode_errors_never_reach_the_pool(ai_service: AIService) -> None:
    from server_impl.ai import AIError

    before = ai_service.stats()["completed"]
    bad: list[dict[str, Any]] = [
        {"audio_data": "%%%", "audio_format": "pcm", "sample_rate": 16000},
        {"audio_data": "", "audio_format": "wav"},
        {"audio_data": pcm_b64(__import__("numpy").zeros(3, "float32")), "audio_format": "pcm"},
        {"audio_format": "wav"},
    ]
    codes = []
    for req in bad:
        with pytest.raises(AIError) as info:
            await ai_service.recognize(req)
        codes.append(info.value.code)
    assert codes == [40006, 40007, 40004, 40003]
    assert ai_service.stats()["completed"] == before
    assert ai_service.stats()["inflight"] == 0


async def test_request_dataclasses_are_accepted(ai_service: AIService) -> None:
    from server_impl.ai import EmotionRequest, EnhanceRequest, RecognizeRequest

    base = _speechless(0.5)
    rec = await ai_service.recognize(RecognizeRequest(**base, language="en"))
    assert rec["language"] == "en-US"
    emo = await ai_service.detect_emotion(EmotionRequest(**base))
    assert emo["duration_ms"] == 500
    enh = await ai_service.enhance(EnhanceRequest(**base, enhancement_type="highpass"))
    assert enh["sample_rate"] == 16000


async def test_engine_failure_is_422(ai_service: AIService) -> None:
    from server_impl.ai import AIError, worker

    with pytest.raises(AIError) as info:
        await ai_service._submit(worker.run_recognize, None, "en-US", None)  # not a Clip
    assert (info.value.status, info.value.code, info.value.message) == (422, 42201, "AI 处理失败")
    assert "AttributeError" in (info.value.details or {})["reason"]
    assert ai_service.stats()["inflight"] == 0


@pytest.mark.timeout(600)  # slow under a loaded machine; budget ~60 s idle
def test_timeout_is_503_and_running_work_keeps_its_slot() -> None:
    require_ai()
    from server_impl.ai import AIConfig, AIError, AIService

    async def scenario() -> None:
        service = AIService(AIConfig(workers=1, queue_depth=1, timeout_seconds=0.3))
        await service.start()
        try:
            long_req = {
                "audio_data": wav_b64(
                    __import__("numpy").zeros(16000 * 20, "float32") + 0.01, 16000
                ),
                "audio_format": "wav",
            }
            first = asyncio.ensure_future(service.detect_emotion(long_req))
            await asyncio.sleep(0)  # `first` now runs in the worker
            with pytest.raises(AIError) as queued:
                await service.recognize(_speechless(0.2))  # waits behind it, then times out
            with pytest.raises(AIError) as running:
                await first
            for info in (queued, running):
                assert (info.value.status, info.value.code) == (503, 50302)
                assert info.value.message == "AI 处理超时"
                assert info.value.details == {"timeout_seconds": 0.3}
            # the queued request was cancelled; the running one still holds its slot
            assert service.stats()["inflight"] == 1
            deadline = time.monotonic() + 60
            while service.stats()["inflight"] and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert service.stats()["inflight"] == 0
        finally:
            await service.close()

    asyncio.run(scenario())


def test_unavailable_without_heavy_packages() -> None:
    """With numpy & co. unimportable, the module imports and every call answers 50301."""
    script = textwrap.dedent(
        """
        import asyncio, importlib.abc, sys

        BLOCKED = {"numpy", "scipy", "soxr", "soundfile", "pocketsphinx", "pyrnnoise", "torch"}

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ModuleNotFoundError(name)
                return None

        sys.meta_path.insert(0, Block())
        import importlib.util
        real_find_spec = importlib.util.find_spec
        importlib.util.find_spec = (
            lambda name, *a: None if name.split(".")[0] in BLOCKED else real_find_spec(name, *a))

        from server_impl.ai import AIError, AIService

        async def main():
            service = AIService()
            await service.start()  # only logs a warning
            req = {"audio_data": "AAAA", "audio_format": "pcm", "sample_rate": 16000}
            for call in (service.recognize, service.detect_emotion,
                         lambda r: service.enhance({**r, "enhancement_type": "normalize"})):
                try:
                    await call(req)
                except AIError as exc:
                    print(exc.status, exc.code, sorted(exc.details["missing_packages"]))
            assert "numpy" not in sys.modules

        asyncio.run(main())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("503 50301 [") for line in lines)
    assert "'numpy'" in lines[0] and "'pocketsphinx'" in lines[0]


def test_config_from_env() -> None:
    from server_impl.ai import AIConfig

    cfg = AIConfig.from_env(
        {
            "CONTRACTKIT_AI_MODEL_DIR": "/srv/models",
            "CONTRACTKIT_AI_WORKERS": "2",
            "CONTRACTKIT_AI_QUEUE_DEPTH": "8",
            "CONTRACTKIT_AI_TIMEOUT_SECONDS": "12.5",
            "CONTRACTKIT_AI_MAX_SECONDS": "30",
            "CONTRACTKIT_AI_EMOTION_TEXT": "off",
        }
    )
    assert cfg.model_dir == Path("/srv/models")
    assert (cfg.workers, cfg.queue_depth, cfg.timeout_seconds, cfg.max_seconds) == (2, 8, 12.5, 30)
    assert cfg.emotion_text is False
    assert AIConfig().workers in (1, 2)
    with pytest.raises(ValueError):
        AIConfig(workers=0)


def test_errors_pickle_and_render() -> None:
    import pickle

    from server_impl.ai.errors import AIError, AudioError, EngineUnavailable

    for err in (
        AudioError(40009, reason="x"),
        EngineUnavailable("no zh", available_languages=["en-US"]),
        AIError(42902, retry_after=3),
    ):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err)
        assert (back.code, back.message, back.status, back.details, back.retry_after) == (
            err.code,
            err.message,
            err.status,
            err.details,
            err.retry_after,
        )
    assert AudioError(40007).to_dict() == {"code": 40007, "message": "音频数据为空"}


@pytest.mark.timeout(600)  # slow under a loaded machine; budget ~60 s idle
def test_worker_death_is_422_and_the_pool_recovers() -> None:
    require_ai()
    import os
    import signal

    import numpy as np

    from server_impl.ai import AIConfig, AIError, AIService

    async def scenario() -> None:
        service = AIService(AIConfig(workers=1, queue_depth=1, timeout_seconds=60))
        await service.start()
        try:
            pool = service._pool
            assert pool is not None
            pids = list(pool._processes)
            noise = (0.05 * np.random.default_rng(0).standard_normal(16000 * 20)).astype(np.float32)
            job = asyncio.ensure_future(
                service.detect_emotion({"audio_data": wav_b64(noise, 16000), "audio_format": "wav"})
            )
            await asyncio.sleep(0.5)  # the worker is busy with it
            os.kill(pids[0], signal.SIGKILL)
            with pytest.raises(AIError) as info:
                await job
            assert (info.value.status, info.value.code) == (422, 42201)
            assert service.stats()["inflight"] == service.stats()["running"] == 0
            res = await service.recognize(_speechless(0.3))  # a new pool is started
            assert res["language"] == "en-US"
            assert service._pool is not pool
        finally:
            await service.close()

    asyncio.run(scenario())


async def test_cancelled_callers_do_not_leak_slots(ai_service: AIService) -> None:
    reqs = [_speechless(1.0) for _ in range(ai_service.capacity)]
    tasks = [asyncio.ensure_future(ai_service.recognize(r)) for r in reqs]
    await asyncio.sleep(0.05)
    for t in tasks:  # waiting and running callers alike (client disconnects)
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    deadline = time.monotonic() + 60
    while ai_service.stats()["inflight"] and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stats = ai_service.stats()
    assert stats["inflight"] == stats["running"] == stats["waiting"] == 0
    assert "transcript" in await ai_service.recognize(_speechless(0.3))
