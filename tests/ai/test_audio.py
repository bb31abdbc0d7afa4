"""Request audio decoding: every error path, round trips, rates and formats."""

from __future__ import annotations

import base64
import io
import struct
from typing import Any

import pytest

from .helpers import pcm_b64, require_ai, wav_b64

pytestmark = pytest.mark.ai


@pytest.fixture(autouse=True)
def _need_ai() -> None:
    require_ai()


def _sine(rate: int, seconds: float = 0.5, freq: float = 440.0) -> Any:
    import numpy as np

    t = np.arange(round(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _code(exc_info: pytest.ExceptionInfo) -> int:
    return int(exc_info.value.code)


def _decode(data: str, fmt: str = "pcm", rate: int | None = 16000, max_s: float = 60.0) -> Any:
    from server_impl.ai.audio import decode_audio

    return decode_audio(data, fmt, rate, max_s)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "payload",
    ["not base64!!", "QUJD$", "QUJDRA=", "QU=JD", "données", "QUJD\x00"],
)
def test_bad_base64_is_40006(payload: str) -> None:
    from server_impl.ai.errors import AudioError

    with pytest.raises(AudioError) as info:
        _decode(payload)
    assert _code(info) == 40006
    assert info.value.status == 400
    assert info.value.message == "音频数据不是有效的 Base64"


def test_whitespace_in_base64_is_tolerated() -> None:
    b64 = pcm_b64(_sine(16000))
    wrapped = "\n".join(b64[i : i + 76] for i in range(0, len(b64), 76))
    assert len(_decode(wrapped).samples) == 8000


@pytest.mark.parametrize("payload", ["", "   ", "\n"])
def test_empty_payload_is_40007(payload: str) -> None:
    from server_impl.ai.errors import AudioError

    with pytest.raises(AudioError) as info:
        _decode(payload)
    assert _code(info) == 40007


def test_wav_without_frames_is_40007() -> None:
    from server_impl.ai.errors import AudioError

    # the contract's example payload: a 44-byte WAV header with an empty data chunk
    example = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAgD4AAAB9AAACABAAZGF0YQAAAAA="
    with pytest.raises(AudioError) as info:
        _decode(example, "wav", 16000)
    assert _code(info) == 40007


def test_too_long_is_40008() -> None:
    from server_impl.ai.errors import AudioError

    for fmt, payload in (
        ("pcm", pcm_b64(_sine(8000, 2.0))),
        ("wav", wav_b64(_sine(8000, 2.0), 8000)),
    ):
        with pytest.raises(AudioError) as info:
            _decode(payload, fmt, 8000, max_s=1.5)
        assert _code(info) == 40008
        assert info.value.details == {"duration_s": 2.0, "max_seconds": 1.5}
    assert _decode(pcm_b64(_sine(8000, 1.5)), "pcm", 8000, max_s=1.5).duration_s == 1.5


def test_format_mismatches_are_40009() -> None:
    from server_impl.ai.errors import AudioError

    wav = wav_b64(_sine(16000), 16000)
    odd = base64.b64encode(b"\x01\x02\x03").decode()
    garbage = base64.b64encode(b"hello world, not audio at all").decode()
    truncated_riff = base64.b64encode(base64.b64decode(wav)[:30]).decode()
    riff_not_wave = base64.b64encode(b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 32).decode()
    cases = [
        ("pcm", wav),  # a wav declared as pcm
        ("pcm", odd),  # odd byte count for 16-bit samples
        ("wav", pcm_b64(_sine(16000))),  # raw samples declared as wav
        ("wav", garbage),
        ("wav", truncated_riff),  # RIFF/WAVE header, unreadable body
        ("wav", riff_not_wave),
    ]
    for fmt, payload in cases:
        with pytest.raises(AudioError) as info:
            _decode(payload, fmt, 16000)
        assert _code(info) == 40009, (fmt, info.value.details)
        assert info.value.message == "音频格式与数据不符"


@pytest.mark.parametrize("rate", [None, 0, 7999, 48001, 96000, True, 16000.0])
def test_bad_pcm_sample_rate_is_40004(rate: object) -> None:
    from server_impl.ai.errors import AudioError

    with pytest.raises(AudioError) as info:
        _decode(pcm_b64(_sine(16000)), "pcm", rate)  # type: ignore[arg-type]
    assert _code(info) == 40004
    assert info.value.details is not None
    assert info.value.details["field"] == "sample_rate"


def test_unknown_format_is_40004() -> None:
    from server_impl.ai.errors import AudioError

    with pytest.raises(AudioError) as info:
        _decode(pcm_b64(_sine(16000)), "mp3", 16000)
    assert _code(info) == 40004


def test_wav_header_rate_out_of_range_is_40004() -> None:
    from server_impl.ai.errors import AudioError

    with pytest.raises(AudioError) as info:
        _decode(wav_b64(_sine(96000, 0.1), 96000), "wav", None)
    assert _code(info) == 40004


def test_wav_header_rate_wins_over_request() -> None:
    clip = _decode(wav_b64(_sine(22050), 22050), "wav", 16000)
    assert clip.sample_rate == 22050
    assert len(clip.samples) == 11025
    assert _decode(wav_b64(_sine(22050), 22050), "wav", None).sample_rate == 22050


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT", "PCM_U8"])
def test_wav_subtypes_and_stereo_downmix(subtype: str) -> None:
    import numpy as np

    x = _sine(16000)
    clip = _decode(wav_b64(x, 16000, subtype=subtype, channels=2), "wav", None)
    assert clip.sample_rate == 16000
    assert clip.samples.dtype == np.float32
    assert clip.samples.ndim == 1
    assert np.max(np.abs(clip.samples - x)) < 0.02


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 44100, 48000])
def test_round_trip_keeps_format_rate_length(rate: int) -> None:
    import numpy as np
    import soundfile as sf

    from server_impl.ai.audio import encode_audio

    x = _sine(rate, 0.37)
    pcm_in = pcm_b64(x)
    clip = _decode(pcm_in, "pcm", rate)
    assert encode_audio(clip, "pcm") == pcm_in  # bit exact
    out = base64.b64decode(encode_audio(clip, "wav"))
    info = sf.info(io.BytesIO(out))
    assert (info.samplerate, info.frames, info.channels, info.subtype) == (
        rate,
        len(x),
        1,
        "PCM_16",
    )
    back, _ = sf.read(io.BytesIO(out), dtype="float32")
    assert np.array_equal(back, clip.samples)


def test_pcm_is_little_endian_signed() -> None:
    raw = struct.pack("<4h", 0, 16384, -32768, 32767)
    clip = _decode(base64.b64encode(raw).decode(), "pcm", 8000)
    assert clip.samples.tolist() == [0.0, 0.5, -1.0, 32767 / 32768]


def test_resample_and_fit_length() -> None:
    from server_impl.ai.audio import Clip, fit_length, resample

    clip = Clip(_sine(44100, 1.0), 44100)
    down = resample(clip, 16000)
    assert down.sample_rate == 16000
    assert abs(len(down.samples) - 16000) <= 1
    assert resample(clip, 44100) is clip
    assert len(fit_length(down.samples, 16005)) == 16005
    assert len(fit_length(down.samples, 100)) == 100
