"""Brief → rendered draft through the public API with real TTS, real captions and real rendering.

The LLM here is scripted (its own integration test uses the real embedded model) so the checks on
the video are fast and exact.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import srt
from PIL import Image

from helpers import EN_BRIEF, EN_PLAN, ZH_BRIEF, ZH_PLAN, plan_turns
from media_checks import ink_box, loudness_figures, render_ass_frames
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.edit.timeline import Sprite, Timeline
from reelcraft.media.fonts import find_caption_font, missing_glyphs
from reelcraft.media.probe import probe
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.plan import Draft, Language
from reelcraft.tools.visuals import RELEVANCE_FLOOR

CASES = {"en": (EN_BRIEF, EN_PLAN), "zh": (ZH_BRIEF, ZH_PLAN)}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-home")


@pytest.fixture(scope="module")
def drafts(home: Path, models_home: Path) -> dict[str, Draft]:
    made = {}
    for lang, (brief, plan) in CASES.items():
        studio = Studio(Settings(home=home, models_home=models_home), llm=ScriptedChatModel(turns=plan_turns(plan)))
        made[lang] = studio.create(brief, duration=30, language=lang, platform="tiktok")
    return made


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_video_meets_the_platform_spec(drafts: dict[str, Draft], lang: str, tmp_path: Path) -> None:
    draft = drafts[lang]
    assert draft.outputs is not None
    info = probe(draft.outputs.video)
    assert (info.width, info.height) == (1080, 1920)
    assert info.fps == pytest.approx(30, abs=0.01)
    assert (info.video_codec, info.pix_fmt, info.audio_codec) == ("h264", "yuv420p", "aac")
    assert info.profile == "High" and info.sample_rate == 48000
    assert abs(info.duration - 30) <= 1.5  # ±5 %
    audio = loudness_figures(draft.outputs.video, tmp_path)
    assert audio["rms"] > 0.01  # not silent
    assert -15 <= audio["lufs"] <= -13, audio
    assert audio["true_peak_db"] <= -1.0, audio
    for path in (draft.outputs.srt, draft.outputs.vtt, draft.outputs.plan_json, draft.outputs.thumbnail):
        assert path.stat().st_size > 0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_captions_say_exactly_the_voiceover(drafts: dict[str, Draft], lang: str) -> None:
    draft = drafts[lang]
    assert draft.outputs is not None
    subs = list(srt.parse(draft.outputs.srt.read_text(encoding="utf-8")))
    sep = "" if lang == "zh" else " "
    spoken = sep.join(sep.join(s.content.split("\n")) for s in subs)
    expected = sep.join(s.voiceover for s in draft.plan.scenes)
    squash = (lambda t: re.sub(r"\s+", "", t)) if lang == "zh" else (lambda t: " ".join(t.split()))
    assert squash(spoken) == squash(expected)
    starts = [s.start.total_seconds() for s in subs]
    assert starts == sorted(starts) and subs[-1].end.total_seconds() <= 30.05


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_caption_line_is_inside_the_safe_area(drafts: dict[str, Draft], lang: str, tmp_path: Path,
                                                    home: Path) -> None:
    draft = drafts[lang]
    assert draft.outputs is not None
    ass = next(a.path for a in draft.assets if a.kind == "captions_ass")
    events = [line for line in ass.read_text(encoding="utf-8").splitlines() if line.startswith("Dialogue:")]
    times = []
    for line in events:
        start, end = (_ass_seconds(x) for x in line.split(",")[1:3])
        times.append((start + end) / 2)
    font = find_caption_font()
    frames, log = render_ass_frames(ass, font.directory, times, 1080, 1920, tmp_path)
    left, top, right, bottom = draft.plan.preset.safe_box()
    for t, frame in zip(sorted({round(t * 30) for t in times}), frames, strict=True):
        box = ink_box(frame)
        assert box is not None, f"nothing drawn at frame {t}"
        assert box[0] >= left and box[1] >= top and box[2] <= right and box[3] <= bottom, (t, box)
    # a glyph no font draws is "failed to find any fallback" (a box); "Glyph … not found" alone is libass trying
    # Symbola's other character maps for an emoji, which it then draws
    assert "failed to find any fallback" not in log
    text = "".join(s.voiceover + s.on_screen_text for s in draft.plan.scenes)
    assert not missing_glyphs(font, text)
    if lang == "zh":
        assert "CJK" in font.family or "Hei" in font.family


def test_chinese_draft_is_chinese(drafts: dict[str, Draft]) -> None:
    plan = drafts["zh"].plan
    assert plan.language == Language.ZH
    assert all(re.search(r"[\u4e00-\u9fff]", s.voiceover) for s in plan.scenes)


def test_second_run_of_the_same_brief_redoes_nothing(drafts: dict[str, Draft], home: Path,
                                                     models_home: Path) -> None:
    model = ScriptedChatModel(turns=[])  # any LLM call would fail the test
    studio = Studio(Settings(home=home, models_home=models_home), llm=model)
    again = studio.create(EN_BRIEF, duration=30, language="en")
    stats = studio.cache_stats()
    assert model.calls == []
    assert {step: s["misses"] for step, s in stats.items()} == dict.fromkeys(stats, 0), stats
    for step in ("script", "voiceover", "captions", "render"):
        assert stats[step]["hits"] >= 1
    assert again.version == 1 and again.id != drafts["en"].id
    assert again.outputs is not None and drafts["en"].outputs is not None
    assert again.outputs.video.read_bytes() == drafts["en"].outputs.video.read_bytes()


def _ass_seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_preview_profile_is_half_size_and_reuses_every_asset(drafts: dict[str, Draft], home: Path,
                                                             models_home: Path) -> None:
    studio = Studio(Settings(home=home, models_home=models_home), llm=ScriptedChatModel(turns=[]))
    preview = studio.render(drafts["en"].plan, profile="preview")
    assert preview.outputs is not None
    info = probe(preview.outputs.video)
    assert (info.width, info.height) == (540, 960) and abs(info.duration - 30) <= 0.1
    stats = studio.cache_stats()
    assert stats["render"] == {"hits": 0, "misses": 1}
    assert stats["voiceover"]["misses"] == 0 and stats["captions"]["misses"] == 0


def _frame(video: Path, seconds: float) -> np.ndarray:
    """One decoded RGB frame at full size."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype=np.uint8).reshape(1920, 1080, 3).astype(np.int16)


