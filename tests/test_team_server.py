"""The shared server's parts without a server: sign-in tokens, when sign-in is required, the job store (SQLite and
Postgres), chat ownership, upload checks and the JSON logs' redaction. The real server is in tests/ui/test_server.py."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from reelcraft.config import Settings
from reelcraft.errors import Conflict, NotFound, ReviewError, VisualsError
from reelcraft.media.uploads import check_upload
from reelcraft.review.jobs import JobStatus, JobStore
from reelcraft.review.service import Actor, ReviewService
from reelcraft.review.signin import SignIn, cookie_key, sign_in_required

# -- sign-in --------------------------------------------------------------------------------------------


def test_a_token_names_its_user_and_a_forged_or_expired_one_names_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in = SignIn(b"k" * 32, session_hours=12)
    token = sign_in.issue(Actor(7, "ann"))
    assert sign_in.read(token) == Actor(7, "ann")
    assert sign_in.read(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None  # tampered
    assert SignIn(b"other key" * 4, 12).read(token) is None  # another server's key
    assert sign_in.read("") is None and sign_in.read(None) is None and sign_in.read("not.a.token") is None
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 12 * 3600 + 5)  # 12 h and 5 s later
    assert sign_in.read(token) is None


def test_sign_in_is_required_beyond_loopback_unless_turned_off(settings: Settings) -> None:
    assert sign_in_required(settings, "0.0.0.0") and sign_in_required(settings, "192.168.1.20")
    assert not sign_in_required(settings, "127.0.0.1") and not sign_in_required(settings, "::1")
    assert not sign_in_required(settings, "localhost")
    settings.server.sign_in = "on"
    assert sign_in_required(settings, "127.0.0.1")
    settings.server.sign_in = "off"
    assert not sign_in_required(settings, "0.0.0.0")


def test_the_cookie_key_is_made_once_owner_only_and_kept(settings: Settings) -> None:
    first = cookie_key(settings)
    path = settings.home / "secrets" / "cookie.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) >= 48
    assert cookie_key(settings) == first  # a restart keeps everybody signed in


# -- the job store -------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def jobs(request: pytest.FixtureRequest, tmp_path: Path) -> JobStore:
    if request.param == "sqlite":
        return JobStore(f"sqlite:///{tmp_path / 'review.db'}")
    from sqlalchemy import text

    from reelcraft.review.db import open_engine

    url = request.getfixturevalue("postgres_url")
    engine = open_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return JobStore(url)


def test_jobs_queue_in_order_with_a_per_user_limit_and_one_turn_per_chat(jobs: JobStore) -> None:
    a1 = jobs.submit(user="ann", session_id="chat-a", request={"text": "one"})
    a2 = jobs.submit(user="ann", session_id="chat-a", request={"text": "two"})
    b1 = jobs.submit(user="bob", session_id="chat-b", request={"text": "x"})
    assert (a1.position, a2.position, b1.position) == (0, 1, 2)
    with pytest.raises(Conflict, match="limit is 2"):
        jobs.submit(user="ann", session_id="chat-c", request={"text": "three"})
    first = jobs.claim()
    assert first is not None and first.id == a1.id and first.status == JobStatus.RUNNING and first.attempts == 1
    second = jobs.claim()  # ann's second turn waits for her first: one chat, one turn at a time
    assert second is not None and second.id == b1.id
    assert jobs.claim() is None
    jobs.finish(a1.id, {"reply": "done"})
    third = jobs.claim()
    assert third is not None and third.id == a2.id
    assert jobs.get(a1.id).result == {"reply": "done"} and jobs.get(a1.id).finished


def test_cancel_ends_a_queued_job_now_and_a_running_one_at_its_next_stage(jobs: JobStore) -> None:
    running = jobs.submit(user="ann", session_id="chat-a", request={})
    waiting = jobs.submit(user="ann", session_id="chat-b", request={})
    assert jobs.claim() is not None
    with pytest.raises(NotFound):
        jobs.cancel(running.id, "bob")  # only one's own
    assert jobs.cancel(waiting.id, "ann").status == JobStatus.CANCELLED
    assert jobs.progress(running.id, "script", "writing", 1.0) is False
    assert jobs.cancel(running.id, "ann").cancel_requested
    assert jobs.progress(running.id, "render", "40 %", 9.0) is True  # the worker stops here
    assert [s[0] for s in jobs.get(running.id).stages] == ["script", "render"]


def test_a_dead_servers_running_jobs_are_requeued_then_failed_after_three_tries(jobs: JobStore) -> None:
    job = jobs.submit(user="ann", session_id="chat-a", request={})
    for attempt in (1, 2, 3):
        claimed = jobs.claim()
        assert claimed is not None and claimed.attempts == attempt
        requeued, failed = jobs.requeue_interrupted()  # the server died while it ran
        assert (requeued, failed) == (([job.id], []) if attempt < 3 else ([], [job.id]))
    ended = jobs.get(job.id)
    assert ended.status == JobStatus.FAILED and "3 times" in (ended.error or "")


# -- chats belong to a user and a project -----------------------------------------------------------------


def test_another_users_chat_is_not_found_unless_they_share_its_project(settings: Settings) -> None:
    from reelcraft.studio import Studio

    review = ReviewService.from_settings(settings)
    ann, bob, cat = (review.create_user(n, "correct horse battery") for n in ("ann", "bob", "cat"))
    project = review.create_project(ann, "ann's videos")
    review.add_member(ann, project, "cat", "viewer")
    studio = Studio(settings)
    mine = studio.open_chat("chat-of-ann", ann, project)
    assert mine.owner == "ann" and mine.project == project
    assert studio.open_chat("chat-of-ann", ann).owner == "ann"
    assert studio.open_chat("chat-of-ann", cat).owner == "ann"  # a member of the project
    with pytest.raises(NotFound, match="no chat"):
        studio.open_chat("chat-of-ann", bob)
    assert studio.open_chat("chat-of-ann", None).owner == "ann"  # a single-user install sees its own files
    assert studio.open_chat("fresh-id", bob).owner == "bob"


# -- uploads -------------------------------------------------------------------------------------------


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def _clip(tmp_path: Path) -> bytes:
    out = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=64x64:d=1", "-pix_fmt", "yuv420p",
                    str(out)], check=True)  # fmt: skip
    return out.read_bytes()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 50_000_000)  # 50 MB of zeros in about 50 KB
    return buffer.getvalue()


def _png_bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # 400 MP, a few KB on disk
    return buffer.getvalue()


def test_uploads_are_checked_by_their_bytes_not_their_names(tmp_path: Path) -> None:
    photo = check_upload("holiday.png", _jpeg(), max_bytes=2**20)  # a JPEG named .png is stored as what it is
    assert photo.kind == "photo" and photo.name == "holiday.jpg"
    clip = check_upload("../../etc/clip.mp4", _clip(tmp_path), max_bytes=2**20)
    assert clip.kind == "clip" and clip.name == "clip.mp4"
    refusals = {
        "page.mp4": (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"),
        "bomb.zip": (_zip_bomb(), "zip archive"),
        "bomb.png": (_png_bomb(), "more pixels than a photo needs"),
        "big.mp4": (b"\0\0\0\x18ftypmp42" + b"\0" * 3_000_000, "over the 2 MB limit"),
        "broken.mp4": (b"\0\0\0\x18ftypmp42" + os.urandom(4000), "does not open as a video"),
        "empty.jpg": (b"", "empty"),
    }
    for name, (data, reason) in refusals.items():
        with pytest.raises(VisualsError, match=reason) as caught:
            check_upload(name, data, max_bytes=2 * 2**20)
        assert caught.value.stage == "upload" and caught.value.fix


def test_an_upload_goes_to_the_users_project_folder_only(settings: Settings) -> None:
    from reelcraft.studio import Studio

    review = ReviewService.from_settings(settings)
    ann, vic = review.create_user("ann", "correct horse battery"), review.create_user("vic", "correct horse battery")
    project = review.create_project(ann, "ann's videos")
    review.add_member(ann, project, "vic", "viewer")
    studio = Studio(settings)
    studio.open_chat("ann-chat", ann, project)
    path = studio.add_upload("ann-chat", "../../../tmp/photo.jpg", _jpeg(), ann, project)
    assert path.is_relative_to(settings.review_media_dir / project) and path.name == "photo.jpg"
    assert studio.sessions.load("ann-chat").media_dir == str(path.parent)
    with pytest.raises(ReviewError):  # a viewer may look, not add
        studio.add_upload("ann-chat", "more.jpg", _jpeg(), vic, project)
    with pytest.raises(VisualsError):
        studio.add_upload("ann-chat", "page.mp4", b"<html></html>", ann, project)
    assert sorted(p.name for p in path.parent.iterdir()) == ["photo.jpg"]


# -- logs ----------------------------------------------------------------------------------------------


def test_json_logs_carry_the_request_id_and_never_a_secret() -> None:
    from reelcraft.ui.server import JsonLines, request_id

    record = logging.LogRecord("reelcraft.server", logging.INFO, "", 0, "signed in", None, None)
    record.__dict__.update({"user": "ann", "password": "hunter2-secret", "headers": {"Authorization": "Bearer sk-1"},
                            "llm": {"api_key": "sk-live-123", "model": "qwen"}})  # fmt: skip
    token = request_id.set("req-42")
    try:
        line = JsonLines().format(record)
    finally:
        request_id.reset(token)
    entry = json.loads(line)
    assert entry["request_id"] == "req-42" and entry["user"] == "ann" and entry["llm"]["model"] == "qwen"
    assert "hunter2" not in line and "sk-1" not in line and "sk-live" not in line


@pytest.mark.slow
def test_a_running_job_cancelled_by_its_user_stops_at_its_next_stage(tmp_path: Path, models_home: Path) -> None:
    """Through the real queue, with real voice and render (the LLM scripted): cancel lands mid-way, the job ends
    `cancelled`, nothing of a draft is made, and the worker takes the next job."""
    from helpers import EN_BRIEF, EN_TURNS
    from reelcraft.studio import Studio
    from reelcraft.studio.jobs import JobQueue

    hello = {"action": "reply", "scene": 0, "text": "Hello! Send me an idea.", "number": 0, "order": []}
    (tmp_path / "turns.json").write_text(json.dumps([*EN_TURNS, hello]), encoding="utf-8")
    settings = Settings(home=tmp_path / "home", models_home=models_home)
    settings.llm.provider, settings.llm.fake_turns = "fake", tmp_path / "turns.json"
    queue = JobQueue(settings, workers=1)
    job = queue.submit(user="ann", session_id="cancel-me", text=EN_BRIEF)
    queue.start()
    try:
        deadline = time.monotonic() + 300
        while not (stages := [s[0] for s in queue.get(job.id).stages]) or "voiceover" not in stages:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        with pytest.raises(NotFound):
            queue.cancel(job.id, "bob")  # only its owner
        assert queue.cancel(job.id, "ann").cancel_requested
        ended = queue.wait(job.id, timeout_s=120)
        other = queue.submit(user="ann", session_id="after", text="hi")  # the worker is free again
        assert queue.wait(other.id, timeout_s=120).status == JobStatus.DONE
    finally:
        queue.stop()
    assert ended.status == JobStatus.CANCELLED, ended
    assert Studio(settings).drafts() == []
    assert [m.role for m in Studio(settings).sessions.load("cancel-me").messages] == ["user"]
