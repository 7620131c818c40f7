"""Fine-tuning the default GAN on a team's footage, as the acceptance asks (a script, not a test: it
trains for ~15 minutes on two cores).

1. Makes a "user video": one 8 s slow-zoom shot per photo (default: the nature photos of Debian's
   `mate-backgrounds`, GPL-2+), 9:16.
2. `reelcraft gan train --videos … --init <default> --steps 500`, SIGKILLed once it has passed step
   KILL_AFTER, then the same command with `--resume`.
3. `tests/bench/gan_eval.py` on that footage, the tuned checkpoint vs the default: on the held-out 10 % of
   its frames (never trained on; few, so noisy) and on all of them.

Last line: {"frames", "killed_after_step", "resumed_from_step", "lost_steps", "first_step_after_resume",
"kid_tuned", "kid_default", "kid_tuned_all_frames", "kid_default_all_frames", "train_minutes"}.

    python tests/bench/gan_finetune.py [--photos DIR] [--steps 500] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageOps

from reelcraft.models.gan import DEFAULT_CHECKPOINT
from reelcraft.models.gan.checkpoint import load_checkpoint

MATE_NATURE = Path("/usr/share/backgrounds/mate/nature")
SHOT_SECONDS = 8


def make_footage(photos: Path, video: Path) -> int:
    images = sorted(p for p in photos.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    if len(images) < 4:
        sys.exit(f"need at least 4 photos in {photos} (apt-get install mate-backgrounds, or pass --photos DIR)")
    frames = SHOT_SECONDS * 30
    stills = video.parent / "stills"
    stills.mkdir(exist_ok=True)
    inputs, chains = [], []
    for i, image in enumerate(images):
        still = stills / f"{i:03d}.png"  # decode and crop each (up to 5K) photo once, not once per frame
        with Image.open(image) as photo:
            ImageOps.fit(photo.convert("RGB"), (540, 960), Image.Resampling.LANCZOS).save(still)
        inputs += ["-i", str(still)]
        chains.append(f"[{i}:v]zoompan=z='1+0.15*on/{frames}':d={frames}:s=360x640:fps=30,setsar=1[s{i}]")
    graph = ";".join(chains) + ";" + "".join(f"[s{i}]" for i in range(len(images))) + \
        f"concat=n={len(images)}:v=1:a=0[v]"
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[v]",
                    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(video)], check=True)
    return len(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, default=MATE_NATURE)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--every", type=int, default=50, help="checkpoint interval")
    parser.add_argument("--kill-after", type=int, default=260, help="SIGKILL once past this step")
    parser.add_argument("--mood", default="warm_acoustic")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="reelcraft-gan-finetune-"))
    footage = work / "footage"
    footage.mkdir(parents=True, exist_ok=True)
    shots = make_footage(args.photos, footage / "brand.mp4")
    print(f"footage: {shots} shots × {SHOT_SECONDS} s → {footage / 'brand.mp4'}", flush=True)
    tuned = work / "tuned.pt"
    tuned.unlink(missing_ok=True)
    command = [sys.executable, "-m", "reelcraft.cli", "gan", "train", "--videos", str(footage), "--init",
               str(DEFAULT_CHECKPOINT), "--out", str(tuned), "--steps", str(args.steps), "--checkpoint-every",
               str(args.every), "--mood", args.mood]  # fmt: skip
    started = time.perf_counter()
    run = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    seen, frames = 0, 0
    for line in run.stderr:
        sys.stderr.write(line)
        if match := re.match(r"training on (\d+) images", line):
            frames = int(match.group(1))
        if match := re.match(r"step (\d+)/", line):
            seen = int(match.group(1))
        if seen > args.kill_after:
            break
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    saved = int(load_checkpoint(tuned)[1]["step"])
    print(f"killed with SIGKILL after step {seen}; last checkpoint: step {saved}", flush=True)
    resumed = subprocess.run([*command, "--resume"], stderr=subprocess.PIPE, text=True)
    sys.stderr.write(resumed.stderr[-2000:])
    if resumed.returncode != 0:
        sys.exit(f"resume failed ({resumed.returncode})")
    first = re.search(r"^step (\d+)/", resumed.stderr, re.M)
    minutes = (time.perf_counter() - started) / 60
    scores = {}
    for label, holdout in (("held_out", "0.1"), ("all", "0")):  # the 10 % never trained on; every frame
        evaluation = subprocess.run([sys.executable, str(Path(__file__).with_name("gan_eval.py")), "--videos",
                                     str(footage), "--checkpoint", str(tuned), "--compare", str(DEFAULT_CHECKPOINT),
                                     "--mood", args.mood, "--holdout", holdout],
                                    capture_output=True, text=True, check=True)  # fmt: skip
        print(evaluation.stdout)
        scores[label] = json.loads(evaluation.stdout.strip().splitlines()[-1])
    print(json.dumps({"frames": frames, "killed_after_step": seen, "resumed_from_step": saved,
                      "lost_steps": seen - saved, "first_step_after_resume": int(first.group(1)) if first else None,
                      "kid_tuned": scores["held_out"]["kid"], "kid_default": scores["held_out"]["kid_compare"],
                      "kid_tuned_all_frames": scores["all"]["kid"],
                      "kid_default_all_frames": scores["all"]["kid_compare"],
                      "train_minutes": round(minutes, 1)}))  # fmt: skip

if __name__ == "__main__":
    main()
