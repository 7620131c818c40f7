"""Moderation tool: checks every text that reaches a video or its post (narration, on-screen text, hook, title,
hashtags, call to action) against a platform's or a team's policy, in English, Chinese and mixed text.

Findings come from curated lexicons with context rules (reelcraft/safety/data), personal-data patterns with
their checksums, and the multilingual embedder's similarity to short descriptions of each category, calibrated
on tests/data/moderation (docs/moderation.md). Each finding has a category, a severity, the exact span, its
scene and a reason a person understands. `block` stops the render; `fix` has the writer rewrite just that
text (bounded tries, then checked again); `warn` is recorded on the draft.
"""

from __future__ import annotations

import re
import time
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from reelcraft.errors import ModerationBlocked, ReelcraftError
from reelcraft.plan import Language, ModerationFlag, Platform, SafetyCategory, Severity, VideoPlan
from reelcraft.prompts import load_prompt
from reelcraft.safety import check as safety_check
from reelcraft.safety.check import describe
from reelcraft.safety.policy import Policy, platform_policy, preset
from reelcraft.tools.deps import Deps
from reelcraft.tools.llm_json import ask_valid_json

__all__ = ["ModerationInput", "ModerationOutput", "TextToCheck", "check_texts", "moderate_plan", "plan_texts"]

FIELD_NAMES_ZH = {"voiceover": "旁白", "on_screen_text": "屏幕文字", "hook": "开头", "title": "标题",
                  "hashtags": "话题标签", "call_to_action": "结尾号召", "caption": "字幕"}  # fmt: skip


class TextToCheck(BaseModel):
    """One text as it will be seen or heard."""

    text: str
    field: str = "text"
    """voiceover, on_screen_text, hook, title, hashtags, call_to_action, caption, or text."""
    scene: int | None = None
    """1-based scene number, None for texts of the whole video."""


class ModerationInput(BaseModel):
    """Texts to check and the policy to check them under."""

    texts: list[TextToCheck]
    policy: Policy | None = None
    """A team's policy (safety/policy.py); None uses the platform's preset."""
    platform: Platform | str = Platform.TIKTOK
    """A platform or a preset name (tiktok, reels, shorts, douyin, bilibili) when no policy is given."""
    semantic: bool = True
    """Also ask the embedder about texts the lexicons passed (needs `deps`)."""


class ModerationOutput(BaseModel):
    findings: list[ModerationFlag] = Field(default_factory=list)
    policy: str
    seconds: float = 0.0

    @property
    def blocked(self) -> list[ModerationFlag]:
        return [f for f in self.findings if f.severity == Severity.BLOCK]

    @property
    def to_fix(self) -> list[ModerationFlag]:
        return [f for f in self.findings if f.severity == Severity.FIX]

    @property
    def warnings(self) -> list[ModerationFlag]:
        return [f for f in self.findings if f.severity == Severity.WARN]


def resolve_policy(policy: Policy | None, platform: Platform | str) -> Policy:
    if policy is not None:
        return policy
    if isinstance(platform, Platform):
        return platform_policy(platform)
    return preset(platform)


def check_text(item: TextToCheck, policy: Policy) -> list[ModerationFlag]:
    """The lexicon findings in one text under `policy`."""
    return safety_check.check_text(item.text, policy, field=item.field, scene=item.scene)


def check_texts(inp: ModerationInput, deps: Deps | None = None) -> ModerationOutput:
    """Check texts under the input's policy: the lexicons and personal-data patterns, then (with `deps` and the
    input's `semantic`) the embedder on the texts they passed. A 30 s script takes under half a second."""
    began = time.perf_counter()
    policy = resolve_policy(inp.policy, inp.platform)
    per_text = [check_text(item, policy) for item in inp.texts]
    if deps is not None and inp.semantic and policy.semantic and calibrated(deps):
        quiet = [i for i, found in enumerate(per_text) if not found and inp.texts[i].text.strip()]
        for index, flag in zip(quiet, semantic_flags([inp.texts[i] for i in quiet], deps, policy), strict=True):
            if flag is not None:
                per_text[index] = [flag]
    findings = [flag for found in per_text for flag in found]
    return ModerationOutput(findings=findings, policy=policy.name, seconds=round(time.perf_counter() - began, 4))


@dataclass(frozen=True)
class _Prototypes:
    categories: tuple[SafetyCategory, ...]
    descriptions: tuple[tuple[str, ...], ...]
    vectors: tuple[np.ndarray, ...]
    harmless: np.ndarray
    threshold: float


_PROTOTYPES: dict[str, _Prototypes] = {}


def _prototype_data() -> dict[str, Any]:
    return tomllib.loads(resources.files("reelcraft.safety").joinpath("data", "prototypes.toml").read_text("utf-8"))


def calibrated(deps: Deps) -> bool:
    """Whether the configured embedder has a threshold (the hashing stand-in for tests has none)."""
    return deps.settings.trends.embedder == "e5-small" or deps.embedder().name in _prototype_data()["calibration"]


