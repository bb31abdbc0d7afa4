"""The AI operations over real HTTP: success paths (checked against the contract's response
schemas) and every error path, on a live uvicorn server (1 worker, clips up to 8 s).

Speech is made at test time with espeak-ng (voice en-us+klatt). The server is SQLite-only:
nothing here touches the database beyond registering the caller.
"""

from __future__ import annotations

import base64
import io
import multiprocessing
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ServerFactory, register_user

from .helpers import pcm_b64, require_ai, wav_b64
from .live_ai import AiClient, contract, speech, speech_wav, start_ai_server
from .test_asr import DISTRACTORS, SENTENCES

pytestmark = [pytest.mark.ai, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

OPS = ("recognize_speech", "detect_emotion", "enhance_audio")
LABELS = {"neutral", "happy", "sad", "angry"}
METHODS = {
    "prosody+text-embedding",
    "prosody-only:text-model-unavailable",
    "prosody-only:text-disabled",
    "prosody-only:no-transcript",
}
#: the contract's example payload: a WAV header whose data chunk is empty
EMPTY_WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAgD4AAAB9AAACABAAZGF0YQAAAAA="


@pytest.fixture(scope="module")
def ai_server(start_server: ServerFactory) -> Iterator[Any]:
    """The module's server (lazy AI start: the pool spawns on the first valid request)."""
    require_ai()
    server = start_ai_server(start_server)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ai(ai_server: Any) -> Iterator[AiClient]:
    """A registered user's client on `ai_server`."""
    with ai_server.client() as client:
        yield AiClient(client, register_user(client).access_token)


def body_for(op: str, **fields: Any) -> dict[str, Any]:
    """`fields`, plus `enhancement_type` for the enhance operation."""
    if op == "enhance_audio":
        fields.setdefault("enhancement_type", "highpass")
    return fields


def silence_pcm(seconds: float, rate: int) -> str:
    """Base64 of `seconds` of s16le zeros."""
    return base64.b64encode(bytes(2 * int(seconds * rate))).decode()


def tone(seconds: float, rate: int, freq: float = 220.0, amp: float = 0.3) -> Any:
    """A sine tone, float32."""
    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def decode_output(data: dict[str, Any]) -> tuple[Any, int]:
    """(float32 samples, rate) of an enhance result."""
    import numpy as np
    import soundfile as sf

    raw = base64.b64decode(data["audio_data"], validate=True)
    if data["audio_format"] == "wav":
        samples, rate = sf.read(io.BytesIO(raw), dtype="float32")
        assert samples.ndim == 1
        return samples, rate
    return np.frombuffer(raw, "<i2").astype(np.float32) / 32768, data["sample_rate"]


# ---------------------------------------------------------------------- success paths
def test_recognize_wav_returns_transcript_and_word_timings(ai: AiClient) -> None:
    samples = speech(SENTENCES[0])
    body = ai.call(
        "recognize_speech", {"audio_data": wav_b64(samples, 16000), "audio_format": "wav"}
    )
    data = body["data"]
    assert body["message"] == "识别成功"
    assert data["language"] == "en-US"
    assert abs(data["duration_ms"] - 1000 * len(samples) / 16000) <= 1
    words = [s["word"] for s in data["segments"]]
    assert data["transcript"] == " ".join(words)
    assert len(set(words) & set(SENTENCES[0].split())) >= 4, data["transcript"]
    starts = [s["start_ms"] for s in data["segments"]]
    assert starts == sorted(starts)
    for seg in data["segments"]:
        assert 0 <= seg["start_ms"] <= seg["end_ms"] <= data["duration_ms"]


def test_recognize_pcm_in_grammar_mode_with_hint_phrases(ai: AiClient) -> None:
    samples = speech(SENTENCES[9], rate=22050)  # resampled to 16 kHz by the engine
    data = ai.call(
        "recognize_speech",
        {
            "audio_data": pcm_b64(samples),
            "audio_format": "pcm",
            "sample_rate": 22050,
            "language": "en",  # an alias
            "hint_phrases": [SENTENCES[9], *DISTRACTORS],
        },
    )["data"]
    assert data["transcript"] == SENTENCES[9]
    assert data["language"] == "en-US"
    assert [s["word"] for s in data["segments"]] == SENTENCES[9].split()


def test_empty_hint_phrases_mean_the_general_language_model(ai: AiClient) -> None:
    body = {
        "audio_data": pcm_b64(tone(0.3, 16000)),
        "audio_format": "pcm",
        "sample_rate": 16000,
        "hint_phrases": [],
    }
    assert ai.call("recognize_speech", body)["data"]["duration_ms"] == 300


def test_detect_emotion_scores_every_label(ai: AiClient) -> None:
    body = ai.call("detect_emotion", speech_wav("this is wonderful news, i am so happy"))
    data = body["data"]
    assert body["message"] == "检测成功"
    assert set(data["scores"]) == LABELS
    assert abs(sum(data["scores"].values()) - 1) < 1e-3
    assert data["emotion"] == max(data["scores"], key=data["scores"].get)
    assert abs(data["confidence"] - data["scores"][data["emotion"]]) < 1e-3
    assert data["method"] in METHODS
    assert data["duration_ms"] > 1000


@pytest.mark.parametrize("kind", ["denoise", "normalize", "highpass"])
@pytest.mark.parametrize(("fmt", "rate"), [("wav", 16000), ("pcm", 48000), ("wav", 8000)])
def test_enhance_keeps_length_format_and_rate(ai: AiClient, kind: str, fmt: str, rate: int) -> None:
    import numpy as np

    quiet = tone(1.5, rate, amp=0.01) + tone(1.5, rate, freq=30.0, amp=0.01)
    payload = wav_b64(quiet, rate) if fmt == "wav" else pcm_b64(quiet)
    request: dict[str, Any] = {"audio_data": payload, "audio_format": fmt, "enhancement_type": kind}
    if fmt == "pcm":
        request["sample_rate"] = rate
    body = ai.call("enhance_audio", request)
    data = body["data"]
    assert body["message"] == "增强成功"
    assert (data["audio_format"], data["sample_rate"], data["enhancement_type"]) == (
        fmt,
        rate,
        kind,
    )
    assert data["duration_ms"] == 1500
    out, out_rate = decode_output(data)
    assert (len(out), out_rate) == (len(quiet), rate)

    def rms(x: Any) -> float:
        return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))

    if kind == "normalize":  # -23 LUFS is far louder than this -40 dBFS clip
        assert rms(out) > 4 * rms(quiet)
    elif kind == "highpass":  # the 30 Hz hum goes, the 220 Hz tone stays
        hum = np.abs(np.fft.rfft(out))[round(30 * 1.5)]
        assert hum < 0.1 * np.abs(np.fft.rfft(quiet))[round(30 * 1.5)]
    else:
        assert not np.allclose(out, quiet, atol=1e-3)


