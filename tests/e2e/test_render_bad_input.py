"""Bad render input ends in a correct render or a stage-named error, never a bare ffmpeg dump."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import srt
from PIL import Image
from render_fixtures import sample_image, synth_audio

from reelcraft.config import Settings
from reelcraft.edit.timeline import AudioClip, CaptionTrack, Timeline, VisualClip
from reelcraft.errors import RenderError
from reelcraft.media.fonts import find_symbol_font
from reelcraft.media.probe import probe
from reelcraft.plan import Language, OutputPreset
from reelcraft.render.graph import render_timeline
from reelcraft.tools.captions import CaptionInput, SceneCaptionSource, TimedWord, make_captions
from reelcraft.tools.deps import Deps

W, H = 540, 960


def _timeline(folder: Path, image: Path, captions: CaptionTrack | None = None, duration: float = 2.0) -> Timeline:
    _, voice = synth_audio(folder, duration)
    return Timeline(width=W, height=H, fps=30, duration=duration,
                    visuals=[VisualClip(source=image, kind="image", start=0, duration=duration)],
                    audio=[AudioClip(source=voice, start=0, role="voice")], captions=captions)


def test_missing_source_names_the_file(tmp_path: Path) -> None:
    timeline = _timeline(tmp_path, tmp_path / "gone.jpg")
    with pytest.raises(RenderError, match="gone.jpg is missing") as err:
        render_timeline(timeline, tmp_path / "out.mp4", tmp_path / "work")
    assert err.value.stage == "render" and err.value.fix
    assert not (tmp_path / "out.mp4").exists()


def test_zero_length_clip_is_a_render_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="length 0") as err:
        VisualClip(source=tmp_path / "a.jpg", kind="image", start=0, duration=0)
    assert err.value.stage == "render"


def test_huge_jpeg_renders_and_huge_png_is_refused(tmp_path: Path) -> None:
    big = Image.new("L", (20_000, 20_000), 128)
    big.save(tmp_path / "huge.jpg", quality=70)
    big.save(tmp_path / "huge.png", compress_level=1)
    del big
    out = tmp_path / "huge.mp4"
    render_timeline(_timeline(tmp_path, tmp_path / "huge.jpg"), out, tmp_path / "work-jpg")
    info = probe(out)
    assert (info.width, info.height) == (W, H) and abs(info.duration - 2.0) < 0.1
    with pytest.raises(RenderError, match="20000×20000") as err:
        render_timeline(_timeline(tmp_path, tmp_path / "huge.png"), tmp_path / "png.mp4", tmp_path / "work-png")
    assert "downscale" in err.value.fix


def test_emoji_and_mixed_cjk_latin_captions_render_without_boxes(tmp_path: Path) -> None:
    tokens = ["周", "末", "brunch", "太", "好", "吃", "了😋", "Let's", "go!", "🎉"]
    words = [TimedWord(text=t, start=0.1 + i * 0.15, end=0.25 + i * 0.15) for i, t in enumerate(tokens)]
    preset = OutputPreset(width=W, height=H)
    deps = Deps.from_settings(Settings(home=tmp_path / "home"))
    made = make_captions(CaptionInput(language=Language.ZH, preset=preset, scenes=[
        SceneCaptionSource(start=0, duration=2.0, words=words, overlay="早午餐 🍳 time")]), deps)
    ass = made.ass.path.read_text(encoding="utf-8")
    assert find_symbol_font() is not None, "fonts-symbola is part of the install (scripts/sysdeps.sh)"
    assert "\\fnSymbola}😋" in ass and "\\fnSymbola}🍳" in ass
    subs = list(srt.parse(made.srt.path.read_text(encoding="utf-8")))
    assert "😋" in "".join(s.content for s in subs)  # the text files keep the emoji
    track = CaptionTrack(ass=made.ass.path, srt=made.srt.path, vtt=made.vtt.path, fonts_dir=made.font.directory)
    image = sample_image(tmp_path / "bg.jpg", seed=3, size=(W, H))
    out = tmp_path / "emoji.mp4"
    render_timeline(_timeline(tmp_path, image, track), out, tmp_path / "work")
    assert probe(out).duration > 1.9
    log = subprocess.run(["ffmpeg", "-v", "verbose", "-f", "lavfi", "-i", f"color=black:s={W}x{H}:d=1.5",
                          "-vf", f"ass={made.ass.path}:fontsdir={made.font.directory}", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr  # fmt: skip
    # libass may first look in Symbola's BMP charmap ("Glyph … not found … trying all charmaps"), then finds it
    assert "failed to find any fallback" not in log and "Symbola_hint.ttf" in log
    assert not deps.warnings, deps.warnings
