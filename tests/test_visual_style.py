"""Chat edits of the look ('warmer colours', 'more abstract') and the colour grade behind them."""

from __future__ import annotations

import numpy as np
import pytest

from reelcraft.media.colour import warm_shift
from reelcraft.plan import VisualStyle
from reelcraft.tools.visuals import adjust_style


@pytest.mark.parametrize(("request_text", "field", "direction"), [
    ("warmer colours please", "warmth", 1), ("make it cooler, more blue", "warmth", -1), ("暖色调一点", "warmth", 1),
    ("偏冷一些", "warmth", -1), ("more abstract", "abstraction", 1), ("更抽象一点", "abstraction", 1),
    ("less movement in the background", "motion", -1), ("more dynamic visuals", "motion", 1),
])  # fmt: skip
def test_each_request_moves_its_own_knob_and_only_that(request_text: str, field: str, direction: int) -> None:
    start = VisualStyle(warmth=0.0, abstraction=0.3, motion=1.0)
    after = adjust_style(start, request_text)
    assert np.sign(getattr(after, field) - getattr(start, field)) == direction
    others = {k for k in VisualStyle.model_fields if k != field}
    assert all(getattr(after, k) == getattr(start, k) for k in others)


def test_less_abstract_is_not_read_as_more_abstract_and_limits_hold() -> None:
    style = VisualStyle(abstraction=0.7)
    assert adjust_style(style, "less abstract").abstraction == pytest.approx(0.35)
    assert adjust_style(style, "不要那么抽象").abstraction == pytest.approx(0.35)
    hot = VisualStyle(warmth=0.9)
    assert adjust_style(hot, "warmer").warmth == 1.0
    assert adjust_style(hot, "add a 3D dragon") == hot  # nothing understood, nothing changed


def test_warm_shift_moves_red_against_blue_and_keeps_the_dtype() -> None:
    grey = np.full((4, 4, 3), 128, dtype=np.uint8)
    warm, cool = warm_shift(grey, 0.8), warm_shift(grey, -0.8)
    assert warm.dtype == np.uint8
    assert int(warm[..., 0].mean()) - int(warm[..., 2].mean()) > 40
    assert int(cool[..., 2].mean()) - int(cool[..., 0].mean()) > 40
    assert warm_shift(grey, 0.0) is grey
    floats = warm_shift(np.full(9, 0.5, dtype=np.float32).reshape(3, 3), 1.0)
    assert floats.max() <= 1.0 and floats[:, 0].mean() > floats[:, 2].mean()