# ---------------------------------------------------------------------- error paths
def _riff_as_pcm() -> str:
    return wav_b64(tone(0.5, 16000), 16000)


BAD_AUDIO: list[tuple[str, dict[str, Any], int]] = [
    ("not-base64", {"audio_data": "not base64!!", "audio_format": "wav"}, 40006),
    ("bad-padding", {"audio_data": "AAA", "audio_format": "pcm", "sample_rate": 16000}, 40006),
    ("empty-wav", {"audio_data": EMPTY_WAV, "audio_format": "wav", "sample_rate": 16000}, 40007),
    ("pcm-without-rate", {"audio_data": "AAAA", "audio_format": "pcm"}, 40004),
    ("rate-below-8k", {"audio_data": "AAAA", "audio_format": "pcm", "sample_rate": 7999}, 40004),
    ("unknown-format", {"audio_data": "AAAA", "audio_format": "mp3"}, 40004),
    ("unknown-field", {"audio_data": "AAAA", "audio_format": "wav", "x": 1}, 40004),
    ("missing-audio", {"audio_format": "wav"}, 40003),
    ("missing-format", {"audio_data": "AAAA"}, 40003),
    ("odd-pcm-bytes", {"audio_data": "AAAA", "audio_format": "pcm", "sample_rate": 8000}, 40009),
]


def _long_and_mismatched() -> list[tuple[str, dict[str, Any], int]]:
    """Cases whose payload needs numpy (built inside the tests, after `require_ai`)."""
    return [
        (
            "pcm-9s",
            {"audio_data": silence_pcm(9, 8000), "audio_format": "pcm", "sample_rate": 8000},
            40008,
        ),
        ("wav-9s", {"audio_data": wav_b64(tone(9, 16000), 16000), "audio_format": "wav"}, 40008),
        ("wav-that-is-pcm", {"audio_data": silence_pcm(0.5, 16000), "audio_format": "wav"}, 40009),
        (
            "pcm-that-is-wav",
            {"audio_data": _riff_as_pcm(), "audio_format": "pcm", "sample_rate": 16000},
            40009,
        ),
        (
            "wav-at-96k",
            {"audio_data": wav_b64(tone(0.5, 96000), 96000), "audio_format": "wav"},
            40004,
        ),
    ]


