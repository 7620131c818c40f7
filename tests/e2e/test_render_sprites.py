"""Sprites (illustrations, kinetic numbers) pop in on time, float, and survive a segment boundary."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from render_fixtures import synth_audio

import reelcraft.render.graph as render
from reelcraft.edit.timeline import AudioClip, Sprite, Timeline, VisualClip

W, H, FPS = 270, 480, 30
COOL = [(30, 60, 200), (40, 160, 80)]
"""Background colours nothing red is mixed from, so only the sprite counts as red."""


def _frames(video: Path) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3)


def _red(frame: np.ndarray) -> np.ndarray:
    r, g, b = (frame[..., i].astype(int) for i in range(3))
    return (r > 180) & (g < 90) & (b < 90)


@pytest.fixture(scope="module")
def timeline(tmp_path_factory: pytest.TempPathFactory) -> Timeline:
    folder = tmp_path_factory.mktemp("sprites")
    for name, colour in (("blue", (30, 60, 200)), ("green", (40, 160, 80))):
        Image.new("RGB", (W, H), colour).save(folder / f"{name}.png")
    disc = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(disc).ellipse((10, 10, 190, 190), fill=(230, 20, 20, 255))
    disc.save(folder / "disc.png")
    _, voice = synth_audio(folder, 4.0)
    sprite = Sprite(source=folder / "disc.png", x=0.5, y=0.45, width=0.4, appear=0.5, motion="pop", bob=0.03,
                    period=3.0)  # fmt: skip
    return Timeline(width=W, height=H, fps=FPS, duration=4.0, audio=[AudioClip(source=voice, start=0, role="voice")],
                    visuals=[VisualClip(source=folder / "blue.png", kind="image", start=0, duration=2.0),
                             VisualClip(source=folder / "green.png", kind="image", start=2.0, duration=2.0,
                                        sprites=(sprite,))])  # fmt: skip


def test_a_sprite_pops_in_on_time_and_floats(timeline: Timeline, tmp_path: Path) -> None:
    render.render_timeline(timeline, tmp_path / "out.mp4", tmp_path / "work", profile="final", encoder="libx264")
    frames = _frames(tmp_path / "out.mp4")
    assert len(frames) == 4 * FPS
    before, growing, grown, later = (frames[round(t * FPS)] for t in (2.3, 2.6, 3.0, 3.75))
    assert not _red(before).any() and not _red(frames[round(1.0 * FPS)]).any()  # not before it appears
    assert 0 < _red(growing).sum() < _red(grown).sum()  # it grows in
    assert _red(grown).sum() == pytest.approx(np.pi * (0.4 * W * 0.9 / 2) ** 2, rel=0.15)  # then full size
    rows = [np.nonzero(_red(f).any(axis=1))[0] for f in (grown, later)]
    assert abs(rows[0].mean() - rows[1].mean()) > 5  # and floats
    centre_x = np.nonzero(_red(grown).any(axis=0))[0].mean()
    assert centre_x == pytest.approx(W / 2, abs=3)


def test_a_sprite_cut_by_a_segment_boundary_carries_on(timeline: Timeline, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    render.render_timeline(timeline, tmp_path / "one.mp4", tmp_path / "w1", encoder="libx264")
    monkeypatch.setattr(render, "SEGMENT_CLIPS", 1)  # a boundary in the middle of the sprite's clip
    result = render.render_timeline(timeline, tmp_path / "seg.mp4", tmp_path / "w2", encoder="libx264")
    assert result["segments"] == 2
    one, seg = _frames(tmp_path / "one.mp4"), _frames(tmp_path / "seg.mp4")
    for t in (2.6, 3.2, 3.9):
        a, b = _red(one[round(t * FPS)]), _red(seg[round(t * FPS)])
        assert abs(int(a.sum()) - int(b.sum())) < 0.05 * a.sum() + 20


@pytest.mark.timeout(120)
def test_sprites_on_crossfading_generated_clips_render_and_leave_with_their_clip(timeline: Timeline,
                                                                               tmp_path: Path) -> None:  # fmt: skip
    """Generated frames come through pipes; with a sprite on a crossfaded piece ffmpeg 5.1 once waited forever."""
    sprite = timeline.visuals[1].sprites[0]
    first = VisualClip(kind="frames", generator="drift", params={"seed": 1, "colours": COOL}, start=0, duration=2.0,
                       sprites=(sprite.model_copy(update={"appear": 0.2}),))  # fmt: skip
    second = VisualClip(kind="frames", generator="drift", params={"seed": 2, "colours": COOL}, start=2.0, duration=2.0,
                        crossfade_in=0.6, sprites=(sprite,))  # fmt: skip
    piped = timeline.model_copy(update={"visuals": [first, second]})
    render.render_timeline(piped, tmp_path / "out.mp4", tmp_path / "work", encoder="libx264")
    frames = _frames(tmp_path / "out.mp4")
    assert len(frames) == 4 * FPS
    full = _red(frames[round(1.2 * FPS)]).sum()
    assert full > 0
    assert 0 < _red(frames[round(1.9 * FPS)]).sum() < full  # fading out with its clip over the crossfade
    assert not _red(frames[round(2.4 * FPS)]).any()  # gone; the second clip's sprite has not popped in yet
    assert _red(frames[round(3.2 * FPS)]).sum() > 0.5 * full
