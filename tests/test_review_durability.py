"""kill -9 during version saves and exports, at random moments: the store stays consistent (every version
has all its files, the head is the newest version, nothing half-written is referenced), the work goes on,
and an export can be re-run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import opentimelineio as otio
import pytest

from reelcraft.edit.timeline import Timeline, VisualClip
from reelcraft.review.export import BUNDLE_FILES, export_version
from reelcraft.review.service import ReviewService
from reelcraft.review.tables import Role

WORKER = Path(__file__).parent / "review_worker.py"
PASSWORD = "correct horse battery"
KILLS = 6


@pytest.fixture
def store(tmp_path: Path) -> tuple[ReviewService, str]:
    url = f"sqlite:///{tmp_path / 'review.db'}"
    review = ReviewService.open(url, tmp_path / "media")
    owner = review.create_user("olivia", PASSWORD)
    review.create_user("eddie", PASSWORD)
    project = review.create_project(owner, "durability")
    review.add_member(owner, project, "eddie", Role.EDITOR)
    clips = [VisualClip(kind="image", source=Path("bg.jpg"), start=10.0 * i, duration=10.0, scene_index=i)
             for i in range(3)]  # fmt: skip
    timeline = Timeline(width=540, height=960, fps=30, duration=30.0, visuals=clips)
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "timeline.json").write_text(timeline.model_dump_json(), encoding="utf-8")
    return review, url


def _run_and_kill(mode: str, url: str, tmp_path: Path, seed: int) -> str:
    command = [sys.executable, str(WORKER), mode, url, str(tmp_path / "media"), str(tmp_path / "work")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(random.Random(seed).uniform(1.5, 4.0))  # start-up takes ~1.5 s; then mid-operation somewhere
    os.kill(process.pid, signal.SIGKILL)
    out, err = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, err[-2000:]
    return out


def test_kill_9_during_version_saves_leaves_a_consistent_store(store: tuple[ReviewService, str],
                                                               tmp_path: Path) -> None:  # fmt: skip
    review, url = store
    editor = review.login("eddie", PASSWORD)
    saved = checked = 0
    for seed in range(KILLS):
        saved += _run_and_kill("save", url, tmp_path, seed).count("saved")
        versions = review.versions(editor, "durable") if review.drafts(editor) else []
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))
        assert len(versions) >= saved  # a save may commit just before the kill, after its last print
        for version in versions[checked:]:  # every committed version has every file, whole
            for name in ("video.mp4", "captions.srt", "captions.vtt", "thumbnail.jpg", "plan.json"):
                data = version.file(name).read_bytes()
                assert data.startswith(f"{name} ".encode()) and len(set(data.split(b" ")[1:2])) == 1
            assert version.plan.title.startswith("take ")
        assert review.drafts(editor)[0].head == len(versions) if versions else True
        checked = len(versions)
    assert saved >= 2, "the kills all landed before any save finished: the test proves little"
    again = review.save_version(editor, review.projects(editor)[0][0], _fresh_draft(tmp_path), based_on=len(versions))
    assert again.number == len(versions) + 1  # the store goes on after the crashes


def test_kill_9_during_exports_leaves_no_half_bundle_and_the_export_reruns(store: tuple[ReviewService, str],
                                                                          tmp_path: Path) -> None:  # fmt: skip
    review, url = store
    owner, editor = review.login("olivia", PASSWORD), review.login("eddie", PASSWORD)
    review.save_version(editor, review.projects(editor)[0][0], _fresh_draft(tmp_path), based_on=None)
    review.submit(editor, "durable", 1)
    review.approve(owner, "durable", 1)
    out = tmp_path / "work" / "out"
    for seed in range(KILLS):
        _run_and_kill("export", url, tmp_path, 100 + seed)
        bundles = [p for p in out.iterdir() if not p.name.startswith(".")] if out.exists() else []
        for bundle in bundles:  # whatever is visible is whole
            assert sorted(p.name for p in bundle.iterdir()) == sorted(BUNDLE_FILES)
            assert len(list(otio.adapters.read_from_file(str(bundle / "timeline.otio")).find_clips())) == 4
    folder = export_version(review, editor, "durable", 1, out)
    assert sorted(p.name for p in out.iterdir()) == [folder.name]  # leftovers of killed exports cleared
    assert sorted(p.name for p in folder.iterdir()) == sorted(BUNDLE_FILES)


def _fresh_draft(tmp_path: Path):  # noqa: ANN202 - the worker's helper
    sys.path.insert(0, str(WORKER.parent))
    from review_worker import big_draft

    return big_draft(tmp_path / "fresh", 0, tmp_path / "work" / "timeline.json")
