"""Audio enhancement: RNNoise denoising, loudness normalization, 80 Hz high-pass.

Denoising uses RNNoise (Valin 2018: a small recurrent network predicting per-band gains,
compiled into pyrnnoise's `librnnoise.so`, no model download). RNNoise works on 10 ms frames
at 48 kHz, so the clip is resampled to 48 kHz (soxr), scaled to the int16 range RNNoise
expects, run through a fresh state (deterministic per request), shifted back by the
network's fixed delay, resampled to the input rate and trimmed to the input length.

The library is loaded with ctypes straight from the installed package (the same calls
pyrnnoise's own `rnnoise.py` makes), which avoids importing pyrnnoise's file-I/O helpers.
"""

from __future__ import annotations

import ctypes
import importlib.util
import threading
from pathlib import Path

import numpy as np

from server_impl.ai.audio import Clip, fit_length, resample
from server_impl.ai.engines.base import ENHANCEMENT_KINDS, EnhancementKind
from server_impl.ai.engines.dsp import highpass, normalize_loudness
from server_impl.ai.errors import INVALID_PARAMETER, AudioError, EngineUnavailable

RNNOISE_RATE = 48000
#: Output lags input by two frames (960 samples at 48 kHz) in the RNNoise 0.2 build that
#: pyrnnoise ships; measured by cross-correlation and checked by tests/ai (SNR depends on it).
RNNOISE_DELAY_FRAMES = 2
_INT16_SCALE = 32768.0
_FloatPtr = ctypes.POINTER(ctypes.c_float)


def _load_library() -> ctypes.CDLL:
    spec = importlib.util.find_spec("pyrnnoise")
    if spec is None or spec.origin is None:
        raise EngineUnavailable(reason="pyrnnoise not installed")
    path = Path(spec.origin).parent / "librnnoise.so"
    if not path.is_file():
        raise EngineUnavailable(reason=f"RNNoise library missing: {path}")
    lib = ctypes.CDLL(str(path))
    lib.rnnoise_create.argtypes = [ctypes.c_void_p]
    lib.rnnoise_create.restype = ctypes.c_void_p
    lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
    lib.rnnoise_destroy.restype = None
    lib.rnnoise_get_frame_size.restype = ctypes.c_int
    lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p, _FloatPtr, _FloatPtr]
    lib.rnnoise_process_frame.restype = ctypes.c_float
    return lib


class RNNoiseDenoiser:
    """RNNoise on mono float32 clips at any supported rate."""

    def __init__(self) -> None:
        self._lib: ctypes.CDLL | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the shared library now."""
        if self._lib is None:
            self._lib = _load_library()

    def denoise(self, clip: Clip) -> Clip:
        """Denoised `clip`: same rate, same length."""
        self.load()
        lib = self._lib
        assert lib is not None
        frame = int(lib.rnnoise_get_frame_size())
        delay = RNNOISE_DELAY_FRAMES * frame
        x = resample(clip, RNNOISE_RATE).samples
        n = len(x)
        total = n + delay
        total += (-total) % frame
        buf = np.zeros(total, dtype=np.float32)
        buf[:n] = x * _INT16_SCALE
        out = np.empty_like(buf)
        with self._lock:
            state = lib.rnnoise_create(None)
            try:
                for i in range(0, total, frame):
                    src = buf[i : i + frame]
                    dst = out[i : i + frame]
                    lib.rnnoise_process_frame(
                        state, dst.ctypes.data_as(_FloatPtr), src.ctypes.data_as(_FloatPtr)
                    )
            finally:
                lib.rnnoise_destroy(state)
        aligned = np.clip(out[delay : delay + n] / _INT16_SCALE, -1.0, 1.0).astype(np.float32)
        back = resample(Clip(aligned, RNNOISE_RATE), clip.sample_rate).samples
        return clip.with_samples(fit_length(back, len(clip.samples)))


class Enhancer:
    """`AudioEnhancer`: `denoise` (RNNoise), `normalize` (EBU R128), `highpass` (80 Hz)."""

    def __init__(self) -> None:
        self._denoiser = RNNoiseDenoiser()

    def load(self) -> None:
        """Load RNNoise now."""
        self._denoiser.load()

    def enhance(self, clip: Clip, kind: EnhancementKind) -> Clip:
        """Apply `kind`; the result has the input's rate and length."""
        if kind == "denoise":
            return self._denoiser.denoise(clip)
        if kind == "normalize":
            return clip.with_samples(normalize_loudness(clip.samples, clip.sample_rate))
        if kind == "highpass":
            return clip.with_samples(highpass(clip.samples, clip.sample_rate))
        raise AudioError(
            INVALID_PARAMETER,
            field="enhancement_type",
            reason=f"expected one of {', '.join(ENHANCEMENT_KINDS)}",
        )
