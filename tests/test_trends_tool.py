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

from helpers import EN_TURNS, shared_dir
from reelcraft.config import Settings
from reelcraft.errors import TrendsError
from reelcraft.models.embeddings import embedder_choice
from reelcraft.tools.deps import Deps
from reelcraft.tools.trends import TrendsInput, suggest_trends
from reelcraft.trends.ingest import TrendRow
from reelcraft.trends.store import TrendStore

SHARED = shared_dir() / "data" / "trends"
MAPS = Path(__file__).resolve().parents[1] / "docs" / "trend-maps"


def _rows(title: str, item: str, tags: list[str], views: list[int], region: str = "GB",
          duration: float | None = None) -> list[TrendRow]:  # fmt: skip
    return [TrendRow(platform="tiktok", region=region, id=item, title=title, date=date(2024, 5, 1 + i), views=v,
                     tags=tags, category="food", duration=duration) for i, v in enumerate(views)]  # fmt: skip


def _store_rows() -> list[TrendRow]:
    return (_rows("cheap student breakfast ideas", "rise1", ["#studentlife", "breakfast"], [1000, 9000], duration=30)
            + _rows("cheap student breakfast hacks", "rise2", ["studentlife", "budget"], [2000, 12000], duration=25)
            + _rows("cheap student breakfast hacks", "rise2", ["studentlife", "budget"], [2000, 12000], region="CA",
                    duration=25)
            + _rows("cheap student breakfast recipe", "stall", ["bigchannel"], [900000, 900100], duration=60)
            + _rows("football highlights", "far", ["football"], [10, 50000]))  # fmt: skip


@pytest.fixture()
def deps(tmp_path: Path) -> Deps:
    deps = Deps.from_settings(Settings(home=tmp_path))
    deps.trends = TrendStore(tmp_path / "trends", embedder=embedder_choice("hashing"))
    deps.trends.ingest(_store_rows())
    return deps


def test_hashtags_favour_rising_neighbours_and_name_their_evidence(deps: Deps) -> None:
    result = suggest_trends(TrendsInput(brief="cheap student breakfast", k=5), deps)
    tags = [t.tag for t in result.hashtags]
    assert tags[0] == "#studentlife" and tags.index("#budget") < tags.index("#bigchannel")
    top = result.hashtags[0]
    assert top.items == 2 and {e.rsplit(":", 1)[1] for e in top.evidence} == {"rise1", "rise2"}  # GB+CA once
    assert top.growth_per_day == pytest.approx(8000 + 10000)
    assert result.category is not None and result.category.value == "food" and result.category.evidence
    assert result.duration is not None and 25 <= float(result.duration.value) <= 30
    assert {n.item_id for n in result.neighbours} >= {"rise1", "rise2", "stall"}


def test_items_too_far_from_the_idea_are_listed_but_never_used_as_evidence(deps: Deps) -> None:
    from reelcraft.models.llm import ScriptedChatModel

    deps.llm = ScriptedChatModel(turns=[])  # no title request may reach the model
    result = suggest_trends(TrendsInput(brief="quantum physics lecture notes", k=5, titles=True), deps)
    assert result.neighbours and not any(n.relevant for n in result.neighbours)
    assert result.hashtags == [] and result.category is None and result.duration is None and result.titles == []
    assert "nothing trending is close" in result.note and result.similarity_floor == pytest.approx(0.6)
    loose = suggest_trends(TrendsInput(brief="quantum physics lecture notes", k=5, min_similarity=0.0), deps)
    assert loose.hashtags and all(n.relevant for n in loose.neighbours)  # the floor is what held them back


def test_filters_narrow_the_evidence(deps: Deps) -> None:
    result = suggest_trends(TrendsInput(brief="cheap student breakfast", k=5, region="CA"), deps)
    assert {n.region for n in result.neighbours} == {"CA"}


def test_the_suggest_cli_prints_json_and_writes_a_plot(tmp_path: Path) -> None:
    env = {**os.environ, "REELCRAFT_HOME": str(tmp_path), "COLUMNS": "160"}
    cli = [sys.executable, "-m", "reelcraft.cli", "trends"]
    export, mapping = str(SHARED / "youtube_trending_GB.csv"), str(MAPS / "youtube_kaggle.toml")
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


