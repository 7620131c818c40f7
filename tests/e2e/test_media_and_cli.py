"""A media folder with broken files still renders; bad input fails fast with a stage-named error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import plan_turns
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.media.probe import probe
from reelcraft.models.llm import ScriptedChatModel

SHORT_PLAN = {
    "title": "Dorm Coffee",
    "hook": "Stop buying coffee.",
    "scenes": [
        {"voiceover": "Stop buying coffee. My dorm hack: an alarm clock set early.",
         "on_screen_text": "Alarm clock, 10 minutes early", "visual": "Alarm clock, 10 minutes early", "duration": 3},
        {"voiceover": "A coffee mug at home costs ten cents.", "on_screen_text": "Coffee mug for 10 cents",
         "visual": "Coffee mug for 10 cents", "duration": 3},
        {"voiceover": "Save the rest and thank me later.", "on_screen_text": "Save $5 a day",
         "visual": "Save $5 a day", "duration": 4},
    ],
    "call_to_action": "Follow for more.",
    "music_mood": "calm",
    "hashtags": ["#coffee", "#budget", "#college"],
}


def _make_media(folder: Path) -> None:
    folder.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (900, 1200, 3), dtype=np.uint8)).save(folder / "coffee_mug.jpg")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg" * 10)
    (folder / "empty.mp4").write_bytes(b"")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=2",
                    str(folder / "alarm_clock.mp4")], check=True)  # fmt: skip


def test_broken_media_is_skipped_with_a_warning_and_the_video_renders(tmp_path: Path, models_home: Path) -> None:
    media = tmp_path / "media"
    _make_media(media)
    studio = Studio(Settings(home=tmp_path / "home", models_home=models_home),
                    llm=ScriptedChatModel(turns=plan_turns(SHORT_PLAN)))
    draft = studio.create("10 s reel: dorm coffee hack", duration=10, language="en", media_dir=media)
    assert draft.outputs is not None
    info = probe(draft.outputs.video)
    assert abs(info.duration - 10) <= 0.5 and info.has_audio
    notes = " ".join(draft.notes)
    assert "broken.jpg" in notes and "empty.mp4" in notes
    visual_paths = [str(a.path) for a in draft.assets if a.kind == "visual"]
    assert any(p.endswith("alarm_clock.mp4") for p in visual_paths)  # matched to the alarm clock scene
    assert len(visual_paths) == 3


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REELCRAFT_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "reelcraft.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["make", ""], "the brief is empty"),
        (["make", "x" * 20_000], "20,000 characters"),
        (["make", "a video about cats", "--duration", "0"], "duration 0 s"),
        (["make", "a video about cats", "--duration", "3600"], "duration 3600 s"),
        (["make", "a video about cats", "--platform", "myspace"], "unknown platform"),
        (["make", "a video about cats", "--language", "fr"], "unsupported language"),
        (["make", "a video about cats", "--media", "/nonexistent/folder"], "does not exist"),
    ],
)
def test_cli_bad_input_exits_nonzero_naming_the_stage(args: list[str], expected: str, tmp_path: Path) -> None:
    proc = _cli(*args, home=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr and "failed:" in proc.stderr and "fix:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.rglob("*.mp4"))
