"""Matching a scene's line to pictures: word forms, hidden symbols, and the real e5 index on clear lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelcraft.config import Settings
from reelcraft.media.illustration_index import IllustrationIndex, ensure_index
from reelcraft.media.illustrations import library_dir
from reelcraft.models.embeddings import E5Embedder
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.tools.deps import Deps
from reelcraft.tools.visual_match import en_forms, picture_terms, rank_concepts, shown


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    return E5Embedder()


@pytest.fixture(scope="module")
def index(models_home: Path, e5: E5Embedder) -> IllustrationIndex:
    return ensure_index(library_dir(models_home), e5)


@pytest.mark.parametrize(
    ("word", "form"),
    [
        ("puppies", "puppy"),
        ("knocks", "knock"),
        ("running", "run"),
        ("baked", "bake"),
        ("push-ups", "push"),
        ("dishes", "dish"),
    ],
)
def test_a_word_is_also_looked_up_in_its_base_form(word: str, form: str) -> None:
    assert form in en_forms(word)


def test_signs_symbols_and_clock_faces_are_never_scene_pictures(index: IllustrationIndex) -> None:
    by_emoji = {c.emoji: c for c in index.concepts}
    assert not any(shown(by_emoji[e]) for e in ("🕗", "🈷", "🔀") if e in by_emoji)
    assert all(shown(by_emoji[e]) for e in ("☕", "🐈", "⏰", "🚇"))


@pytest.mark.parametrize(("line", "language", "fits"), [
    ("I grab a coffee before my first class", "en", "☕"),
    ("My cat sleeps on the keyboard all day", "en", "🐈🐱⌨"),  # the line shows both
    ("地铁上背二十个单词", "zh", "🚇📚🔤"),
    ("下雨天记得带伞", "zh", "☔🌂🌧"),
])  # fmt: skip
def test_a_clear_line_gets_its_picture_with_a_score_above_half(
    line: str, language: str, fits: str, index: IllustrationIndex, e5: E5Embedder
) -> None:
    ranked = rank_concepts(line, language, index, e5)
    fitting = [score for concept, score in ranked[:3] if concept.emoji.split("\u200d")[0] in fits]  # 🐈‍⬛ is a cat
    assert fitting and fitting[0] > 0.5  # a scene shows up to three pictures: a fitting one is among them
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


def test_the_model_names_what_to_show_in_english_and_a_bad_answer_only_costs_the_terms(settings: Settings) -> None:
    deps = Deps.from_settings(settings)
    chinese_things = {"scenes": [{"things": ["咖啡"]}, {"things": ["猫"]}]}
    english_things = {"scenes": [{"things": ["Iced Coffee", "classroom"]}, {"things": ["cat", "table"]}]}
    deps.llm = ScriptedChatModel(turns=[chinese_things, english_things])
    terms = picture_terms(["上课前买一杯冰咖啡", "我家的猫总把杯子推下桌"], "zh", deps)
    assert terms == [["iced coffee", "classroom"], ["cat", "table"]]
    calls = deps.llm.calls  # type: ignore[attr-defined]
    assert "write every thing in English" in str(calls[1]["messages"][-1].content)
    assert "1. 上课前买一杯冰咖啡" in str(calls[0]["messages"][1].content)

    deps.llm = ScriptedChatModel(turns=[{"scenes": []}] * 2)
    assert picture_terms(["Walk the dog"], "en", deps) == [[]]
    assert any("no picture terms" in w for w in deps.warnings)


def test_the_models_terms_lift_the_picture_a_chinese_line_only_implies(index: IllustrationIndex, e5: E5Embedder
                                                                       ) -> None:  # fmt: skip
    line = "阳台的多肉一周浇一次水"  # succulents: no CLDR keyword of 🪴 or 🌵 says 多肉
    alone = [c.emoji for c, _ in rank_concepts(line, "zh", index, e5)[:3]]
    helped = [c.emoji for c, _ in rank_concepts(line, "zh", index, e5, terms=["succulent", "potted plant"])[:3]]
    assert not {"🪴", "🌵"} & set(alone[:1]) and {"🪴", "🌵"} & set(helped[:1])
