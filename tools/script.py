"""Script writing tool: a brief becomes a validated `VideoPlan` in the brief's language."""

from __future__ import annotations

import difflib
import math
import re
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field, ValidationError

from reelcraft.errors import validation_problems
from reelcraft.language import CJK_IDEOGRAPH, language_problem
from reelcraft.plan import Language, Platform, Scene, TrendBacking, VideoPlan, check_brief, check_duration
from reelcraft.prompts import load_fragment, load_prompt
from reelcraft.tools.deps import Deps
from reelcraft.tools.llm_json import ask_valid_json
from reelcraft.tools.trends import TrendsOutput, normalise_tag

SPEECH_RATE = {Language.EN: 3.2, Language.ZH: 4.3}
"""Words (en) or characters (zh) per second the voices speak; measured in docs/models.md."""
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class ScriptInput(BaseModel):
    """A brief and the frame it must fit."""

    brief: str
    """The creator's idea, in their words."""
    language: Language
    platform: Platform = Platform.TIKTOK
    duration: float = 30.0
    """Target length in seconds."""
    trending: TrendsOutput | None = None
    """What is trending near the brief (`suggest_trends`): the strongest close hashtag joins the plan, and
    the plan records which of its hashtags the trends back, with their numbers."""
    trends_in_prompt: bool = True
    """Also offer the trending hashtags to the writer in the prompt (off for the embedded model, which
    copies them into its lines; docs/trends.md)."""


class _SceneDraft(BaseModel):
    voiceover: str = Field(min_length=2, max_length=400)
    on_screen_text: str = Field(max_length=80)
    visual: str = Field(max_length=300)
    duration: float = Field(ge=1, le=60)


class _PlanDraft(BaseModel):
    """What the LLM writes; language, platform and length are fixed by the caller."""

    title: str = Field(min_length=2, max_length=120)
    hook: str = Field(min_length=2, max_length=200)
    scenes: list[_SceneDraft]
    call_to_action: str = Field(max_length=160)
    music_mood: str = Field(max_length=60)
    hashtags: list[str] = Field(max_length=10)


def scene_bounds(duration: float) -> tuple[int, int]:
    """At least 3 scenes; roughly one per 4–10 s."""
    return max(3, min(8, math.ceil(duration / 10))), max(3, min(8, math.floor(duration / 4)))


def speech_units(text: str, language: Language) -> int:
    if language == Language.ZH:
        return len(CJK_IDEOGRAPH.findall(text)) + len(_LATIN_WORD.findall(text))
    return len(text.split())


def budget(seconds: float, language: Language) -> int:
    """Words (en) or characters (zh) a narrator speaks comfortably in `seconds`."""
    return int(seconds * SPEECH_RATE[language] * 0.9)


_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")


def opening_sentences(text: str, limit: float, language: Language) -> str:
    """The text's first sentence and as many following ones as stay within `limit` words (characters)."""
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()] or [text]
    chosen = [parts[0]]
    for part in parts[1:]:
        if speech_units(" ".join([*chosen, part]), language) > limit:
            break
        chosen.append(part)
    return ("" if language == Language.ZH else " ").join(chosen)


def extractive_cut(plan: VideoPlan, limit: int) -> VideoPlan | None:
    """Each scene keeps its opening sentences, as many as fit the budget in proportion to the scene's
    share of the narration (at least its first); None when even the first sentences do not fit."""
    language = plan.language
    total = sum(speech_units(s.voiceover, language) for s in plan.scenes) or 1
    voiceovers = [opening_sentences(s.voiceover, limit * speech_units(s.voiceover, language) / total, language)
                  for s in plan.scenes]  # fmt: skip
    if sum(speech_units(v, language) for v in voiceovers) > limit * 1.15:
        return None
    scenes = [s.model_copy(update={"voiceover": v}) for s, v in zip(plan.scenes, voiceovers, strict=True)]
    return plan.model_copy(update={"scenes": scenes})


def _drop_length_caps(node: Any) -> Any:
    """Grammar compilers expand maxLength into huge rules (slow) and cut words mid-way: pydantic checks
    lengths after decoding instead, and any violation goes back to the model as feedback."""
    if isinstance(node, dict):
        return {k: _drop_length_caps(v) for k, v in node.items() if k not in ("maxLength", "minLength")}
    if isinstance(node, list):
        return [_drop_length_caps(v) for v in node]
    return node


