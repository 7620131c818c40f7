"""The draft score: parts with reasons, the weakest part named, and the total ranking the committed pairs
(tests/data/score_pairs.json, written before the score) the way a person would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import EN_PLAN, ZH_PLAN
from reelcraft.config import Settings
from reelcraft.plan import TrendBacking, VideoPlan
from reelcraft.tools.deps import Deps
from reelcraft.tools.score import PARTS, ScoreInput, score_draft

PAIRS = json.loads((Path(__file__).parent / "data" / "score_pairs.json").read_text(encoding="utf-8"))


def _plan(script: dict[str, Any], language: str, duration: float) -> VideoPlan:
    fields = {"music_mood": "upbeat", "call_to_action": "Follow for more.", "hashtags": ["#a", "#b", "#c"], **script}
    return VideoPlan.model_validate({**fields, "language": language, "target_duration": duration})


def test_every_part_has_a_reason_and_unmeasured_parts_do_not_count() -> None:
    plan = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
    score = score_draft(ScoreInput(plan=plan, brief="30 s TikTok: a budget morning routine for college students"))
    assert [p.name for p in score.parts] == list(PARTS)
    assert all(p.reason for p in score.parts)
    assert score.part("visuals").score is None and score.part("trend").score is None
    assert 0 <= score.total <= 100


def test_a_greeting_hook_is_the_weakest_part_and_costs_the_total() -> None:
    plan = VideoPlan.model_validate({**ZH_PLAN, "language": "zh", "target_duration": 30})
    greeting = plan.model_copy(deep=True)
    greeting.scenes[0].voiceover = "大家好，欢迎来到我的频道。" + greeting.scenes[0].voiceover
    before = score_draft(ScoreInput(plan=plan, brief="大学生省钱早晨日常"))
    after = score_draft(ScoreInput(plan=greeting, brief="大学生省钱早晨日常"))
    assert after.weakest == "hook" and after.part("hook").scene == 1 and "weak_hook" in after.part("hook").checks
    assert after.total < before.total


def test_platform_and_trend_parts_read_the_post() -> None:
    plan = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
    bare = plan.model_copy(update={"hashtags": [], "call_to_action": ""})
    assert score_draft(ScoreInput(plan=bare)).part("platform").score < score_draft(
        ScoreInput(plan=plan)).part("platform").score  # fmt: skip
    backed = plan.model_copy(update={"trend_backing": [
        TrendBacking(hashtag="#dormhacks", items=12, growth_per_day=3.5, evidence=["Dorm hacks that work"])]})
    trend = score_draft(ScoreInput(plan=backed)).part("trend")
    assert trend.score is not None and trend.score < 100 and "#dormhacks" in trend.reason
    used = backed.model_copy(update={"hashtags": [*backed.hashtags, "#DormHacks"]})
    assert score_draft(ScoreInput(plan=used)).part("trend").score == 100


def test_the_rendered_lengths_decide_the_pace() -> None:
    plan = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
    rushed = [1.0] * len(plan.scenes)
    pacing = score_draft(ScoreInput(plan=plan, scene_durations=rushed)).part("pacing")
    assert pacing.score < 100 and "too_fast" in pacing.checks


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory) -> Deps:
    return Deps.from_settings(Settings(home=tmp_path_factory.mktemp("score")))


def test_the_score_ranks_the_committed_pairs_and_names_the_flaw(deps: Deps) -> None:
    """The bench's figure (tests/bench/score_pairs.py) held as a test: ≥ 90 % ranked right, ≥ 80 % named."""
    ranked = named = 0
    for pair in PAIRS:
        good, flawed = (score_draft(ScoreInput(plan=_plan(pair[side], pair["language"], pair["duration"]),
                                               brief=pair["brief"]), deps) for side in ("good", "flawed"))  # fmt: skip
        ranked += good.total > flawed.total
        weakest = flawed.part(flawed.weakest) if flawed.weakest else None
        flaw = {"drift": {"off_topic", "tangent"}, "onscreen_wall": {"onscreen_wall"}}.get(pair["flaw"], {pair["flaw"]})
        named += bool(weakest and flaw & set(weakest.checks))
    assert len(PAIRS) >= 40
    assert ranked / len(PAIRS) >= 0.9 and named / len(PAIRS) >= 0.8, (ranked, named)


def test_cli_scores_a_saved_draft_and_a_plan_file_as_json(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from reelcraft.storage.drafts import DraftStore

    home = tmp_path / "home"
    plan = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
    store = DraftStore(Settings(home=home).drafts_dir)
    draft = store.new_version(None, plan=plan, brief="30 s TikTok: a budget morning routine for college students")
    store.save(draft)
    env = {**os.environ, "REELCRAFT_HOME": str(home), "COLUMNS": "200"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "reelcraft.cli", "score", *args], capture_output=True,
                              text=True, env=env, timeout=300)  # fmt: skip

    done = cli(draft.id, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert 0 <= result["total"] <= 100 and {p["name"] for p in result["parts"]} == set(PARTS)
    plan_file = tmp_path / "demo.plan.json"
    plan_file.write_text(plan.model_dump_json(), encoding="utf-8")
    table = cli(str(plan_file), "--brief", "a budget morning routine")
    assert table.returncode == 0 and "hook" in table.stdout and "/100" in table.stdout, table.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    bad = cli(str(broken))
    assert bad.returncode != 0 and "score" in bad.stderr and "plan JSON" in bad.stderr and "Traceback" not in bad.stderr
    missing = cli("nosuchdraft")
    assert missing.returncode != 0 and "reelcraft drafts" in missing.stderr
