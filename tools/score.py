"""Draft score tool: a 0–100 score for a plan or draft, from named parts that each carry a one-line reason
and the scene it concerns.

Why parts and not one number: a creator fixes a part ("the hook takes 4 s to say"), a reviewer reads why,
and the chat can act on the weakest one. The findings are the script critic's own checks
(`tools/script_checks.py`); the score grades them, and adds what only a finished plan shows (pacing and
cut rate, platform fit, trend fit). A part that cannot be measured yet (visual relevance; trend fit when no
trends are loaded) is reported as not scored and does not count.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from reelcraft.plan import Language, Platform, Scene, VideoPlan
from reelcraft.tools import script_checks as checks
from reelcraft.tools.deps import Deps
from reelcraft.tools.script_checks import SPEECH_RATE, Finding, language_findings, onscreen_problems, speech_units

PARTS = ("hook", "fidelity", "coherence", "narration", "pacing", "onscreen", "platform", "trend", "visuals")
WEIGHTS = {"hook": 1.5, "fidelity": 1.5, "coherence": 1.2, "narration": 1.0, "pacing": 1.0, "onscreen": 0.8,
           "platform": 0.6, "trend": 0.6, "visuals": 1.0}  # fmt: skip
"""What a viewer punishes most: a hook that loses them, a video that is not about what it promised."""
PENALTY = {"weak_hook": 45, "off_topic": 35, "tangent": 35, "opening": 12, "contradiction": 45, "repetition": 40,
           "stage_directions": 40, "language": 35, "too_fast": 35, "too_slow": 15, "long_shot": 10,
           "onscreen_wall": 25, "onscreen_short": 10}  # fmt: skip
"""Points a part loses per finding. Missing the brief's words in the opening is mild (good scripts often
open on a concrete case instead), and so is a two-word on-screen text; a second finding of the same kind
costs the same again."""
WEAKEST_WEIGHT = 0.3
"""The total is 70 % the weighted mean and 30 % the weakest part, so one bad part shows in the total."""
FIDELITY_MARGIN = 0.06
"""Scenes this far above the embedder's topic floor lose nothing; closer ones lose a little, in proportion."""
SLOW_SHARE = 0.45
"""Narration slower than this share of the voice's rate leaves dead air in the scene."""
LONGEST_SHOT_S = {Platform.TIKTOK: 8.0, Platform.REELS: 9.0, Platform.SHORTS: 8.0}
PLATFORM_LENGTH_S = {Platform.TIKTOK: (15, 60), Platform.REELS: (15, 90), Platform.SHORTS: (15, 60)}
"""Lengths that play best per platform; outside, the part loses points."""


class ScoreInput(BaseModel):
    """A plan (or a draft's plan) and the brief it was written for."""

    plan: VideoPlan
    brief: str = ""
    """The creator's brief; the plan's title stands in when the draft kept none."""
    scene_durations: list[float] = Field(default_factory=list)
    """The rendered scenes' lengths when the draft is rendered (the voice decides them); else the plan's."""


class ScorePart(BaseModel):
    name: str
    score: int | None
    """0–100; None when the part is not measured for this draft (it does not count in the total)."""
    reason: str
    """One line a creator can act on."""
    scene: int | None = None
    """The scene the reason concerns (1-based), or None for the whole draft."""
    checks: list[str] = Field(default_factory=list)
    """The critic's checks that cost this part points."""


class DraftScore(BaseModel):
    """The draft's score, its parts, and the weakest part (what to fix first)."""

    total: int
    parts: list[ScorePart]
    weakest: str | None = None

    def part(self, name: str) -> ScorePart:
        return next(p for p in self.parts if p.name == name)


