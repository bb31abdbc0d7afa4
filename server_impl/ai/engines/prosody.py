"""Prosodic features and acoustic arousal (numpy/scipy only).

Features, from 16 kHz audio in 10 ms hops:

- frame energy (RMS, dBFS); frames within 35 dB of the loudest are "active" speech;
- pitch (F0) by YIN (de Cheveigné & Kawahara 2002): difference function, cumulative mean
  normalization, absolute threshold 0.2, 60-400 Hz search, 25 ms window, parabolic refinement;
- F0 variability as a robust SD (1.4826 x median absolute deviation, in semitones), which
  octave errors of the tracker barely move;
- articulation rate: syllable nuclei counted as intensity peaks (≥ 2 dB prominence,
  ≥ 100 ms apart) with voicing within 20 ms, after de Jong & Wempe (2009), per second of
  active speech.

Arousal is the normal-CDF-like logistic of the mean of three standardized cues, each
against a fixed reference for calm conversational speech taken from the literature (not
fitted to any test set): active speech level (ref -26 dBFS, the ITU-T P.56 nominal level,
scale 6 dB), F0 variability (ref 2.5 semitones SD, scale 1.5) and articulation rate (ref
4.5 syllables/s, scale 1.0). Higher, livelier, faster speech gives arousal near 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import signal

RATE = 16000
HOP = 160  # 10 ms
WINDOW = 400  # 25 ms integration window of the YIN difference function
F0_MIN, F0_MAX = 60.0, 400.0
YIN_THRESHOLD = 0.2
ACTIVE_RANGE_DB = 35.0
SILENCE_DBFS = -60.0

# references for calm conversational speech: (reference, scale)
REF_LEVEL_DBFS = (-26.0, 6.0)
REF_F0_SD_ST = (2.5, 1.5)
REF_RATE_SYL_S = (4.5, 1.0)


@dataclass(frozen=True, slots=True)
class ProsodyFeatures:
    """Summary prosody of one clip (None where there is no voiced speech)."""

    active_level_dbfs: float
    energy_sd_db: float
    active_seconds: float
    voiced_ratio: float
    f0_median_hz: float | None
    f0_sd_semitones: float | None
    f0_range_semitones: float | None
    syllable_rate: float | None

    def arousal(self) -> float:
        """Acoustic arousal in [0, 1] (module docstring); 0 for silence."""
        if self.active_seconds <= 0 or self.active_level_dbfs <= SILENCE_DBFS:
            return 0.0
        z = [(self.active_level_dbfs - REF_LEVEL_DBFS[0]) / REF_LEVEL_DBFS[1]]
        if self.f0_sd_semitones is not None:
            z.append((self.f0_sd_semitones - REF_F0_SD_ST[0]) / REF_F0_SD_ST[1])
        if self.syllable_rate is not None:
            z.append((self.syllable_rate - REF_RATE_SYL_S[0]) / REF_RATE_SYL_S[1])
        mean_z = float(np.clip(np.mean(z), -6, 6))
        return 1.0 / (1.0 + math.exp(-1.702 * mean_z))


def _frames(x: NDArray[np.float32], length: int) -> NDArray[np.float32]:
    """`len(x) // HOP` frames of `length` samples, one every HOP samples (zero-padded)."""
    count = max(1, len(x) // HOP)
    padded = np.zeros((count - 1) * HOP + length, dtype=np.float32)
    padded[: min(len(x), len(padded))] = x[: len(padded)]
    view = np.lib.stride_tricks.sliding_window_view(padded, length)[::HOP]
    return np.ascontiguousarray(view[:count])


def yin_f0(x: NDArray[np.float32]) -> NDArray[np.float64]:
    """F0 in Hz per 10 ms frame (NaN where unvoiced), YIN at 16 kHz."""
    tau_min, tau_max = int(RATE / F0_MAX), int(RATE / F0_MIN)
    frames = _frames(x, WINDOW + tau_max).astype(np.float64)
    n_fft = 1 << math.ceil(math.log2(2 * frames.shape[1]))
    spec_full = np.fft.rfft(frames, n_fft)
    spec_head = np.fft.rfft(frames[:, :WINDOW], n_fft)
    r = np.fft.irfft(np.conj(spec_head) * spec_full, n_fft)[:, : tau_max + 1]
    sq = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames**2, axis=1)], axis=1)
    taus = np.arange(tau_max + 1)
    e_tau = sq[:, taus + WINDOW] - sq[:, taus]
    d = np.maximum(e_tau[:, :1] + e_tau - 2 * r, 0.0)
    cum = np.cumsum(d[:, 1:], axis=1)
    cmnd = np.ones_like(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        cmnd[:, 1:] = np.where(cum > 0, d[:, 1:] * taus[1:] / cum, 1.0)
    search = cmnd[:, tau_min : tau_max + 1]
    below = search < YIN_THRESHOLD
    voiced = below.any(axis=1)
    idx = np.argmax(below, axis=1)
    for _ in range(tau_max - tau_min):  # walk down to the local minimum
        nxt = np.minimum(idx + 1, search.shape[1] - 1)
        step = voiced & (search[np.arange(len(idx)), nxt] < search[np.arange(len(idx)), idx])
        if not step.any():
            break
        idx = np.where(step, nxt, idx)
    rows = np.arange(len(idx))
    left = search[rows, np.maximum(idx - 1, 0)]
    mid = search[rows, idx]
    right = search[rows, np.minimum(idx + 1, search.shape[1] - 1)]
    denom = left - 2 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / denom, 0.0)
    tau = tau_min + idx + np.clip(shift, -1, 1)
    f0 = np.where(voiced, RATE / tau, np.nan)
    return f0.astype(np.float64)


def extract(x: NDArray[np.float32]) -> ProsodyFeatures:
    """Prosody of mono 16 kHz samples."""
    if len(x) < WINDOW:
        x = np.pad(x, (0, WINDOW - len(x)))
    frames = _frames(x, WINDOW)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    db = 20 * np.log10(np.maximum(rms, 1e-10))
    top = float(db.max())
    active = (db > top - ACTIVE_RANGE_DB) & (db > SILENCE_DBFS)
    if not active.any():
        return ProsodyFeatures(SILENCE_DBFS - 1, 0.0, 0.0, 0.0, None, None, None, None)
    level = 10 * math.log10(float(np.mean(rms[active] ** 2)))
    f0 = yin_f0(x)
    voiced = active & ~np.isnan(f0)
    semis = 12 * np.log2(f0[voiced] / 100.0) if voiced.any() else np.zeros(0)
    enough = semis.size >= 5
    env = signal.convolve(db, np.ones(5) / 5, mode="same")
    peaks, _ = signal.find_peaks(env, prominence=2.0, distance=10)
    near_voiced = np.convolve(voiced.astype(float), np.ones(5), mode="same") > 0
    nuclei = int(np.sum(near_voiced[peaks] & active[peaks])) if len(peaks) else 0
    active_s = float(active.sum()) * HOP / RATE
    return ProsodyFeatures(
        active_level_dbfs=level,
        energy_sd_db=float(np.std(db[active])),
        active_seconds=active_s,
        voiced_ratio=float(voiced.sum() / max(1, active.sum())),
        f0_median_hz=float(np.median(f0[voiced])) if enough else None,
        f0_sd_semitones=_robust_sd(semis) if enough else None,
        f0_range_semitones=float(np.percentile(semis, 90) - np.percentile(semis, 10))
        if enough
        else None,
        syllable_rate=nuclei / active_s if enough and active_s > 0.3 else None,
    )


def _robust_sd(values: NDArray[np.float64]) -> float:
    """1.4826 x median absolute deviation (equals the SD for normal data)."""
    return float(1.4826 * np.median(np.abs(values - np.median(values))))
