"""Chat edits of a script: the model writes only the part being changed and everything else is copied,
so a diff of the plans shows exactly the asked-for change. (Real-model edits: tests/e2e/test_chat_llm.py.)"""

from __future__ import annotations

import pytest

from helpers import EN_PLAN, ZH_PLAN
from reelcraft.config import Settings
from reelcraft.errors import ScriptError
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.plan import Language, VideoPlan
from reelcraft.tools.deps import Deps
from reelcraft.tools.script_edit import (
    LengthInput,
    SceneEditInput,
    TranslateInput,
    change_length,
    edit_scene,
    translate_plan,
)

PLAN = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
FUNNY = {"voiceover": "Drink water first, because your phone is not a breakfast.", "on_screen_text": "Water > phone",
         "visual": "student toasting with a glass of water"}  # fmt: skip


def _deps(settings: Settings, turns: list) -> Deps:
    return Deps.from_settings(settings, llm=ScriptedChatModel(turns=turns))


def test_rewriting_scene_two_changes_only_scene_two(settings: Settings) -> None:
    deps = _deps(settings, [FUNNY])
    new = edit_scene(SceneEditInput(plan=PLAN, mode="rewrite", scene=2, instruction="make it funnier"), deps)
    assert new.scenes[1].voiceover == FUNNY["voiceover"] and new.scenes[1].duration == PLAN.scenes[1].duration
    assert [s for i, s in enumerate(new.scenes) if i != 1] == [s for i, s in enumerate(PLAN.scenes) if i != 1]
    assert new.model_dump(exclude={"scenes"}) == PLAN.model_dump(exclude={"scenes"})
    prompt = deps.llm.calls[0]["messages"][1].content  # type: ignore[union-attr]
    assert 'The creator asked: "make it funnier"' in prompt and 'Scene 2 now says: "Start with a glass' in prompt
    assert "4. Brew coffee" in prompt
    again = edit_scene(SceneEditInput(plan=PLAN, mode="rewrite", scene=2, instruction="make it funnier"), deps)
    assert again == new and len(deps.llm.calls) == 1  # type: ignore[union-attr]  # cached


def test_an_unchanged_or_wrong_language_scene_goes_back_to_the_model(settings: Settings) -> None:
    same = {**FUNNY, "voiceover": PLAN.scenes[1].voiceover}
    chinese = {**FUNNY, "voiceover": "先喝水，手机不是早餐。"}
    deps = _deps(settings, [same, chinese, FUNNY])
    edit_scene(SceneEditInput(plan=PLAN, mode="rewrite", scene=2, instruction="funnier"), deps)
    feedback = [c["messages"][-1].content for c in deps.llm.calls[1:]]  # type: ignore[union-attr]
    assert "unchanged" in feedback[0] and "Chinese characters" in feedback[1]


def test_a_rewrite_too_long_twice_keeps_its_opening_sentences(settings: Settings) -> None:
    rambling = {**FUNNY, "voiceover": FUNNY["voiceover"] + " " + " ".join(["Then you scroll and scroll."] * 12)}
    deps = _deps(settings, [rambling, rambling])
    new = edit_scene(SceneEditInput(plan=PLAN, mode="rewrite", scene=2, instruction="make it funnier"), deps)
    assert new.scenes[1].voiceover.startswith(FUNNY["voiceover"]) and len(deps.llm.calls) == 2  # type: ignore[union-attr]
    assert len(new.scenes[1].voiceover.split()) < len(rambling["voiceover"].split())
    assert any("opening words" in w for w in deps.warnings)
    assert [s for i, s in enumerate(new.scenes) if i != 1] == [s for i, s in enumerate(PLAN.scenes) if i != 1]


def test_a_rewrite_whose_one_sentence_runs_long_keeps_its_first_clauses(settings: Settings) -> None:
    one_long = {**FUNNY, "voiceover": "Drink water first, because your phone is not a breakfast, "
                + ", ".join(["and the scrolling goes on and on and on"] * 8) + "."}  # fmt: skip
    deps = _deps(settings, [one_long, one_long])
    new = edit_scene(SceneEditInput(plan=PLAN, mode="rewrite", scene=2, instruction="make it funnier"), deps)
    kept = new.scenes[1].voiceover
    assert kept.startswith("Drink water first, because your phone is not a breakfast,") and kept.endswith("on.")
    assert len(kept.split()) < len(one_long["voiceover"].split())  # whole clauses, up to the scene's budget
    schema = deps.llm.calls[0]["schema"]  # type: ignore[union-attr]
    assert schema["properties"]["voiceover"]["maxLength"] > 0  # the grammar caps what the model may write


def test_a_new_scene_goes_where_asked_and_the_timing_still_adds_up(settings: Settings) -> None:
    deps = _deps(settings, [FUNNY])
    new = edit_scene(SceneEditInput(plan=PLAN, mode="add", scene=1, instruction="a joke about phones"), deps)
    assert [s.voiceover for s in new.scenes] == [PLAN.scenes[0].voiceover, FUNNY["voiceover"],
                                                 *(s.voiceover for s in PLAN.scenes[1:])]  # fmt: skip
    assert sum(s.duration for s in new.scenes) == pytest.approx(30)
    with pytest.raises(ScriptError, match="no scene 9"):
        edit_scene(SceneEditInput(plan=PLAN, mode="rewrite", scene=9, instruction="funnier"), deps)


