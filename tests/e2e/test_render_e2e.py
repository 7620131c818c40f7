"""Brief → rendered draft through the public API with real TTS, real captions and real rendering.

The LLM here is scripted (its own integration test uses the real embedded model) so the checks on
the video are fast and exact.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import srt

from helpers import EN_BRIEF, EN_PLAN, ZH_BRIEF, ZH_PLAN, plan_turns
from media_checks import ink_box, loudness_figures, render_ass_frames
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.media.fonts import find_caption_font, missing_glyphs
from reelcraft.media.probe import probe
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.plan import Draft, Language

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
    assert "Glyph" not in log and "failed to find any fallback" not in log  # no tofu boxes
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
