"""Batch throughput (a script, not a test): the same 6 briefs (3 English, 3 Chinese, 20 s each), made twice in
one run with the embedded LLM and final renders:

1. sequential: a loop over `Studio.create`, one brief after another (what a shell loop over `make` does);
2. batch: `Studio.batch` on a JSONL of the same briefs (the writer plans item k+1 while item k renders).

Each mode has its own fresh data directory (its own cache: nothing the first made is reused by the second) and
shares only the installed model files. Peak RSS is the whole process tree (the TTS worker and ffmpeg included),
sampled every 0.2 s.

Last line: {"sequential_s", "batch_s", "speedup", "peak_rss_gib"}; targets speedup ≥ 1.5 at ≤ 6 GiB.

    python tests/bench/batch.py [--briefs 6]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from reelcraft.config import Settings

BRIEFS = [
    ("20 s TikTok: three cheap lunches a student can make in ten minutes", "en"),
    ("20秒抖音：宿舍里十分钟做好的省钱晚餐", "zh"),
    ("20 s Reel: a five-minute desk stretch for long study days", "en"),
    ("20秒抖音：考试周的高效复习小技巧", "zh"),
    ("20 s Short: how to keep a tiny balcony garden alive", "en"),
    ("20秒视频：周末在城市里免费好玩的三个地方", "zh"),
]


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process under it (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            statm = (entry / "statm").read_text().split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(stat[1]), []).append(pid)
        rss[pid] = int(statm[1]) * page
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


class PeakRss:
    """The peak resident memory of a process tree (this process by default), sampled every 0.2 s."""

    def __init__(self, root: int | None = None) -> None:
        self.root = root or os.getpid()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, _tree_rss(self.root))

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _studio(work: Path, name: str):  # noqa: ANN202
    from reelcraft.studio import Studio

    return Studio(Settings(home=work / name, models_home=Settings().models_dir))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--briefs", type=int, default=len(BRIEFS))
    briefs = BRIEFS[: parser.parse_args().briefs]
    work = Path(tempfile.mkdtemp(prefix="reelcraft-batch-bench-"))
    print(f"work folder: {work}", flush=True)

    with PeakRss() as sequential_rss:
        studio = _studio(work, "sequential")
        started = time.perf_counter()
        for brief, language in briefs:
            began = time.perf_counter()
            draft = studio.create(brief, duration=20, language=language)
            print(f"  sequential {draft.id}: {time.perf_counter() - began:.1f} s  {brief}", flush=True)
        sequential_s = time.perf_counter() - started
    del studio

    source = work / "briefs.jsonl"
    source.write_text("".join(json.dumps({"id": f"b{i}", "brief": b, "language": lang, "duration": 20},
                                         ensure_ascii=False) + "\n" for i, (b, lang) in enumerate(briefs)),
                      encoding="utf-8")  # fmt: skip
    with PeakRss() as batch_rss:
        studio = _studio(work, "batch")
        started = time.perf_counter()
        report = studio.batch(source, work / "batch-out",
                              progress=lambda item, what, counts: print(f"  batch {item}: {what}", flush=True))
        batch_s = time.perf_counter() - started
    failed = [row for row in report.rows if row.status != "done"]
    if failed:
        print(f"FAILED items: {failed}", file=sys.stderr)

    print("\n| mode | seconds | per video | peak RSS GiB |\n|---|---|---|---|")
    for name, seconds, rss in (("sequential", sequential_s, sequential_rss.peak), ("batch", batch_s, batch_rss.peak)):
        print(f"| {name} | {seconds:.1f} | {seconds / len(briefs):.1f} | {rss / 2**30:.2f} |")
    stages: dict[str, float] = {}
    for row in report.rows:
        for stage, seconds in row.seconds.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    print("\nbatch, seconds per video by stage: "
          + ", ".join(f"{k} {v / len(briefs):.1f}" for k, v in sorted(stages.items(), key=lambda kv: -kv[1])))
    print(json.dumps({"sequential_s": round(sequential_s, 1), "batch_s": round(batch_s, 1),
                      "speedup": round(sequential_s / batch_s, 2),
                      "peak_rss_gib": round(max(sequential_rss.peak, batch_rss.peak) / 2**30, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()
