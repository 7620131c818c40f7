"""The creator's media ranked by what it shows: real photos (scikit-image's bundled samples, public domain or
CC0/CC-BY, credited in scikit-image/skimage/data/README.txt) under camera names, the real classifier and
embedder, a 2-minute clip, and a landscape photo filling the vertical frame."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from reelcraft.config import Settings
from reelcraft.plan import PRESETS, Platform
from reelcraft.tools.deps import Deps
from reelcraft.tools.media_match import name_words, view_times
from reelcraft.tools.visuals import SceneVisualSpec, VisualsInput, pick_visuals

SAMPLES = {"IMG_0001.jpg": data.coffee, "IMG_0002.jpg": data.chelsea, "IMG_0003.jpg": data.rocket,
           "IMG_0004.jpg": data.stereo_motorcycle}  # fmt: skip


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("media")
    for name, sample in SAMPLES.items():
        pixels = sample()
        Image.fromarray(pixels[0] if isinstance(pixels, tuple) else pixels).save(folder / name, quality=92)
    return folder


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> Deps:
    return Deps.from_settings(Settings(home=tmp_path_factory.mktemp("home"), models_home=models_home,
                                       backgrounds="cards"))  # fmt: skip


def test_camera_names_say_nothing_and_a_long_clip_is_looked_at_along_its_length() -> None:
    assert name_words("IMG_0042.JPG") == "" and name_words("beach_sunset-2.jpg") == "beach sunset"
    assert view_times(6.0) == [3.0]
    times = view_times(120.0)
    assert len(times) == 12 and times[0] < 10 and times[-1] > 110


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_coffee_scene_gets_the_coffee_photo_and_the_cat_scene_the_cat(photos: Path, deps: Deps,
                                                                          language: str) -> None:  # fmt: skip
    lines = {
        "en": ["My cat naps on the sofa all afternoon", "First, a strong cup of coffee"],
        "zh": ["我家的猫整个下午都在沙发上睡觉", "先来一杯浓咖啡"],
    }[language]
    scenes = [SceneVisualSpec(description="", narration=line, duration=4) for line in lines]
    out = pick_visuals(VisualsInput(scenes=scenes, media_dir=photos, preset=PRESETS[Platform.TIKTOK],
                                    illustrate=False), deps)  # fmt: skip
    assert [v.source_name for v in out.scenes] == ["IMG_0002.jpg", "IMG_0001.jpg"], out.scenes
    assert all(v.relevance is not None and v.relevance > 0.3 for v in out.scenes), [v.relevance for v in out.scenes]
    # the other way round the pairs would be wrong: the files were matched, not dealt out in order
    flipped = pick_visuals(VisualsInput(scenes=scenes[::-1], media_dir=photos, preset=PRESETS[Platform.TIKTOK],
                                        illustrate=False), deps)  # fmt: skip
    assert [v.source_name for v in flipped.scenes] == ["IMG_0001.jpg", "IMG_0002.jpg"]


def test_a_scene_nothing_fits_is_illustrated_while_the_photos_wait(photos: Path, deps: Deps) -> None:
    scenes = [
        SceneVisualSpec(description="", narration="First, a strong cup of coffee", duration=4),
        *(SceneVisualSpec(description="", narration=f"Tip {n}: drink water", duration=4) for n in range(4)),
    ]
    out = pick_visuals(VisualsInput(scenes=scenes, media_dir=photos, preset=PRESETS[Platform.TIKTOK],
                                    illustrate=False), deps)  # fmt: skip
    names = [v.source_name for v in out.scenes]
    assert names[0] == "IMG_0001.jpg"
    assert sorted(n for n in names if n.startswith("IMG")) == sorted(SAMPLES)  # each file once, all used
    assert sum(1 for v in out.scenes if v.origin == "generated") == 1


def test_a_two_minute_clip_gives_its_best_moment_and_landscape_fills_the_frame(tmp_path: Path, deps: Deps) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    Image.fromarray(data.brick()).convert("RGB").save(tmp_path / "wall.jpg")
    Image.fromarray(data.coffee()).save(tmp_path / "coffee.jpg")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "2", "-t", "100", "-i",
                    str(tmp_path / "wall.jpg"), "-loop", "1", "-framerate", "2", "-t", "20", "-i",
                    str(tmp_path / "coffee.jpg"), "-filter_complex",
                    "[0:v]scale=480:320,setsar=1[a];[1:v]scale=480:320,setsar=1[b];[a][b]concat=n=2:v=1[v]",
                    "-map", "[v]", "-r", "2", "-c:v", "libx264", "-preset", "ultrafast",
                    str(folder / "VID_0001.mp4")], check=True)  # fmt: skip
    Image.fromarray(data.stereo_motorcycle()[0]).save(folder / "IMG_0009.jpg")  # 741×500: landscape
    scenes = [
        SceneVisualSpec(description="", narration="A strong cup of coffee to start", duration=6),
        SceneVisualSpec(description="", narration="Weekend rides on my old motorbike", duration=4),
    ]
    out = pick_visuals(VisualsInput(scenes=scenes, media_dir=folder, preset=PRESETS[Platform.TIKTOK],
                                    illustrate=False), deps)  # fmt: skip
    clip, photo = out.scenes
    assert clip.source_name == "VID_0001.mp4" and clip.kind == "video"
    assert 94 <= clip.source_in <= 114, clip.source_in  # the coffee part starts at 100 s
    assert photo.source_name == "IMG_0009.jpg"
    with Image.open(photo.asset.path) as kept:
        assert kept.size == (741, 500)  # kept whole (and not enlarged): every frame shape is cut from the same file
    from reelcraft.render.compose import cover_filter

    for width, height in ((1080, 1920), (1920, 1080), (1080, 1350)):  # what the render does for each shape
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(photo.asset.path), "-vf",
                              cover_filter(width, height), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray",
                              "-"], capture_output=True, check=True).stdout  # fmt: skip
        pixels = np.frombuffer(raw, dtype=np.uint8).reshape(height, width)
        assert pixels[:40].mean() > 20 and pixels[-40:].mean() > 20  # filled: no black bars above or below
        assert pixels[:, :40].mean() > 20 and pixels[:, -40:].mean() > 20  # nor at the sides
