"""Signal processing with numpy/scipy: loudness normalization and high-pass filtering.

Loudness follows ITU-R BS.1770-4 / EBU R128: K-weighting (a +4 dB high shelf near 1.7 kHz,
then a 38 Hz high-pass, designed for any sample rate with the parameters that reproduce the
standard's 48 kHz coefficients), mean square over 400 ms blocks with 75 % overlap, an
absolute gate at -70 LUFS and a relative gate 10 LU below the ungated level. The clip is
then scaled to -23 LUFS, except that the gain is reduced when it would push the sample peak
above -1 dBFS (a gain cap, not a limiter: very peaky clips come out quieter than -23 LUFS).
Silence (nothing above the absolute gate) is returned unchanged.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import signal

TARGET_LUFS = -23.0
PEAK_CEILING_DBFS = -1.0
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
HIGHPASS_HZ = 80.0
HIGHPASS_ORDER = 4

F32 = NDArray[np.float32]


def k_weighting_sos(rate: int) -> NDArray[np.float64]:
    """BS.1770 K-weighting as two second-order sections at `rate` Hz.

    Bilinear-transform designs (as in libebur128) whose parameters reproduce the standard's
    published 48 kHz coefficients exactly.
    """
    # stage 1: high shelf modelling the head (+4 dB above ~1.7 kHz)
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2 * (k * k - 1) / a0,
        (1 - k / q + k * k) / a0,
    ]
    # stage 2: RLB high-pass (~38 Hz)
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    rlb = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.asarray([shelf, rlb], dtype=np.float64)


def integrated_loudness(samples: F32, rate: int) -> float:
    """Gated integrated loudness in LUFS (-inf for silence)."""
    x = signal.sosfilt(k_weighting_sos(rate), samples.astype(np.float64))
    block, step = round(0.4 * rate), round(0.1 * rate)
    power = x * x
    if len(x) <= block:
        blocks = np.array([power.mean()]) if len(x) else np.zeros(0)
    else:
        csum = np.concatenate([[0.0], np.cumsum(power)])
        starts = np.arange(0, len(x) - block + 1, step)
        blocks = (csum[starts + block] - csum[starts]) / block
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(blocks)
    gated = blocks[levels > ABSOLUTE_GATE_LUFS]
    if gated.size == 0:
        return float("-inf")
    relative = -0.691 + 10 * math.log10(gated.mean()) + RELATIVE_GATE_LU
    final = blocks[(levels > ABSOLUTE_GATE_LUFS) & (levels > relative)]
    return float(-0.691 + 10 * math.log10(final.mean()))


def normalize_loudness(samples: F32, rate: int, target_lufs: float = TARGET_LUFS) -> F32:
    """Scale to `target_lufs` (EBU R128 -23 by default), sample peak capped at -1 dBFS."""
    loudness = integrated_loudness(samples, rate)
    if not math.isfinite(loudness):
        return samples.copy()
    gain = 10 ** ((target_lufs - loudness) / 20)
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    ceiling = 10 ** (PEAK_CEILING_DBFS / 20)
    if peak * gain > ceiling:
        gain = ceiling / peak
    return (samples * gain).astype(np.float32)


def highpass(samples: F32, rate: int, cutoff_hz: float = HIGHPASS_HZ) -> F32:
    """Zero-phase Butterworth high-pass (order 4, run forward and backward)."""
    sos = signal.butter(HIGHPASS_ORDER, cutoff_hz, btype="highpass", fs=rate, output="sos")
    if len(samples) < 2:
        return samples.copy()
    default_pad = 3 * (2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum()))
    padlen = min(default_pad, len(samples) - 1)
    out = signal.sosfiltfilt(sos, samples.astype(np.float64), padlen=padlen)
    return np.asarray(out, dtype=np.float32)
