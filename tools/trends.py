"""Trends tool: what is trending near an idea, with numbers, turned into hashtag, length and category
suggestions that each name the items and figures behind them.

Neighbours come from the trends store (multilingual title embeddings, SQL filters); each carries its
momentum (views gained per day, acceleration, predicted growth). A hashtag scores by how close and how
fast-growing the neighbours that use it are, so a tag shared by three rising items beats one on a single
big but stalling video.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from reelcraft.errors import TrendsError
from reelcraft.language import language_problem, letters
from reelcraft.plan import detect_language
from reelcraft.prompts import load_prompt
from reelcraft.tools.deps import Deps
from reelcraft.trends.types import Filters, Neighbour, TeamResult, TrendItem

TEAM_LIFT_RANGE = (0.5, 2.0)
"""How far the team's own results can move a hashtag's score, down or up."""
SIMILARITY_SHARPNESS = 4.0
"""Similarity is raised to this power: the closest items dominate, the long tail barely counts."""
MAX_TAG_CHARS = 30
TAG_SCORE_FLOOR = 0.1
"""A hashtag scoring under this share of the best one comes from items too far or too flat to count."""


class TrendsInput(BaseModel):
    """Ask what is trending near a video idea. Give the brief (any language); optionally narrow to a
    platform, region, category or date range. Returns the nearest trending items with their momentum
    and suggested hashtags, length and category, each with its evidence."""

    brief: str = Field(min_length=2, max_length=2000)
    k: int = Field(default=12, ge=1, le=100)
    """How many neighbours to consider."""
    platform: str | None = None
    region: str | None = None
    category: str | None = None
    since: date | None = None
    until: date | None = None
    use_team_results: bool = True
    """Weight hashtags by how the team's own published drafts with them did (`trends record`)."""
    titles: bool = False
    """Also ask the LLM for title ideas drawn from the neighbours (in the brief's language)."""
    language: Literal["en", "zh"] | None = None
    """Language of the title ideas; None: the brief's."""
    min_similarity: float | None = Field(default=None, ge=-1.0, le=1.0)
    """How close an item must be to count as evidence; None: the embedder's floor for the brief's and
    the item's languages."""


class Evidence(TrendItem):
    """One trending item and its numbers, as the tool reports it."""

    relevant: bool = True
    """Close enough to the brief to count as evidence (similarity at or above the floor)."""


class HashtagSuggestion(BaseModel):
    tag: str
    score: float
    items: int
    """How many neighbours use it."""
    growth_per_day: float
    """Summed predicted daily growth of those neighbours."""
    evidence: list[str]
    """The neighbours that use it (platform:region:id), closest first."""
    team_lift: float | None = None
    """How the team's own drafts with this tag did against the team's typical draft (×); None: never used."""
    team_evidence: list[str] = Field(default_factory=list)
    """'draft_id vN: views' of the team's drafts that used it."""


class ValueSuggestion(BaseModel):
    value: str
    why: str
    evidence: list[str]


class TitleSuggestion(BaseModel):
    title: str
    evidence: list[str]
    """The trending items (platform:region:id) it borrows from."""


class TrendsOutput(BaseModel):
    neighbours: list[Evidence]
    hashtags: list[HashtagSuggestion]
    category: ValueSuggestion | None
    duration: ValueSuggestion | None
    titles: list[TitleSuggestion] = Field(default_factory=list)
    language: str = "en"
    similarity_floor: float = 0.0
    """The floor for items in the brief's own language (items in other languages may have another)."""
    note: str = ""
    """Why some suggestions are missing (e.g. nothing trending is close to the brief)."""


def ref(n: Neighbour) -> str:
    """How evidence names an item: platform:region:id (one video can trend in several regions)."""
    return f"{n.platform}:{n.region}:{n.item_id}"


def _weight(n: Neighbour) -> float:
    return max(0.0, n.similarity) ** SIMILARITY_SHARPNESS * math.log1p(max(0.0, n.predicted_growth))


def normalise_tag(tag: str) -> str:
    return re.sub(r"[\s#]+", "", tag.strip()).lower()


def _distinct(neighbours: list[Neighbour]) -> list[Neighbour]:
    """One entry per video: the same item trending in GB and CA is one piece of evidence for a tag, not
    two (its closest, fastest listing stands for it)."""
    best: dict[tuple[str, str], Neighbour] = {}
    for n in neighbours:
        key = (n.platform, n.item_id)
        if key not in best or _weight(n) > _weight(best[key]):
            best[key] = n
    return [n for n in neighbours if best[(n.platform, n.item_id)] is n]


