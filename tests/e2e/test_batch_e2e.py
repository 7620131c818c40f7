"""A real `reelcraft batch` process, SIGKILLed at random moments three times and resumed: every item ends done
exactly once, each draft renders, no item has two drafts, and the cache shows nothing finished was made twice.

The writer is the scripted model (the same plan for every item: the plans are not what this tests, and a killed
process leaves turns unused, so the scripted-turns ledger is off for these processes); the TTS, music, pictures,
moderation and render are real."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from helpers import EN_PLAN, EN_TURNS
from reelcraft.media.probe import probe
from reelcraft.review.batches import BatchStore
from reelcraft.storage.cache import AssetCache
from reelcraft.storage.drafts import DraftStore

pytestmark = pytest.mark.slow

BRIEFS = ["30 s TikTok: a budget morning routine for college students, upbeat",
          "30 s Reel: mornings on a student budget, oats and coffee in the dorm"]  # fmt: skip
"""Briefs the scripted plan fits without a rewrite (two answers each), so every item takes the same turns."""


def _env(home: Path, models_home: Path) -> dict[str, str]:
    turns = home / "turns.json"
    turns.write_text(json.dumps(EN_TURNS * len(BRIEFS)), encoding="utf-8")
    env = {**os.environ, "REELCRAFT_HOME": str(home), "REELCRAFT_MODELS_HOME": str(models_home),
           "REELCRAFT_LLM__PROVIDER": "fake", "REELCRAFT_LLM__FAKE_TURNS": str(turns), "COLUMNS": "200"}  # fmt: skip
    env.pop("REELCRAFT_SCRIPTED_LEDGER", None)
    return env


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "reelcraft.cli", "batch", *args], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def test_a_killed_batch_resumes_to_every_item_done_once(tmp_path: Path, models_home: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    source = tmp_path / "briefs.jsonl"
    source.write_text("".join(json.dumps({"id": f"item{i}", "brief": b, "duration": 30}) + "\n"
                              for i, b in enumerate(BRIEFS)), encoding="utf-8")  # fmt: skip
    env, log = _env(home, models_home), tmp_path / "batch.log"
    chance = random.Random(os.environ.get("PYTEST_SEED", time.time_ns()))
    kills = 0
    first = True
    while kills < 3:
        args = [str(source), "--out", str(out), "--profile", "preview", *([] if first else ["--resume"])]
        process = _start(args, env, log)
        first = False
        time.sleep(chance.uniform(4.0, 18.0))
        if process.poll() is not None:
            break  # it finished before this kill: the resume below has nothing left to do
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        kills += 1
    finished = subprocess.run([sys.executable, "-m", "reelcraft.cli", "batch", str(source), "--out", str(out),
                               "--resume", "--profile", "preview"], env=env, capture_output=True, text=True,
                              timeout=900, check=False)  # fmt: skip
    assert finished.returncode == 0, finished.stdout + finished.stderr + log.read_text(errors="replace")[-3000:]

    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["status"]) for r in rows] == [(f"item{i}", "done") for i in range(len(BRIEFS))]
    drafts = DraftStore(home / "drafts")
    assert len({r["draft_id"] for r in rows}) == len(BRIEFS)
    assert sorted(p.name for p in (home / "drafts").iterdir()) == sorted(r["draft_id"] for r in rows)
    for row in rows:
        assert drafts.versions(row["draft_id"]) == [1], row  # one draft, one version per item
        info = probe(Path(row["video"]))
        assert abs(info.duration - sum(s["duration"] for s in EN_PLAN["scenes"])) <= 0.05 * 30, info
    made = Counter(AssetCache(home / "cache").made())
    assert made and max(made.values()) == 1, [k for k, n in made.items() if n > 1]  # nothing finished made twice
    batch_id = json.loads((out / "batch.json").read_text())["batch_id"]
    attempts = BatchStore(f"sqlite:///{home / 'review' / 'review.db'}").attempts(batch_id)
    done = Counter((item, stage) for item, stage, outcome in attempts if outcome in ("ok", "found"))
    assert all(done[(f"item{i}", stage)] == 1 for i in range(len(BRIEFS)) for stage in ("plan", "render")), done
    print(f"kills: {kills}; attempts: {Counter(outcome for _, _, outcome in attempts)}")
