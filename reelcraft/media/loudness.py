"""Integrated loudness (ITU-R BS.1770-4) measured block by block, so memory does not grow with length.

pyloudnorm needs the whole signal (and float64 copies of it) in memory; here its own K-weighting filter
coefficients run chunk by chunk with carried filter state, and the gating is done on 100 ms energies.
`tests/test_loudness.py` checks it against pyloudnorm.
"""

from __future__ import annotations

import numpy as np
import pyloudnorm
from scipy.signal import lfilter, lfilter_zi, resample_poly

SUB_BLOCK_S = 0.1
"""Gating blocks are 400 ms with 75 % overlap: four 100 ms sub-blocks, stepping one at a time."""


def integrated_loudness(audio: np.ndarray, rate: int, chunk_s: float = 10.0) -> float:
    """LUFS of a (samples, channels) signal; -inf for silence, like pyloudnorm."""
    meter = pyloudnorm.Meter(rate)
    stages = [(f.b, f.a) for f in meter._filters.values()]  # K-weighting: high shelf, then high pass
    channels = audio.shape[1]
    sub = int(round(SUB_BLOCK_S * rate))
    states = [[lfilter_zi(b, a) * 0.0 for b, a in stages] for _ in range(channels)]
    energies: list[np.ndarray] = []  # per sub-block, per channel: sum of squares
    carry = np.zeros((0, channels))
    step = int(chunk_s * rate) // sub * sub
    for start in range(0, len(audio), step):
        block = audio[start : start + step].astype(np.float64)
        weighted = np.empty_like(block)
        for ch in range(channels):
            signal = block[:, ch]
            for index, (b, a) in enumerate(stages):
                signal, states[ch][index] = lfilter(b, a, signal, zi=states[ch][index])
            weighted[:, ch] = signal
        weighted = np.concatenate([carry, weighted])
        usable = len(weighted) // sub * sub
        energies.append((weighted[:usable] ** 2).reshape(-1, sub, channels).sum(axis=1))
        carry = weighted[usable:]
    per_sub = np.concatenate(energies) if energies else np.zeros((0, channels))
    if len(per_sub) < 4:
        return float("-inf")
    # 400 ms blocks from four consecutive 100 ms sub-blocks
    window = np.lib.stride_tricks.sliding_window_view(per_sub, 4, axis=0).sum(axis=-1) / (4 * sub)
    block_loudness = -0.691 + 10 * np.log10(np.maximum(window.sum(axis=1), 1e-20))
    above_absolute = block_loudness > -70.0
    if not above_absolute.any():
        return float("-inf")
    relative = -0.691 + 10 * np.log10(window[above_absolute].mean(axis=0).sum()) - 10.0
    gated = above_absolute & (block_loudness > relative)
    return float(-0.691 + 10 * np.log10(window[gated].mean(axis=0).sum()))


def true_peak_db(audio: np.ndarray, block: int = 240_000) -> float:
    """Peak of the 4× oversampled signal (ITU-R BS.1770 true peak), in blocks so memory stays flat."""
    pad = 64
    peak = 0.0
    for start in range(0, len(audio), block):
        segment = audio[max(0, start - pad) : start + block + pad]
        peak = max(peak, float(np.max(np.abs(resample_poly(segment, 4, 1, axis=0)))))
    return 20 * np.log10(peak) if peak > 0 else -120.0
