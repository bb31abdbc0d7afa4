"""Helpers for the AI suite: speech made at test time with espeak-ng, request payloads.

- `synthesize(text, voice="en-us", *espeak_args, rate=16000)`: mono float32 numpy audio.
- `wav_b64(samples, rate)` / `pcm_b64(samples)`: request payloads.
- `gather_limited(coros, limit)`: run coroutines with at most `limit` at once.
- `word_errors(reference, hypothesis)`: word edit distance for WER.

Everything here needs the [ai] extra; without it (or without espeak-ng) tests skip with
the reason. CI installs both (`make sysdeps`, EXTRAS=dev,ai).
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import io
import shutil
import subprocess
import tempfile
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import pytest

_T = TypeVar("_T")
HEAVY = ("numpy", "scipy", "soxr", "soundfile", "pocketsphinx", "pyrnnoise")
MISSING = [m for m in HEAVY if importlib.util.find_spec(m) is None]


def require_ai() -> None:
    """Skip unless the [ai] extra is installed."""
    if MISSING:
        pytest.skip(f"[ai] extra not installed (missing: {', '.join(MISSING)})")


def require_espeak() -> None:
    """Skip unless espeak-ng is on PATH (CI installs it: `make sysdeps`)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (apt-get install espeak-ng): no test speech")


def synthesize(text: str, voice: str = "en-us", *args: str, rate: int = 16000) -> Any:
    """espeak-ng → WAV → float32 mono at `rate` (soxr)."""
    import numpy as np
    import soundfile as sf
    import soxr

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "say.wav"
        subprocess.run(["espeak-ng", "-v", voice, *args, "-w", str(path), text], check=True)
        x, sr = sf.read(path, dtype="float32")
    if x.ndim > 1:
        x = x.mean(axis=1)
    y = soxr.resample(x, sr, rate) if sr != rate else x
    return np.ascontiguousarray(y, dtype=np.float32)


def wav_b64(samples: Any, rate: int, subtype: str = "PCM_16", channels: int = 1) -> str:
    """Base64 of a WAV file holding `samples` (duplicated to `channels`)."""
    import numpy as np
    import soundfile as sf

    data = np.repeat(samples[:, None], channels, axis=1) if channels > 1 else samples
    buf = io.BytesIO()
    sf.write(buf, data, rate, format="WAV", subtype=subtype)
    return base64.b64encode(buf.getvalue()).decode()


def pcm_b64(samples: Any) -> str:
    """Base64 of raw s16le samples."""
    from server_impl.ai.audio import to_pcm16

    return base64.b64encode(to_pcm16(samples).tobytes()).decode()


async def gather_limited(coros: list[Awaitable[_T]], limit: int) -> list[_T]:
    """`asyncio.gather` with at most `limit` running (stay under the service's capacity)."""
    sem = asyncio.Semaphore(limit)

    async def one(c: Awaitable[_T]) -> _T:
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length), apostrophes ignored."""
    ref = reference.replace("'", "").lower().split()
    hyp = hypothesis.replace("'", "").lower().split()
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1], len(ref)