def test_what_worked_for_the_team_moves_its_hashtags_up(deps: Deps) -> None:
    before = [t.tag for t in suggest_trends(TrendsInput(brief="cheap student breakfast", k=5), deps).hashtags]
    assert before.index("#studentlife") < before.index("#budget")
    store = deps.trend_store()
    for draft, tags, views in (("d1", ["#budget", "#dormfood"], 250_000), ("d2", ["#studentlife"], 400),
                               ("d3", ["#breakfast"], 6_000), ("d4", ["#studentlife"], 900)):  # fmt: skip
        store.record_result(draft_id=draft, version=1, platform="tiktok", language="en", title="t", hashtags=tags,
                            duration=30, views=views, shares=views // 100)  # fmt: skip
    after = suggest_trends(TrendsInput(brief="cheap student breakfast", k=5), deps).hashtags
    tags = [t.tag for t in after]
    assert tags.index("#budget") < tags.index("#studentlife")
    budget = next(t for t in after if t.tag == "#budget")
    assert budget.team_lift is not None and budget.team_lift > 1 and budget.team_evidence == ["d1 v1: 250,000 views"]
    assert "#dormfood" in tags  # the team's own winner, though no neighbour uses it
    ignored = suggest_trends(TrendsInput(brief="cheap student breakfast", k=5, use_team_results=False), deps)
    assert [t.tag for t in ignored.hashtags] == before
    with pytest.raises(Exception, match="negative"):
        store.record_result(draft_id="d5", version=1, platform="tiktok", language="en", title="t", hashtags=[],
                            duration=30, views=-1)  # fmt: skip


def test_studio_and_cli_record_a_published_drafts_numbers(tmp_path: Path) -> None:
    from helpers import EN_PLAN
    from reelcraft import Studio
    from reelcraft.plan import VideoPlan

    env = {**os.environ, "REELCRAFT_HOME": str(tmp_path), "REELCRAFT_TRENDS__EMBEDDER": "hashing"}
    studio = Studio(Settings(home=tmp_path))
    plan = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
    draft = studio.store.new_version(None, plan=plan, brief="budget mornings")
    studio.store.save(draft)
    done = subprocess.run([sys.executable, "-m", "reelcraft.cli", "trends", "record", f"{draft.id}@1", "--views",
                           "12000", "--shares", "300"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    studio.record_result(draft.id, views=15000, likes=900)  # the latest numbers replace the earlier ones
    results = TrendStore(tmp_path / "trends", embedder=embedder_choice("hashing")).team_results()
    assert len(results) == 1 and (results[0].views, results[0].likes, results[0].shares) == (15000, 900, None)
    assert results[0].hashtags == plan.hashtags and results[0].title == plan.title
    bad = subprocess.run([sys.executable, "-m", "reelcraft.cli", "trends", "record", draft.id, "--views", "-3"],
                         capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert bad.returncode == 2


def test_title_ideas_stay_in_the_briefs_language_and_cite_their_sources(deps: Deps) -> None:
    from reelcraft.models.llm import ScriptedChatModel

    english = {"titles": [{"title": "Cheap breakfast hacks", "inspired_by": [1]}] * 3}
    chinese = {"titles": [{"title": "大学生早餐只花五块钱", "inspired_by": [1, 2]},
                          {"title": "三种省钱早餐，第二种最香", "inspired_by": [2]},
                          {"title": "宿舍也能做的平价早餐", "inspired_by": []}]}  # fmt: skip
    deps.llm = ScriptedChatModel(turns=[english, chinese])
    result = suggest_trends(TrendsInput(brief="大学生 cheap student breakfast 省钱早餐", k=5, titles=True), deps)
    assert result.language == "zh" and [t.title for t in result.titles][0] == "大学生早餐只花五块钱"
    assert len(result.titles[0].evidence) == 2 and result.titles[0].evidence[0] == ref_of(result, 0)
    calls = deps.llm.calls  # type: ignore[union-attr]
    assert len(calls) == 2 and "not written in Chinese" in str(calls[1]["messages"][-1].content)  # sent back to fix
    assert "cheap student breakfast" in str(calls[0]["messages"][1].content)  # the neighbours were in the prompt

    deps.llm = ScriptedChatModel(turns=[english] * 3)
    with pytest.raises(TrendsError, match="no valid titles in 3 attempts") as failed:
        suggest_trends(TrendsInput(brief="大学生 cheap student breakfast 省钱早餐", k=5, titles=True), deps)
    assert failed.value.stage == "trends" and "--titles" in failed.value.fix


def ref_of(result: object, index: int) -> str:
    n = result.neighbours[index]  # type: ignore[attr-defined]
    return f"{n.platform}:{n.region}:{n.item_id}"


def test_over_long_titles_are_cut_at_a_clause_or_word_never_mid_word() -> None:
    from reelcraft.tools.trends import fit_title

    long_en = "Christmas Adverts as an Act of Play and Creativity: How Funny Reactions Turn Ads Into Shareable Moments"
    assert fit_title(long_en, "en") == "Christmas Adverts as an Act of Play and Creativity"
    words = fit_title("word " * 40, "en")
    assert len(words) <= 80 and words.endswith("word")
    assert fit_title("圣诞节广告的搞笑反应视频，看完你一定会笑出声来，然后分享给你所有的朋友和家人一起看", "zh") == \
        "圣诞节广告的搞笑反应视频，看完你一定会笑出声来"
    assert fit_title("Short one", "en") == "Short one"


def test_the_script_is_written_against_the_trends_and_the_plan_names_its_backing(tmp_path: Path) -> None:
    from reelcraft.config import TrendsSettings
    from reelcraft.models.llm import ScriptedChatModel
    from reelcraft.studio import Studio

    settings = Settings(home=tmp_path, trends=TrendsSettings(embedder="hashing", in_prompt="on"))
    brief = "cheap student breakfast on a budget"
    turns = [{**EN_TURNS[0], "hook": "Cheap student breakfast, on a budget."}, *EN_TURNS[1:]]
    model = ScriptedChatModel(turns=turns * 3)
    bare = Studio(settings, llm=model).plan(brief)  # nothing ingested yet: no trends, no store made
    assert bare.trend_backing == [] and "trending" not in model.calls[0]["messages"][1].content
    assert not (tmp_path / "trends").exists()

    TrendStore(tmp_path / "trends", embedder=embedder_choice("hashing")).ingest(_store_rows())
    plan = Studio(settings, llm=model).plan(brief)
    prompt = model.calls[2]["messages"][1].content  # the second plan's outline
    assert "- #studentlife (+18,000/day)" in prompt and "- #budget (+10,000/day)" in prompt
    assert "football" not in prompt and "cheap student breakfast hacks" not in prompt  # tags, no far items/titles
    assert plan.hashtags == ["#cheap", "#student", "#breakfast", "#budget", "#studentlife"]  # the brief's, then
    # the top trend, which the brief's words left out
    backing = {b.hashtag: b for b in plan.trend_backing}
    assert list(backing) == ["#breakfast", "#budget", "#studentlife"]  # the plan's hashtags trending items use
    assert backing["#budget"].items == 1 and backing["#budget"].evidence[0].endswith(":rise2")
    assert backing["#budget"].growth_per_day == pytest.approx(10000)
    assert backing["#studentlife"].items == 2 and backing["#studentlife"].growth_per_day == pytest.approx(18000)

    again = Studio(settings, llm=model).plan(brief, trends=False)  # the first plan, from the cache
    assert len(model.calls) == 4 and again.trend_backing == []

    settings.trends.in_prompt = "auto"  # the embedded model ("local") is not shown the tags, still gets the top one
    quiet = Studio(settings, llm=model).plan(brief)
    assert "#studentlife" not in model.calls[4]["messages"][1].content and "#studentlife" in quiet.hashtags


def test_a_broken_trends_store_warns_and_the_plan_is_still_written(tmp_path: Path) -> None:
    from reelcraft.config import TrendsSettings
    from reelcraft.models.llm import ScriptedChatModel
    from reelcraft.studio import Studio

    TrendStore(tmp_path / "trends", embedder=embedder_choice("hashing")).ingest(_store_rows())
    studio = Studio(Settings(home=tmp_path, trends=TrendsSettings(embedder="e5-small")),
                    llm=ScriptedChatModel(turns=[{**EN_TURNS[0], "hook": "Cheap student breakfast, on a budget."},
                                                 *EN_TURNS[1:]]))  # a store built with another embedder
    plan = studio.plan("cheap student breakfast on a budget")
    assert plan.trend_backing == [] and plan.title
    assert any("planning without trends" in w and "embedder" in w for w in studio.deps.warnings)
