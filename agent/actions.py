"""What the chat can do to a video: one typed action per kind of request.

The agent picks exactly one action per message. Capable providers pick it by native tool calling (each
action is a tool); the embedded model picks it by schema-constrained decoding of `CHOICE_SCHEMA`, a flat
object a 1.5B model fills reliably, which `to_action` turns into the same typed action (or into problems
phrased for the model to fix).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError


class CreateVideo(BaseModel):
    """Start a new video from the creator's idea (only when there is no video yet, or they ask for a new one)."""

    action: Literal["create_video"] = "create_video"
    brief: str = Field(min_length=2, max_length=2000)
    duration: float | None = Field(default=None, ge=5, le=180)
    language: Literal["en", "zh"] | None = None
    platform: Literal["tiktok", "reels", "shorts", "square", "landscape"] | None = None


class RewriteScene(BaseModel):
    """Rewrite one scene's words as asked ('make scene 2 funnier')."""

    action: Literal["rewrite_scene"] = "rewrite_scene"
    scene: int = Field(ge=1, description="1-based scene number")
    instruction: str = Field(min_length=2, max_length=500)


class AddScene(BaseModel):
    """Add a new scene after scene `after` (0: at the start) about what the creator described."""

    action: Literal["add_scene"] = "add_scene"
    after: int = Field(ge=0)
    instruction: str = Field(min_length=2, max_length=500)


class RemoveScene(BaseModel):
    """Remove one scene."""

    action: Literal["remove_scene"] = "remove_scene"
    scene: int = Field(ge=1)


class ReorderScenes(BaseModel):
    """Play the scenes in a new order (every scene number exactly once)."""

    action: Literal["reorder_scenes"] = "reorder_scenes"
    order: list[int] = Field(min_length=2)


class ChangeLength(BaseModel):
    """Make the video a new length in seconds; the narration is shortened if it no longer fits."""

    action: Literal["change_length"] = "change_length"
    seconds: float = Field(ge=5, le=180)


class ChangeLanguage(BaseModel):
    """Remake the video in another language (words, voice, captions)."""

    action: Literal["change_language"] = "change_language"
    language: Literal["en", "zh"]


class ChangeVoice(BaseModel):
    """Use another narrator voice."""

    action: Literal["change_voice"] = "change_voice"
    voice: str = Field(min_length=1, max_length=80)


class ChangeMusic(BaseModel):
    """Change the music: 'calmer', 'more energetic', 'epic', '中国风', 'different music', 'no music'."""

    action: Literal["change_music"] = "change_music"
    request: str = Field(min_length=2, max_length=200)


class ChangeVisualStyle(BaseModel):
    """Change the look of the generated backgrounds: 'warmer colours', 'more abstract', 'less movement'."""

    action: Literal["change_visual_style"] = "change_visual_style"
    request: str = Field(min_length=2, max_length=200)


class RegenerateVisuals(BaseModel):
    """Make new background visuals for one scene, keeping its words."""

    action: Literal["regenerate_visuals"] = "regenerate_visuals"
    scene: int = Field(ge=1)


class UseMedia(BaseModel):
    """Show one of the creator's own photos or clips in one scene: 'use my photo beach.jpg in scene 2'."""

    action: Literal["use_media"] = "use_media"
    scene: int = Field(ge=1)
    file: str = Field(min_length=3, max_length=260)


class ChangePlatform(BaseModel):
    """Reformat for another platform or aspect ratio."""

    action: Literal["change_platform"] = "change_platform"
    platform: Literal["tiktok", "reels", "shorts", "square", "landscape"]


class ChangeLook(BaseModel):
    """Change how the video looks, not what it says: caption style, size and colour, the logo, the frame shape
    ('bigger captions', 'captions in yellow', 'style: boxed', '字幕大一点', 'remove the logo', 'make it 4:5').
    Recognised from the creator's words (agent/intents.py), not offered to the model: only the render is re-done."""

    action: Literal["change_look"] = "change_look"
    request: str = Field(min_length=2, max_length=200)


class AddAspectVersion(BaseModel):
    """'also make a 16:9 version': a second video in another frame shape from the same voice, music and pictures;
    the first one stays as it is."""

    action: Literal["add_aspect_version"] = "add_aspect_version"
    aspect: Literal["9:16", "4:5", "1:1", "16:9"]


class FixWeakest(BaseModel):
    """Fix the weakest part of the draft's score (the hook, a scene off the brief, a rushed scene…)."""

    action: Literal["fix_weakest"] = "fix_weakest"


class ChangeFormat(BaseModel):
    """Rewrite the video in another short-video format (list, how_to, story_twist, myth_fact, before_after,
    pov, day_in_life, explainer, promo)."""

    action: Literal["change_format"] = "change_format"
    format: str = Field(min_length=2, max_length=40)


