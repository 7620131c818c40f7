"""Script editing tool: the chat's edits to the words of a plan — rewrite or add one scene, cut to a new
length, adapt to another language — each returning a new `VideoPlan` where only the asked-for parts differ.

The model writes just the part being changed (one scene, the voiceovers, or the texts), and the rest of
the plan is copied over, so an edit can never disturb what it was not asked to touch: unchanged scenes keep
their exact words, and their voice, visuals and captions come from the cache.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from reelcraft.errors import ModelBehaviorError, ScriptError
from reelcraft.language import language_problem
from reelcraft.plan import Language, Scene, VideoPlan, check_duration
from reelcraft.prompts import load_fragment, load_prompt
from reelcraft.tools.deps import Deps
from reelcraft.tools.llm_json import ask_valid_json
from reelcraft.tools.script import (
    budget,
    extractive_cut,
    headline,
    mend_stage_directions,
    on_screen_text,
    speech_units,
    voiceover_chars,
)
from reelcraft.tools.script_checks import sentences

SCENE_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["voiceover", "on_screen_text", "visual"],
    "properties": {"voiceover": {"type": "string"}, "on_screen_text": {"type": "string"},
                   "visual": {"type": "string"}},
}  # fmt: skip
FIX = "say the change more simply, or use a stronger model (--llm openai / ollama)"
EDIT_CAPS = {Language.EN: {"on_screen_text": 60, "visual": 240}, Language.ZH: {"on_screen_text": 16, "visual": 80}}
"""Characters the grammar allows a scene edit's on-screen text and shot: an answer that ran over them was
refused along with a long narration, so the narration's cut could not save it (a six-turn chat lost
'make scene 2 funnier' that way)."""


def _fresh_first(text: str, old: str, limit: float, language: Language) -> str:
    """The text's sentences within `limit`, its new ones first: a small model asked to rewrite a scene
    often keeps the old sentences and adds one, and cutting that to its opening left the scene unchanged."""
    parts = sentences(text) or [text]
    before = {" ".join(p.lower().split()) for p in sentences(old)}
    fresh = [i for i, p in enumerate(parts) if " ".join(p.lower().split()) not in before]
    chosen: list[int] = []
    for i in [*fresh, *(i for i in range(len(parts)) if i not in fresh)]:
        if not chosen or speech_units(" ".join(parts[j] for j in [*chosen, i]), language) <= limit:
            chosen.append(i)
    return ("" if language == Language.ZH else " ").join(parts[i] for i in sorted(chosen))


def _clauses_within(text: str, limit: float, language: Language) -> str:
    """The text's first clauses (at least one) that stay within `limit` words (characters), as a sentence."""
    clauses = [c for c in re.split(r"(?<=[,，;；:：、])\s*", text) if c.strip()]
    kept = clauses[:1]
    for clause in clauses[1:]:
        if speech_units(" ".join([*kept, clause]), language) > limit:
            break
        kept.append(clause)
    joined = ("" if language == Language.ZH else " ").join(kept).rstrip(",，;；:：、 ")
    if speech_units(joined, language) > limit * 1.15:  # one long clause: its first words
        joined = joined[: int(limit)] if language == Language.ZH else " ".join(joined.split()[: int(limit)])
    joined = joined.rstrip(",，;；:：、 ")
    return joined if re.search(r"[.!?。！？…]$", joined) else joined + ("。" if language == Language.ZH else ".")


class SceneEditInput(BaseModel):
    """Rewrite scene `scene` (1-based) of the plan as instructed, or add a new scene after it (0: first)."""

    plan: VideoPlan
    mode: Literal["rewrite", "add"]
    scene: int = Field(ge=0)
    instruction: str = Field(min_length=2, max_length=500)


class LengthInput(BaseModel):
    """Make the plan `seconds` long; the narration is cut by the model only if it no longer fits."""

    plan: VideoPlan
    seconds: float


class TranslateInput(BaseModel):
    """Adapt every text of the plan into `language`; scenes, timing, music and visuals stay."""

    plan: VideoPlan
    language: Language


def numbered(plan: VideoPlan) -> str:
    return "\n".join(f"{i}. {s.voiceover} [{s.on_screen_text}]" for i, s in enumerate(plan.scenes, start=1))


def _cached_plan(deps: Deps, step: str, key: dict[str, Any], make: Any) -> VideoPlan:
    def write(folder: Any) -> None:
        (folder / "plan.json").write_text(make().model_dump_json(indent=2), encoding="utf-8")

    _, folder = deps.cache.get_or_make(step, {**key, "llm": deps.llm_identity()}, write)
    return VideoPlan.model_validate_json((folder / "plan.json").read_text(encoding="utf-8"))