def plan_schema(duration: float) -> dict[str, Any]:
    schema = _drop_length_caps(_PlanDraft.model_json_schema())
    schema["title"] = "VideoPlanDraft"
    low, high = scene_bounds(duration)
    schema["properties"]["scenes"].update(minItems=low, maxItems=high)
    schema["properties"]["hashtags"].update(minItems=3, maxItems=6)
    return schema


NEAR_DUPLICATE = 0.8
"""difflib ratio from which two voiceovers are one line with a word swapped ('7am, I start my day' /
'8am, I start my day'), a small model's way of padding a script."""


def _near_duplicate(lines: list[str]) -> tuple[int, int] | None:
    for i, first in enumerate(lines):
        for j in range(i + 1, len(lines)):
            if difflib.SequenceMatcher(None, first, lines[j]).ratio() >= NEAR_DUPLICATE:
                return i, j
    return None


def check_plan_draft(draft: _PlanDraft, inp: ScriptInput) -> list[str]:
    """Semantic rules a schema cannot express; each problem is phrased for the model to fix."""
    problems: list[str] = []
    low, high = scene_bounds(inp.duration)
    if not low <= len(draft.scenes) <= high:
        problems.append(f"write {low} to {high} scenes, not {len(draft.scenes)}")
    texts = [draft.title, draft.hook, _without_hashtags(draft.call_to_action)] + [
        t for s in draft.scenes for t in (s.voiceover, s.on_screen_text)
    ]
    problems += [p for t in texts if t.strip() and (p := language_problem(t, inp.language.value))][:3]
    voiceovers = [" ".join(s.voiceover.split()).lower() for s in draft.scenes]
    if len(set(voiceovers)) < len(voiceovers):
        problems.append("two scenes have the same voiceover; every scene must say something new")
    elif echo := _near_duplicate(voiceovers):
        problems.append(f"scenes {echo[0] + 1} and {echo[1] + 1} say almost the same thing; every scene must "
                        "say something new")
    if too_long := length_problem(draft, inp):
        problems.append(too_long)
    return problems


def length_problem(draft: _PlanDraft, inp: ScriptInput) -> str | None:
    units = sum(speech_units(s.voiceover, inp.language) for s in draft.scenes)
    if units <= inp.duration * SPEECH_RATE[inp.language] * 1.15:
        return None
    unit = "characters" if inp.language == Language.ZH else "words"
    return (f"the voiceover has {units} {unit}, too long for {inp.duration:g} s: "
            f"cut it to at most {budget(inp.duration, inp.language)} {unit} in total")  # fmt: skip


def _without_hashtags(text: str) -> str:
    """Models like to end a call to action with hashtags; the plan keeps those apart (and drops them here)."""
    return re.sub(r"\s*#\S+", "", text).strip()


def _to_plan(draft: _PlanDraft, inp: ScriptInput) -> VideoPlan:
    tags: list[str] = []
    for tag in draft.hashtags:
        cleaned = "#" + re.sub(r"\s+", "", tag).lstrip("#")
        if len(cleaned) > 1 and cleaned not in tags:
            tags.append(cleaned)
    tags = with_top_trend(tags, inp.trending)
    plan = VideoPlan(
        title=draft.title.strip(),
        language=inp.language,
        platform=inp.platform,
        target_duration=inp.duration,
        hook=draft.hook.strip(),
        scenes=[Scene(**s.model_dump()) for s in draft.scenes],
        call_to_action=_without_hashtags(draft.call_to_action),
        music_mood=draft.music_mood.strip() or "upbeat",
        hashtags=tags,
        trend_backing=trend_backing(tags, inp.trending),
    )
    return plan.with_fitted_durations()


TRENDING_TAGS_SHOWN = 6
MAX_HASHTAGS = 6


def trending_context(trending: TrendsOutput | None, language: Language) -> str:
    """The prompt block that offers the writer the hashtags trending near the brief ('' without trends).
    Only hashtags: shown trending titles, the embedded 1.5B model copied them and padded its scenes."""
    tags = trending.hashtags[:TRENDING_TAGS_SHOWN] if trending else []
    if not tags:  # nothing close to the brief: far items would only pull the writer off it
        return ""
    lines = "\n".join(f"- {h.tag} (+{h.growth_per_day:,.0f}/day)" for h in tags)
    return load_fragment("script_trending", language.value, hashtags=lines) + "\n"