def test_a_shorter_video_keeps_words_that_fit_and_cuts_those_that_do_not(settings: Settings) -> None:
    deps = _deps(settings, [{"scenes": [{"voiceover": "Mornings cost too much.", "on_screen_text": "Cheap " * 30},
                                        {"voiceover": "Water and a stretch first.", "on_screen_text": "Water"},
                                        {"voiceover": "Oats: fifty cents.", "on_screen_text": "Oats"},
                                        {"voiceover": "Brew your own coffee.", "on_screen_text": "Coffee"}]}])
    twenty = change_length(LengthInput(plan=PLAN, seconds=20), deps)  # 48 words fit the 57 of 20 s
    assert twenty.target_duration == 20 and sum(s.duration for s in twenty.scenes) == pytest.approx(20)
    assert [s.voiceover for s in twenty.scenes] == [s.voiceover for s in PLAN.scenes]
    assert deps.llm.calls == []  # type: ignore[union-attr]  # the words fit 20 s: nothing rewritten
    ten = change_length(LengthInput(plan=PLAN, seconds=10), deps)
    kept = ["Mornings for under $1", "Water", "Oats", "Coffee"]
    assert [s.on_screen_text for s in ten.scenes] == kept  # unusable: kept
    assert "at most 28 words" in deps.llm.calls[0]["messages"][1].content  # type: ignore[union-attr]
    with pytest.raises(ScriptError, match="do not fit in 5 s"):
        change_length(LengthInput(plan=PLAN, seconds=5), deps)


def test_on_screen_texts_the_model_keeps_botching_come_from_the_new_narration(settings: Settings) -> None:
    botched = {"title": ZH_PLAN["title"], "hook": ZH_PLAN["hook"], "call_to_action": ZH_PLAN["call_to_action"],
               "hashtags": ZH_PLAN["hashtags"],
               "scenes": [{"voiceover": s["voiceover"], "on_screen_text": "on_screen_text"}
                          for s in ZH_PLAN["scenes"]]}  # fmt: skip  # the key name as the value, as Qwen 1.5B did
    deps = _deps(settings, [botched, botched])
    zh = translate_plan(TranslateInput(plan=PLAN, language=Language.ZH), deps)
    assert len(deps.llm.calls) == 2  # type: ignore[union-attr]  # one retry, then the fallback
    assert "on_screen_text" in deps.llm.calls[1]["messages"][-1].content  # type: ignore[union-attr]
    for scene, source in zip(zh.scenes, ZH_PLAN["scenes"], strict=True):
        assert scene.voiceover == source["voiceover"] and 1 <= len(scene.on_screen_text) <= 8
        assert scene.on_screen_text in source["voiceover"]  # a cut of the narration: its start, or its end
    assert any("on-screen texts taken" in w for w in deps.warnings)


def test_translation_changes_the_words_and_nothing_else(settings: Settings) -> None:
    answer = {"title": ZH_PLAN["title"], "hook": ZH_PLAN["hook"], "call_to_action": ZH_PLAN["call_to_action"],
              "hashtags": ZH_PLAN["hashtags"],
              "scenes": [{"voiceover": s["voiceover"], "on_screen_text": s["on_screen_text"]}
                         for s in ZH_PLAN["scenes"]]}  # fmt: skip
    deps = _deps(settings, [answer])
    zh = translate_plan(TranslateInput(plan=PLAN, language=Language.ZH), deps)
    assert zh.language == Language.ZH and zh.title == ZH_PLAN["title"] and zh.hashtags == ZH_PLAN["hashtags"]
    assert [s.visual for s in zh.scenes] == [s.visual for s in PLAN.scenes]  # visuals are not re-made
    assert [s.duration for s in zh.scenes] == [s.duration for s in PLAN.scenes]
    assert zh.model_dump(exclude={"scenes", "title", "hook", "call_to_action", "hashtags", "language"}) == \
        PLAN.model_dump(exclude={"scenes", "title", "hook", "call_to_action", "hashtags", "language"})
    assert "简体中文" in deps.llm.calls[0]["messages"][0].content  # type: ignore[union-attr]


def test_when_the_model_cannot_cut_to_length_each_scene_keeps_its_opening_sentences(settings: Settings) -> None:
    too_long = {"scenes": [{"voiceover": s.voiceover + " And one more thing to say here.", "on_screen_text": "x"}
                           for s in PLAN.scenes]}  # fmt: skip
    deps = _deps(settings, [too_long, too_long])
    ten = change_length(LengthInput(plan=PLAN, seconds=15), deps)  # 43 words for 48
    assert len(deps.llm.calls) == 2  # type: ignore[union-attr]  # two tries, then the extractive cut
    assert ten.scenes[0].voiceover == "Your budget mornings cost too much."
    assert all(PLAN.scenes[i].voiceover.startswith(s.voiceover) for i, s in enumerate(ten.scenes))
    assert any("opening sentence" in w for w in deps.warnings)


def test_a_rewrite_that_keeps_the_old_lines_and_adds_one_keeps_the_new_line(settings: Settings) -> None:
    old = PLAN.scenes[1].voiceover
    padded = {**FUNNY, "voiceover": old + " " + " ".join(["Your phone can wait, your coffee cannot."] * 2)
              + " " + " ".join([old] * 3) + " [Cut to a sleepy face.]"}  # fmt: skip
    deps = _deps(settings, [padded, padded])
    new = edit_scene(SceneEditInput(plan=PLAN, mode="rewrite", scene=2, instruction="make it funnier"), deps)
    assert "Your phone can wait, your coffee cannot." in new.scenes[1].voiceover
    assert new.scenes[1].voiceover != old and "Cut to" not in new.scenes[1].voiceover
