"""The trends tool: suggestions carry their evidence, hashtags favour close and rising items, one video
trending in two regions counts once, and the CLI prints a table, JSON and a plot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from reelcraft.config import Settings
from reelcraft.deps import Deps
from reelcraft.tools.trends import TrendsInput, suggest_trends
from reelcraft.trend_ingest import TrendRow
from reelcraft.trendstore import TrendStore

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "trends"


def _rows(title: str, item: str, tags: list[str], views: list[int], region: str = "GB",
          duration: float | None = None) -> list[TrendRow]:  # fmt: skip
    return [TrendRow(platform="tiktok", region=region, id=item, title=title, date=date(2024, 5, 1 + i), views=v,
                     tags=tags, category="food", duration=duration) for i, v in enumerate(views)]  # fmt: skip


@pytest.fixture()
def deps(tmp_path: Path) -> Deps:
    deps = Deps.from_settings(Settings(home=tmp_path))
    deps.trends = TrendStore(tmp_path / "trends", embedder="hashing")
    rows = (_rows("cheap student breakfast ideas", "rise1", ["#studentlife", "breakfast"], [1000, 9000], duration=30)
            + _rows("cheap student breakfast hacks", "rise2", ["studentlife", "budget"], [2000, 12000], duration=25)
            + _rows("cheap student breakfast hacks", "rise2", ["studentlife", "budget"], [2000, 12000], region="CA",
                    duration=25)
            + _rows("cheap student breakfast recipe", "stall", ["bigchannel"], [900000, 900100], duration=60)
            + _rows("football highlights", "far", ["football"], [10, 50000]))  # fmt: skip
    deps.trends.ingest(rows)
    return deps


def test_hashtags_favour_rising_neighbours_and_name_their_evidence(deps: Deps) -> None:
    result = suggest_trends(TrendsInput(brief="cheap student breakfast", k=5), deps)
    tags = [t.tag for t in result.hashtags]
    assert tags[0] == "#studentlife" and tags.index("#budget") < tags.index("#bigchannel")
    top = result.hashtags[0]
    assert top.items == 2 and set(top.evidence) == {"tiktok:GB:rise1", "tiktok:GB:rise2"}  # CA copy counted once
    assert top.growth_per_day == pytest.approx(8000 + 10000)
    assert result.category is not None and result.category.value == "food" and result.category.evidence
    assert result.duration is not None and 25 <= float(result.duration.value) <= 30
    assert {n.item_id for n in result.neighbours} >= {"rise1", "rise2", "stall"}


def test_filters_narrow_the_evidence(deps: Deps) -> None:
    result = suggest_trends(TrendsInput(brief="cheap student breakfast", k=5, region="CA"), deps)
    assert {n.region for n in result.neighbours} == {"CA"}


def test_the_suggest_cli_prints_json_and_writes_a_plot(tmp_path: Path) -> None:
    env = {**os.environ, "REELCRAFT_HOME": str(tmp_path), "COLUMNS": "160"}
    cli = [sys.executable, "-m", "reelcraft.cli", "trends"]
    export, mapping = str(SHARED / "youtube_trending_GB.csv"), str(DATA / "youtube_kaggle.toml")
    subprocess.run([*cli, "ingest", export, "--map", mapping], check=True, capture_output=True, env=env, timeout=600)
    plot = tmp_path / "momentum.png"
    done = subprocess.run([*cli, "suggest", "圣诞节广告 reaction", "--json", "--plot", str(plot)],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["neighbours"]) == 12 and result["hashtags"]
    assert any("christmas" in n["title"].lower() for n in result["neighbours"][:3])
    assert all(h["evidence"] for h in result["hashtags"])
    assert plot.stat().st_size > 10_000 and plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
