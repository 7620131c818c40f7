"""The chat acts on the draft score ("fix the weakest part") and changes the format ("make it a myth vs
fact"): recognised without the model, and each made through the tools (scripted model turns)."""

from __future__ import annotations

import pytest

from helpers import EN_PLAN, plan_turns
from reelcraft.agent.actions import ChangeFormat, FixWeakest
from reelcraft.agent.edits import edited_plan, fix_weakest
from reelcraft.agent.intents import match_intent
from reelcraft.config import Settings
from reelcraft.errors import BriefError
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.plan import VideoPlan
from reelcraft.tools.deps import Deps

PLAN = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
BRIEF = "30 s TikTok: a budget morning routine for college students, upbeat"


@pytest.mark.parametrize(("message", "expected"), [
    ("fix the weakest part", FixWeakest()), ("improve the score", FixWeakest()), ("修一下最弱的部分", FixWeakest()),
    ("make it a myth vs fact", ChangeFormat(format="myth_fact")),
    ("turn it into a listicle", ChangeFormat(format="list")),
    ("做成辟谣形式", ChangeFormat(format="myth_fact")), ("switch to POV", ChangeFormat(format="pov")),
    ("make it a haiku format", ChangeFormat(format="haiku")), ("format: haiku", ChangeFormat(format="haiku")),
    ("make it funnier", None), ("make it shorter", None), ("fix scene 2", None),
])  # fmt: skip
def test_score_and_format_requests_are_recognised(message: str, expected: object) -> None:
    assert match_intent(message, 4) == expected


def test_fixing_the_weakest_part_rewrites_the_scene_it_names(settings: Settings) -> None:
    greeting = PLAN.model_copy(deep=True)
    greeting.scenes[0].voiceover = "Hi guys, welcome back to my channel! " + greeting.scenes[0].voiceover
    fixed_scene = {"voiceover": "Your whole morning costs under a dollar.", "on_screen_text": "Mornings under $1",
                   "visual": "Mornings under $1"}  # fmt: skip
    deps = Deps.from_settings(settings, llm=ScriptedChatModel(turns=[fixed_scene]))
    new, part = fix_weakest(greeting, BRIEF, deps)
    assert part is not None and part.name == "hook" and part.scene == 1
    prompt = deps.llm.calls[0]["messages"][-1].content  # type: ignore[union-attr]
    assert "greeting" in prompt  # the reason is fed back to the rewrite
    assert new.scenes[0].voiceover == fixed_scene["voiceover"] and new.scenes[1:] == greeting.scenes[1:]


def test_a_post_without_hashtags_or_call_to_action_is_fixed_in_code(settings: Settings) -> None:
    bare = PLAN.model_copy(update={"hashtags": [], "call_to_action": "",
                                   "title": "My budget morning routine as a college student, explained step by step"})
    deps = Deps.from_settings(settings, llm=ScriptedChatModel(turns=[]))  # no model call
    new, part = fix_weakest(bare, BRIEF, deps)
    assert part is not None and part.name == "platform"
    assert new.call_to_action and "#budget" in new.hashtags and new.scenes == bare.scenes


def test_a_new_format_rewrites_the_plan_from_the_brief(settings: Settings) -> None:
    deps = Deps.from_settings(settings, llm=ScriptedChatModel(turns=plan_turns(EN_PLAN)))
    new = edited_plan(ChangeFormat(format="myth_fact"), PLAN, deps, brief=BRIEF)
    assert new.format == "myth_fact"
    assert "MYTH" in deps.llm.calls[0]["messages"][-1].content.upper()  # type: ignore[union-attr]
    with pytest.raises(BriefError) as caught:
        edited_plan(ChangeFormat(format="haiku"), PLAN, deps, brief=BRIEF)
    assert "haiku" in caught.value.message and "myth_fact" in caught.value.fix