def edit_scene(inp: SceneEditInput, deps: Deps) -> VideoPlan:
    """Rewrite one scene of a video's script as the creator asked ('make scene 2 funnier'), or write a
    new scene at a given place; every other scene keeps its exact words."""
    plan = inp.plan
    count = len(plan.scenes)
    if inp.mode == "rewrite" and not 1 <= inp.scene <= count:
        raise ScriptError(f"there is no scene {inp.scene}; the video has {count}", f"pick a scene from 1 to {count}")
    if inp.mode == "add" and not 0 <= inp.scene <= count:
        raise ScriptError(f"a new scene cannot go after scene {inp.scene}; the video has {count}",
                          f"pick a place from 0 to {count}")  # fmt: skip
    language = plan.language
    others = [s for i, s in enumerate(plan.scenes, start=1) if not (inp.mode == "rewrite" and i == inp.scene)]
    room = budget(plan.target_duration, language) - sum(speech_units(s.voiceover, language) for s in others)
    limit = max(room, budget(plan.target_duration / (len(others) + 1), language))
    current = plan.scenes[inp.scene - 1].voiceover if inp.mode == "rewrite" else ""
    task = load_fragment(f"scene_{inp.mode}_task", language.value, scene=inp.scene, instruction=inp.instruction,
                         current=current)  # fmt: skip
    system, user = load_prompt("scene_edit", language.value).render(
        title=plan.title, duration=f"{plan.target_duration:g}", scenes=numbered(plan), task=task,
        word_budget=limit, char_budget=limit)  # fmt: skip
    old = plan.scenes[inp.scene - 1].voiceover if inp.mode == "rewrite" else None

    too_long = f"the voiceover is too long: at most {limit} {_unit(language)}"

    def check(parsed: Any) -> tuple[Scene | None, list[str]]:
        try:
            voiceover = mend_stage_directions(" ".join(str(parsed["voiceover"]).split()))
            on_screen, visual = headline(str(parsed["on_screen_text"]), language), str(parsed["visual"]).strip()
        except (KeyError, TypeError):
            return None, ["answer with voiceover, on_screen_text and visual"]
        problems = [p for t in (voiceover, on_screen) if t and (p := language_problem(t, language.value))]
        if len(voiceover) < 2:
            problems.append("the voiceover is empty")
        if speech_units(voiceover, language) > limit * 1.15:
            problems.append(too_long)
        if old is not None and voiceover.lower() == old.lower():
            problems.append("the voiceover is unchanged; rewrite it as asked")
        if any(voiceover.lower().rstrip(".!?。！？") in s.voiceover.lower() for s in others):
            problems.append("that repeats another scene; say something new")
        if len(on_screen) > 80 or len(visual) > 300:
            problems.append("keep on_screen_text short (a few words) and visual to one sentence")
        if problems:
            return None, problems
        duration = plan.scenes[inp.scene - 1].duration if old is not None else plan.target_duration / (count + 1)
        return Scene(voiceover=voiceover, on_screen_text=on_screen, visual=visual or "", duration=duration), []

    def cut_to_length(parsed: Any) -> tuple[Scene, str] | None:
        """Only too long: the scene keeps its opening sentences (small models rarely hit a word budget),
        or, when its first sentence alone runs over, its first clauses up to the limit."""
        if check(parsed)[1] != [too_long]:
            return None
        spoken = mend_stage_directions(" ".join(str(parsed["voiceover"]).split()))
        shorter = _fresh_first(spoken, old or "", limit, language)
        if speech_units(shorter, language) > limit * 1.15:
            shorter = _clauses_within(shorter, limit, language)
        scene, _ = check({**parsed, "voiceover": shorter})
        if scene is None:
            return None
        return scene, "the model's new scene ran long twice; kept its opening words to fit"

    def make() -> VideoPlan:
        deps.progress("script", f"{'rewriting' if old else 'writing'} scene {inp.scene or 1}")
        caps = EDIT_CAPS[language]  # the grammar keeps the short fields short: only the narration can run long
        schema = {**SCENE_SCHEMA, "properties": {
            "voiceover": {"type": "string", "maxLength": voiceover_chars(int(limit * 1.1), language)},
            "on_screen_text": {"type": "string", "maxLength": caps["on_screen_text"]},
            "visual": {"type": "string", "maxLength": caps["visual"]}}}  # fmt: skip
        scene = ask_valid_json(deps, schema, [SystemMessage(system), HumanMessage(user)], check,
                               stage="script", what="scene", fix=FIX, salvage=cut_to_length)  # fmt: skip
        scenes = list(plan.scenes)
        if inp.mode == "rewrite":
            scenes[inp.scene - 1] = scene
        else:
            scenes.insert(inp.scene, scene)
        return plan.model_copy(update={"scenes": scenes}).with_fitted_durations()

    return _cached_plan(deps, "script_edit", {"input": inp, "system": system, "user": user}, make)


