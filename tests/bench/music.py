"""Music generation benchmark (a script, not a test): 60 s of music per mood, composed and rendered.

Each mood runs in a fresh cache so nothing is reused; the first mood also pays the soundfont's cold
load. Prints a table (compose+render seconds, real-time factor, librosa's tempo check) and, last, one
JSON object {"seconds_per_60s", "median_seconds_per_60s", "moods"} where seconds_per_60s is the
slowest mood.

    python tests/bench/music.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from reelcraft.config import Settings
from reelcraft.models.music import PROFILES, MoodSpec, TrackRequest, generate_track
from reelcraft.tools.deps import Deps
from reelcraft.tools.music import analyze_music


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reelcraft-music-bench-"))
    deps = Deps.from_settings(Settings(home=work / "home"))
    rows = []
    print(f"{'mood':<16}{'tempo':>7}{'seconds':>9}{'RTF':>7}{'heard BPM':>11}")
    for name, profile in PROFILES.items():
        spec = MoodSpec(profile=name, energy=profile.energy)
        request = TrackRequest(mood=spec, duration=args.seconds, tempo=profile.tempo[2], seed=1)
        started = time.perf_counter()
        generate_track(request, work / f"{name}.wav")
        seconds = time.perf_counter() - started
        heard = analyze_music(work / f"{name}.wav", deps).tempo
        rows.append((name, profile.tempo[2], seconds, heard))
        print(f"{name:<16}{profile.tempo[2]:>7.0f}{seconds:>9.2f}{seconds / args.seconds:>7.3f}{heard:>11.1f}",
              flush=True)
    per_60 = [r[2] * 60.0 / args.seconds for r in rows]
    print(f"\nslowest: {max(per_60):.2f} s per 60 s of music; median {statistics.median(per_60):.2f} s")
    print(json.dumps({"seconds_per_60s": round(max(per_60), 3),
                      "median_seconds_per_60s": round(statistics.median(per_60), 3), "moods": len(rows)}))


if __name__ == "__main__":
    main()
