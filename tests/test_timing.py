from __future__ import annotations

import pytest

from reelcraft.studio.pipeline import VOICE_LEAD_S, VOICE_TAIL_S, fit_scene_durations


def test_durations_sum_to_target_on_the_frame_grid_and_fit_the_voice() -> None:
    durations = fit_scene_durations([5, 5, 10, 10], [6.0, 2.0, 3.0, 4.0], 30, 30)
    assert durations is not None
    assert sum(durations) == pytest.approx(30, abs=1e-9)
    assert all(abs(d * 30 - round(d * 30)) < 1e-6 for d in durations)
    for d, v in zip(durations, [6.0, 2.0, 3.0, 4.0], strict=True):
        assert d >= v + VOICE_LEAD_S + VOICE_TAIL_S - 1 / 30
    assert durations[0] > 5  # grew to hold its narration
    assert durations[3] > durations[1]  # the rest keep the plan's proportions


def test_narration_longer_than_video_is_reported() -> None:
    assert fit_scene_durations([10, 10, 10], [12.0, 12.0, 12.0], 30, 30) is None
