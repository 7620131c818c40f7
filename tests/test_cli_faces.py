"""The CLI is a thin face over `Studio`: one mood vocabulary for music and the GAN, doctor rows from the
API, the chat page found without importing the UI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelcraft.cli import app
from reelcraft.config import Settings
from reelcraft.media.probe import probe
from reelcraft.models.gan.data import MOOD_PALETTES, gan_mood, mood_palette
from reelcraft.models.gan.network import MOOD_CLASSES
from reelcraft.models.music import PROFILES
from reelcraft.studio.doctor import Check

CLI = [sys.executable, "-m", "reelcraft.cli"]


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REELCRAFT_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=300)


def test_music_moods_and_gan_moods_are_one_vocabulary() -> None:
    assert set(PROFILES) == set(MOOD_CLASSES) == set(MOOD_PALETTES)
    for words, mood in (("calm", "calm_lofi"), ("calm lo-fi", "calm_lofi"), ("中国风", "chinese"), ("epic", "epic"),
                        ("chinese", "chinese"), ("upbeat_pop", "upbeat_pop")):  # fmt: skip
        assert gan_mood(words) == (mood, True), words
    assert gan_mood("xyzzy")[1] is False
    assert mood_palette("epic", 3).shape == (3, 3) and float(mood_palette("epic").max()) <= 1.0


def test_gan_sample_reads_moods_like_the_music_does(tmp_path: Path) -> None:
    out = tmp_path / "calm.mp4"
    done = _run("gan", "sample", "--mood", "calm", "--seconds", "0.5", "--size", "108x192", "-o", str(out),
                home=tmp_path / "home")  # fmt: skip
    assert done.returncode == 0, done.stderr
    info = probe(out)
    assert (info.width, info.height) == (108, 192)
    bad = _run("gan", "sample", "--mood", "purple monkey dishwasher", "--seconds", "0.5", "--size", "108x192",
               "-o", str(tmp_path / "x.mp4"), home=tmp_path / "home")  # fmt: skip
    assert bad.returncode == 2, bad.stderr
    assert "gan failed" in bad.stderr and "unknown mood" in bad.stderr and "calm_lofi" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "x.mp4").exists()


def test_doctor_prints_the_apis_rows_and_fails_when_one_is_missing(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    import reelcraft.studio.doctor as doctor

    monkeypatch.setenv("REELCRAFT_HOME", str(tmp_path))
    rows = [Check("ffmpeg", True, "/usr/bin/ffmpeg"), Check("voice zh", False, "install the zh voice")]
    monkeypatch.setattr(doctor, "run_checks", lambda settings, status: rows)
    done = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert done.exit_code == 1, done.output
    assert "ffmpeg" in done.output and "install the zh voice" in done.output and "missing" in done.output
    monkeypatch.setattr(doctor, "run_checks", lambda settings, status: rows[:1])
    assert CliRunner().invoke(app, ["doctor"]).exit_code == 0


def test_ui_execs_the_server_without_importing_the_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """`reelcraft ui` becomes the server (exec), so a SIGTERM sent to it reaches the server itself."""
    calls: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda path, command: calls.append([path, *command]))
    was_imported = "reelcraft.ui" in sys.modules
    done = CliRunner().invoke(app, ["ui", "--port", "8999", "--host", "0.0.0.0"])
    assert done.exit_code == 0, done.output
    path, *command = calls[0]
    assert path == sys.executable and command[1:] == ["-m", "reelcraft.ui.server", "--host", "0.0.0.0",
                                                      "--port", "8999"]  # fmt: skip
    assert ("reelcraft.ui" in sys.modules) == was_imported


def test_progress_rows_keep_their_stage_names_beside_a_long_outline() -> None:
    import io

    from rich.console import Console

    from reelcraft.cli.output import StageProgress

    out = io.StringIO()
    with StageProgress(Console(file=out, width=80)) as progress:
        progress("script", "step 1/2: the outline")
        progress("outline", "outline — Day in the life · hook: “Your budget mornings cost too much.” | 1. " + "x" * 200)
        progress("script", "step 2/2: the scenes")
        for stage in ("voiceover", "captions", "render"):
            progress(stage, f"{stage} working")
    text = out.getvalue()
    for stage in ("script", "outline", "voiceover", "captions", "render"):
        assert stage in text
    assert text.count("script ") == 1  # a stage seen again reuses its row


def test_the_chat_page_warms_the_first_drafts_parts_while_the_user_types(settings: Settings) -> None:
    """`Studio.warm_up` loads the model, the critic's embedder and the trends store in a thread; the turn that
    comes while it runs waits on the same lock and gets the same parts, never a second copy."""
    from reelcraft.models.llm import ScriptedChatModel
    from reelcraft.studio import Studio

    studio = Studio(settings, llm=ScriptedChatModel(turns=[]))
    thread = studio.warm_up()
    embedder = studio.deps.embedder()  # asked for while the warm-up may still hold it
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert studio.deps.embedding is embedder and studio.deps.trends is not None
    assert studio.deps.trend_store() is studio.deps.trends