def with_top_trend(hashtags: list[str], trending: TrendsOutput | None) -> list[str]:
    """The plan's hashtags with the strongest trending one added if the writer left it out (the trends
    tool only suggests tags from items close to the brief, so it fits)."""
    if trending is None or not trending.hashtags:
        return hashtags
    top = trending.hashtags[0].tag
    if normalise_tag(top) in {normalise_tag(t) for t in hashtags}:
        return hashtags
    return [*hashtags[: MAX_HASHTAGS - 1], top]


def trend_backing(hashtags: list[str], trending: TrendsOutput | None) -> list[TrendBacking]:
    """The plan's hashtags that trending neighbours use, with the numbers behind each."""
    if trending is None:
        return []
    suggested = {normalise_tag(h.tag): h for h in trending.hashtags}
    return [TrendBacking(hashtag=tag, items=h.items, growth_per_day=h.growth_per_day, evidence=h.evidence)
            for tag in hashtags if (h := suggested.get(normalise_tag(tag)))]  # fmt: skip


def write_script(inp: ScriptInput, deps: Deps) -> VideoPlan:
    """Write a short-video plan (title, hook, 3+ scenes with voiceover, on-screen text and visuals,
    call to action, music mood, hashtags) for a brief, in the requested language and length."""
    brief = check_brief(inp.brief)
    inp = inp.model_copy(update={"brief": brief, "duration": check_duration(inp.duration)})
    prompt = load_prompt("script", inp.language.value)
    low, high = scene_bounds(inp.duration)
    limit = budget(inp.duration, inp.language)
    system, user = prompt.render(
        brief=brief,
        platform=inp.platform.value,
        duration=f"{inp.duration:g}",
        min_scenes=low,
        max_scenes=high,
        word_budget=limit,
        char_budget=limit,
        trending=trending_context(inp.trending, inp.language) if inp.trends_in_prompt else "",
    )
    key_inputs = {"input": inp, "system": system, "user": user, "llm": deps.llm_identity()}

    def make(folder: Any) -> None:
        plan = _ask_until_valid(deps, inp, [SystemMessage(system), HumanMessage(user)])
        (folder / "plan.json").write_text(plan.model_dump_json(indent=2), encoding="utf-8")

    deps.progress("script", "writing the plan")
    _, folder = deps.cache.get_or_make("script", key_inputs, make)
    return VideoPlan.model_validate_json((folder / "plan.json").read_text(encoding="utf-8"))


def _ask_until_valid(deps: Deps, inp: ScriptInput, messages: list[BaseMessage]) -> VideoPlan:
    """Bounded retries (tools/llm_json.py): each failure goes back to the model as feedback."""

    def check(parsed: Any) -> tuple[VideoPlan | None, list[str]]:
        try:
            draft = _PlanDraft.model_validate(parsed)
        except ValidationError as exc:
            return None, validation_problems(exc, 5)
        problems = check_plan_draft(draft, inp)
        return (None, problems) if problems else (_to_plan(draft, inp), [])

    def cut_to_length(parsed: Any) -> tuple[VideoPlan, str] | None:
        """Only too long: keep each scene's opening sentences (small models rarely hit a word budget)."""
        try:
            draft = _PlanDraft.model_validate(parsed)
        except ValidationError:
            return None
        problems = check_plan_draft(draft, inp)
        if problems != [length_problem(draft, inp)]:
            return None
        cut = extractive_cut(_to_plan(draft, inp), budget(inp.duration, inp.language))
        if cut is None:
            return None
        return cut.with_fitted_durations(), ("the model's narration ran long twice; kept each scene's opening "
                                             "sentence(s) to fit the length")  # fmt: skip

    return ask_valid_json(deps, plan_schema(inp.duration), messages, check, stage="script", what="plan",
                          fix="rephrase the brief more simply, or use a stronger model (--llm openai / ollama)",
                          salvage=cut_to_length, salvage_from=2)  # fmt: skip
