"""Title ideas from the real embedded LLM, grounded in the real trending exports and the real
multilingual embedder: in the brief's language, citing items that were retrieved.

Slow: about half a minute a language on two cores. CI runs these once.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from helpers import shared_dir
from reelcraft.config import Settings
from reelcraft.deps import Deps
from reelcraft.tools.trends import TrendsInput, suggest_trends
from reelcraft.trend_ingest import TrendMapping, read_trends
from reelcraft.trendstore import TrendStore

pytestmark = pytest.mark.slow
SHARED = shared_dir() / "data" / "trends"
MAPS = Path(__file__).resolve().parents[2] / "docs" / "trend-maps"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> Deps:
    home = tmp_path_factory.mktemp("home")
    deps = Deps.from_settings(Settings(home=home, models_home=models_home))
    deps.trends = TrendStore(home / "trends")
    deps.trends.ingest(read_trends(SHARED / "youtube_trending_GB.csv", TrendMapping.load(MAPS / "youtube_kaggle.toml")))
    return deps


@pytest.mark.parametrize(("brief", "language"), [("Christmas advert reaction video, funny", "en"),
                                                 ("圣诞节广告的搞笑反应视频", "zh")])  # fmt: skip
def test_the_embedded_llm_suggests_titles_in_the_briefs_language(deps: Deps, brief: str, language: str) -> None:
    started = time.perf_counter()
    result = suggest_trends(TrendsInput(brief=brief, k=8, titles=True), deps)
    print(f"\n{language} titles in {time.perf_counter() - started:.1f} s: {[t.title for t in result.titles]}")
    assert result.language == language and len(result.titles) == 3
    for idea in result.titles:
        assert bool(CJK.search(idea.title)) == (language == "zh")
    retrieved = {f"{n.platform}:{n.region}:{n.item_id}" for n in result.neighbours}
    assert all(set(t.evidence) <= retrieved for t in result.titles)
    assert any("christmas" in n.title.lower() for n in result.neighbours[:3])
