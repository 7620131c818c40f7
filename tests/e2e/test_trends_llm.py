"""Title ideas from the real embedded LLM, grounded in the real trending exports (plus a small Chinese
export made from the bilingual check set) and the real multilingual embedder: in the brief's language,
citing items that were retrieved.

Slow: about half a minute a language on two cores. CI runs these once.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from helpers import shared_dir
from reelcraft.config import Settings
from reelcraft.models.embeddings import embedder_choice
from reelcraft.tools.deps import Deps
from reelcraft.tools.trends import TrendsInput, suggest_trends
from reelcraft.trends.ingest import TrendMapping, read_trends
from reelcraft.trends.store import TrendStore

pytestmark = [pytest.mark.slow, pytest.mark.embedded_llm]
SHARED = shared_dir() / "data" / "trends"
MAPS = Path(__file__).resolve().parents[2] / "docs" / "trend-maps"
CJK = re.compile(r"[\u4e00-\u9fff]")


CHECK_SET = Path(__file__).resolve().parents[1] / "data" / "bilingual_retrieval.json"
DOUYIN_MAP = """
[columns]
id = "aweme_id"
title = "desc"
date = "day"
views = "stats.play"
likes = "stats.digg"
tags = "topics"
[parse]
date_format = "%Y-%m-%d"
tags_separator = ","
[meta]
platform = "douyin"
region = "CN"
"""


def write_douyin_export(path: Path) -> None:
    """Two days of a Douyin-like JSONL export of the check set's Chinese titles, each growing."""
    pairs = json.loads(CHECK_SET.read_text(encoding="utf-8"))["pairs"]
    with path.open("w", encoding="utf-8") as out:
        for day in range(2):
            for i, pair in enumerate(pairs):
                views = 20_000 * (i + 1) * (1 + 2 * day)
                record = {"aweme_id": f"dy{i}", "desc": pair["zh_doc"], "topics": pair["topic"].replace(" ", ","),
                          "day": str(date(2024, 3, 1) + timedelta(days=day)),
                          "stats": {"play": views, "digg": views // 20}}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> Deps:
    home = tmp_path_factory.mktemp("home")
    deps = Deps.from_settings(Settings(home=home, models_home=models_home))
    deps.trends = TrendStore(home / "trends", embedder=embedder_choice())
    deps.trends.ingest(read_trends(SHARED / "youtube_trending_GB.csv", TrendMapping.load(MAPS / "youtube_kaggle.toml")))
    (home / "douyin.toml").write_text(DOUYIN_MAP, encoding="utf-8")
    write_douyin_export(home / "douyin.jsonl")
    deps.trends.ingest(read_trends(home / "douyin.jsonl", TrendMapping.load(home / "douyin.toml")))
    return deps


@pytest.mark.parametrize(("brief", "language", "expect"), [
    ("Christmas advert reaction video, funny", "en", "christmas"),
    ("大学生的省钱早餐，一周不超过二十块", "zh", "早餐"),
])  # fmt: skip
def test_the_embedded_llm_suggests_titles_in_the_briefs_language(deps: Deps, brief: str, language: str,
                                                                  expect: str) -> None:  # fmt: skip
    started = time.perf_counter()
    result = suggest_trends(TrendsInput(brief=brief, k=8, titles=True), deps)
    print(f"\n{language} titles in {time.perf_counter() - started:.1f} s: {[t.title for t in result.titles]}")
    assert result.language == language and len(result.titles) == 3
    for idea in result.titles:
        assert bool(CJK.search(idea.title)) == (language == "zh")
    retrieved = {f"{n.platform}:{n.region}:{n.item_id}" for n in result.neighbours}
    assert all(set(t.evidence) <= retrieved for t in result.titles)
    assert any(expect in n.title.lower() for n in result.neighbours[:3] if n.relevant)
