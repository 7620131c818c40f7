"""Caption layout logic on real fonts, without rendering (the e2e tests check the drawn pixels)."""

from __future__ import annotations

import itertools
from pathlib import Path

from reelcraft.config import Settings
from reelcraft.media.fonts import find_caption_font
from reelcraft.plan import PRESETS, Language, Platform
from reelcraft.tools.captions import (
    OVERLAY_SHARES,
    CaptionInput,
    SceneCaptionSource,
    TimedWord,
    caption_lines_text,
    fit_overlay,
    make_captions,
)
from reelcraft.tools.deps import Deps


def _words(text: str, language: Language, start: float = 0.0, step: float = 0.3) -> list[TimedWord]:
    tokens = list(text) if language == Language.ZH else text.split()
    return [TimedWord(text=t, start=start + i * step, end=start + (i + 1) * step) for i, t in enumerate(tokens)]


def _captions(text: str, language: Language, tmp_path: Path, overlay: str = "") -> list:
    deps = Deps.from_settings(Settings(home=tmp_path))
    scene = SceneCaptionSource(start=0, duration=30, words=_words(text, language), overlay=overlay)
    out = make_captions(CaptionInput(language=language, preset=PRESETS[Platform.TIKTOK], scenes=[scene]), deps)
    return out.events


def test_long_overlay_shrinks_instead_of_losing_words() -> None:
    font = find_caption_font()
    text = "Start your day with a smooth routine that's budget-friendly, simple and enjoyable for every student."
    lines, size = fit_overlay(text, font, Language.EN, 900)
    assert " ".join(lines) == text and len(lines) <= 3 and size < round(OVERLAY_SHARES[0] * 1920)
    short_lines, short_size = fit_overlay("Water first", font, Language.EN, 900)
    assert short_lines == ["Water first"] and short_size == round(OVERLAY_SHARES[0] * 1920)


def test_captions_keep_every_word_and_leave_no_orphans(tmp_path: Path) -> None:
    text = ("You wake up to a fresh start, ready to tackle the day ahead. You grab your essentials, like your "
            "phone and lunchbox, and head outside for some exercise.")
    events = _captions(text, Language.EN, tmp_path)
    assert caption_lines_text(events, Language.EN) == text
    spoken = [e for e in events if e.style == "Caption"]
    assert all(len(e.lines) <= 2 for e in spoken)
    assert all(len(line.split()) >= 2 for e in spoken for line in e.lines)  # no word alone on a line
    starts = [e.start for e in spoken]
    assert starts == sorted(starts) and all(a.end <= b.start + 1e-9 for a, b in itertools.pairwise(spoken))


def test_chinese_captions_break_between_characters(tmp_path: Path) -> None:
    text = "隔夜燕麦只要三块钱，能撑到中午。在宿舍自己冲咖啡，省下买奶茶的钱，一个月能省好几百块。"
    events = _captions(text, Language.ZH, tmp_path, overlay="燕麦三块钱")
    assert caption_lines_text(events, Language.ZH) == text
    overlay = [e for e in events if e.style == "Overlay"]
    assert overlay and overlay[0].lines == ["燕麦三块钱"]