def bad_requests() -> list[tuple[str, str, dict[str, Any], int]]:
    """(operation, case, body, expected code) for every bad-audio case and operation."""
    return [
        (op, name, body_for(op, **fields), code)
        for name, fields, code in [*BAD_AUDIO, *_long_and_mismatched()]
        for op in OPS
    ]


def test_bad_audio_is_answered_with_its_400_code(ai: AiClient) -> None:
    for op, name, body, code in bad_requests():
        answer = ai.call(op, body, 400)
        assert answer["code"] == code, (op, name, answer)


def test_unknown_language_is_503_listing_the_available_ones(ai: AiClient) -> None:
    body = {
        "audio_data": pcm_b64(tone(0.3, 16000)),
        "audio_format": "pcm",
        "sample_rate": 16000,
        "language": "zh-CN",
    }
    answer = ai.call("recognize_speech", body, 503)
    assert answer["code"] == 50301
    assert answer["details"]["language"] == "zh-CN"
    assert "en-US" in answer["details"]["available_languages"]
    assert "en-US" in answer["message"] and "zh-CN" in answer["message"]


def test_hint_phrases_without_known_words_are_invalid(ai: AiClient) -> None:
    body = {
        "audio_data": pcm_b64(tone(0.3, 16000)),
        "audio_format": "pcm",
        "sample_rate": 16000,
        "hint_phrases": ["qwxz vlorp"],
    }
    assert ai.call("recognize_speech", body, 400)["code"] == 40004


def test_enhancement_type_is_required_and_checked(ai: AiClient) -> None:
    base = {"audio_data": pcm_b64(tone(0.3, 16000)), "audio_format": "pcm", "sample_rate": 16000}
    assert ai.call("enhance_audio", base, 400)["code"] == 40003
    bad = {**base, "enhancement_type": "reverb"}
    assert ai.call("enhance_audio", bad, 400)["code"] == 40004


def test_every_operation_needs_a_valid_token(ai: AiClient) -> None:
    from tests.rest.helpers import claims_for, forge_token

    expired = forge_token(claims_for("someone", exp=1, iat=0))
    for op in OPS:
        payload = body_for(op, audio_data=EMPTY_WAV, audio_format="wav")
        for token, code in (("", 40103), ("not.a.jwt", 40103), (expired, 40102)):
            response = ai.post(op, payload, token=token)
            assert contract().check(op, response, 401)["code"] == code, (op, token)


# ---------------------------------------------------------------------- never reaching the pool
def test_invalid_requests_never_start_a_worker(start_server: ServerFactory) -> None:
    """A lazy server answers every invalid request without spawning a worker process."""
    require_ai()
    before = {p.pid for p in multiprocessing.active_children()}
    server = start_ai_server(start_server, start="lazy")
    try:
        with server.client() as client:
            caller = AiClient(client, register_user(client).access_token)
            for op, _name, body, code in bad_requests():
                assert caller.call(op, body, 400)["code"] == code
            language = {
                "audio_data": "AAAA",
                "audio_format": "pcm",
                "sample_rate": 16000,
                "language": "xx-YY",
            }
            assert caller.call("recognize_speech", language, 503)["code"] == 50301
            assert caller.post("recognize_speech", language, token="").status_code == 401
        stats = server.app.state.services.ai.service.stats()
        assert (stats["completed"], stats["inflight"]) == (0, 0)
        assert {p.pid for p in multiprocessing.active_children()} <= before
    finally:
        server.stop()


def test_ai_settings_come_from_extra_over_the_environment(backend: str) -> None:
    """(`backend` only satisfies the module's parametrization; nothing is served here.)"""
    from server_impl.services.ai import AIRuntime
    from server_impl.settings import Settings

    env = {
        "CONTRACTKIT_AI_WORKERS": "3",
        "CONTRACTKIT_AI_QUEUE_DEPTH": "2",
        "CONTRACTKIT_AI_START": "lazy",
    }
    runtime = AIRuntime.from_settings(
        Settings(extra={"ai": {"workers": 1, "start": "background"}}), env
    )
    assert (runtime.config.workers, runtime.config.queue_depth) == (1, 2)
    assert runtime.start_mode == "background"
    with pytest.raises(ValueError, match="CONTRACTKIT_AI_START"):
        AIRuntime.from_settings(Settings(), {"CONTRACTKIT_AI_START": "eager"})
