from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from reelcraft.media.loudness import integrated_loudness


@pytest.mark.parametrize("scale", [1.0, 0.05])
def test_block_loudness_equals_pyloudnorm(scale: float) -> None:
    rng = np.random.default_rng(1)
    seconds = 23.7  # not a multiple of the chunk or block size
    t = np.arange(int(48_000 * seconds)) / 48_000
    signal = rng.normal(0, 0.1, (len(t), 2)) * (np.sin(t * 1.7)[:, None] > -0.2) * scale
    signal[:, 1] *= 0.5
    expected = pyloudnorm.Meter(48_000).integrated_loudness(signal)
    assert integrated_loudness(signal, 48_000, chunk_s=3.0) == pytest.approx(expected, abs=0.01)


def test_silence_is_minus_infinity() -> None:
    assert integrated_loudness(np.zeros((48_000 * 2, 2)), 48_000) == float("-inf")