def change_length(inp: LengthInput, deps: Deps) -> VideoPlan:
    """Make the video a new length: scene timings scale, and if the narration no longer fits the model cuts
    every voiceover (keeping every scene and its meaning)."""
    seconds = check_duration(inp.seconds)
    plan = inp.plan.model_copy(update={"target_duration": seconds})
    language = plan.language
    limit = budget(seconds, language)
    if len(plan.scenes) * 1.5 > seconds:
        raise ScriptError(f"{len(plan.scenes)} scenes do not fit in {seconds:g} s",
                          "remove a scene first, or ask for a longer video")  # fmt: skip
    if sum(speech_units(s.voiceover, language) for s in plan.scenes) <= limit:
        return plan.with_fitted_durations()
    count = len(plan.scenes)
    schema = _texts_schema(count, with_header=False)
    system, user = load_prompt("script_shorten", language.value).render(
        scenes=numbered(plan), duration=f"{seconds:g}", count=count, word_budget=limit, char_budget=limit)  # fmt: skip

    def check(parsed: Any) -> tuple[VideoPlan | None, list[str]]:
        return _apply_texts(plan, parsed, language, limit, with_header=False)

    def make() -> VideoPlan:
        deps.progress("script", f"cutting the narration to {limit} {_unit(language)}")
        try:
            cut = ask_valid_json(deps, schema, [SystemMessage(system), HumanMessage(user)], check, stage="script",
                                 what="shorter script", fix=FIX, attempts=SHORTEN_ATTEMPTS)  # fmt: skip
        except ModelBehaviorError as exc:
            extract = extractive_cut(plan, limit)
            if extract is None:
                raise ScriptError(f"the narration cannot be cut to {seconds:g} s ({exc.message})",
                                  "remove a scene, or ask for a longer video") from exc  # fmt: skip
            deps.warn("script", "the model could not cut the narration to length; kept each scene's opening "
                                "sentence(s) instead")  # fmt: skip
            cut = extract
        return cut.with_fitted_durations()

    return _cached_plan(deps, "script_shorten", {"plan": plan, "system": system, "user": user}, make)


SHORTEN_ATTEMPTS = 2
"""Small models rarely hit a word budget on a third try; after two, the extractive cut is better and instant."""


def translate_plan(inp: TranslateInput, deps: Deps) -> VideoPlan:
    """Remake the script in another language (title, hook, every scene's words, call to action,
    hashtags); scene count, timing, music and visual descriptions stay, so only the words are re-made."""
    plan = inp.plan
    if inp.language == plan.language:
        return plan
    language = inp.language
    count = len(plan.scenes)
    limit = budget(plan.target_duration, language)
    script = "\n".join([f"title: {plan.title}", f"hook: {plan.hook}", numbered(plan),
                        f"call to action: {plan.call_to_action}", f"hashtags: {' '.join(plan.hashtags)}"])  # fmt: skip
    system, user = load_prompt("script_translate", language.value).render(
        script=script, duration=f"{plan.target_duration:g}", count=count, word_budget=limit,
        char_budget=limit)  # fmt: skip
    target = plan.model_copy(update={"language": language})

    def check(parsed: Any) -> tuple[VideoPlan | None, list[str]]:
        return _apply_texts(target, parsed, language, limit, with_header=True)

    def with_headlines(parsed: Any) -> tuple[VideoPlan, str] | None:
        """Small models sometimes fill on_screen_text with its own key name: take it from the narration."""
        adapted, _ = _apply_texts(target, parsed, language, limit, with_header=True, headlines_from_narration=True)
        return (adapted, "on-screen texts taken from the start of each scene's narration") if adapted else None

    def make() -> VideoPlan:
        deps.progress("script", f"adapting the script into {'Chinese' if language == Language.ZH else 'English'}")
        adapted = ask_valid_json(deps, _texts_schema(count, with_header=True),
                                 [SystemMessage(system), HumanMessage(user)], check, stage="script",
                                 what="translated script", fix=FIX, salvage=with_headlines)  # fmt: skip
        kept = [b for b in plan.trend_backing if b.hashtag in adapted.hashtags]  # evidence only for tags kept
        return adapted.model_copy(update={"trend_backing": kept})

    return _cached_plan(deps, "script_translate", {"plan": plan, "language": language, "system": system,
                                                   "user": user}, make)  # fmt: skip


