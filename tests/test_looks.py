"""Look logic without rendering: caption styles as data, line breaking, key words, look edits from the chat, and
frame shapes (the e2e tests check the drawn pixels)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import EN_PLAN
from reelcraft.agent.actions import AddAspectVersion, ChangeLook
from reelcraft.agent.intents import match_intent
from reelcraft.config import Settings
from reelcraft.errors import BrandError, CaptionError
from reelcraft.media.caption_styles import caption_style, caption_styles, font_size_for
from reelcraft.media.fonts import find_caption_font, font_metrics
from reelcraft.plan import ASPECT_PRESETS, Aspect, CaptionLook, Language, VideoPlan, parse_aspect
from reelcraft.studio import Studio
from reelcraft.tools.captions import (
    CaptionInput,
    SceneCaptionSource,
    TimedWord,
    caption_words,
    is_key_word,
    key_terms,
    make_captions,
    readable_accent,
)
from reelcraft.tools.deps import Deps
from reelcraft.tools.look import look_revision, read_look_request

PLAN = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})


def _events(text: str, language: Language, tmp_path: Path, style: str, aspect: Aspect = Aspect.PORTRAIT,
            overlay: str = "") -> list:  # fmt: skip
    tokens = list(text) if language == Language.ZH else text.split()
    words = [TimedWord(text=t, start=i * 0.3, end=(i + 1) * 0.3) for i, t in enumerate(tokens)]
    scene = SceneCaptionSource(start=0, duration=len(tokens) * 0.3 + 1, words=words, overlay=overlay)
    deps = Deps.from_settings(Settings(home=tmp_path))
    out = make_captions(CaptionInput(language=language, preset=ASPECT_PRESETS[aspect], scenes=[scene],
                                     look=CaptionLook(style=style)), deps)  # fmt: skip
    return [e for e in out.events if e.style == "Caption"]


def test_five_styles_are_data_and_each_reads_on_a_phone() -> None:
    styles = caption_styles()
    assert {"pop", "karaoke", "boxed", "lower_third", "outline"} <= set(styles)
    font = find_caption_font()
    metrics = font_metrics(font)
    for style in styles.values():
        size = font_size_for(style, font, 1920)
        assert size * metrics.cap_units / metrics.line_units >= 0.04 * 1920, style.name  # cap height ≥ 77 px
        assert style.description and style.title
    assert caption_style("Word pop").name == "pop" and caption_style("lower-third").name == "lower_third"


def test_an_unknown_style_lists_the_styles() -> None:
    with pytest.raises(CaptionError) as refused:
        caption_style("fancy")
    assert refused.value.stage == "captions" and "karaoke" in refused.value.fix and "outline" in refused.value.fix


TEXTS = {
    Language.EN: ("You wake up to a fresh start, ready to tackle the day ahead. You grab your essentials, like your "
                  "phone and lunchbox, and head outside for some exercise. Overnight oats cost just three dollars "
                  "and keep you full until noon."),
    Language.ZH: "隔夜燕麦只要三块钱，能撑到中午。在宿舍自己冲咖啡，省下买奶茶的钱，一个月能省好几百块。",
}  # fmt: skip


@pytest.mark.parametrize("aspect", list(Aspect))
@pytest.mark.parametrize("style", ["pop", "karaoke", "boxed", "lower_third", "outline"])
@pytest.mark.parametrize("language", [Language.EN, Language.ZH])
def test_no_caption_leaves_a_word_or_a_character_alone(tmp_path: Path, language: Language, style: str,
                                                       aspect: Aspect) -> None:  # fmt: skip
    events = _events(TEXTS[language], language, tmp_path, style, aspect)
    joined = ("" if language == Language.ZH else " ").join(line for e in events for line in e.lines)
    assert joined == TEXTS[language]
    for event in events:
        assert len(event.lines) <= caption_style(style).max_lines
        assert len(event.words) >= 2, event.lines  # never one word alone in a caption here
        at = 0
        for size, line in zip(event.line_sizes, event.lines, strict=True):
            assert size >= 2 or len(event.lines) == 1, event.lines
            assert len(line.strip("，。")) >= 2
            at += size


def test_chinese_breaks_between_words_and_keeps_numbers_with_their_measure_word() -> None:
    chars = [TimedWord(text=c, start=i * 0.2, end=(i + 1) * 0.2) for i, c in enumerate("只要三块钱，能撑到中午。")]
    words = [w.text for w in caption_words(chars, Language.ZH)]
    assert "三块钱，" in words and "中午。" in words and "".join(words) == "只要三块钱，能撑到中午。"
    assert words[0] == "只要" and words[0] != "只"
    first = caption_words(chars, Language.ZH)[0]
    assert (first.start, first.end) == (0.0, pytest.approx(0.4))  # a word's time spans its characters


def test_key_words_are_numbers_and_the_on_screen_text_s_words() -> None:
    terms = key_terms("Overnight oats for $3", Language.EN)
    assert is_key_word("oats,", terms, Language.EN) and is_key_word("$3", terms, Language.EN)
    assert is_key_word("seven", set(), Language.EN) is False and is_key_word("7", set(), Language.EN)
    assert not is_key_word("the", terms, Language.EN)
    zh_terms = key_terms("燕麦三块钱", Language.ZH)
    assert is_key_word("燕麦", zh_terms, Language.ZH) and is_key_word("三块钱，", set(), Language.ZH)


def test_a_brand_colour_is_used_only_where_it_reads() -> None:
    assert readable_accent("#FFB000", caption_style("pop")) == "#FFB000"  # amber on a black outline: 11:1
    assert readable_accent("#1D1D1F", caption_style("pop")) is None  # near-black on black
    assert readable_accent("#FF5A36", caption_style("boxed")) is None  # on the box over white: 3.8:1


@pytest.mark.parametrize(("message", "expected"), [
    ("bigger captions", ChangeLook(request="bigger captions")),
    ("captions in yellow", ChangeLook(request="captions in yellow")),
    ("style: boxed", ChangeLook(request="style: boxed")),
    ("字幕大一点", ChangeLook(request="字幕大一点")),
    ("remove the logo", ChangeLook(request="remove the logo")),
    ("use our brand", ChangeLook(request="use our brand")),
    ("make it 4:5", ChangeLook(request="make it 4:5")),
    ("also make a 16:9 version", AddAspectVersion(aspect="16:9")),
    ("再做一个横屏版", AddAspectVersion(aspect="16:9")),
    ("style: fancy", ChangeLook(request="style: fancy")),
])  # fmt: skip
def test_look_edits_are_recognised_without_the_model(message: str, expected: object) -> None:
    assert match_intent(message, 4) == expected


def test_a_platform_request_is_still_a_platform_change() -> None:
    assert match_intent("make it for reels", 4).__class__.__name__ == "ChangePlatform"


def test_look_revisions_change_only_the_look() -> None:
    bigger = look_revision(PLAN, "bigger captions")
    assert bigger.look.captions.scale == pytest.approx(1.15) and bigger.scenes == PLAN.scenes
    assert look_revision(bigger, "字幕大一点").look.captions.scale == pytest.approx(1.15 * 1.15, rel=1e-3)
    assert look_revision(PLAN, "captions in yellow").look.captions.colour == "#FFD400"
    assert look_revision(PLAN, "style: boxed").look.captions.style == "boxed"
    assert look_revision(PLAN, "remove the logo").look.logo is False
    assert look_revision(PLAN, "make it 4:5").preset.height == 1350
    with pytest.raises(CaptionError, match="unknown caption style 'fancy'"):
        look_revision(PLAN, "style: fancy")
    with pytest.raises(CaptionError, match="does not say how"):
        look_revision(PLAN, "make it pop more")
    assert read_look_request("make scene 2 funnier") is None


def test_frame_shapes_parse_and_every_short_side_is_1080() -> None:
    assert parse_aspect("16x9") == Aspect.LANDSCAPE and parse_aspect("square") == Aspect.SQUARE
    assert {min(p.width, p.height) for p in ASPECT_PRESETS.values()} == {1080}
    assert ASPECT_PRESETS[Aspect.TALL].height == 1350
    with pytest.raises(Exception, match="unknown aspect ratio"):
        parse_aspect("3:2")


def test_an_unknown_style_or_brand_fails_before_anything_is_made(settings: Settings) -> None:
    studio = Studio(settings)
    with pytest.raises(CaptionError, match="unknown caption style"):
        studio.create("30 s TikTok: a budget morning routine", caption_style="fancy")
    with pytest.raises(BrandError, match="no brand kit yet"):
        studio.create("30 s TikTok: a budget morning routine", brand="acme")
    with pytest.raises(BrandError):
        Studio(settings, brand="acme")
