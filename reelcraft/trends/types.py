"""What the trends store answers with, defined once: the trends tool's output embeds the same fields, so
they are pydantic models (JSON and an LLM can read them), frozen like the facts they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class TrendItem(BaseModel):
    """A trending item near a query, with the numbers behind it."""

    model_config = ConfigDict(frozen=True)

    platform: str
    region: str
    item_id: str
    title: str
    language: str
    category: str
    similarity: float
    views: int
    views_per_day: float | None
    acceleration: float | None
    predicted_growth: float
    """Views expected over the next day."""
    momentum_basis: str
    last_seen: date


class Neighbour(TrendItem):
    """A trending item as the store finds it: with the tags, channel and length suggestions draw on."""

    tags: list[str]
    channel: str
    duration: float | None


@dataclass
class Filters:
    platform: str | None = None
    region: str | None = None
    category: str | None = None
    since: date | None = None
    until: date | None = None
    language: str | None = None


@dataclass(frozen=True)
class TeamResult:
    draft_id: str
    version: int
    title: str
    hashtags: list[str]
    duration: float
    views: int
    likes: int | None
    shares: int | None
    recorded_at: datetime
