"""Long timelines render in segments (flat memory) and look the same as one pass."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from render_fixtures import sample_timeline
from skimage.metrics import structural_similarity

import reelcraft.render.graph as render
from reelcraft.media.probe import probe

W, H = 270, 480


def _frames(video: Path) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3)


def test_segmented_render_matches_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    timeline = sample_timeline(tmp_path / "t", duration=14, clips=14, width=W, height=H, crossfade=0.4,
                               frames_clip=True)
    segmented = render.render_timeline(timeline, tmp_path / "seg.mp4", tmp_path / "w1", encoder="libx264")
    monkeypatch.setattr(render, "SEGMENT_CLIPS", 100)
    single = render.render_timeline(timeline, tmp_path / "one.mp4", tmp_path / "w2", encoder="libx264")
    assert segmented["segments"] == 3 and single["segments"] == 1
    a, b = _frames(tmp_path / "seg.mp4"), _frames(tmp_path / "one.mp4")
    assert len(a) == len(b) == 14 * 30
    scores = [structural_similarity(x, y, channel_axis=2) for x, y in zip(a[::10], b[::10], strict=True)]
    assert min(scores) > 0.97, min(scores)
    info = probe(tmp_path / "seg.mp4")
    assert abs(info.duration - 14) < 0.05 and info.has_audio