def _where_drawn(frame: np.ndarray, sprite: Sprite, search_px: int) -> tuple[int, float]:
    """The vertical offset (pixels, from the sprite's resting place) where its picture matches the frame best,
    and how well (mean absolute difference over the picture's opaque pixels, 0–255)."""
    with Image.open(sprite.source) as img:
        width = round(sprite.width * 1080)
        picture = img.convert("RGBA").resize((width, round(width * img.height / img.width)))
    rgba = np.asarray(picture).astype(np.int16)
    opaque = rgba[..., 3] > 250
    h, w = opaque.shape
    x0, y0 = round(sprite.x * 1080 - w / 2), round(sprite.y * 1920 - h / 2)
    fits = []
    for dy in range(-search_px, search_px + 1):
        patch = frame[y0 + dy : y0 + dy + h, x0 : x0 + w]
        fits.append((float(np.abs(patch - rgba[..., :3])[opaque].mean()), dy))
    best, dy = min(fits)
    return dy, best


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_scene_shows_fitting_pictures_that_move_inside_the_safe_area(drafts: dict[str, Draft],
                                                                          lang: str) -> None:  # fmt: skip
    draft = drafts[lang]
    assert draft.outputs is not None and draft.outputs.timeline_json is not None
    assert any("Noto Emoji" in line and "Apache-2.0" in line for line in draft.credits)
    timeline = Timeline.model_validate_json(draft.outputs.timeline_json.read_text(encoding="utf-8"))
    left, top, right, bottom = draft.plan.preset.safe_box()
    clips = sorted(timeline.visuals, key=lambda c: c.start)
    for number, (scene, shown, clip) in enumerate(zip(draft.plan.scenes, draft.visuals, clips, strict=True), 1):
        assert shown.pictures, f"scene {number} shows no picture"
        assert max(p.score for p in shown.pictures) >= RELEVANCE_FLOOR, (number, shown.pictures)
        assert scene.visual_relevance == shown.relevance
        assert len(clip.sprites) >= len(shown.pictures)
        for sprite in clip.sprites:  # the whole picture, floating included, stays in the safe area
            with Image.open(sprite.source) as img:
                w, h = sprite.width * 1080, sprite.width * 1080 * img.height / img.width
            reach = sprite.bob * 1920 + h / 2
            assert left <= sprite.x * 1080 - w / 2 and sprite.x * 1080 + w / 2 <= right, (number, sprite)
            assert top <= sprite.y * 1920 - reach and sprite.y * 1920 + reach <= bottom, (number, sprite)
        lead = clip.sprites[0]
        # drawn where the timeline says, whole; then floated: its offset changes a quarter period later
        at = clip.start + lead.appear + 0.6
        first_dy, first_fit = _where_drawn(_frame(draft.outputs.video, at), lead, 24)
        later_dy, later_fit = _where_drawn(_frame(draft.outputs.video, at + lead.period / 4), lead, 24)
        assert first_fit < 30 and later_fit < 30, (number, first_fit, later_fit)
        assert abs(first_dy - later_dy) >= 3, (number, first_dy, later_dy)
        # it popped in: just after it appears it is much smaller than its resting size
        _, early_fit = _where_drawn(_frame(draft.outputs.video, clip.start + lead.appear + 0.04), lead, 24)
        assert early_fit > first_fit + 10, (number, early_fit, first_fit)


