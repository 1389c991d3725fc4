"""Integrated loudness (ITU-R BS.1770-4 / EBU R128) and loudness normalisation, in numpy/scipy.

Why our own meter: the export needs the programme loudness before it writes the audio (normalisation is a
gain on the whole mix), and FFmpeg's ebur128 filter only reports after the fact. The meter follows the
standard: K-weighting (a high-shelf "head" filter and the RLB high-pass, designed for any sample rate from
the analogue prototypes), mean square per 400 ms block with 75 % overlap, channel weights (surrounds
+1.5 dB, LFE ignored), an absolute gate at -70 LUFS and a relative gate 10 LU under the gated mean.
tests/core/audio/test_audio_loudness_*.py check it against FFmpeg's independent ebur128 meter.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage, signal

WEB_LUFS = -16.0  # streaming/web delivery (Apple, YouTube-style platforms use -14..-16)
BROADCAST_LUFS = -23.0  # EBU R128 broadcast
TARGETS = {"web": WEB_LUFS, "broadcast": BROADCAST_LUFS}
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
BLOCK_S, STEP_S = 0.4, 0.1
SILENCE_LUFS = -math.inf

# stage 1 (high shelf modelling the head) and stage 2 (RLB high-pass): analogue prototype parameters
_SHELF_F0, _SHELF_GAIN_DB, _SHELF_Q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
_HIGHPASS_F0, _HIGHPASS_Q = 38.13547087602444, 0.5003270373238773


def k_weighting(rate: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((b, a) shelf, (b, a) high-pass) biquads of the K-weighting filter at `rate` (bilinear transform)."""
    k = math.tan(math.pi * _SHELF_F0 / rate)
    vh = 10 ** (_SHELF_GAIN_DB / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / _SHELF_Q + k * k
    shelf_b = np.array([vh + vb * k / _SHELF_Q + k * k, 2 * (k * k - vh), vh - vb * k / _SHELF_Q + k * k]) / a0
    shelf_a = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / _SHELF_Q + k * k) / a0])
    k = math.tan(math.pi * _HIGHPASS_F0 / rate)
    a0 = 1 + k / _HIGHPASS_Q + k * k
    hp_b = np.array([1.0, -2.0, 1.0])
    hp_a = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / _HIGHPASS_Q + k * k) / a0])
    return (shelf_b, shelf_a), (hp_b, hp_a)


def channel_weights(channels: int) -> np.ndarray:
    """BS.1770 weights for FFmpeg's default order (FL FR FC LFE BL BR ...): LFE 0, surrounds 1.41."""
    if channels <= 3:
        return np.ones(channels)
    weights = np.ones(channels)
    weights[3] = 0.0  # LFE
    weights[4:] = 1.41
    return weights


def block_loudness(audio: np.ndarray, rate: int) -> np.ndarray:
    """Loudness (LUFS) of each 400 ms block, stepping 100 ms (empty when the audio is shorter than a block)."""
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float64))
    audio = np.where(np.isfinite(audio), audio, 0.0)
    (b1, a1), (b2, a2) = k_weighting(rate)
    weighted = signal.lfilter(b2, a2, signal.lfilter(b1, a1, audio, axis=1), axis=1)
    block, step = round(BLOCK_S * rate), round(STEP_S * rate)
    if weighted.shape[1] < block:
        return np.zeros(0)
    # mean square per block via a cumulative sum (O(N) instead of one sum per block)
    squares = np.concatenate([np.zeros((weighted.shape[0], 1)), np.cumsum(weighted**2, axis=1)], axis=1)
    starts = np.arange(0, weighted.shape[1] - block + 1, step)
    mean_square = (squares[:, starts + block] - squares[:, starts]) / block
    power = channel_weights(audio.shape[0]) @ mean_square
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(power)


def integrated_loudness(audio: np.ndarray, rate: int) -> float:
    """Gated integrated loudness in LUFS of float [C, N] audio; -inf for silence or audio under 400 ms."""
    blocks = block_loudness(audio, rate)
    above = blocks[blocks > ABSOLUTE_GATE]
    if above.size == 0:
        return SILENCE_LUFS
    power = 10 ** ((above + 0.691) / 10)
    relative = -0.691 + 10 * math.log10(power.mean()) + RELATIVE_GATE
    gated = power[above > relative]
    return float(-0.691 + 10 * math.log10(gated.mean()))


def true_peak_dbfs(audio: np.ndarray, oversample: int = 4) -> float:
    """Estimated true peak (dBTP): the sample peak after 4x oversampling, as BS.1770 annex 2 suggests."""
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float64))
    if audio.shape[1] == 0:
        return -math.inf
    peak = float(np.abs(signal.resample_poly(audio, oversample, 1, axis=1)).max(initial=0.0))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def limit(audio: np.ndarray, rate: int, ceiling_dbfs: float = -1.0, lookahead_ms: float = 5.0) -> np.ndarray:
    """Peak limiter: a smooth gain that never lets a sample exceed the ceiling and never boosts.

    The needed gain per sample is spread by a running minimum and then averaged over the same window, so
    the gain ramps down before a peak (look-ahead) and back up after it, with no step (click).
    """
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
    ceiling = 10 ** (ceiling_dbfs / 20)
    peaks = np.abs(audio).max(axis=0)
    if audio.shape[1] == 0 or peaks.max() <= ceiling:
        return audio.copy()
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    half = max(1, round(lookahead_ms / 1000 * rate))
    spread = ndimage.minimum_filter1d(needed, size=2 * half + 1, mode="nearest")
    gain = ndimage.uniform_filter1d(spread, size=2 * half + 1, mode="nearest")
    gain = np.minimum(gain, needed)  # float rounding in the average must not let a peak through
    return (audio * gain[None, :]).astype(np.float32)


def limiter_reach(rate: int, lookahead_ms: float = 5.0) -> int:
    """Samples on each side of a sample that `limit` looks at to set its gain: a range rendered with this
    much context on both sides is limited exactly as inside the whole programme."""
    return 2 * max(1, round(lookahead_ms / 1000 * rate)) + 1


def normalize(audio: np.ndarray, rate: int, target_lufs: float = WEB_LUFS, ceiling_dbfs: float = -1.0,
              max_gain_db: float = 30.0) -> tuple[np.ndarray, float, float]:
    """Bring a programme to `target_lufs` with a peak ceiling: (audio, gain applied in dB, measured input LUFS).

    Silence (and anything under 400 ms) is returned unchanged. Limiting takes a little loudness off, so the
    gain is corrected from a re-measurement (at most three passes); the result lands within ~0.1 LU.
    """
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
    measured = integrated_loudness(audio, rate)
    if not math.isfinite(measured):
        return audio.copy(), 0.0, measured
    gain_db = min(target_lufs - measured, max_gain_db)
    out = limit(audio * np.float32(10 ** (gain_db / 20)), rate, ceiling_dbfs)
    for _ in range(2):
        error = target_lufs - integrated_loudness(out, rate)
        if abs(error) < 0.05 or gain_db >= max_gain_db:
            break
        gain_db = min(gain_db + error, max_gain_db)
        out = limit(audio * np.float32(10 ** (gain_db / 20)), rate, ceiling_dbfs)
    return out, gain_db, measured  # gain_db is the gain `out` was made with (playback re-applies it)
