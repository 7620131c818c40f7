"""An edit action applied to a plan: the one place that maps each chat action to the tool that makes it.

Used by the chat (agent/conversation.py) and by review comments applied as edits (agent/comments.py)."""

from __future__ import annotations

from pydantic import BaseModel

from reelcraft.agent.actions import (
    AddScene,
    ChangeLanguage,
    ChangeLength,
    ChangeMusic,
    ChangePlatform,
    ChangeVisualStyle,
    ChangeVoice,
    RegenerateVisuals,
    RemoveScene,
    RenderFinal,
    ReorderScenes,
    RewriteScene,
)
from reelcraft.plan import Language, Platform, VideoPlan
from reelcraft.tools.deps import Deps


def edited_plan(action: BaseModel, plan: VideoPlan, deps: Deps) -> VideoPlan:
    """The plan after one edit action, made through the tools' typed interfaces (script edits are cached)."""
    from reelcraft.tools.music import music_revision
    from reelcraft.tools.script_edit import (
        LengthInput,
        SceneEditInput,
        TranslateInput,
        change_length,
        edit_scene,
        translate_plan,
    )
    from reelcraft.tools.visuals import style_revision

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
        case RegenerateVisuals(scene=n):
            scenes[n - 1] = scenes[n - 1].model_copy(update={"visual_seed": scenes[n - 1].visual_seed + 1})
            return plan.model_copy(update={"scenes": scenes})
        case ChangePlatform(platform=platform):
            return plan.model_copy(update={"platform": Platform(platform)})
        case ChangeVoice() | RenderFinal():
            return plan
    raise AssertionError(f"no handler for {action!r}")