class RenderFinal(BaseModel):
    """Render the full-quality final video (previews are half size)."""

    action: Literal["render_final"] = "render_final"


class AskClarification(BaseModel):
    """Ask one short question when something essential is missing and no sensible default exists."""

    action: Literal["ask_clarification"] = "ask_clarification"
    question: str = Field(min_length=2, max_length=300)


class Reply(BaseModel):
    """Answer without changing the video: questions, and requests the tools cannot do (say what can)."""

    action: Literal["reply"] = "reply"
    text: str = Field(min_length=1, max_length=1000)


Action = Annotated[
    CreateVideo | RewriteScene | AddScene | RemoveScene | ReorderScenes | ChangeLength | ChangeLanguage
    | ChangeVoice | ChangeMusic | ChangeVisualStyle | RegenerateVisuals | UseMedia | ChangePlatform | FixWeakest
    | ChangeFormat | RenderFinal | AskClarification | Reply,
    Field(discriminator="action"),
]  # fmt: skip
ACTION_TYPES: tuple[type[BaseModel], ...] = (
    CreateVideo, RewriteScene, AddScene, RemoveScene, ReorderScenes, ChangeLength, ChangeLanguage, ChangeVoice,
    ChangeMusic, ChangeVisualStyle, RegenerateVisuals, UseMedia, ChangePlatform, FixWeakest, ChangeFormat,
    RenderFinal, AskClarification, Reply,
)  # fmt: skip
ACTION_NAMES = [t.model_fields["action"].default for t in ACTION_TYPES]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(Action)

CHOICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action", "scene", "text", "number", "order"],
    "properties": {
        "action": {"enum": ACTION_NAMES},
        "scene": {"type": "integer", "description": "scene number (after: 0 = at the start), or 0"},
        "text": {"type": "string", "description": "brief, instruction, request, voice, language, platform, "
                                                  "question or reply; '' if none"},
        "number": {"type": "number", "description": "seconds for create_video/change_length, else 0"},
        "order": {"type": "array", "items": {"type": "integer"}, "description": "reorder_scenes only, else []"},
    },
}  # fmt: skip
"""The flat shape the embedded model fills under a grammar: one enum and four slots."""


def to_action(choice: dict[str, Any]) -> tuple[BaseModel | None, list[str]]:
    """The typed action for a filled `CHOICE_SCHEMA`, or the problems to send back to the model."""
    name = choice.get("action")
    text = str(choice.get("text") or "").strip()
    scene = int(choice.get("scene") or 0)
    number = float(choice.get("number") or 0)
    fields: dict[str, Any] = {"action": name}
    match name:
        case "create_video":
            fields |= {"brief": text, "duration": number or None}
        case "rewrite_scene":
            fields |= {"scene": scene, "instruction": text}
        case "add_scene":
            fields |= {"after": scene, "instruction": text}
        case "remove_scene" | "regenerate_visuals":
            fields |= {"scene": scene}
        case "use_media":
            fields |= {"scene": scene, "file": text}
        case "reorder_scenes":
            fields |= {"order": list(choice.get("order") or [])}
        case "change_length":
            fields |= {"seconds": number}
        case "change_language":
            fields |= {"language": _language(text)}
        case "change_voice":
            fields |= {"voice": text}
        case "change_music" | "change_visual_style":
            fields |= {"request": text}
        case "change_platform":
            fields |= {"platform": text.lower()}
        case "change_format":
            fields |= {"format": text}
        case "ask_clarification":
            fields |= {"question": text}
        case "reply":
            fields |= {"text": text}
    return validate_action(name, fields)


def validate_action(name: str, fields: dict[str, Any]) -> tuple[BaseModel | None, list[str]]:
    """The typed action, or what is wrong with its fields (the union's tag left out of the path)."""
    try:
        return _ADAPTER.validate_python({**fields, "action": name}), []
    except ValidationError as exc:
        return None, [f"{name}: {'.'.join(map(str, e['loc'][1:])) or 'action'} {e['msg']}" for e in exc.errors()[:3]]


def _language(text: str) -> str:
    """'Chinese', 'zh', '中文' → zh; 'English', 'en', '英文' → en; anything else stays as it is and fails
    validation with the supported values listed."""
    lowered = text.lower().strip()
    if lowered in ("zh", "zh-cn", "cn") or any(w in lowered for w in ("chinese", "mandarin", "中文", "汉语", "普通话")):
        return "zh"
    if lowered in ("en", "en-us", "en-gb") or any(w in lowered for w in ("english", "英文", "英语")):
        return "en"
    return lowered