def _performance(result: TeamResult) -> float:
    return math.log1p(result.views) + 0.5 * math.log1p(result.shares or 0)


def team_lifts(results: list[TeamResult]) -> dict[str, tuple[float, list[TeamResult]]]:
    """Per tag the team used: exp(½·z) of how its drafts did against the team's median draft (log views,
    plus half log shares), clipped to TEAM_LIFT_RANGE. Needs two results to have a median at all."""
    if len(results) < 2:
        return {}
    scores = [_performance(r) for r in results]
    median = statistics.median(scores)
    spread = max(0.5, statistics.pstdev(scores))
    used: dict[str, list[TeamResult]] = defaultdict(list)
    for result in results:
        for tag in {normalise_tag(t) for t in result.hashtags if normalise_tag(t)}:
            used[tag].append(result)
    lifts = {}
    for tag, drafts in used.items():
        z = (sum(_performance(r) for r in drafts) / len(drafts) - median) / spread
        lifts[tag] = (min(TEAM_LIFT_RANGE[1], max(TEAM_LIFT_RANGE[0], math.exp(0.5 * z))), drafts)
    return lifts


def _hashtags(neighbours: list[Neighbour], team: list[TeamResult], limit: int = 8) -> list[HashtagSuggestion]:
    score: dict[str, float] = defaultdict(float)
    users: dict[str, list[Neighbour]] = defaultdict(list)
    shown: dict[str, str] = {}
    for n in _distinct(neighbours):
        seen = set()
        for raw in n.tags:
            key = normalise_tag(raw)
            if not key or len(key) > MAX_TAG_CHARS or key in seen:
                continue
            seen.add(key)
            shown.setdefault(key, re.sub(r"\s+", "", raw.strip().lstrip("#")))
            score[key] += _weight(n)
            users[key].append(n)
    lifts = team_lifts(team)
    typical = sorted(score.values())[len(score) // 2] if score else 1.0
    for key, (lift, drafts) in lifts.items():
        if key not in score and lift > 1.0:  # the team's own winners are candidates even if no neighbour has them
            shown[key] = re.sub(r"\s+", "", next(t for t in drafts[0].hashtags if normalise_tag(t) == key).lstrip("#"))
            score[key] = typical
        if key in score:
            score[key] *= lift
    best = max(score.values(), default=0.0)
    ranked = sorted((k for k in score if score[k] >= TAG_SCORE_FLOOR * best and score[k] > 0),
                    key=lambda k: (-score[k], -len(users[k]), k))[:limit]  # fmt: skip
    return [HashtagSuggestion(tag=f"#{shown[k]}", score=round(score[k], 3), items=len(users[k]),
                              growth_per_day=round(sum(n.predicted_growth for n in users[k]), 1),
                              evidence=[ref(n) for n in users[k]],
                              team_lift=round(lifts[k][0], 2) if k in lifts else None,
                              team_evidence=[f"{r.draft_id} v{r.version}: {r.views:,} views" for r in lifts[k][1]]
                              if k in lifts else []) for k in ranked]  # fmt: skip


def _category(neighbours: list[Neighbour]) -> ValueSuggestion | None:
    votes: dict[str, float] = defaultdict(float)
    neighbours = _distinct(neighbours)
    for n in neighbours:
        if n.category:
            votes[n.category] += _weight(n)
    if not votes or sum(votes.values()) <= 0:
        return None
    best = max(votes, key=lambda c: votes[c])
    share = votes[best] / sum(votes.values())
    items = [ref(n) for n in neighbours if n.category == best]
    return ValueSuggestion(value=best, why=f"{share:.0%} of the momentum-weighted neighbours ({len(items)} items)",
                           evidence=items)


def _duration(neighbours: list[Neighbour]) -> ValueSuggestion | None:
    timed = sorted((n for n in _distinct(neighbours) if n.duration), key=lambda n: n.duration or 0.0)
    if len(timed) < 3:
        return None
    weights = [_weight(n) for n in timed]
    total = sum(weights)
    if total <= 0:
        return None
    running = 0.0
    for n, w in zip(timed, weights, strict=True):
        running += w
        if running >= total / 2:
            return ValueSuggestion(value=f"{n.duration:.0f}", why=f"momentum-weighted median length of {len(timed)} "
                                   "neighbours with a known duration", evidence=[ref(t) for t in timed])  # fmt: skip
    return None


def suggest_trends(inp: TrendsInput, deps: Deps) -> TrendsOutput:
    """What is trending near the brief, and what to borrow from it."""
    deps.progress("trends", "finding trending items near the idea")
    store = deps.trend_store()
    found = store.neighbours(inp.brief, k=inp.k, filters=Filters(platform=inp.platform, region=inp.region,
                                                                  category=inp.category, since=inp.since,
                                                                  until=inp.until))  # fmt: skip
    if not found:
        raise TrendsError("no trending items match those filters",
                          "widen the filters (region, category, dates) or ingest more exports")
    asked = detect_language(inp.brief).value  # the brief's own language, whatever the titles are asked in

    def floor(item_language: str) -> float:
        if inp.min_similarity is not None:
            return inp.min_similarity
        return store.embedder.relevance_floor(asked, item_language)

    near = [n for n in found if n.similarity >= floor(n.language)]
    shared = set(TrendItem.model_fields)  # the store's Neighbour without tags/channel/duration
    neighbours = [Evidence(**n.model_dump(include=shared) | {"predicted_growth": round(n.predicted_growth, 1)},
                           relevant=n in near) for n in found]  # fmt: skip
    team = store.team_results() if inp.use_team_results else []
    language = inp.language or detect_language(inp.brief).value
    note = ""
    if not near:
        note = (f"nothing trending is close to this idea (closest similarity {max(n.similarity for n in found):.3f}, "
                f"floor {floor(asked):.3f}): no hashtag, length or title is drawn from these items")  # fmt: skip
    titles = suggest_titles(inp.brief, language, near, deps) if inp.titles and near else []
    return TrendsOutput(neighbours=neighbours, hashtags=_hashtags(near, team), category=_category(near),
                        duration=_duration(near), titles=titles, language=language,
                        similarity_floor=round(floor(asked), 3), note=note)  # fmt: skip


TITLE_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["titles"],
    "properties": {"titles": {"type": "array", "minItems": 3, "maxItems": 3, "items": {
        "type": "object", "additionalProperties": False, "required": ["title", "inspired_by"],
        "properties": {"title": {"type": "string"},
                       "inspired_by": {"type": "array", "items": {"type": "integer"}, "maxItems": 5}}}}},
}  # fmt: skip