class _Grade:
    """One part's findings, turned into a score, a reason and a scene."""

    def __init__(self, name: str, fine: str) -> None:
        self.name, self.fine = name, fine
        self.items: list[tuple[int, str, int | None, str]] = []  # (points, check, scene, reason)

    def lose(self, points: float, check: str, scene: int | None, reason: str) -> None:
        if points > 0:
            self.items.append((round(points), check, scene, reason))

    def add(self, findings: list[Finding], kind: str | None = None) -> None:
        for f in findings:
            self.lose(PENALTY[kind or f.check], kind or f.check, f.scene or None, f.reason)

    def part(self) -> ScorePart:
        if not self.items:
            return ScorePart(name=self.name, score=100, reason=self.fine)
        worst = max(self.items, key=lambda item: item[0])
        score = max(0, 100 - sum(item[0] for item in self.items))
        named = list(dict.fromkeys(item[1] for item in self.items if item[1]))
        return ScorePart(name=self.name, score=score, reason=worst[3], scene=worst[2], checks=named)


def _hook(plan: VideoPlan, scenes: list[Scene], language: Language) -> ScorePart:
    opening = (checks.sentences(scenes[0].voiceover) or [scenes[0].voiceover])[0]
    seconds = speech_units(opening, language) / SPEECH_RATE[language]
    grade = _Grade("hook", f"the hook takes {seconds:.1f} s to say and gives a reason to stay")
    grade.add(checks.weak_hook(scenes, language))
    return grade.part()


def _fidelity(scenes: list[Scene], brief: str, language: Language, embedder: object | None) -> ScorePart:
    terms = checks.key_terms(brief, language)
    grade = _Grade("fidelity", "every scene is about the brief" + (f" ({', '.join(terms[:3])})" if terms else ""))
    grade.add(checks.off_topic(scenes, brief, embedder, language), "off_topic")
    grade.add(checks.tangents(scenes), "tangent")
    grade.add(checks.opening_fidelity("", scenes[0].voiceover, brief, language), "opening")
    floor_of = getattr(embedder, "topic_floor", None)
    if embedder is not None and floor_of is not None and brief.strip():
        similarity = embedder.passages([s.voiceover for s in scenes]) @ embedder.query(brief)  # type: ignore[attr-defined]
        number = int(similarity.argmin()) + 1
        lowest = float(similarity.min())
        near = floor_of(language.value) + FIDELITY_MARGIN
        grade.lose(min(25.0, (near - lowest) * 200), "", number,
                   f"scene {number} is the furthest from the brief (similarity {lowest:.2f})")
    return grade.part()


def _coherence(scenes: list[Scene], brief: str, language: Language) -> ScorePart:
    grade = _Grade("coherence", "no scene contradicts or repeats another")
    grade.add(checks.contradiction(scenes, language) or checks.brief_order(scenes, brief, language))
    grade.add(checks.repetition(scenes, language))
    return grade.part()


def _narration(plan: VideoPlan, language: Language) -> ScorePart:
    grade = _Grade("narration", "the narration is all spoken words, in the plan's language")
    grade.add(checks.stage_directions(plan.scenes))
    texts = [(i, s.voiceover) for i, s in enumerate(plan.scenes, start=1)]
    grade.add(language_findings(texts, language))
    return grade.part()


def _pacing(scenes: list[Scene], durations: list[float], plan: VideoPlan) -> ScorePart:
    language = plan.language
    timed = [s.model_copy(update={"duration": d}) for s, d in zip(scenes, durations, strict=True)]
    cut = sum(durations) / len(durations)
    grade = _Grade("pacing", f"every scene fits the voice, a cut every {cut:.1f} s")
    grade.add(checks.too_fast(timed, language))
    unit = "words" if language == Language.EN else "characters"
    for number, scene in enumerate(timed, start=1):
        rate = speech_units(scene.voiceover, language) / max(scene.duration, 0.5)
        if rate < SPEECH_RATE[language] * SLOW_SHARE:
            grade.lose(PENALTY["too_slow"], "too_slow", number,
                       f"scene {number} says {rate:.1f} {unit}/s: dead air for {scene.duration:.0f} s")
        longest = LONGEST_SHOT_S.get(plan.platform, 9.0)
        if scene.duration > longest:
            grade.lose(PENALTY["long_shot"], "long_shot", number,
                       f"scene {number} holds one shot for {scene.duration:.1f} s; cut by {longest:g} s")
    return grade.part()


