"""Batches (reelcraft/studio/batch.py): every bad line reported by number while the good ones run, one draft per
item whatever was cut off, a failing item that never stops the others, and a store that stays consistent.

The runner's bookkeeping is tested here with a stand-in Studio whose `prepare` and `render` are instant (the
logic around the parts); tests/e2e/test_batch_e2e.py runs real batches: the real writer, TTS and render."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from helpers import EN_PLAN
from reelcraft.config import Settings
from reelcraft.errors import BatchError, BriefError
from reelcraft.plan import Draft, DraftStatus, VideoPlan
from reelcraft.review.batches import BatchStore, ItemStatus
from reelcraft.storage.drafts import DraftStore
from reelcraft.studio.batch import read_batch, run_batch, write_manifest


def _write(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n"
                            for x in lines), encoding="utf-8")  # fmt: skip
    return path


def test_bad_lines_are_reported_by_number_and_the_good_ones_kept(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    source = _write(tmp_path / "briefs.jsonl", [
        {"id": "morning", "brief": "20 s: a budget morning routine", "duration": 20, "media": "photos"},
        '{"brief": "a brief with a missing quote}',
        {"brief": "no length at all", "duration": 0},
        {"brief": "somebody's trip", "media": "no-such-folder"},
        {"id": "morning", "brief": "the same id again"},
        {"breif": "a typo in the key"},
        "",
        "# a comment line",
        json.dumps("30秒抖音：大学生的省钱早晨日常"),
        {"brief": "a language we don't speak", "language": "fr"},
    ])  # fmt: skip
    read = read_batch(source)
    assert [(line, item.id) for line, item in read.items] == [(1, "morning"), (9, "line-9")]
    assert read.items[0][1].media == tmp_path / "photos"  # relative paths are read from the file's folder
    problems = {p.line: p.message for p in read.problems}
    assert sorted(problems) == [2, 3, 4, 5, 6, 10]
    assert "not JSON" in problems[2]
    assert "duration 0 s" in problems[3] and "seconds" in problems[3]
    assert "no-such-folder" in problems[4] and "does not exist" in problems[4]
    assert "also on line 1" in problems[5]
    assert "breif" in problems[6]
    assert "unsupported language" in problems[10]


def test_a_csv_without_a_brief_column_is_refused_with_its_columns(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("title,duration\nMy morning,20\n", encoding="utf-8")
    with pytest.raises(BatchError, match=r"no 'brief' column \(its columns: title, duration\)"):
        read_batch(tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("brief,duration,owner\n\"Cheap lunches, fast\",20,ann\n,,\n大学生早餐,0,bo\n",
                                    encoding="utf-8")  # fmt: skip
    read = read_batch(tmp_path / "b.csv")
    assert [(line, item.brief, item.duration) for line, item in read.items] == [(2, "Cheap lunches, fast", 20)]
    assert [p.line for p in read.problems] == [4]
    assert read.notes == ["ignored CSV column(s): owner"]
    with pytest.raises(BatchError, match="not a batch file"):
        read_batch(tmp_path / "briefs.txt")


class _StandIn:
    """The two halves of `Studio.create`, instant: `prepare` gives the test plan, `render` saves a draft version
    the way the pipeline does (draft.json last). Each call is recorded."""

    def __init__(self, settings: Settings, *, failing: dict[str, BaseException] | None = None) -> None:
        self.settings = settings
        self.store = DraftStore(settings.drafts_dir)
        self.failing = failing or {}
        self.prepared: list[str] = []
        self.rendered: list[str] = []

    def for_item(self, progress: Any = None, **options: Any) -> _StandIn:  # noqa: ANN401
        return self

    def prepare(self, brief: str, **options: Any) -> tuple[VideoPlan, str | None]:  # noqa: ANN401
        self.prepared.append(brief)
        if brief in self.failing:
            raise self.failing[brief]
        return VideoPlan.model_validate({**EN_PLAN, "title": brief[:40], "language": "en",
                                         "target_duration": options["duration"]}), None  # fmt: skip

    def score_plan(self, plan: VideoPlan, **options: Any) -> Any:  # noqa: ANN401 - a DraftScore's total
        return SimpleNamespace(total=len(plan.title))

    def render(self, plan: VideoPlan, *, brief: str, draft_id: str, **options: Any) -> Draft:  # noqa: ANN401
        self.rendered.append(brief)
        if f"render:{brief}" in self.failing:
            raise self.failing[f"render:{brief}"]
        draft = self.store.new_version(draft_id, plan=plan, brief=brief)
        draft = draft.model_copy(update={"status": DraftStatus.RENDERED})
        self.store.save(draft)
        return draft


BRIEFS = ["20 s: cheap lunches for students", "20 s: a five-minute desk stretch", "20秒：宿舍里的省钱晚餐",
          "20 s: how to study with a timer"]  # fmt: skip


def test_every_item_is_made_once_and_the_manifest_says_where(settings: Settings, tmp_path: Path) -> None:
    source = _write(tmp_path / "b.jsonl", [{"id": f"v{i}", "brief": b, "duration": 20} for i, b in enumerate(BRIEFS)]
                    + ['{"brief": 1'])  # fmt: skip
    studio = _StandIn(settings)
    seen: list[tuple[str, str]] = []
    last: dict[str, int] = {}
    report = run_batch(studio, source, tmp_path / "out",
                       progress=lambda item, what, counts: (seen.append((item, what)), last.update(counts)))
    assert last == {"pending": 0, "planned": 0, "rendering": 0, "done": 4, "failed": 0}  # the counts add up
    assert studio.prepared == BRIEFS and studio.rendered == BRIEFS
    rows = [json.loads(line) for line in report.manifest.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["status"], r["line"]) for r in rows] == [
        ("v0", "done", 1), ("v1", "done", 2), ("v2", "done", 3), ("v3", "done", 4), (None, "invalid", 5)]
    assert rows[4]["error_stage"] == "batch" and "not JSON" in rows[4]["error"]
    for row in rows[:4]:
        assert studio.store.versions(row["draft_id"]) == [1] and row["video"].endswith("v1/video.mp4")
        assert row["seconds"]["plan"] >= 0 and row["score"] == len(BRIEFS[row["line"] - 1][:40])
    assert ("v0", "planned") in seen and ("v3", "rendered") in seen
    with pytest.raises(BatchError, match="already holds batch"):
        run_batch(studio, source, tmp_path / "out")


def test_a_failing_item_is_recorded_with_its_stage_and_the_rest_go_on(settings: Settings, tmp_path: Path) -> None:
    source = _write(tmp_path / "b.jsonl", [{"brief": b, "duration": 20} for b in BRIEFS])
    full = OSError(errno.ENOSPC, "No space left on device")
    studio = _StandIn(settings, failing={BRIEFS[0]: BriefError("the brief is empty", "describe the video"),
                                         f"render:{BRIEFS[2]}": full})  # fmt: skip
    report = run_batch(studio, source, tmp_path / "out")
    by_line = {row.line: row for row in report.rows}
    assert by_line[1].status == "failed" and by_line[1].error_stage == "brief"
    assert by_line[3].status == "failed" and by_line[3].error_stage == "render"
    assert "disk is full" in (by_line[3].error or "")
    assert by_line[2].status == by_line[4].status == "done"
    assert studio.store.versions(by_line[3].draft_id or "") == []  # nothing half-made counts as a version

    del studio.failing[BRIEFS[0]], studio.failing[f"render:{BRIEFS[2]}"]
    from reelcraft.studio.batch import retry_failed

    again = retry_failed(studio, report.batch_id)
    assert [row.status for row in again.rows] == ["done"] * 4
    assert studio.prepared.count(BRIEFS[2]) == 1  # its plan was stored: the retry only renders it
    assert studio.rendered.count(BRIEFS[1]) == 1  # a finished item is never done again


def test_a_cut_off_batch_resumes_without_redoing_or_doubling(settings: Settings, tmp_path: Path) -> None:
    """What a kill leaves: item 1 planned, item 2 rendered but not yet recorded, items 3 and 4 untouched."""
    source = _write(tmp_path / "b.jsonl", [{"brief": b, "duration": 20} for b in BRIEFS])

    class Killed(BaseException):
        pass

    studio = _StandIn(settings, failing={BRIEFS[2]: Killed()})
    with pytest.raises(Killed):
        run_batch(studio, source, tmp_path / "out", overlap=False)
    store = BatchStore(settings.batch_db_url)
    batch_id = json.loads((tmp_path / "out" / "batch.json").read_text())["batch_id"]
    items = store.batch(batch_id).items
    assert [i.status for i in items] == [ItemStatus.DONE, ItemStatus.DONE, ItemStatus.PENDING, ItemStatus.PENDING]
    # pretend the kill came between item 2's draft and its record, and item 1 was only planned
    store.update(batch_id, items[1].item_id, status=ItemStatus.RENDERING, version=None)
    store.update(batch_id, items[0].item_id, status=ItemStatus.PLANNED, version=None)
    for version_dir in (settings.drafts_dir / items[0].draft_id).iterdir():
        (version_dir / "draft.json").unlink()  # item 1's render never finished

    resumed = _StandIn(settings)
    report = run_batch(resumed, source, tmp_path / "out", resume=True)
    assert [row.status for row in report.rows] == ["done"] * 4
    assert resumed.prepared == BRIEFS[2:]  # stored plans are not written again
    assert resumed.rendered == [BRIEFS[0], *BRIEFS[2:]]  # item 2's draft was found, not made again
    for row in report.rows:
        assert resumed.store.versions(row.draft_id or "") == [1], row
    manifest = write_manifest(resumed, store, batch_id)
    assert manifest.count("done") == 4


def test_the_job_store_works_the_same_on_postgres(settings: Settings, tmp_path: Path, postgres_url: str) -> None:
    from sqlalchemy import text

    from reelcraft.review.db import open_engine

    engine = open_engine(postgres_url)
    with engine.begin() as connection:  # a clean schema
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    settings.batch.db_url = postgres_url
    source = _write(tmp_path / "b.jsonl", [{"brief": b, "duration": 20} for b in BRIEFS[:2]])
    studio = _StandIn(settings, failing={f"render:{BRIEFS[1]}": RuntimeError("ffmpeg died")})
    report = run_batch(studio, source, tmp_path / "out")
    assert [(r.status, r.error_stage) for r in report.rows] == [("done", None), ("failed", "render")]
    info = BatchStore(postgres_url).batch(report.batch_id)
    assert [i.attempts for i in info.items] == [2, 2]  # a plan and a render each
    assert BatchStore(postgres_url).attempts(report.batch_id)[-1] == ("line-2", "render", "failed")


def test_a_brief_the_policy_blocks_fails_with_its_reason_and_nothing_is_made(settings: Settings,
                                                                             tmp_path: Path) -> None:
    from reelcraft.models.llm import ScriptedChatModel
    from reelcraft.studio import Studio

    source = _write(tmp_path / "b.jsonl", [
        {"id": "dare", "brief": "30 s TikTok: film your friends doing the blackout challenge, who lasts longest"}])
    studio = Studio(settings, llm=ScriptedChatModel(turns=[]))  # the writer is never asked
    report = run_batch(studio, source, tmp_path / "out")
    [row] = report.rows
    assert (row.status, row.error_stage) == ("failed", "moderation")
    assert "dangerous" in (row.error or "") and "blackout" in (row.error or "")
    assert studio.store.list() == []


def test_the_batch_page_shows_the_same_store(settings: Settings, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    source = _write(tmp_path / "b.jsonl", [{"brief": b, "duration": 20} for b in BRIEFS[:3]] + ["not json"])
    studio = _StandIn(settings, failing={f"render:{BRIEFS[1]}": RuntimeError("ffmpeg died")})
    report = run_batch(studio, source, tmp_path / "out")
    monkeypatch.setenv("REELCRAFT_HOME", str(settings.home))
    st.cache_resource.clear()
    app = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "ui" / "pages" / "batch.py"),
                            default_timeout=60).run()  # fmt: skip
    assert not app.exception, app.exception
    assert report.batch_id in app.selectbox[0].value
    assert {m.label: m.value for m in app.metric} == {"done": "2 / 3", "failed": "1", "waiting": "0", "bad lines": "1"}
    table = app.dataframe[0].value
    assert list(table["status"]) == ["✅ done", "❌ failed", "✅ done", "⚠️ not run"]
    assert "[render] RuntimeError: ffmpeg died" in table["error"][1] and "not JSON" in table["error"][3]


def test_ray_tasks_get_the_settings_whole_and_the_right_labels() -> None:
    from pydantic import SecretStr

    from reelcraft.studio.batch_ray import _studio, render_resources

    settings = Settings(encoder="h264_nvenc")
    settings.llm.api_key = SecretStr("sk-test-123")
    assert render_resources(settings, {"GPU": 2.0, "render": 2.0}) == {
        "resources": {"render": 1}, "num_cpus": 1, "num_gpus": 1}  # a hardware encoder goes to a GPU node
    assert "num_gpus" not in render_resources(settings, {"render": 2.0})
    assert "num_gpus" not in render_resources(Settings(), {"GPU": 2.0})
    worker = _studio(settings.model_dump(mode="python"))  # what a Ray worker rebuilds: the key is not masked
    assert worker.settings.llm.api_key.get_secret_value() == "sk-test-123"
    assert _studio(settings.model_dump(mode="python")) is worker  # one Studio per worker and settings


def test_a_script_the_policy_blocks_fails_at_moderation_and_the_next_goes_on(settings: Settings,
                                                                             tmp_path: Path) -> None:  # fmt: skip
    from reelcraft.errors import ModerationBlocked

    source = _write(tmp_path / "b.jsonl", [{"brief": b, "duration": 20} for b in BRIEFS[:2]])
    blocked = ModerationBlocked("scene 2 narration: a dangerous challenge", "ask for the video without it")
    studio = _StandIn(settings, failing={f"render:{BRIEFS[0]}": blocked})
    report = run_batch(studio, source, tmp_path / "out")
    assert [(r.status, r.error_stage) for r in report.rows] == [("failed", "moderation"), ("done", None)]
    assert "dangerous challenge" in (report.rows[0].error or "")
    assert studio.store.versions(report.rows[0].draft_id or "") == [] and studio.rendered == BRIEFS[:2]
