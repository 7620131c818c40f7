"""`reelcraft gan train` as a user runs it: killed with SIGKILL mid-way, `--resume` continues from the
last checkpoint and loses at most one checkpoint interval."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from reelcraft.models.gan.checkpoint import load_checkpoint

INTERVAL = 20


def _train(out: Path, steps: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "reelcraft.cli", "gan", "train", "--procedural", "60",
                             "--channels", "8", "--batch", "4", "--steps", str(steps), "--checkpoint-every",
                             str(INTERVAL), "--threads", "1", "--out", str(out), *extra],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)  # fmt: skip


def test_training_killed_with_sigkill_resumes_losing_at_most_one_interval(tmp_path: Path) -> None:
    out = tmp_path / "run.pt"
    run = _train(out, 2000)
    assert run.stderr is not None
    seen = 0
    for line in run.stderr:
        if match := re.match(r"step (\d+)/", line):
            seen = int(match.group(1))
        if seen >= 130:  # between the checkpoints at 120 and 140
            break
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL and seen >= 130
    saved = int(load_checkpoint(out)[1]["step"])  # the atomic write left a whole checkpoint
    assert saved % INTERVAL == 0 and saved >= seen - INTERVAL, (saved, seen)

    resumed = _train(out, saved + 40, "--resume")
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    steps = [int(s) for s in re.findall(r"^step (\d+)/", err, re.M)]
    assert steps and steps[0] == saved + 10 and steps[-1] == saved + 40  # it went on from the checkpoint
    assert int(load_checkpoint(out)[1]["step"]) == saved + 40
