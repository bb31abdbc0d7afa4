"""Request audio: Base64 decoding, validation, resampling and encoding back.

Formats (the contract's `AudioFormat`):

- `pcm`: raw signed 16-bit little-endian mono samples; `sample_rate` is required.
- `wav`: a RIFF/WAVE file (any PCM/float subtype soundfile reads, any channel count,
  downmixed to mono). The header's rate is authoritative: a request `sample_rate` that
  disagrees is ignored (it is only validated for range), because the header describes the
  bytes actually sent. Encoded output is 16-bit PCM mono WAV at the clip's rate.

Accepted rates are 8000..48000 Hz. Every validation failure raises `AudioError` with the
contract code (40004, 40006, 40007, 40008, 40009).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import soundfile as sf
import soxr
from numpy.typing import NDArray

from server_impl.ai.errors import (
    AUDIO_FORMAT_MISMATCH,
    AUDIO_TOO_LONG,
    EMPTY_AUDIO,
    INVALID_AUDIO_BASE64,
    INVALID_PARAMETER,
    AudioError,
)

AudioFormat = Literal["pcm", "wav"]
AUDIO_FORMATS: tuple[AudioFormat, ...] = ("pcm", "wav")
MIN_RATE = 8000
MAX_RATE = 48000
_WHITESPACE = re.compile(rb"\s+")
_PCM_SCALE = 32768.0

Samples = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Clip:
    """Mono float32 samples in [-1, 1] at `sample_rate` Hz."""

    samples: Samples
    sample_rate: int

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / float(self.sample_rate)

    @property
    def duration_ms(self) -> int:
        """Length in whole milliseconds (rounded)."""
        return round(1000 * len(self.samples) / self.sample_rate)

    def with_samples(self, samples: NDArray[np.floating]) -> Clip:
        """Same rate, new samples (as contiguous float32)."""
        return Clip(np.ascontiguousarray(samples, dtype=np.float32), self.sample_rate)


def is_riff_wave(data: bytes) -> bool:
    """True when `data` starts with a RIFF/WAVE header."""
    return len(data) >= 12 and data[:4] in (b"RIFF", b"RIFX", b"RF64") and data[8:12] == b"WAVE"


def decode_base64(audio_data_b64: str) -> bytes:
    """Strict standard Base64 (whitespace ignored); 40006 otherwise, 40007 when empty."""
    raw = audio_data_b64.encode("ascii", "strict") if audio_data_b64.isascii() else None
    if raw is None:
        raise AudioError(INVALID_AUDIO_BASE64, reason="non-ASCII characters")
    raw = _WHITESPACE.sub(b"", raw)
    if not raw:
        raise AudioError(EMPTY_AUDIO)
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AudioError(INVALID_AUDIO_BASE64, reason=str(exc)) from None
    if not data:
        raise AudioError(EMPTY_AUDIO)
    return data


def check_rate(sample_rate: int, source: str) -> None:
    """40004 unless 8000 <= sample_rate <= 48000."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int):
        raise AudioError(INVALID_PARAMETER, field="sample_rate", reason="not an integer")
    if not MIN_RATE <= sample_rate <= MAX_RATE:
        raise AudioError(
            INVALID_PARAMETER,
            field="sample_rate",
            reason=f"{source} sample rate {sample_rate} outside {MIN_RATE}..{MAX_RATE}",
        )


def _check_length(frames: int, rate: int, max_seconds: float) -> None:
    if frames == 0:
        raise AudioError(EMPTY_AUDIO)
    if frames / rate > max_seconds:
        raise AudioError(
            AUDIO_TOO_LONG, duration_s=round(frames / rate, 3), max_seconds=max_seconds
        )


