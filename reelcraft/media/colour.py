"""Colour grading shared by generated visuals: one definition of 'warmer' and 'cooler'."""

from __future__ import annotations

import numpy as np

WARM_GAINS = np.array([0.22, 0.05, -0.30], dtype=np.float32)
"""Per-channel gain change at warmth 1 (red up, blue down, like lowering the white balance's kelvin);
warmth −1 applies the opposite."""


def warm_shift(rgb: np.ndarray, warmth: float) -> np.ndarray:
    """Shift colours toward orange (warmth > 0) or blue (< 0). Works on any array whose last axis is
    RGB, floats 0–1 or uint8 0–255, and returns the same dtype."""
    if warmth == 0:
        return rgb
    gains = 1.0 + WARM_GAINS * float(np.clip(warmth, -1.0, 1.0))
    if rgb.dtype == np.uint8:
        return (rgb.astype(np.float32) * gains).clip(0, 255).round().astype(np.uint8)
    return (np.asarray(rgb, dtype=np.float32) * gains).clip(0.0, 1.0)