def _onscreen(scenes: list[Scene], language: Language) -> ScorePart:
    grade = _Grade("onscreen", "every on-screen text is read in a glance")
    walls = checks.onscreen_wall(scenes, language)
    grade.add(walls)
    wall_scenes = {f.scene for f in walls}
    for f in onscreen_problems(scenes, language):
        if f.scene not in wall_scenes:
            grade.lose(PENALTY["onscreen_short"], "onscreen_short", f.scene, f.reason)
    return grade.part()


def _platform(plan: VideoPlan, seconds: float) -> ScorePart:
    grade = _Grade("platform", f"{seconds:.0f} s with a call to action and {len(plan.hashtags)} hashtags "
                               f"suits {plan.platform.value}")  # fmt: skip
    low, high = PLATFORM_LENGTH_S.get(plan.platform, (15, 60))
    if not low <= seconds <= high:
        grade.lose(25, "length", None, f"{seconds:.0f} s is outside {plan.platform.value}'s best {low}–{high} s")
    if not plan.call_to_action.strip():
        grade.lose(20, "call_to_action", None, "no call to action at the end")
    if not plan.hashtags:
        grade.lose(20, "hashtags", None, "no hashtags for the post")
    elif len(plan.hashtags) > 8:
        grade.lose(10, "hashtags", None, f"{len(plan.hashtags)} hashtags; 3–5 focused ones reach further")
    title_max = 60 if plan.language == Language.EN else 30
    if len(plan.title) > title_max:
        grade.lose(10, "title", None, f"the title is {len(plan.title)} characters; keep it under {title_max}")
    return grade.part()


def _trend(plan: VideoPlan) -> ScorePart:
    if not plan.trend_backing:
        return ScorePart(name="trend", score=None, reason="not scored: no trends were loaded for this draft")
    backing = max(plan.trend_backing, key=lambda b: b.growth_per_day)
    used = {h.lower().lstrip("#") for h in plan.hashtags}
    grade = _Grade("trend", f"rides {backing.hashtag} ({backing.items} items, {backing.growth_per_day:+.1f}/day)")
    if backing.hashtag.lower().lstrip("#") not in used:
        grade.lose(30, "trend_hashtag", None, f"the trending {backing.hashtag} is not among the post's hashtags")
    if backing.growth_per_day <= 0:
        grade.lose(30, "trend_growth", None,
                   f"{backing.hashtag} is no longer growing ({backing.growth_per_day:+.1f}/day)")
    return grade.part()


def score_draft(inp: ScoreInput, deps: Deps | None = None) -> DraftScore:
    """Score a plan or a rendered draft from 0 to 100 in named parts (hook, fidelity, coherence, narration,
    pacing, on-screen text, platform fit, trend fit, visual relevance), each with a one-line reason and its
    scene; `weakest` names the part to fix first. Deterministic: the same draft always gets the same score."""
    plan = inp.plan
    language, scenes = plan.language, plan.scenes
    brief = inp.brief.strip() or plan.title
    durations = inp.scene_durations if len(inp.scene_durations) == len(scenes) else [s.duration for s in scenes]
    embedder = deps.embedder() if deps is not None else None
    parts = [
        _hook(plan, scenes, language), _fidelity(scenes, brief, language, embedder),
        _coherence(scenes, brief, language), _narration(plan, language), _pacing(scenes, durations, plan),
        _onscreen(scenes, language), _platform(plan, sum(durations)), _trend(plan),
        ScorePart(name="visuals", score=None, reason="not scored: no measure yet of how well the pictures match"),
    ]  # fmt: skip
    scored = [p for p in parts if p.score is not None]
    mean = sum(WEIGHTS[p.name] * p.score for p in scored) / sum(WEIGHTS[p.name] for p in scored)  # type: ignore[operator]
    weakest = min(scored, key=lambda p: (p.score, -WEIGHTS[p.name]))
    total = round((1 - WEAKEST_WEIGHT) * mean + WEAKEST_WEIGHT * (weakest.score or 0))
    return DraftScore(total=total, parts=parts, weakest=weakest.name if weakest.score < 100 else None)  # type: ignore[operator]
