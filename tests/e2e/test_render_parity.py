"""Speed did not change what the user sees: fast ffmpeg path vs the frame-by-frame moviepy baseline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from render_fixtures import sample_timeline
from skimage.metrics import structural_similarity

from media_checks import loudness_figures
from reelcraft.media.fonts import find_caption_font
from reelcraft.render.graph import render_timeline
from reelcraft.render.naive import render_timeline_moviepy

WIDTH, HEIGHT = 540, 960


def _frame(video: Path, t: float) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", f"{t:.3f}", "-i", str(video), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(HEIGHT, WIDTH, 3)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    work = tmp_path_factory.mktemp("parity")
    # the naive baseline draws plain outlined text on one line: compared in the quietest caption style, with
    # captions short enough for one line
    timeline = sample_timeline(work, duration=4, clips=2, width=WIDTH, height=HEIGHT, frames_clip=True,
                               caption_style="lower_third", words=("Save", "$5", "today."))
    fast, naive = work / "fast.mp4", work / "naive.mp4"
    render_timeline(timeline, fast, work / "fast-work")
    render_timeline_moviepy(timeline, naive, work / "naive-work", font=find_caption_font().path)
    return fast, naive, work


def test_sampled_frames_match(rendered: tuple[Path, Path, Path]) -> None:
    fast, naive, _ = rendered
    times = [0.3, 0.9, 1.5, 1.9, 2.0, 2.1, 2.6, 3.2, 3.8]  # moves, the crossfade at 2 s, the generated clip
    scores = [structural_similarity(_frame(fast, t), _frame(naive, t), channel_axis=2) for t in times]
    print("SSIM per timestamp:", [round(s, 3) for s in scores], "mean", round(float(np.mean(scores)), 3))
    assert float(np.mean(scores)) >= 0.9, scores
    assert min(scores) >= 0.75, scores


def test_fast_path_is_not_trivially_equal_to_a_blank(rendered: tuple[Path, Path, Path]) -> None:
    fast, _, _ = rendered
    a, b = _frame(fast, 0.3), _frame(fast, 3.2)
    assert structural_similarity(a, b, channel_axis=2) < 0.8  # different scenes really differ


def test_loudness_matches(rendered: tuple[Path, Path, Path]) -> None:
    fast, naive, work = rendered
    fast_lufs = loudness_figures(fast, work)["lufs"]
    naive_lufs = loudness_figures(naive, work)["lufs"]
    assert abs(fast_lufs - naive_lufs) <= 0.5, (fast_lufs, naive_lufs)
    assert abs(fast_lufs + 14) <= 1.0
