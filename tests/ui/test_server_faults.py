"""Faults inside a running team server (`reelcraft ui`), each on a real job with real voice and rendering (the LLM
is scripted): a TTS worker killed mid-job, ffmpeg killed mid-render once and twice, and the data disk filling up.
The server restarted after a crash is in test_server.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_server import descendants, launch_chromium, start_ui, stop_ui

from helpers import EN_BRIEF, EN_TURNS
from reelcraft.config import Settings
from reelcraft.review.jobs import JobInfo, JobStatus, JobStore

pytestmark = pytest.mark.slow


def pick(action: str, text: str = "") -> dict:
    return {"action": action, "scene": 0, "text": text, "number": 0, "order": []}


def _env(home: Path, turns: list[dict], work: Path, models_home: Path) -> dict[str, str]:
    (work / "turns.json").write_text(json.dumps(turns), encoding="utf-8")
    return {**os.environ, "REELCRAFT_HOME": str(home), "REELCRAFT_MODELS_HOME": str(models_home),
            "REELCRAFT_LLM__PROVIDER": "fake", "REELCRAFT_LLM__FAKE_TURNS": str(work / "turns.json")}  # fmt: skip


def _kill_when(server_pid: int, needle: bytes, *, skip: set[int], timeout_s: float = 300) -> int:
    """SIGKILL the first process under the server whose command line holds `needle` (and is not in `skip`)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for pid in descendants(server_pid):
            if pid in skip:
                continue
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if needle in command and b"setpriv" not in command.split(b"\0")[0]:
                os.kill(pid, signal.SIGKILL)
                return pid
        time.sleep(0.02)
    raise AssertionError(f"no {needle!r} process started")


def _wait(store: JobStore, job_id: str, timeout_s: float = 600) -> JobInfo:
    deadline = time.monotonic() + timeout_s
    while not (job := store.get(job_id)).finished:
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    return job


@pytest.fixture()
def server(tmp_path: Path, models_home: Path) -> Iterator[tuple[subprocess.Popen[bytes], JobStore, Settings, str]]:
    settings = Settings(home=tmp_path / "home", models_home=models_home)
    process, url = start_ui(_env(settings.home, EN_TURNS, tmp_path, models_home), tmp_path / "server.log")
    yield process, JobStore(settings.review_db_url), settings, url
    assert stop_ui(process) < 10


def test_a_killed_tts_worker_is_started_again_and_the_job_finishes(server: tuple, tmp_path: Path) -> None:
    process, store, settings, _ = server
    job = store.submit(user="local", session_id="tts-chat", request={"text": EN_BRIEF})
    _kill_when(process.pid, b"piper_worker", skip=set())
    done = _wait(store, job.id)
    assert done.status == JobStatus.DONE and done.result and done.result["version"] == 1, done
    log = (tmp_path / "server.log").read_text() + (settings.home / "logs" / "server.jsonl").read_text()
    assert "worker was killed by signal 9; starting a new one" in log


def test_ffmpeg_killed_once_mid_render_is_run_again_and_the_job_finishes(server: tuple) -> None:
    process, store, settings, _ = server
    job = store.submit(user="local", session_id="ffmpeg-once", request={"text": EN_BRIEF})
    _kill_when(process.pid, b"segment-", skip=set())
    done = _wait(store, job.id)
    assert done.status == JobStatus.DONE and done.result and done.result["version"] == 1, done
    assert any("rendering that part again" in message for _, message, _ in done.stages)


def test_ffmpeg_killed_twice_fails_the_job_by_stage_and_leaves_no_half_made_version(
        tmp_path: Path, models_home: Path) -> None:  # fmt: skip
    from playwright.sync_api import expect, sync_playwright

    from reelcraft.studio import Studio

    settings = Settings(home=tmp_path / "home", models_home=models_home)
    process, url = start_ui(_env(settings.home, EN_TURNS, tmp_path, models_home), tmp_path / "server.log")
    try:
        store = JobStore(settings.review_db_url)
        job = store.submit(user="local", session_id="ffmpeg-twice", request={"text": EN_BRIEF})
        first = _kill_when(process.pid, b"segment-", skip=set())
        _kill_when(process.pid, b"segment-", skip={first})
        failed = _wait(store, job.id)
        with sync_playwright() as playwright:  # what the user sees on the page after a reload
            browser = launch_chromium(playwright)
            page = browser.new_page()
            page.goto(f"{url}/?session=ffmpeg-twice")
            expect(page.get_by_text("ffmpeg was stopped by signal 9").first).to_be_visible(timeout=60_000)
            browser.close()
    finally:
        assert stop_ui(process) < 10
    assert failed.status == JobStatus.FAILED and failed.error_stage == "render", failed
    assert "ffmpeg was stopped by signal 9" in (failed.error or "")
    assert Studio(settings).drafts() == []  # no draft, no half-written version
    assert not list(settings.drafts_dir.glob("*/v*"))
    assert not list((settings.cache_dir / "render").rglob("video.mp4"))


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 96 MiB tmpfs as the data directory (CI runs as root): room for a draft, then filled on purpose."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_the_edit_by_name_and_the_earlier_version_stays_whole(small_disk: Path, tmp_path: Path,
                                                                                models_home: Path) -> None:  # fmt: skip
    from reelcraft.media.probe import probe
    from reelcraft.studio import Studio

    settings = Settings(home=small_disk / "home", models_home=models_home)
    turns = [*EN_TURNS, pick("change_music", "calmer"), pick("change_music", "calmer")]
    process, _ = start_ui(_env(settings.home, turns, tmp_path, models_home), tmp_path / "server.log")
    try:
        store = JobStore(settings.review_db_url)
        first = _wait(store, store.submit(user="local", session_id="disk", request={"text": EN_BRIEF}).id)
        assert first.status == JobStatus.DONE, first
        draft = Studio(settings).store.load(first.result["draft_id"])
        before = {p: p.read_bytes() for p in draft.outputs.model_dump().values() if isinstance(p, str | Path)
                  and Path(p).is_file()}  # fmt: skip
        filler = small_disk / "filler.bin"
        free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
        with filler.open("wb") as handle:  # leave 1 MiB: the edit's music and render cannot fit
            handle.truncate(0)
            handle.write(b"\0" * max(0, free - 2**20))
        full = _wait(store, store.submit(user="local", session_id="disk", request={"text": "calmer music"}).id)
        assert full.status == JobStatus.FAILED and "disk is full" in (full.error or ""), full
        assert full.error_stage and full.error_stage != "server"
        for path, data in before.items():  # v1 as it was, byte for byte
            assert Path(path).read_bytes() == data
        assert probe(Path(draft.outputs.video)).duration > 20
        assert Studio(settings).store.load(draft.id).version == 1
        filler.unlink()  # space again: the same edit works
        again = _wait(store, store.submit(user="local", session_id="disk", request={"text": "calmer music"}).id)
        assert again.status == JobStatus.DONE and again.result["version"] == 2, again
    finally:
        assert stop_ui(process) < 10
