"""The creator's media at its worst: a 4K HEVC clip and a 10-bit clip are looked at and rendered; a folder of
500 files, half of them not media, is indexed once (cached by hash) with every unusable file named."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from render_fixtures import synth_audio
from skimage import data

from reelcraft.config import Settings
from reelcraft.edit.timeline import AudioClip, Timeline, VisualClip
from reelcraft.media.probe import probe
from reelcraft.plan import PRESETS, Platform
from reelcraft.render.graph import render_timeline
from reelcraft.tools.deps import Deps
from reelcraft.tools.visuals import SceneVisualSpec, VisualsInput, pick_visuals


def _encode(still: Path, out: Path, *codec: str, size: str) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "10", "-t", "2", "-i", str(still),
                    "-vf", f"scale={size},setsar=1", *codec, str(out)], check=True)  # fmt: skip
    return out


@pytest.mark.slow
def test_a_4k_hevc_clip_and_a_10_bit_clip_are_matched_and_rendered(tmp_path: Path, models_home: Path) -> None:
    Image.fromarray(data.coffee()).save(tmp_path / "coffee.jpg")
    Image.fromarray(data.chelsea()).save(tmp_path / "cat.jpg")
    folder = tmp_path / "media"
    folder.mkdir()
    hevc = _encode(tmp_path / "coffee.jpg", folder / "MVI_0001.mp4", "-c:v", "libx265", "-preset", "ultrafast",
                   "-x265-params", "log-level=error", "-tag:v", "hvc1", size="3840:2160")  # fmt: skip
    ten = _encode(tmp_path / "cat.jpg", folder / "MVI_0002.mp4", "-c:v", "libx264", "-preset", "ultrafast",
                  "-pix_fmt", "yuv420p10le", size="1280:720")  # fmt: skip
    assert probe(hevc).video_codec == "hevc" and (probe(hevc).width, probe(hevc).height) == (3840, 2160)
    assert "10" in (probe(ten).pix_fmt or "")
    deps = Deps.from_settings(Settings(home=tmp_path / "home", models_home=models_home, backgrounds="cards"))
    scenes = [SceneVisualSpec(description="", narration="My cat sleeps all day", duration=2),
              SceneVisualSpec(description="", narration="A strong cup of coffee", duration=2)]
    out = pick_visuals(VisualsInput(scenes=scenes, media_dir=folder, preset=PRESETS[Platform.TIKTOK],
                                    illustrate=False), deps)  # fmt: skip
    assert [v.source_name for v in out.scenes] == ["MVI_0002.mp4", "MVI_0001.mp4"], [v.source_name for v in out.scenes]
    _, voice = synth_audio(tmp_path, 4.0)
    clips = [VisualClip(source=v.asset.path, kind="video", start=2.0 * i, duration=2.0, source_duration=2.0)
             for i, v in enumerate(out.scenes)]  # fmt: skip
    timeline = Timeline(width=540, height=960, fps=30, duration=4.0, visuals=clips,
                        audio=[AudioClip(source=voice, start=0, role="voice")])  # fmt: skip
    render_timeline(timeline, tmp_path / "out.mp4", tmp_path / "work", profile="final", encoder="libx264")
    info = probe(tmp_path / "out.mp4")
    assert (info.width, info.height, info.pix_fmt, info.video_codec) == (540, 960, "yuv420p", "h264")
    assert abs(info.duration - 4.0) < 0.1


@pytest.mark.slow
def test_a_500_file_folder_half_junk_is_indexed_once_and_names_the_junk(tmp_path: Path,
                                                                         models_home: Path) -> None:  # fmt: skip
    folder = tmp_path / "dump"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for n in range(250):  # real photos, small: noise in a random colour
        pixels = (rng.random((48, 64, 3)) * 60 + rng.integers(0, 190, 3)).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"IMG_{n:04d}.jpg", quality=80)
    for n in range(250):  # not media at all, or media in name only
        kind = n % 5
        if kind == 0:
            (folder / f"notes_{n}.txt").write_text("shopping list")
        elif kind == 1:
            (folder / f"fake_{n}.jpg").write_text("<html>not a photo</html>")
        elif kind == 2:
            (folder / f"empty_{n}.mp4").write_bytes(b"")
        elif kind == 3:
            (folder / f"broken_{n}.mov").write_bytes(os.urandom(2048))
        else:
            (folder / f".hidden_{n}.jpg").write_bytes(b"x")
    Image.fromarray(data.coffee()).save(folder / "IMG_9999.jpg")
    deps = Deps.from_settings(Settings(home=tmp_path / "home", models_home=models_home, backgrounds="cards"))
    seen: list[str] = []
    deps.progress = lambda stage, message: seen.append(message)
    spec = SceneVisualSpec(description="", narration="A strong cup of coffee", duration=3)
    out = pick_visuals(VisualsInput(scenes=[spec], media_dir=folder, preset=PRESETS[Platform.TIKTOK],
                                    illustrate=False), deps)  # fmt: skip
    assert out.scenes[0].source_name == "IMG_9999.jpg"
    assert len(out.skipped) == 150 and any("fake_1.jpg" in s and "not a readable image" in s for s in out.skipped)
    assert any("empty_2.mp4" in s and "0 bytes" in s for s in out.skipped)
    assert any("looking at your media 251/251" in m for m in seen)
    again = Deps.from_settings(deps.settings)
    pick_visuals(VisualsInput(scenes=[spec], media_dir=folder, preset=PRESETS[Platform.TIKTOK], illustrate=False),
                 again)  # fmt: skip
    assert again.cache.stats()["media_profile"] == {"hits": 251, "misses": 0}