def prototypes(deps: Deps) -> _Prototypes:
    """The category descriptions (safety/data/prototypes.toml) embedded once per process and embedder."""
    embedder = deps.embedder()
    if embedder.name not in _PROTOTYPES:
        data = _prototype_data()
        categories, descriptions, vectors = [], [], []
        for key, value in data.items():
            if key in ("harmless", "calibration"):
                continue
            texts = (*value["en"], *value["zh"])
            categories.append(SafetyCategory(key))
            descriptions.append(texts)
            vectors.append(_unit(embedder.passages(list(texts))))
        harmless = _unit(embedder.passages([*data["harmless"]["en"], *data["harmless"]["zh"]]))
        _PROTOTYPES[embedder.name] = _Prototypes(tuple(categories), tuple(descriptions), tuple(vectors), harmless,
                                                 float(data["calibration"][embedder.name]))  # fmt: skip
    return _PROTOTYPES[embedder.name]


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=-1, keepdims=True), 1e-9)


def semantic_scores(texts: list[str], deps: Deps) -> tuple[np.ndarray, _Prototypes]:
    """Per text and category: similarity to the closest description of it, less that to the closest harmless one."""
    found = prototypes(deps)
    if not texts:
        return np.zeros((0, len(found.categories))), found
    embedder = deps.embedder()
    queries = _unit(np.stack([embedder.query(t[:512]) for t in texts]))
    near_harmless = (queries @ found.harmless.T).max(axis=1)
    scores = np.stack([(queries @ v.T).max(axis=1) - near_harmless for v in found.vectors], axis=1)
    return scores, found


def semantic_flags(items: list[TextToCheck], deps: Deps, policy: Policy) -> list[ModerationFlag | None]:
    """A `warn` for each text that reads like a category's description though no lexicon rule matched it: the
    embedder is a second pair of eyes, never the reason a render stops (docs/moderation.md)."""
    scores, found = semantic_scores([i.text for i in items], deps)
    flags: list[ModerationFlag | None] = []
    for item, row in zip(items, scores, strict=True):
        best = int(np.argmax(row)) if len(row) else 0
        if not len(row) or row[best] < found.threshold:
            flags.append(None)
            continue
        category = found.categories[best]
        if policy.setting(category, "semantic", Severity.WARN) == "off":
            flags.append(None)
            continue
        reason = (f"reads like {category.value.replace('_', ' ')} content; a person should check it "
                  f"(similarity {row[best]:.3f})")
        flags.append(ModerationFlag(category=category, severity=Severity.WARN, span=item.text.strip(), reason=reason,
                                    field=item.field, scene=item.scene, start=item.text.find(item.text.strip())))
    return flags


def plan_texts(plan: VideoPlan) -> list[TextToCheck]:
    """Every text of a plan that a viewer sees or hears (captions are the narration's words)."""
    return [TextToCheck(text=text, field=field, scene=scene) for text, field, scene in safety_check.plan_fields(plan)]


# ─── fixing ────────────────────────────────────────────────────────────────────────────────────────────────

DISCLAIMERS = {
    (Language.EN, "medical"): "Not medical advice; talk to your doctor.",
    (Language.EN, "financial"): "Not financial advice; returns are never guaranteed.",
    (Language.EN, "legal"): "Not legal advice; ask a lawyer.",
    (Language.ZH, "medical"): "以上不构成医疗建议，请咨询医生。",
    (Language.ZH, "financial"): "投资有风险，入市需谨慎。",
    (Language.ZH, "legal"): "以上不构成法律建议，请咨询律师。",
}


def _get(plan: VideoPlan, field: str, scene: int | None) -> str:
    if field == "hashtags":
        return " ".join(plan.hashtags)
    if scene is not None and field in ("voiceover", "on_screen_text"):
        return str(getattr(plan.scenes[scene - 1], field))
    return str(getattr(plan, field))


def _set(plan: VideoPlan, field: str, scene: int | None, text: str) -> VideoPlan:
    if field == "hashtags":
        return plan.model_copy(update={"hashtags": [t for t in text.split() if t.strip("#")]})
    if scene is not None and field in ("voiceover", "on_screen_text"):
        scenes = list(plan.scenes)
        scenes[scene - 1] = scenes[scene - 1].model_copy(update={field: text})
        return plan.model_copy(update={"scenes": scenes})
    return plan.model_copy(update={field: text})


def _rewrite(deps: Deps, language: Language, text: str, flags: list[ModerationFlag], field: str) -> str:
    """The writer's rewrite of one text with the flagged spans changed and the rest kept."""
    problems = "\n".join(f"- “{f.span}”: {f.reason}" for f in flags)
    label = FIELD_NAMES_ZH.get(field, "文字") if language == Language.ZH else field.replace("_", " ")
    system, user = load_prompt("moderation_fix", language.value).render(text=text, problems=problems, field=label)
    schema = {"type": "object", "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 600}},
              "required": ["text"]}  # fmt: skip

    def check(parsed: Any) -> tuple[str | None, list[str]]:
        new = str(parsed.get("text", "")).strip() if isinstance(parsed, dict) else ""
        if not new:
            return None, ["the text is empty"]
        if len(new) > max(40, 2 * len(text)):
            return None, ["the text grew too long: change only the flagged words"]
        return new, []

    return ask_valid_json(deps, schema, [SystemMessage(system), HumanMessage(user)], check, stage="moderation",
                          what="rewritten text", fix="rewrite the flagged words by hand", attempts=2)  # fmt: skip