def _unit(language: Language) -> str:
    return "characters" if language == Language.ZH else "words"


def _texts_schema(count: int, *, with_header: bool) -> dict[str, Any]:
    scene = {"type": "object", "additionalProperties": False, "required": ["voiceover", "on_screen_text"],
             "properties": {"voiceover": {"type": "string"}, "on_screen_text": {"type": "string"}}}  # fmt: skip
    properties: dict[str, Any] = {}
    if with_header:  # in the prompt's order: the grammar makes the model write the keys in this order
        properties |= {"title": {"type": "string"}, "hook": {"type": "string"}, "call_to_action": {"type": "string"},
                       "hashtags": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 6}}
    properties["scenes"] = {"type": "array", "items": scene, "minItems": count, "maxItems": count}
    return {"type": "object", "additionalProperties": False, "required": list(properties), "properties": properties}


ON_SCREEN_MAX = 80


def _apply_texts(plan: VideoPlan, parsed: Any, language: Language, limit: int, *, with_header: bool,
                 headlines_from_narration: bool = False) -> tuple[VideoPlan | None, list[str]]:  # fmt: skip
    """The plan with the model's texts in place of its own, or what is wrong with them (scene by scene,
    so a small model knows what to fix). Cutting for length keeps a scene's on-screen text when the
    model's is unusable: only the narration had to change. `headlines_from_narration` replaces an
    unusable on-screen text (empty, long, in the wrong language) with the start of the new narration."""
    try:
        raw = [(" ".join(str(s["voiceover"]).split()), str(s["on_screen_text"]).strip()) for s in parsed["scenes"]]
    except (KeyError, TypeError):
        return None, ["answer with scenes, each with voiceover and on_screen_text"]
    if len(raw) != len(plan.scenes):
        return None, [f"write exactly {len(plan.scenes)} scenes, not {len(raw)}"]
    problems: list[str] = []
    texts: list[tuple[str, str]] = []
    for number, ((voiceover, on_screen), old) in enumerate(zip(raw, plan.scenes, strict=True), start=1):
        if headlines_from_narration and (not on_screen or len(on_screen) > ON_SCREEN_MAX
                                         or language_problem(on_screen, language.value)):  # fmt: skip
            on_screen = on_screen_text("", voiceover, language)  # from the narration's first clause
        if len(voiceover) < 2:
            problems.append(f"scene {number}: the voiceover is empty")
        if len(voiceover) > 400:
            problems.append(f"scene {number}: the voiceover is far too long")
        if not on_screen or len(on_screen) > ON_SCREEN_MAX:
            if with_header:
                problems.append(f"scene {number}: on_screen_text must be a few words, not {len(on_screen)} characters")
            on_screen = old.on_screen_text
        texts.append((voiceover, on_screen))
    if problems:
        return None, problems[:4]
    header: dict[str, Any] = {}
    if with_header:
        header = {"title": str(parsed.get("title", "")).strip(), "hook": str(parsed.get("hook", "")).strip(),
                  "call_to_action": str(parsed.get("call_to_action", "")).strip(),
                  "hashtags": ["#" + "".join(str(t).split()).lstrip("#") for t in parsed.get("hashtags", [])
                               if str(t).strip("# ")]}  # fmt: skip
        if not header["title"]:
            return None, ["the title is empty"]
    checked = [v for v, _ in texts] + [o for _, o in texts]
    checked += [header["title"], header["hook"], header["call_to_action"]] if with_header else []
    problems = [p for t in checked if t.strip() and (p := language_problem(t, language.value))][:3]
    units = sum(speech_units(v, language) for v, _ in texts)
    if units > limit * 1.15:
        problems.append(f"the voiceover has {units} {_unit(language)}: cut it to at most {limit} in total")
    if problems:
        return None, problems
    scenes = [scene.model_copy(update={"voiceover": voiceover, "on_screen_text": on_screen})
              for scene, (voiceover, on_screen) in zip(plan.scenes, texts, strict=True)]
    return plan.model_copy(update={"scenes": scenes, **header}), []