TITLE_LIMIT = {"en": 80, "zh": 30}


def fit_title(text: str, language: str) -> str:
    """Small models run long: cut an over-long title at its last clause break, else its last word
    boundary, inside the limit (never mid-word)."""
    text = " ".join(text.split())
    limit = TITLE_LIMIT.get(language, 80)
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    for marks in ("：:|—–", "，,;；-"):
        cut = max(head.rfind(m) for m in marks)
        if cut >= limit // 3:
            return head[:cut].rstrip(" ,;:-—–，；：")
    if language == "zh":
        return head[:limit]
    return head[: head.rfind(" ")].rstrip(" ,;:-") if " " in head else head[:limit]


def _title_problems(titles: list[dict[str, Any]], language: str, count: int) -> list[str]:
    problems = []
    for entry in titles:
        text = str(entry.get("title", "")).strip()
        if not letters(text):
            problems.append(f"a title without words: {text[:50]!r}")
        elif problem := language_problem(text, language):
            problems.append(problem)
        if any(not 1 <= int(i) <= count for i in entry.get("inspired_by", [])):
            problems.append(f"inspired_by must be between 1 and {count}")
    return problems


def suggest_titles(brief: str, language: str, neighbours: list[Neighbour], deps: Deps) -> list[TitleSuggestion]:
    """Three title ideas in the brief's language, each naming the trending items it borrows from. The
    model's answer is checked (language, length, references) and retried a bounded number of times."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from reelcraft.tools.llm_json import ask_valid_json

    deps.progress("trends", "writing title ideas")
    shown = neighbours[:10]
    trending = "\n".join(f"{i}. {n.title} — {n.views:,} views, +{n.predicted_growth:,.0f}/day"
                          for i, n in enumerate(shown, start=1))  # fmt: skip
    system, user = load_prompt("trend_titles", language).render(brief=brief, trending=trending)

    def check(parsed: Any) -> tuple[list[TitleSuggestion] | None, list[str]]:
        titles = parsed.get("titles", []) if isinstance(parsed, dict) else []
        problems = _title_problems(titles, language, len(shown)) if titles else ["no titles in the answer"]
        if problems:
            return None, problems
        return [TitleSuggestion(title=fit_title(str(t["title"]), language),
                                evidence=[ref(shown[int(i) - 1]) for i in t.get("inspired_by", [])])
                for t in titles], []  # fmt: skip

    return ask_valid_json(deps, TITLE_SCHEMA, [SystemMessage(system), HumanMessage(user)], check, stage="trends",
                          what="titles", error=TrendsError,
                          fix="try again, use a stronger model (--llm openai / ollama), or ask without --titles")
