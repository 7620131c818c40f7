"""Momentum from snapshots: growth and acceleration, category priors for items seen once, and the
real GB/CA exports, where growth ranks tomorrow's growth better than size does."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from helpers import shared_dir
from reelcraft.trends.momentum import ItemHistory, MomentumModel, Snapshot, up_to

D = [date(2024, 5, d) for d in range(1, 6)]
BENCH = Path(__file__).parent / "bench" / "trends_eval.py"
SHARED = shared_dir() / "data" / "trends"
MAPS = Path(__file__).resolve().parents[1] / "docs" / "trend-maps"


def test_growth_and_acceleration_come_from_successive_snapshots() -> None:
    item = ItemHistory("a", "22", [Snapshot(D[0], 100, 1), Snapshot(D[1], 300, 5), Snapshot(D[3], 1100, 13)])
    m = MomentumModel().score(item)
    assert (m.views, m.views_per_day, m.likes_per_day, m.basis, m.snapshots) == (1100, 400.0, 4.0, "growth", 3)
    assert m.acceleration == pytest.approx((400 - 200) / 2)
    assert m.predicted_growth == 400.0


def test_items_seen_once_get_their_categorys_prior() -> None:
    published = datetime(2024, 4, 30, 12, tzinfo=UTC)
    fast = [ItemHistory(f"m{i}", "music", [Snapshot(D[0], 1000), Snapshot(D[1], 3000)], published) for i in range(5)]
    slow = [ItemHistory(f"n{i}", "news", [Snapshot(D[0], 1000), Snapshot(D[1], 1100)], published) for i in range(5)]
    model = MomentumModel().fit(fast + slow)
    new_music = ItemHistory("x", "music", [Snapshot(D[1], 5000)], published)
    new_news = ItemHistory("y", "news", [Snapshot(D[1], 5000)], published)
    music, news = model.score(new_music), model.score(new_news)
    assert music.basis == news.basis == "age prior" and music.views_per_day is None
    assert music.predicted_growth > 10 * news.predicted_growth
    undated = model.score(ItemHistory("z", "music", [Snapshot(D[1], 5000)]))
    assert undated.basis == "category prior" and undated.predicted_growth == pytest.approx(5000 * 2.0)


def test_up_to_forgets_the_future() -> None:
    items = [ItemHistory("a", "", [Snapshot(D[0], 1), Snapshot(D[2], 5)]), ItemHistory("b", "", [Snapshot(D[3], 9)])]
    known = up_to(items, D[1])
    assert [(i.key, len(i.snapshots)) for i in known] == [("a", 1)]


@pytest.mark.parametrize("region", ["GB", "CA"])
def test_on_the_real_exports_momentum_beats_ranking_by_views(region: str) -> None:
    done = subprocess.run([sys.executable, str(BENCH), str(SHARED / f"youtube_trending_{region}.csv"), "--map",
                           str(MAPS / "youtube_kaggle.toml")],
                          capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["n_items"] >= 100
    assert result["spearman_model"] > result["spearman_views_baseline"] + 0.1, result
