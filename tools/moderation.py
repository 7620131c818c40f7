"""Moderation tool: checks every text that reaches a video or its post (narration, on-screen text, hook, title,
hashtags, call to action) against a platform's or a team's policy, in English, Chinese and mixed text.

Findings come from curated lexicons with context rules (reelcraft/safety/data), personal-data patterns with
their checksums, and a classifier we train over the multilingual embedder (scripts/train_moderation.py) for the
phrasing no list has; its reasons quote the closest short description of the category (docs/moderation.md).
Each finding has a category, a severity, the exact span, its scene and a reason a person understands. `block`
stops the render; `fix` has the writer rewrite just that text (bounded tries, then checked again); `warn` is
recorded on the draft.
"""

from __future__ import annotations

import json
import re
import time
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from reelcraft.errors import ModerationBlocked, ModerationError, ReelcraftError
from reelcraft.plan import Language, ModerationFlag, Platform, SafetyCategory, Severity, VideoPlan
from reelcraft.prompts import load_prompt
from reelcraft.safety import check as safety_check
from reelcraft.safety import ngrams
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
    input's `semantic`) the classifier over the embedder. A 30 s script takes under half a second."""
    began = time.perf_counter()
    policy = resolve_policy(inp.policy, inp.platform)
    per_text = _full_check(inp.texts, policy, deps if inp.semantic else None)
    findings = [flag for found in per_text for flag in found]
    return ModerationOutput(findings=findings, policy=policy.name, seconds=round(time.perf_counter() - began, 4))


def _full_check(items: list[TextToCheck], policy: Policy, deps: Deps | None) -> list[list[ModerationFlag]]:
    """Per text: the lexicon findings, and the classifier's where it sees a category the lexicons did not (a
    text the lexicons already block is not asked)."""
    per_text = [check_text(item, policy) for item in items]
    if deps is None or not policy.semantic or not calibrated(deps):
        return per_text
    asked = [i for i, found in enumerate(per_text)
             if long_enough(items[i].text) and not any(f.severity == Severity.BLOCK for f in found)]  # fmt: skip
    try:
        extra = classifier_flags([items[i] for i in asked], deps, policy)
    except ReelcraftError as exc:  # the lexicons have run: a missing embedder must not stop the check
        deps.warn("moderation", f"checked without the classifier: {exc.message}")
        return per_text
    for index, flag in zip(asked, extra, strict=True):
        if flag is not None and flag.category not in {f.category for f in per_text[index]}:
            per_text[index] = [*per_text[index], flag]
    return per_text


CLASSIFIER_MARGIN = 1.25
"""How far over its flag threshold (from cross-validation on the training texts) a category's evidence must be
for a warning.
Ordinary creator lines reached 1.09 at most ('I brew coffee in the dorm…' read as making drugs; 130 lines of
the test plans and real briefs), so at 1.0 it would flag a morning routine; 1.25 leaves a margin."""
NEVER_BLOCKED_BY_CLASSIFIER = frozenset({SafetyCategory.MINORS})
"""The minors head fires on any mention of children (a parenting tip, a school run): only the word lists and
patterns, which need a sexual term next to a child, block for minors; the classifier warns."""
MIN_WORDS, MIN_HAN = 5, 10
"""Shorter texts (an on-screen label, a hashtag) are left to the word lists: the classifier, trained on sentences,
read 'Free stretching' as an offer of sex."""


def long_enough(text: str) -> bool:
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    return han >= MIN_HAN or len(re.findall(r"[A-Za-z0-9']+", text)) + han >= MIN_WORDS