def _fallback(text: str, flags: list[ModerationFlag], language: Language) -> str:
    """What code can do when the writer could not: a claim gets its disclaimer, anything else loses the span."""
    claims = [f for f in flags if f.category == SafetyCategory.CLAIMS]
    for flag in sorted((f for f in flags if f.category != SafetyCategory.CLAIMS), key=lambda f: -f.start):
        text = (text[:flag.start] + text[flag.start + len(flag.span):]).strip()
        text = re.sub(r"\s{2,}", " ", text)
    if claims:
        kind = next((k for k in ("medical", "legal") if any(k in f.reason for f in claims)), "financial")
        disclaimer = DISCLAIMERS[(language, kind)]
        text = f"{text.rstrip()}{'' if language == Language.ZH else ' '}{disclaimer}"
    return text


def moderate_plan(plan: VideoPlan, deps: Deps, policy: Policy | None = None) -> tuple[VideoPlan, list[ModerationFlag]]:
    """Check a plan before anything is made. Spans at `fix` are rewritten by the writer (bounded tries), then
    checked again; what still needs fixing gets a code fix (a disclaimer for a claim, else the span is cut).
    Returns the plan as it will be made and the flags for the draft (warnings, and what was fixed). Raises
    ModerationBlocked, naming every span and why, when anything is at `block`."""
    policy = resolve_policy(policy, plan.platform)
    deps.progress("moderation", f"checking the script under the {policy.name} policy")
    flags: list[ModerationFlag] = []
    fixed: list[ModerationFlag] = []
    for item in plan_texts(plan):
        found = check_text(item, policy)
        blocking = [f for f in found if f.severity == Severity.BLOCK]
        if blocking:
            flags += blocking
            continue
        to_fix = [f for f in found if f.severity == Severity.FIX]
        text = item.text
        for _ in range(policy.fix_tries):
            if not to_fix:
                break
            try:
                text = _rewrite(deps, plan.language, text, to_fix, item.field)
            except ReelcraftError as exc:
                deps.warn("moderation", f"the writer could not rewrite {item.field}: {exc.message}")
                break
            found = check_text(item.model_copy(update={"text": text}), policy)
            to_fix = [f for f in found if f.severity in (Severity.FIX, Severity.BLOCK)]
        if to_fix:
            text = _fallback(text, to_fix, plan.language)
            found = check_text(item.model_copy(update={"text": text}), policy)
        still = [f for f in found if f.severity in (Severity.FIX, Severity.BLOCK)]
        if still:
            flags += [f.model_copy(update={"severity": Severity.BLOCK,
                                           "reason": f"{f.reason} (still there after {policy.fix_tries} rewrites)"})
                      for f in still]  # fmt: skip
            continue
        if text != item.text:
            for flag in check_text(item, policy):
                if flag.severity == Severity.FIX:
                    fixed.append(flag.model_copy(update={"status": "fixed", "fixed_to": text}))
            plan = _set(plan, item.field, item.scene, text)
        flags += [f for f in found if f.severity == Severity.WARN]
    blocked = [f for f in flags if f.severity == Severity.BLOCK]
    if blocked:
        lines = "; ".join(describe(f) for f in blocked[:6])
        raise ModerationBlocked(f"nothing was rendered: {len(blocked)} text(s) break the {policy.name} policy: {lines}",
                                "change those words in the brief or the script, or use a policy that allows them",
                                flags=[*blocked, *fixed, *[f for f in flags if f not in blocked]],
                                policy=policy.name)  # fmt: skip
    if policy.semantic and calibrated(deps):
        flagged = {(f.field, f.scene) for f in [*flags, *fixed]}
        quiet = [t for t in plan_texts(plan) if (t.field, t.scene) not in flagged and t.text.strip()]
        try:
            flags += [f for f in semantic_flags(quiet, deps, policy) if f is not None]
        except ReelcraftError as exc:  # the lexicons have run: a missing embedder must not stop the draft
            deps.warn("moderation", f"checked without the embedder: {exc.message}")
    for flag in fixed:
        deps.warn("moderation", f"rewrote {flag.field.replace('_', ' ')}"
                                f"{f' in scene {flag.scene}' if flag.scene else ''}: “{flag.span}” "
                                f"({flag.reason}) → “{flag.fixed_to}”")  # fmt: skip
    for flag in flags:
        deps.warn("moderation", describe(flag))
    return plan, [*fixed, *flags]

