"""The lexicon check of texts under a policy, without the embedder: what the review store re-runs when a version
is saved into a team's project, and what the moderation tool builds on."""

from __future__ import annotations

import re
from functools import lru_cache

from reelcraft.plan import ModerationFlag, SafetyCategory, Severity, VideoPlan
from reelcraft.safety.lexicon import Hit, Rule, _alternation, match, shipped_rules
from reelcraft.safety.normalise import Normalised, normalise, windows
from reelcraft.safety.personal import find_personal
from reelcraft.safety.policy import Policy

SEVERITY_ORDER = {Severity.BLOCK: 3, Severity.FIX: 2, Severity.WARN: 1}
FIELDS = ("hook", "title", "voiceover", "on_screen_text", "caption", "hashtags", "call_to_action", "text")


@lru_cache(maxsize=32)
def _team_rules(block: tuple[str, ...], warn: tuple[str, ...], allow: tuple[str, ...],
                ) -> tuple[tuple[Rule, ...], re.Pattern[str] | None]:  # fmt: skip
    """The shipped rules plus a team's own words, and every allow phrase as one pattern."""
    rules, allowed, _ = shipped_rules()
    extra = []
    for severity, terms in ((Severity.BLOCK, block), (Severity.WARN, warn)):
        pattern = _alternation(list(terms))
        if pattern is not None:
            extra.append(Rule(id=f"team_{severity.value}", language="any", category=SafetyCategory.TEAM,
                              severity=severity, reason="on the team's own list of words to avoid",
                              matchers=(pattern,), near=None, unless=None))  # fmt: skip
    return (*rules, *extra), _alternation([*allowed, *allow])


def _hits(text: str, policy: Policy) -> list[Hit]:
    rules, allow = _team_rules(tuple(policy.block_terms), tuple(policy.warn_terms), tuple(policy.allow_terms))
    _, _, pinyin = shipped_rules()
    hits: list[Hit] = []
    for offset, part in windows(text):
        normalised: Normalised = normalise(part)
        for hit in [*match(normalised, rules, allow, pinyin), *find_personal(normalised)]:
            hits.append(Hit(rule=hit.rule, start=hit.start + offset, end=hit.end + offset, via=hit.via))
    return hits


def check_text(text: str, policy: Policy, *, field: str = "text", scene: int | None = None) -> list[ModerationFlag]:
    """The findings in one text under `policy`: one per place and category, the strongest severity kept."""
    found: list[ModerationFlag] = []
    for hit in _hits(text, policy):
        setting = policy.setting(hit.rule.category, hit.rule.id, hit.rule.severity)
        if setting == "off":
            continue
        severity = Severity(setting)
        reason = hit.rule.reason if hit.via != "pinyin" else f"{hit.rule.reason} (written in pinyin)"
        found.append(ModerationFlag(category=hit.rule.category, severity=severity, span=text[hit.start:hit.end],
                                    reason=reason, field=field, scene=scene, start=hit.start))  # fmt: skip
    return _strongest(found)


def _strongest(found: list[ModerationFlag]) -> list[ModerationFlag]:
    """Overlapping findings of one category collapse to the strongest; different categories are all kept."""
    found.sort(key=lambda f: (-SEVERITY_ORDER[f.severity], f.start))
    kept: list[ModerationFlag] = []
    for flag in found:
        end = flag.start + len(flag.span)
        if any(k.category == flag.category and k.field == flag.field and k.scene == flag.scene
               and k.start < end and flag.start < k.start + len(k.span) for k in kept):  # fmt: skip
            continue
        kept.append(flag)
    return sorted(kept, key=lambda f: (f.scene or 0, FIELDS.index(f.field) if f.field in FIELDS else 99, f.start))


def plan_fields(plan: VideoPlan) -> list[tuple[str, str, int | None]]:
    """Every text of a plan a viewer sees or hears, as (text, field, scene); captions are the narration's words."""
    texts: list[tuple[str, str, int | None]] = [(plan.title, "title", None)]
    if plan.hook:
        texts.append((plan.hook, "hook", 1))
    for number, scene in enumerate(plan.scenes, start=1):
        texts.append((scene.voiceover, "voiceover", number))
        if scene.on_screen_text:
            texts.append((scene.on_screen_text, "on_screen_text", number))
    if plan.hashtags:
        texts.append((" ".join(plan.hashtags), "hashtags", None))
    if plan.call_to_action:
        texts.append((plan.call_to_action, "call_to_action", None))
    return texts


def check_plan(plan: VideoPlan, policy: Policy) -> list[ModerationFlag]:
    """The lexicon findings in every text of a plan."""
    return [flag for text, field, scene in plan_fields(plan) for flag in check_text(text, policy, field=field,
                                                                                      scene=scene)]  # fmt: skip


def describe(flag: ModerationFlag) -> str:
    """A finding in one line: where, what, why."""
    where = f"scene {flag.scene} {flag.field.replace('_', ' ')}" if flag.scene else flag.field.replace("_", " ")
    return f"{flag.severity.value}: {flag.category.value} in {where}: “{flag.span}” — {flag.reason}"
