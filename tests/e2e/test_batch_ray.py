"""A batch on a real local Ray cluster: `ray start --head` plus a second `ray start --address` node with its own
resources, two processes standing in for two machines on 127.0.0.1. A batch of 4 items runs through it; the
second node is SIGKILLed while it renders; the batch still completes with every item done once. The cluster is
stopped at the end, even when the test fails.

The writer is the scripted model (4 items, the same plan); the TTS, music, pictures, moderation and render in
the Ray workers are real."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import EN_PLAN, EN_TURNS
from reelcraft.media.probe import probe
from reelcraft.review.batches import BatchStore
from reelcraft.storage.drafts import DraftStore

pytestmark = pytest.mark.slow

BRIEFS = ["30 s TikTok: a budget morning routine for college students, upbeat",
          "30 s TikTok: a budget morning routine for students in a dorm",
          "30 s Reel: mornings on a student budget, oats and coffee in the dorm",
          "30 s Short: a budget morning routine for students, upbeat"]  # fmt: skip
RAY = str(Path(sys.executable).with_name("ray"))


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.2", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _node(ip: str, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`ray start … --block` in its own process group: killing the group kills that node and its workers.

    Each node has its own loopback address (127.0.0.2, 127.0.0.3): Ray swaps 127.0.0.1 itself for the machine's
    network address, and the test must stay on loopback."""
    return subprocess.Popen([RAY, "start", "--block", "--disable-usage-stats", "--node-ip-address", ip, *args],
                            env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for_nodes(address: str, count: int, env: dict[str, str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = subprocess.run([RAY, "status", "--address", address], env=env, capture_output=True, text=True,
                                timeout=60, check=False)  # fmt: skip
        if status.stdout.count(" node_") >= count:
            return
        time.sleep(1)
    raise AssertionError(f"the cluster never had {count} nodes:\n{status.stdout}{status.stderr}")


@pytest.fixture
def cluster(tmp_path: Path, models_home: Path) -> Iterator[dict]:
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "REELCRAFT_HOME": str(home),
           "REELCRAFT_MODELS_HOME": str(models_home),
           # notice a dead node in seconds, not the default half minute
           "RAY_health_check_period_ms": "1000", "RAY_health_check_failure_threshold": "3",
           "RAY_health_check_initial_delay_ms": "1000"}  # fmt: skip
    env.pop("REELCRAFT_SCRIPTED_LEDGER", None)
    gcs, client, *rest = _free_ports(12)
    address = f"127.0.0.2:{gcs}"
    head = second = None
    try:
        head = _node("127.0.0.2", [
            "--head", "--port", str(gcs), "--ray-client-server-port", str(client), "--num-cpus", "2",
            "--resources", json.dumps({"llm": 1, "render": 1}), "--include-dashboard", "false",
            "--node-manager-port", str(rest[0]), "--object-manager-port", str(rest[1]),
            "--min-worker-port", "21000", "--max-worker-port", "21099"], env, tmp_path / "head.log")
        _wait_for_nodes(address, 1, env)
        second = _node("127.0.0.3", [
            "--address", address, "--num-cpus", "1", "--resources", json.dumps({"render": 1}),
            "--node-manager-port", str(rest[2]), "--object-manager-port", str(rest[3]),
            "--dashboard-agent-listen-port", str(rest[4]), "--dashboard-agent-grpc-port", str(rest[5]),
            "--metrics-export-port", str(rest[6]), "--runtime-env-agent-port", str(rest[7]),
            "--min-worker-port", "21100", "--max-worker-port", "21199"], env, tmp_path / "second.log")
        _wait_for_nodes(address, 2, env)
        yield {"address": address, "env": env, "home": home, "second": second}
    finally:
        for node in (second, head):
            if node is not None and node.poll() is None:
                os.killpg(node.pid, signal.SIGTERM)
        subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True, timeout=120, check=False)
        for node in (second, head):
            if node is not None and node.poll() is None:
                os.killpg(node.pid, signal.SIGKILL)


def _open_renders(home: Path, batch_file: Path) -> int:
    if not batch_file.is_file():
        return 0
    batch_id = json.loads(batch_file.read_text())["batch_id"]
    attempts = BatchStore(f"sqlite:///{home / 'review' / 'review.db'}").attempts(batch_id)
    return sum(stage == "render" and outcome is None for _, stage, outcome in attempts)


def test_a_batch_on_two_ray_nodes_survives_losing_one(cluster: dict, tmp_path: Path) -> None:
    home, env = cluster["home"], dict(cluster["env"])
    turns = home / "turns.json"
    turns.write_text(json.dumps(EN_TURNS * len(BRIEFS)), encoding="utf-8")
    env.update({"REELCRAFT_LLM__PROVIDER": "fake", "REELCRAFT_LLM__FAKE_TURNS": str(turns), "COLUMNS": "200"})
    source, out = tmp_path / "briefs.jsonl", tmp_path / "out"
    source.write_text("".join(json.dumps({"id": f"item{i}", "brief": b, "duration": 30}) + "\n"
                              for i, b in enumerate(BRIEFS)), encoding="utf-8")  # fmt: skip
    log = tmp_path / "batch.log"
    batch = subprocess.Popen([sys.executable, "-m", "reelcraft.cli", "batch", str(source), "--out", str(out),
                              "--ray", cluster["address"], "--profile", "preview"], env=env, stdout=log.open("ab"),
                             stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while _open_renders(home, out / "batch.json") < 2:  # both nodes render: the second has one of them
            assert batch.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the two nodes never rendered at once"
            time.sleep(0.5)
        time.sleep(3)  # into the render
        os.killpg(cluster["second"].pid, signal.SIGKILL)
        batch.wait(timeout=900)
    finally:
        if batch.poll() is None:
            os.killpg(batch.pid, signal.SIGKILL)
    output = log.read_text(errors="replace")
    assert batch.returncode == 0, output[-4000:]

    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["status"]) for r in rows] == [(f"item{i}", "done") for i in range(len(BRIEFS))]
    drafts = DraftStore(home / "drafts")
    for row in rows:
        assert drafts.versions(row["draft_id"]) == [1], row
        assert abs(probe(Path(row["video"])).duration - sum(s["duration"] for s in EN_PLAN["scenes"])) <= 1.5
    batch_id = json.loads((out / "batch.json").read_text())["batch_id"]
    attempts = BatchStore(f"sqlite:///{home / 'review' / 'review.db'}").attempts(batch_id)
    done = Counter((item, stage) for item, stage, outcome in attempts if outcome in ("ok", "found"))
    assert all(done[(f"item{i}", stage)] == 1 for i in range(len(BRIEFS)) for stage in ("plan", "render")), done
    assert "rendered on" in output
    assert "will be retried" in output and "is dead" in output  # the kill caught a render, which Ray ran again
    assert set(re.findall(r"Node IP: ([0-9.]+)", output)) <= {"127.0.0.2", "127.0.0.3"}  # all on loopback