@dataclass(frozen=True)
class _Classifier:
    """Logistic heads (scripts/train_moderation.py), one for `block` and one per category, twice: over e5
    embeddings (what a text means) and over hashed character n-grams (the words it uses). Each head's two
    probabilities are averaged."""

    embedder: str
    heads: tuple[str, ...]
    weights: np.ndarray
    biases: np.ndarray
    ngram_weights: np.ndarray
    ngram_biases: np.ndarray
    idf: np.ndarray
    block_categories: tuple[str, ...]
    """The categories the classifier may block (personal data needs a pattern, a claim a rewrite)."""
    block_thresholds: np.ndarray
    flag_categories: tuple[str, ...]
    flag_thresholds: np.ndarray
    alone_margin: float
    """How far over its block threshold the evidence must be for the classifier to block with no word-list
    finding: set in training so that it blocks at most `alone_fpr` of the harmless training texts
    (cross-validated; classifier.json)."""

    def block_evidence(self, probabilities: np.ndarray) -> np.ndarray:
        """As scripts/train_moderation.py: per blocking category, the geometric mean of its probability and the
        block head's."""
        block = probabilities[self.heads.index("block")]
        return np.array([np.sqrt(probabilities[self.heads.index(c)] * block) for c in self.block_categories])


@lru_cache(maxsize=1)
def trained_classifier() -> _Classifier:
    folder = resources.files("reelcraft.safety").joinpath("data")
    try:
        meta = json.loads(folder.joinpath("classifier.json").read_text("utf-8"))
        with folder.joinpath("classifier.npz").open("rb") as handle:
            arrays = np.load(handle)
            return _Classifier(
                embedder=meta["embedder"], heads=tuple(meta["heads"]), weights=arrays["weights"],
                biases=arrays["biases"], ngram_weights=arrays["ngram_weights"].astype(np.float32),
                ngram_biases=arrays["ngram_biases"], idf=arrays["idf"],
                block_categories=tuple(meta["block_categories"]),
                block_thresholds=arrays["block_thresholds"], flag_categories=tuple(meta["flag_categories"]),
                flag_thresholds=arrays["flag_thresholds"], alone_margin=float(meta["alone_margin"]),
            )
    except (OSError, KeyError, ValueError) as exc:
        raise ModerationError(f"the moderation classifier cannot be read: {exc}",
                              "reinstall reelcraft, or run scripts/train_moderation.py") from exc  # fmt: skip


def calibrated(deps: Deps) -> bool:
    """Whether the configured embedder is the one the classifier was trained on (the hashing stand-in for tests
    is not)."""
    try:
        wanted = trained_classifier().embedder
    except ModerationError as exc:
        deps.warn("moderation", f"checked with the word lists only: {exc.message}")
        return False
    return deps.settings.trends.embedder == "e5-small" or deps.embedder().name == wanted


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=-1, keepdims=True), 1e-9)


def classifier_scores(texts: list[str], deps: Deps) -> tuple[np.ndarray, np.ndarray]:
    """Per text, each head's probability, and the embeddings (unit length)."""
    model = trained_classifier()
    if not texts:
        return np.zeros((0, len(model.heads))), np.zeros((0, 384))
    embedder = deps.embedder()
    vectors = _unit(np.stack([embedder.query(t[:512]) for t in texts]))
    meaning = _sigmoid(vectors @ model.weights.T + model.biases)
    wording = _sigmoid(ngrams.features(texts, model.idf) @ model.ngram_weights.T + model.ngram_biases)
    return (meaning + np.asarray(wording)) / 2, vectors


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