def decode_audio(
    audio_data_b64: str,
    audio_format: AudioFormat,
    sample_rate: int | None,
    max_seconds: float,
) -> Clip:
    """Decode and validate request audio into a mono float32 `Clip`."""
    if audio_format not in AUDIO_FORMATS:
        raise AudioError(INVALID_PARAMETER, field="audio_format", reason="expected pcm or wav")
    if sample_rate is not None:
        check_rate(sample_rate, "request")
    elif audio_format == "pcm":
        raise AudioError(INVALID_PARAMETER, field="sample_rate", reason="required for pcm")
    data = decode_base64(audio_data_b64)
    if audio_format == "pcm":
        assert sample_rate is not None
        return _decode_pcm(data, sample_rate, max_seconds)
    return _decode_wav(data, max_seconds)


def _decode_pcm(data: bytes, sample_rate: int, max_seconds: float) -> Clip:
    if is_riff_wave(data):
        raise AudioError(AUDIO_FORMAT_MISMATCH, reason="RIFF/WAVE header in pcm data")
    if len(data) % 2:
        raise AudioError(AUDIO_FORMAT_MISMATCH, reason="odd byte count for 16-bit pcm")
    _check_length(len(data) // 2, sample_rate, max_seconds)
    ints = np.frombuffer(data, dtype="<i2")
    return Clip((ints.astype(np.float32) / _PCM_SCALE), sample_rate)


def _decode_wav(data: bytes, max_seconds: float) -> Clip:
    if not is_riff_wave(data):
        raise AudioError(AUDIO_FORMAT_MISMATCH, reason="no RIFF/WAVE header")
    try:
        info = sf.info(io.BytesIO(data))
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise AudioError(AUDIO_FORMAT_MISMATCH, reason=f"unreadable wav: {exc}") from None
    if info.format != "WAV" and info.format != "RF64":
        raise AudioError(AUDIO_FORMAT_MISMATCH, reason=f"not a wav file ({info.format})")
    check_rate(int(info.samplerate), "wav header")
    _check_length(int(info.frames), int(info.samplerate), max_seconds)
    try:
        frames, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise AudioError(AUDIO_FORMAT_MISMATCH, reason=f"unreadable wav: {exc}") from None
    if frames.shape[0] == 0:
        raise AudioError(EMPTY_AUDIO)
    mono = frames[:, 0] if frames.shape[1] == 1 else frames.mean(axis=1)
    return Clip(np.ascontiguousarray(mono, dtype=np.float32), int(rate))


def to_pcm16(samples: NDArray[np.floating]) -> NDArray[np.int16]:
    """Float samples in [-1, 1] to int16 (rounded, clipped); exact inverse of pcm decoding."""
    scaled = np.rint(np.asarray(samples, dtype=np.float64) * _PCM_SCALE)
    return np.clip(scaled, -32768, 32767).astype("<i2")


def encode_audio(clip: Clip, fmt: AudioFormat) -> str:
    """Base64 of `clip` as `fmt` (pcm: raw s16le; wav: 16-bit PCM mono) at the clip's rate."""
    pcm = to_pcm16(clip.samples)
    if fmt == "pcm":
        payload = pcm.tobytes()
    elif fmt == "wav":
        buf = io.BytesIO()
        sf.write(buf, pcm, clip.sample_rate, format="WAV", subtype="PCM_16")
        payload = buf.getvalue()
    else:
        raise AudioError(INVALID_PARAMETER, field="audio_format", reason="expected pcm or wav")
    return base64.b64encode(payload).decode("ascii")


def resample(clip: Clip, rate: int) -> Clip:
    """`clip` at `rate` Hz (soxr, high quality); the same object when already there."""
    if rate == clip.sample_rate:
        return clip
    out = soxr.resample(clip.samples, clip.sample_rate, rate, quality="HQ")
    return Clip(np.ascontiguousarray(out, dtype=np.float32), rate)


def fit_length(samples: NDArray[np.float32], length: int) -> NDArray[np.float32]:
    """Trim or zero-pad to exactly `length` samples."""
    if len(samples) >= length:
        return samples[:length]
    return np.concatenate([samples, np.zeros(length - len(samples), dtype=np.float32)])
