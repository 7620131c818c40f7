"""A brand kit applied to real renders: its font in the burned-in captions and on the cover, its logo in the frames,
its outro closing the video; then edits of the look (a new logo, another frame shape, 'bigger captions'…) that
re-render without re-making the voice, the music or the pictures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from brand_files import LOGO_RGB, OUTRO_RGB, clip, latin_font, logo_png
from caption_checks import frames_at
from PIL import Image
from test_caption_styles import SECONDS, _media, _plan

from media_checks import render_ass_frames
from reelcraft import Studio
from reelcraft.brand import make_kit
from reelcraft.config import Settings
from reelcraft.media.brand_assets import font_choice
from reelcraft.media.fonts import find_caption_font
from reelcraft.media.probe import probe
from reelcraft.plan import Draft, VideoPlan
from reelcraft.render.cover import design_cover
from reelcraft.review.service import ReviewService

pytestmark = pytest.mark.slow

BRAND_ACCENT = "#FFB000"
OUTRO_S = 1.5
ASSETS = ("voiceover", "music", "music_analysis", "visual_image")


class Brand:
    def __init__(self, home: Path, models_home: Path) -> None:
        self.settings = Settings(home=home / "home", models_home=models_home)
        self.files = home / "files"
        self.files.mkdir()
        self.media = _media(home / "media")
        self.outro = clip(self.files / "outro.mp4", OUTRO_S, OUTRO_RGB)
        self.save(logo_png(self.files / "logo.png"))

    def save(self, logo: Path) -> None:
        review = ReviewService.from_settings(self.settings)
        kit = make_kit({"name": "acme", "font": latin_font(), "logo": logo, "palette": [BRAND_ACCENT],
                        "outro": self.outro, "caption_style": "pop"})  # fmt: skip
        review.save_brand(*review.local_workspace(), kit)

    def studio(self) -> Studio:
        return Studio(self.settings, brand="acme")

    def plan(self, language: str = "en", aspect: str = "9:16") -> VideoPlan:
        plan = _plan(language, "pop", aspect)
        return self.studio().apply_brand(plan)


@pytest.fixture(scope="module")
def brand(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> Brand:
    return Brand(tmp_path_factory.mktemp("brand"), models_home)


@pytest.fixture(scope="module")
def draft(brand: Brand) -> Draft:
    return brand.studio().render(brand.plan(), media_dir=brand.media)


def _asset(draft: Draft, kind: str) -> Path:
    return next(a.path for a in draft.assets if a.kind == kind)


def _misses(studio: Studio) -> dict[str, int]:
    return {step: s["misses"] for step, s in studio.cache_stats().items()}


def test_the_burned_in_captions_and_headline_use_the_brand_font(draft: Draft) -> None:
    ass = _asset(draft, "captions_ass").read_text(encoding="utf-8")
    fonts = {line.split(":")[1].split(",")[0].strip(): line.split(",")[1] for line in ass.splitlines()
             if line.startswith("Style:")}  # fmt: skip
    family = font_choice(latin_font()).family
    assert fonts["Caption"] == family and fonts["Overlay"] == family, fonts
    assert "\\1C&H00B0FF&" in ass.upper()  # the brand colour on the word being said (#FFB000 as &HBBGGRR&)


def test_the_logo_is_in_the_frames_where_the_timeline_puts_it_and_the_outro_closes_the_video(draft: Draft) -> None:
    assert draft.outputs is not None
    timeline = json.loads(draft.outputs.timeline_json.read_text(encoding="utf-8"))  # type: ignore[union-attr]
    logo = timeline["overlays"][0]
    info = probe(draft.outputs.video)
    assert abs(info.duration - (SECONDS + OUTRO_S)) <= 0.1
    fps, width, height = 30, info.width, info.height
    middle, last = round(2.0 * fps), round((info.duration - 0.1) * fps)
    frame, end = frames_at(draft.outputs.video, [middle, last], width, height)
    x, y = round(logo["x"] * width), round(logo["y"] * height)
    half = max(2, round(logo["width"] * width * 0.15))
    patch = frame[y - half : y + half, x - half : x + half].reshape(-1, 3).astype(float)
    bright = np.array([236, 232, 222])  # scene 1's photo under the logo
    expected = np.array(LOGO_RGB) * logo["opacity"] + bright * (1 - logo["opacity"])
    assert np.abs(patch.mean(axis=0) - expected).max() < 40, (patch.mean(axis=0), expected)
    outro = end.reshape(-1, 3).astype(float).mean(axis=0)
    assert np.abs(outro - np.array(OUTRO_RGB)).max() < 25, outro  # the outro's own frames, no logo or captions
    corner = end[y - half : y + half, x - half : x + half].reshape(-1, 3).astype(float).mean(axis=0)
    assert np.abs(corner - np.array(OUTRO_RGB)).max() < 25


def test_the_cover_is_titled_in_the_brand_font(draft: Draft) -> None:
    cover = _asset(draft, "cover")
    folder = cover.parent
    meta = json.loads((folder / "cover.json").read_text(encoding="utf-8"))
    assert meta["font"] == font_choice(latin_font()).family
    with Image.open(folder / "frame.png") as img:
        frame = img.convert("RGB")
    preset = draft.plan.preset
    branded = design_cover(frame, draft.plan.title, font_choice(latin_font()), find_caption_font(),
                           preset.safe_box(), BRAND_ACCENT, folder.parent / "as-brand.jpg")  # fmt: skip
    plain = design_cover(frame, draft.plan.title, find_caption_font(), None, preset.safe_box(), BRAND_ACCENT,
                         folder.parent / "as-default.jpg")  # fmt: skip
    actual = np.asarray(Image.open(cover)).astype(float)
    to_brand = np.abs(actual - np.asarray(Image.open(branded)).astype(float)).mean()
    to_default = np.abs(actual - np.asarray(Image.open(plain)).astype(float)).mean()
    assert to_brand < 1.0 < to_default, (to_brand, to_default)
    assert (Image.open(cover).width, Image.open(cover).height) == (preset.width, preset.height)


def test_a_new_logo_re_renders_without_remaking_the_voice_music_or_pictures(brand: Brand, draft: Draft) -> None:
    brand.save(logo_png(brand.files / "logo-blue.png", colour=(40, 90, 255)))
    studio = brand.studio()
    again = studio.render(draft.plan, media_dir=brand.media)
    misses = _misses(studio)
    assert all(misses.get(step, 0) == 0 for step in ASSETS), misses
    assert misses["captions"] == 0 and misses["render"] == 1
    assert again.outputs is not None
    timeline = json.loads(again.outputs.timeline_json.read_text(encoding="utf-8"))  # type: ignore[union-attr]
    logo = timeline["overlays"][0]
    info = probe(again.outputs.video)
    (frame,) = frames_at(again.outputs.video, [60], info.width, info.height)
    x, y = round(logo["x"] * info.width), round(logo["y"] * info.height)
    assert frame[y - 3 : y + 3, x - 3 : x + 3, 2].mean() > 180  # blue now
    brand.save(brand.files / "logo.png")


def test_a_16x9_version_re_uses_every_asset(brand: Brand, draft: Draft) -> None:
    studio = brand.studio()
    wide = studio.reshape(draft.id, "16:9")
    misses = _misses(studio)
    assert all(misses.get(step, 0) == 0 for step in ASSETS), misses
    assert wide.id != draft.id and wide.outputs is not None
    info = probe(wide.outputs.video)
    assert (info.width, info.height) == (1920, 1080) and abs(info.duration - (SECONDS + OUTRO_S)) <= 0.1
    assert wide.outputs.cover is not None
    with Image.open(wide.outputs.cover) as cover:
        assert cover.size == (1920, 1080)


@pytest.mark.parametrize(("request_text", "check"), [
    ("bigger captions", "bigger"), ("captions in yellow", "yellow"), ("style: boxed", "boxed"),
    ("字幕大一点", "bigger"), ("remove the logo", "no logo"),
])  # fmt: skip
def test_look_edits_make_a_new_version_and_only_the_render_is_redone(brand: Brand, draft: Draft, request_text: str,
                                                                     check: str) -> None:  # fmt: skip
    studio = brand.studio()
    edited = studio.restyle(draft.id, request_text)
    misses = _misses(studio)
    assert edited.version > 1 and edited.id == draft.id
    assert all(misses.get(step, 0) == 0 for step in ASSETS), misses
    ass = _asset(edited, "captions_ass").read_text(encoding="utf-8")
    before = _asset(draft, "captions_ass").read_text(encoding="utf-8")
    if check == "bigger":
        assert _caption_size(ass) >= round(_caption_size(before) * 1.1)
    elif check == "yellow":
        assert re.search(r"Style: Caption,[^,]+,\d+,&H00(00D4FF)", ass)
    elif check == "boxed":
        assert "Style: CaptionBox" in ass
    else:
        assert edited.outputs is not None and edited.outputs.timeline_json is not None
        assert json.loads(edited.outputs.timeline_json.read_text(encoding="utf-8"))["overlays"] == []


def _caption_size(ass: str) -> int:
    return int(re.search(r"Style: Caption,[^,]+,(\d+),", ass).group(1))  # type: ignore[union-attr]


def test_a_chinese_draft_in_a_latin_brand_font_draws_chinese_in_the_cjk_font_and_says_so(brand: Brand,
                                                                                          tmp_path: Path) -> None:
    studio = brand.studio()
    zh = studio.render(brand.plan("zh"), media_dir=brand.media)
    assert any("has no Chinese characters" in note for note in zh.notes), zh.notes
    ass = _asset(zh, "captions_ass")
    text = ass.read_text(encoding="utf-8")
    assert "\\fnNoto Sans CJK SC}" in text or "\\fnWenQuanYi" in text
    times = [2.0, 5.5]
    assert zh.outputs is not None and zh.outputs.timeline_json is not None
    fonts_dir = json.loads(zh.outputs.timeline_json.read_text(encoding="utf-8"))["captions"]["fonts_dir"]
    _, log = render_ass_frames(ass, Path(fonts_dir), times, 1080, 1920, tmp_path)
    # libass reports a glyph it could not draw in any font as "failed to find any fallback" (a box); "Glyph … not
    # found" alone is it trying Symbola's other character maps for an emoji, which it then draws
    assert "failed to find any fallback" not in log