def test_another_picture_or_my_photo_remakes_only_that_scene(drafts: dict[str, Draft], home: Path,
                                                             models_home: Path, tmp_path: Path) -> None:  # fmt: skip
    from skimage import data  # sample photos shipped with scikit-image (BSD; the coffee cup is public domain)

    studio = Studio(Settings(home=home, models_home=models_home), llm=ScriptedChatModel(turns=[]))
    first = drafts["en"]
    another = studio.revise_scene_visual(first.id, 3, profile="preview")
    stats = studio.cache_stats()
    assert stats["voiceover"] == {"hits": stats["voiceover"]["hits"], "misses": 0} and stats["voiceover"]["hits"]
    assert stats["music"]["misses"] == 0 and stats["music"]["hits"], stats
    assert another.visuals[2].pictures[0].emoji != first.visuals[2].pictures[0].emoji
    assert [v.pictures for i, v in enumerate(another.visuals) if i != 2] == \
        [v.pictures for i, v in enumerate(first.visuals) if i != 2]  # fmt: skip
    Image.fromarray(data.coffee()).save(tmp_path / "my coffee.jpg")
    mine = studio.revise_scene_visual(first.id, 2, media="my coffee.jpg", media_dir=tmp_path, profile="preview")
    assert mine.version == another.version + 1
    assert (mine.visuals[1].origin, mine.visuals[1].source) == ("media", "my coffee.jpg")
    chosen = mine.plan.scenes[1].visual_media  # kept by its full path, so later versions find it
    assert chosen is not None and Path(chosen).is_absolute() and Path(chosen).name == "my coffee.jpg"
    assert mine.visuals[1].pictures == []
    assert studio.cache_stats()["voiceover"]["misses"] == 0


def test_a_rate_limited_stock_provider_still_gives_a_draft_with_a_warning(drafts: dict[str, Draft], home: Path,
                                                                           models_home: Path) -> None:  # fmt: skip
    from fake_providers import Route, fake_providers

    from reelcraft.config import StockSettings

    with fake_providers() as fake:
        fake.add("/videos/search", Route(status=429, body={"error": "slow down"}))
        stock = StockSettings(pexels_key="K", pexels_url=fake.url)  # type: ignore[arg-type]
        settings = Settings(home=home, models_home=models_home, stock=stock)
        terms = {"scenes": [{"things": ["money"]}, {"things": ["water"]}, {"things": ["oats"]}, {"things": ["coffee"]}]}
        studio = Studio(settings, llm=ScriptedChatModel(turns=[terms]))
        draft = studio.render(drafts["en"].plan, profile="preview")
    assert draft.outputs is not None and draft.outputs.video.stat().st_size > 0
    assert any("pexels: rate limited (429)" in note for note in draft.notes), draft.notes
    assert [v.origin for v in draft.visuals] == ["generated"] * 4 and all(v.pictures for v in draft.visuals)
    assert sum(r["path"] == "/videos/search" for r in fake.requests) == 1