def classifier_flags(items: list[TextToCheck], deps: Deps, policy: Policy) -> list[ModerationFlag | None]:
    """The classifier's finding for each text, or None. A `block` when a blocking category's evidence clears its
    threshold by the trained `alone_margin` (minors: a `warn`); else a `warn` for the category whose evidence
    clears its threshold by CLASSIFIER_MARGIN. It never sends the writer to rewrite: it has no span to rewrite
    (docs/moderation.md). The reason quotes the category description the text is closest to."""
    model = trained_classifier()
    scores, vectors = classifier_scores([i.text for i in items], deps)
    may_block = np.array([SafetyCategory(c) not in NEVER_BLOCKED_BY_CLASSIFIER for c in model.block_categories])
    flags: list[ModerationFlag | None] = []
    for item, row, vector in zip(items, scores, vectors, strict=True):
        evidence = model.block_evidence(row) / model.block_thresholds
        flagged = np.array([row[model.heads.index(c)] for c in model.flag_categories]) / model.flag_thresholds
        if evidence.max() < model.alone_margin and flagged.max() < CLASSIFIER_MARGIN:
            flags.append(None)
            continue
        severity = Severity.WARN
        if (evidence * may_block).max() >= model.alone_margin:
            strongest = int((evidence * may_block).argmax())
            category, severity = SafetyCategory(model.block_categories[strongest]), Severity.BLOCK
            sure = float(evidence[strongest] * model.block_thresholds[strongest])
        elif evidence.max() >= flagged.max():
            category = SafetyCategory(model.block_categories[int(evidence.argmax())])
            sure = float(evidence.max() * model.block_thresholds[int(evidence.argmax())])
        else:
            category = SafetyCategory(model.flag_categories[int(flagged.argmax())])
            sure = float(row[model.heads.index(category.value)])
        setting = classifier_setting(policy, category, severity)
        if setting is None:
            flags.append(None)
            continue
        reason = f"reads as {nearest_description(vector, category, deps)} (the classifier is {sure:.0%} sure)"
        flags.append(ModerationFlag(category=category, severity=setting, span=item.text.strip(),
                                    reason=reason, field=item.field, scene=item.scene,
                                    start=item.text.find(item.text.strip())))  # fmt: skip
    return flags


def classifier_setting(policy: Policy, category: SafetyCategory, severity: Severity) -> Severity | None:
    """What a policy makes of a classifier finding (None: off). A `category.classifier` key is obeyed as written;
    a key for the whole category, or the rule that minors always block, is written for the word lists, which
    point at a span: for the classifier it may only soften or silence."""
    explicit = policy.severity.get(f"{category.value}.classifier")
    if explicit is not None:
        return None if explicit == "off" else Severity(explicit)
    general = policy.severity.get(category.value)
    if general == "off":
        return None
    if general == Severity.WARN.value or category in NEVER_BLOCKED_BY_CLASSIFIER:
        return Severity.WARN
    return severity


_DESCRIPTIONS: dict[str, tuple[dict[str, tuple[str, ...]], dict[str, np.ndarray]]] = {}


def nearest_description(vector: np.ndarray, category: SafetyCategory, deps: Deps) -> str:
    """The short description of the category (safety/data/prototypes.toml) the text is closest to: a reason a
    person can read, where a probability alone says nothing."""
    embedder = deps.embedder()
    if embedder.name not in _DESCRIPTIONS:
        data = tomllib.loads(resources.files("reelcraft.safety").joinpath("data", "prototypes.toml").read_text("utf-8"))
        texts = {key: (*value["en"], *value["zh"]) for key, value in data.items() if key != "harmless"}
        _DESCRIPTIONS[embedder.name] = (texts, {k: _unit(embedder.passages(list(v))) for k, v in texts.items()})
    texts, vectors = _DESCRIPTIONS[embedder.name]
    if category.value not in vectors:
        return category.value.replace("_", " ")
    return texts[category.value][int(np.argmax(vectors[category.value] @ vector))]


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
    items = plan_texts(plan)
    for item, found in zip(items, _full_check(items, policy, deps), strict=True):
        first = found
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
            (found,) = _full_check([item.model_copy(update={"text": text})], policy, deps)
            to_fix = [f for f in found if f.severity in (Severity.FIX, Severity.BLOCK)]
        if to_fix:
            text = _fallback(text, to_fix, plan.language)
            (found,) = _full_check([item.model_copy(update={"text": text})], policy, deps)
        still = [f for f in found if f.severity in (Severity.FIX, Severity.BLOCK)]
        if still:
            flags += [f.model_copy(update={"severity": Severity.BLOCK,
                                           "reason": f"{f.reason} (still there after {policy.fix_tries} rewrites)"})
                      for f in still]  # fmt: skip
            continue
        if text != item.text:
            for flag in first:
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
    for flag in fixed:
        deps.warn("moderation", f"rewrote {flag.field.replace('_', ' ')}"
                                f"{f' in scene {flag.scene}' if flag.scene else ''}: “{flag.span}” "
                                f"({flag.reason}) → “{flag.fixed_to}”")  # fmt: skip
    for flag in flags:
        deps.warn("moderation", describe(flag))
    return plan, [*fixed, *flags]

