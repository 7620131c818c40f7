"""Batches given what goes wrong outside the file: a Ray address nobody listens on (a clear error in seconds, no
hang), and a disk that fills mid-batch (a 32 MiB tmpfs as the data directory): the item fails with a named error,
the others go on, the store stays consistent, and once there is room `retry --failed` finishes them.

The writer is the scripted model; the TTS, music, pictures and render are real."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import EN_TURNS
from reelcraft.media.probe import probe
from reelcraft.review.batches import BatchStore, ItemStatus
from reelcraft.storage.drafts import DraftStore

pytestmark = pytest.mark.slow

BRIEF = "30 s TikTok: a budget morning routine for college students, upbeat"
MOODS = ["upbeat_pop", "calm_lofi"]
"""One plan, two moods: each item needs its own music and render (~12 MB), so the second one fills the disk."""


def _cli(args: list[str], env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reelcraft.cli", "batch", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)  # fmt: skip


def _env(home: Path, models_home: Path, store: Path, items: int) -> dict[str, str]:
    turns = store.parent / "turns.json"
    turns.write_text(json.dumps(EN_TURNS * items), encoding="utf-8")
    env = {**os.environ, "REELCRAFT_HOME": str(home), "REELCRAFT_MODELS_HOME": str(models_home),
           "REELCRAFT_LLM__PROVIDER": "fake", "REELCRAFT_LLM__FAKE_TURNS": str(turns),
           "REELCRAFT_BATCH__DB_URL": f"sqlite:///{store}", "COLUMNS": "200"}  # fmt: skip
    env.pop("REELCRAFT_SCRIPTED_LEDGER", None)  # the disk-full run leaves turns unused on purpose
    return env


def test_a_ray_address_nobody_listens_on_is_a_clear_error_in_seconds(tmp_path: Path, models_home: Path) -> None:
    source = tmp_path / "b.jsonl"
    source.write_text(json.dumps({"brief": BRIEF}) + "\n", encoding="utf-8")
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]  # closed again: nobody listens there
    started = time.monotonic()
    result = _cli([str(source), "--out", str(tmp_path / "out"), "--ray", f"127.0.0.1:{port}"],
                  _env(tmp_path / "home", models_home, tmp_path / "store.db", 1), timeout=60)  # fmt: skip
    assert time.monotonic() - started < 30
    assert result.returncode != 0
    assert f"no Ray cluster answers at 127.0.0.1:{port}" in result.stderr and "fix:" in result.stderr


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MiB tmpfs (CI runs as root, like the sessions): room for one item's cache, not for two."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_disk_that_fills_fails_its_item_by_name_and_the_rest_go_on(small_disk: Path, tmp_path: Path,
                                                                     models_home: Path) -> None:  # fmt: skip
    home, store_path = small_disk / "home", tmp_path / "store.db"
    source = tmp_path / "b.jsonl"
    source.write_text("".join(json.dumps({"id": mood, "brief": BRIEF, "mood": mood, "profile": "preview"}) + "\n"
                              for mood in MOODS), encoding="utf-8")  # fmt: skip
    env = _env(home, models_home, store_path, len(MOODS))
    out = tmp_path / "out"
    first = _cli([str(source), "--out", str(out)], env)
    assert first.returncode == 1, first.stdout + first.stderr  # some items failed; the batch itself ran to the end
    rows = {r["id"]: r for r in map(json.loads, (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines())}
    assert rows[MOODS[0]]["status"] == "done", rows
    failed = [r for r in rows.values() if r["status"] == "failed"]
    assert failed, rows
    for row in failed:
        assert row["error_stage"] and ("disk is full" in row["error"] or "No space left" in row["error"]), row
        assert "free" in row["error"]  # the fix
    # consistent: a done item's draft is whole and plays; a failed one has no version at all
    drafts = DraftStore(home / "drafts")
    batch_id = json.loads((out / "batch.json").read_text())["batch_id"]
    for item in BatchStore(f"sqlite:///{store_path}").batch(batch_id).items:
        if item.status == ItemStatus.DONE:
            assert drafts.versions(item.draft_id) == [item.version]
            assert probe(drafts.version_dir(item.draft_id, item.version or 1) / "video.mp4").duration > 20
        else:
            assert item.status == ItemStatus.FAILED and drafts.versions(item.draft_id) == []

    subprocess.run(["mount", "-o", "remount,size=256m", str(small_disk)], check=True)  # room again
    again = _cli(["retry", batch_id, "--failed"], env)
    assert again.returncode == 0, again.stdout + again.stderr
    items = BatchStore(f"sqlite:///{store_path}").batch(batch_id).items
    assert [i.status for i in items] == [ItemStatus.DONE] * len(MOODS)
    assert all(drafts.versions(i.draft_id) == [1] for i in items)
