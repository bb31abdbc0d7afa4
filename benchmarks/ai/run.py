"""AI engines: real-time factor per engine, and throughput at saturation through AIService.

    python benchmarks/ai/run.py [--runs 3] [--requests 16] [--workers 1 2] [--http]
                                [--json out.json]

1. Real-time factor (processing time / audio duration; < 1 is faster than real time) of
   each engine on 10 s clips, in this process, one thread: speech recognition (general LM
   and grammar mode), emotion detection (prosody + transcript + embedding), RNNoise denoise
   at 16 and 48 kHz, loudness normalization and high-pass. Median of `--runs`.
2. Requests/s at saturation: `--requests` requests of 10 s WAV clips per operation,
   submitted `capacity` at a time (never a 429) through a started `AIService`, for each
   `--workers` value. Also the p50/p95 latency and audio-seconds processed per second.
3. With `--http`: the same over real HTTP, the app served by uvicorn in a subprocess
   (`http_saturation.py`).

Speech is made with espeak-ng (voice en-us+klatt); without it, a synthetic voiced signal is
used and the ASR/emotion figures say so. Everything runs locally; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import soxr  # noqa: E402

from benchmarks.ai.http_saturation import saturate_http  # noqa: E402
from server_impl.ai import AIConfig, AIService  # noqa: E402
from server_impl.ai.audio import Clip  # noqa: E402
from server_impl.ai.engines.registry import EngineRegistry  # noqa: E402

SECONDS = 10.0
TEXT = (
    "the meeting starts at ten o'clock and everyone should join from their office. "
    "please share the quarterly report before lunch so we can discuss the numbers. "
    "thank you all for the hard work this month, i am very happy with the results."
)
HINTS = [TEXT.replace(",", "").replace(".", "").strip(), "please share the report"]


def speech(rate: int) -> tuple[np.ndarray, str]:
    """10 s of speech at `rate` (espeak-ng, else a synthetic voiced signal)."""
    if shutil.which("espeak-ng"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "s.wav"
            subprocess.run(["espeak-ng", "-v", "en-us+klatt", "-w", str(path), TEXT], check=True)
            x, sr = sf.read(path, dtype="float32")
        source = "espeak-ng en-us+klatt"
    else:
        sr = rate
        t = np.arange(int(SECONDS * sr)) / sr
        f0 = 120 + 20 * np.sin(2 * np.pi * 0.5 * t)
        phase = 2 * np.pi * np.cumsum(f0) / sr
        x = sum(np.sin(k * phase) / k for k in range(1, 12)) * (
            0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
        )
        x = (0.1 * x).astype(np.float32)
        source = "synthetic (espeak-ng not installed)"
    y = soxr.resample(x, sr, rate) if sr != rate else x
    n = int(SECONDS * rate)
    y = np.resize(y, n) if len(y) < n else y[:n]  # loop or cut to exactly 10 s
    return np.ascontiguousarray(y, dtype=np.float32), source


def noisy(x: np.ndarray, snr_db: float = 5.0) -> np.ndarray:
    rng = np.random.default_rng(0)
    n = rng.standard_normal(len(x)).astype(np.float32)
    n *= np.sqrt(np.sum(x**2) / np.sum(n**2) / 10 ** (snr_db / 10))
    out = x + n
    return (out / max(1.0, float(np.max(np.abs(out))) / 0.99)).astype(np.float32)


def median_time(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm-up (lazy loads, caches)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def rtf_table(runs: int) -> dict[str, float]:
    reg = EngineRegistry(AIConfig())
    reg.warm_up()
    s16, source = speech(16000)
    s48, _ = speech(48000)
    c16, c48 = Clip(s16, 16000), Clip(noisy(s48), 48000)
    asr, enh, emo = reg.asr(), reg.enhancer(), reg.emotion()
    cases: dict[str, Callable[[], Any]] = {
        "asr (general LM, 16 kHz)": lambda: asr.recognize(c16, "en-US"),
        "asr (grammar, 16 kHz)": lambda: asr.recognize(c16, "en-US", HINTS),
        "emotion (prosody+text, 16 kHz)": lambda: emo.detect(c16),
        "denoise RNNoise (16 kHz)": lambda: enh.enhance(Clip(noisy(s16), 16000), "denoise"),
        "denoise RNNoise (48 kHz)": lambda: enh.enhance(c48, "denoise"),
        "normalize EBU R128 (48 kHz)": lambda: enh.enhance(c48, "normalize"),
        "highpass 80 Hz (48 kHz)": lambda: enh.enhance(c48, "highpass"),
    }
    print(f"\nReal-time factor on {SECONDS:.0f} s clips ({source}), median of {runs}:")
    out = {}
    for name, fn in cases.items():
        rtf = median_time(fn, runs) / SECONDS
        out[name] = rtf
        print(f"  {name:34s} RTF {rtf:7.4f}   ({1 / rtf:7.1f}x real time)")
    print("  sample transcript:", asr.recognize(c16, "en-US").text[:100], "...")
    return out


def wav_b64(samples: np.ndarray, rate: int = 16000) -> str:
    """Base64 of a 16-bit WAV file."""
    wav = io.BytesIO()
    sf.write(wav, samples, rate, format="WAV", subtype="PCM_16")
    return base64.b64encode(wav.getvalue()).decode()


async def saturate(workers: int, requests: int) -> dict[str, dict[str, float]]:
    s16, _ = speech(16000)
    b64 = wav_b64(s16)
    service = AIService(AIConfig(workers=workers, queue_depth=workers, timeout_seconds=300))
    t0 = time.perf_counter()
    await service.start()
    startup = time.perf_counter() - t0
    print(f"\nAIService, {workers} worker(s): start-up (engines loaded) {startup:.1f} s")
    ops: dict[str, Callable[[], Any]] = {
        "recognize": lambda: service.recognize({"audio_data": b64, "audio_format": "wav"}),
        "detect_emotion": lambda: service.detect_emotion(
            {"audio_data": b64, "audio_format": "wav"}
        ),
        "enhance denoise": lambda: service.enhance(
            {"audio_data": b64, "audio_format": "wav", "enhancement_type": "denoise"}
        ),
    }
    results: dict[str, dict[str, float]] = {}
    try:
        for name, call in ops.items():
            sem = asyncio.Semaphore(service.capacity)
            latencies: list[float] = []

            async def one(
                call: Callable[[], Any] = call,
                sem: asyncio.Semaphore = sem,
                latencies: list[float] = latencies,
            ) -> None:
                async with sem:
                    t = time.perf_counter()
                    await call()
                    latencies.append(time.perf_counter() - t)

            t0 = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(requests)))
            wall = time.perf_counter() - t0
            lat = sorted(latencies)
            row = {
                "requests_per_s": requests / wall,
                "audio_s_per_s": requests * SECONDS / wall,
                "p50_s": lat[len(lat) // 2],
                "p95_s": lat[min(len(lat) - 1, int(0.95 * len(lat)))],
            }
            results[name] = row
            print(
                f"  {name:16s} {row['requests_per_s']:6.2f} req/s   "
                f"{row['audio_s_per_s']:6.1f} audio-s/s   p50 {row['p50_s']:.2f} s   "
                f"p95 {row['p95_s']:.2f} s   ({requests} x 10 s clips)"
            )
    finally:
        await service.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--http", action="store_true", help="also saturate over HTTP")
    args = parser.parse_args()
    report: dict[str, Any] = {"rtf": rtf_table(args.runs), "saturation": {}}
    for w in args.workers:
        report["saturation"][str(w)] = asyncio.run(saturate(w, args.requests))
    if args.http:
        report["http_saturation"] = {
            str(w): saturate_http(w, args.requests, wav_b64(speech(16000)[0]), SECONDS)
            for w in args.workers
        }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
