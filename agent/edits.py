"""An edit action applied to a plan: the one place that maps each chat action to the tool that makes it.

Used by the chat (agent/conversation.py) and by review comments applied as edits (agent/comments.py)."""

from __future__ import annotations

from pydantic import BaseModel

from reelcraft.agent.actions import (
    AddAspectVersion,
    AddScene,
    ChangeFormat,
    ChangeLanguage,
    ChangeLength,
    ChangeLook,
    ChangeMusic,
    ChangePlatform,
    ChangeVisualStyle,
    ChangeVoice,
    FixWeakest,
    RegenerateVisuals,
    RemoveScene,
    RenderFinal,
    ReorderScenes,
    RewriteScene,
    UseMedia,
)
from reelcraft.plan import Aspect, Language, Platform, VideoPlan
from reelcraft.tools.deps import Deps
from reelcraft.tools.score import ScorePart

FOLLOW = {Language.EN: "Follow for more.", Language.ZH: "关注我，看更多。"}
"""The call to action added when a draft has none."""


def edited_plan(action: BaseModel, plan: VideoPlan, deps: Deps, brief: str = "") -> VideoPlan:
    """The plan after one edit action, made through the tools' typed interfaces (script edits are cached).
    `brief` is the draft's brief: a new format is written from it, and the score is measured against it."""
    from reelcraft.tools.look import look_revision
    from reelcraft.tools.music import music_revision
    from reelcraft.tools.script_edit import (
        LengthInput,
        SceneEditInput,
        TranslateInput,
        change_length,
        edit_scene,
        translate_plan,
    )
    from reelcraft.tools.visuals import scene_visual_revision, style_revision

    scenes = list(plan.scenes)
    match action:
        case RewriteScene(scene=n, instruction=text):
            return edit_scene(SceneEditInput(plan=plan, mode="rewrite", scene=n, instruction=text), deps)
        case AddScene(after=n, instruction=text):
            return edit_scene(SceneEditInput(plan=plan, mode="add", scene=n, instruction=text), deps)
        case RemoveScene(scene=n):
            return plan.model_copy(update={"scenes": scenes[: n - 1] + scenes[n:]}).with_fitted_durations()
        case ReorderScenes(order=order):
            return plan.model_copy(update={"scenes": [scenes[i - 1] for i in order]})
        case ChangeLength(seconds=seconds):
            return change_length(LengthInput(plan=plan, seconds=seconds), deps)
        case ChangeLanguage(language=language):
            return translate_plan(TranslateInput(plan=plan, language=Language(language)), deps)
        case ChangeMusic(request=request):
            return music_revision(plan, request)
        case ChangeVisualStyle(request=request):
            return style_revision(plan, request)
        case RegenerateVisuals(scene=n):  # another picture: the creator's chosen file gives way to the next one
            return scene_visual_revision(plan, n)
        case UseMedia(scene=n, file=file):
            return scene_visual_revision(plan, n, file)
        case ChangePlatform(platform=platform):  # the platform's own frame shape, unless one was chosen since
            return plan.model_copy(update={"platform": Platform(platform),
                                           "look": plan.look.model_copy(update={"aspect": None})})
        case ChangeLook(request=request):
            return look_revision(plan, request)
        case AddAspectVersion(aspect=aspect):
            return plan.model_copy(update={"look": plan.look.model_copy(update={"aspect": Aspect(aspect)})})
        case FixWeakest():
            return fix_weakest(plan, brief, deps)[0]
        case ChangeFormat(format=name):
            from reelcraft.tools.script import ScriptInput, write_script

            return write_script(ScriptInput(brief=brief or plan.title, language=plan.language, platform=plan.platform,
                                            duration=plan.target_duration, format=name), deps)  # fmt: skip
        case ChangeVoice() | RenderFinal():
            return plan
    raise AssertionError(f"no handler for {action!r}")


def fix_weakest(plan: VideoPlan, brief: str, deps: Deps) -> tuple[VideoPlan, ScorePart | None]:
    """The plan with the weakest part of its score fixed, and that part (None when nothing is weak).
    Post-level parts (platform, trend) are fixed in code; a scene's part is rewritten by the model with the
    reason fed back, so the rewrite knows what was wrong."""
    from reelcraft.tools.score import ScoreInput, score_draft
    from reelcraft.tools.script_checks import ONSCREEN_WORDS, brief_hashtags
    from reelcraft.tools.script_edit import LengthInput, SceneEditInput, change_length, edit_scene

    score = score_draft(ScoreInput(plan=plan, brief=brief), deps)
    if score.weakest is None:
        return plan, None
    part = score.part(score.weakest)
    language = plan.language
    if part.name == "trend" and plan.trend_backing:
        tag = max(plan.trend_backing, key=lambda b: b.growth_per_day).hashtag
        return plan.model_copy(update={"hashtags": [tag, *plan.hashtags][:6]}), part
    if part.name == "platform":
        update: dict[str, object] = {}
        if not plan.call_to_action.strip():
            update["call_to_action"] = FOLLOW[language]
        if not plan.hashtags:
            update["hashtags"] = brief_hashtags(brief or plan.title, language)
        elif len(plan.hashtags) > 8:
            update["hashtags"] = plan.hashtags[:5]
        if "length" in part.checks:
            seconds = min(max(plan.target_duration, 15.0), 60.0)
            return change_length(LengthInput(plan=plan.model_copy(update=update), seconds=seconds), deps), part
        return plan.model_copy(update=update), part
    scene = part.scene or 1
    low, high = ONSCREEN_WORDS[language]
    unit = "words" if language == Language.EN else "characters"
    if part.name == "onscreen":
        instruction = (f"Keep the narration's meaning. {part.reason}. The on-screen text: {low}–{high} {unit} with "
                       f"a number or key noun.")  # fmt: skip
    elif part.name == "hook":
        instruction = f"{part.reason}. Open with a hook said in under 2.5 s that names what the video is about."
    else:
        instruction = f"{part.reason}. Fix that, and stay on the brief: {brief or plan.title}"
    return edit_scene(SceneEditInput(plan=plan, mode="rewrite", scene=scene, instruction=instruction[:500]),
                      deps), part  # fmt: skip
