"""Momentum: how fast a trending item is growing, not how big it is.

From successive snapshots of one item, the latest daily view growth (and its change, the acceleration)
predict the next day's growth. An item seen once has no growth yet; it gets a prior from its category:
its average daily views since publication (views / age) times the category's typical ratio of growth to
that average, learned from the items that do have history. Without a publication time the prior falls
back to the item's views times the category's growth-to-views ratio.

Measured by `tests/bench/trends_eval.py` (Spearman ρ of predicted vs actual next-day growth) against
ranking by current views.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

MIN_AGE_DAYS = 0.25
"""Items published hours before a snapshot are young, not infinitely fast."""


@dataclass(frozen=True)
class Snapshot:
    date: date
    views: int
    likes: int | None = None


@dataclass(frozen=True)
class Momentum:
    views: int
    """Views at the latest snapshot."""
    views_per_day: float | None
    """Growth between the last two snapshots; None when seen once."""
    likes_per_day: float | None
    acceleration: float | None
    """Change of views_per_day per day (needs three snapshots)."""
    predicted_growth: float
    """Expected views gained over the next day."""
    basis: str
    """'growth' (measured), 'age prior' or 'category prior'."""
    snapshots: int


def _per_day(a: Snapshot, b: Snapshot, attr: str) -> float | None:
    x, y = getattr(a, attr), getattr(b, attr)
    days = (b.date - a.date).days
    if x is None or y is None or days <= 0:
        return None
    return (y - x) / days


def _age_days(published: datetime | None, at: date) -> float | None:
    if published is None:
        return None
    noon = datetime(at.year, at.month, at.day, 12, tzinfo=published.tzinfo)
    return max(MIN_AGE_DAYS, (noon - published).total_seconds() / 86400)


@dataclass
class ItemHistory:
    key: str
    category: str
    snapshots: list[Snapshot]
    published: datetime | None = None


class MomentumModel:
    """Fit per-category priors on items with history, then score every item up to a date."""

    def __init__(self) -> None:
        self.age_ratio: dict[str, float] = {}
        self.views_ratio: dict[str, float] = {}
        self.global_age_ratio = 0.5
        self.global_views_ratio = 0.1

    def fit(self, items: Iterable[ItemHistory]) -> MomentumModel:
        age_ratios: dict[str, list[float]] = defaultdict(list)
        views_ratios: dict[str, list[float]] = defaultdict(list)
        for item in items:
            shots = sorted(item.snapshots, key=lambda s: s.date)
            if len(shots) < 2:
                continue
            growth = _per_day(shots[-2], shots[-1], "views")
            if growth is None:
                continue
            if shots[-2].views > 0:
                views_ratios[item.category].append(growth / shots[-2].views)
            age = _age_days(item.published, shots[-2].date)
            if age is not None and shots[-2].views > 0:
                age_ratios[item.category].append(growth / (shots[-2].views / age))
        all_age = [r for rs in age_ratios.values() for r in rs]
        all_views = [r for rs in views_ratios.values() for r in rs]
        if all_age:
            self.global_age_ratio = float(np.median(all_age))
        if all_views:
            self.global_views_ratio = float(np.median(all_views))
        # a category needs a few items before its own ratio beats the global one
        self.age_ratio = {c: float(np.median(rs)) for c, rs in age_ratios.items() if len(rs) >= 5}
        self.views_ratio = {c: float(np.median(rs)) for c, rs in views_ratios.items() if len(rs) >= 5}
        return self

    def score(self, item: ItemHistory) -> Momentum:
        shots = sorted(item.snapshots, key=lambda s: s.date)
        last = shots[-1]
        growth = _per_day(shots[-2], last, "views") if len(shots) >= 2 else None
        likes = _per_day(shots[-2], last, "likes") if len(shots) >= 2 else None
        accel = None
        if len(shots) >= 3 and growth is not None:
            before = _per_day(shots[-3], shots[-2], "views")
            if before is not None:
                accel = (growth - before) / max(1, (last.date - shots[-2].date).days)
        if growth is not None:
            predicted, basis = max(0.0, growth), "growth"
        else:
            age = _age_days(item.published, last.date)
            if age is not None:
                ratio = self.age_ratio.get(item.category, self.global_age_ratio)
                predicted, basis = ratio * last.views / age, "age prior"
            else:
                ratio = self.views_ratio.get(item.category, self.global_views_ratio)
                predicted, basis = ratio * last.views, "category prior"
        return Momentum(views=last.views, views_per_day=growth, likes_per_day=likes, acceleration=accel,
                        predicted_growth=float(predicted), basis=basis, snapshots=len(shots))


def up_to(items: Sequence[ItemHistory], day: date) -> list[ItemHistory]:
    """The same items as they were known on `day` (later snapshots dropped; items not yet seen left out)."""
    out = []
    for item in items:
        shots = [s for s in item.snapshots if s.date <= day]
        if shots:
            out.append(ItemHistory(item.key, item.category, shots, item.published))
    return out
