"""Render benchmark (a script, not a test): the same timeline through

  (a) the naive moviepy composite, (b) the ffmpeg backend `final`, (c) `preview`,
  (d) ffmpeg encode-only of the same number of frames at the same x264 preset,

plus a 180 s `final` render for peak memory. Each case runs in its own process so its peak RSS
(the Python process plus its ffmpeg child) is its own. Prints a table, the ratios a/b and b/d, and a
last line of JSON: {"final_rtf", "preview_rtf", "naive_over_final", "final_over_encode", "peak_rss_gib_180s"}.

Scenes are illustrated as drafts are: two pictures from the offline library and a key-figure sticker per
scene, popping in and floating (`--plain` leaves them out). The captions are in the heaviest look by default:
word pop (one subtitle event per spoken word, each popping) with key words emphasised and an emoji, under a
brand logo (`--style NAME`, `--no-logo`). The naive baseline draws no sprites or logo, so with them a/b
understates the gap.

    python tests/bench/render.py [--seconds 30] [--skip-naive] [--plain] [--style pop] [--no-logo] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/ for render_fixtures


def _peak_rss_gib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024**2  # KiB → GiB; both peaks added: an upper bound of the pair


def run_case(case: str, timeline_json: Path, out: Path) -> None:
    """Child process: render one case and print {"seconds", "peak_rss_gib"}."""
    from reelcraft.edit.timeline import Timeline
    from reelcraft.media.fonts import find_caption_font
    from reelcraft.render.graph import PROFILES, render_timeline

    timeline = Timeline.model_validate_json(timeline_json.read_text())
    work = out.parent / f"{out.stem}-work"
    started = time.perf_counter()
    if case == "naive":
        from reelcraft.render.naive import render_timeline_moviepy

        render_timeline_moviepy(timeline, out, work, x264_preset=PROFILES["final"].x264_preset,
                                font=find_caption_font().path)
    elif case in ("final", "preview"):
        render_timeline(timeline, out, work, profile=case, encoder="libx264")
    elif case == "encode":
        frames = round(timeline.duration * timeline.fps)
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
             "-i", f"testsrc2=s={timeline.width}x{timeline.height}:r={timeline.fps}", "-frames:v", str(frames),
             "-c:v", "libx264", "-preset", PROFILES["final"].x264_preset, "-crf", str(PROFILES["final"].crf),
             "-pix_fmt", "yuv420p", str(out)],
            check=True,
        )  # fmt: skip
    else:
        raise SystemExit(f"unknown case {case}")
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_gib": _peak_rss_gib()}))


def _spawn(case: str, timeline_json: Path, out: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--case", case, "--timeline", str(timeline_json),
                           "--out", str(out)], capture_output=True, text=True)  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"case {case} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def illustrated(timeline, folder: Path):  # noqa: ANN001, ANN201 - reelcraft is imported late, in the parent only
    """Every scene with two library pictures and a key-figure sticker, laid out and timed as drafts are."""
    from reelcraft.config import Settings
    from reelcraft.edit.layout import picture_slots
    from reelcraft.edit.timeline import Sprite
    from reelcraft.media.fonts import find_caption_font
    from reelcraft.media.illustrations import library_dir, load_catalog, svg_of
    from reelcraft.media.stickers import picture_sprite, text_sticker
    from reelcraft.plan import OutputPreset

    folder.mkdir(parents=True, exist_ok=True)
    root = library_dir(Settings().models_dir)
    catalog = {c.emoji: c for c in load_catalog(root)}
    emoji = ["☕", "💰", "🚌", "📚", "🥣", "⏰", "💧", "📱", "🐈", "🌧"]
    width, height = timeline.width, timeline.height
    preset = OutputPreset(width=width, height=height, fps=timeline.fps)
    figure = text_sticker("$5", find_caption_font(), round(height * 0.085), (200, 70, 80), folder / "figure.png")
    clips = []
    for i, clip in enumerate(sorted(timeline.visuals, key=lambda c: c.start)):
        pngs = []
        for k, size in enumerate((0.44, 0.3)):
            name = emoji[(2 * i + k) % len(emoji)]
            png = folder / f"{ord(name[0]):x}-{k}.png"
            if not png.exists():
                picture_sprite(svg_of(root, catalog[name]), round(width * size / 1.24), png)
            pngs.append(png)
        slots = picture_slots(2, preset.safe_box(), width, height, figure_aspect=0.5, bob=0.012)
        sprites = [Sprite(source=png, x=slot.x, y=slot.y, width=slot.width, appear=0.3 + 0.5 * k,
                          bob=0.006 + 0.005 * k, period=3.4 - 0.5 * k, phase=1.7 * k)
                   for k, (png, slot) in enumerate(zip(pngs, slots, strict=False))]
        sprites.append(Sprite(source=figure, x=slots[2].x, y=slots[2].y, width=0.2, appear=1.3, bob=0.004))
        clips.append(clip.model_copy(update={"sprites": tuple(sprites)}))
    return timeline.model_copy(update={"visuals": clips})


def _logo(path: Path) -> Path:
    """A 600 px disc on transparency, as a brand kit stores a logo."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((20, 20, 580, 580), fill=(255, 90, 54, 255))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--long-seconds", type=float, default=180.0)
    parser.add_argument("--skip-naive", action="store_true", help="leave out (a): it takes minutes")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--plain", action="store_true", help="no illustrations over the scenes")
    parser.add_argument("--style", default="pop", help="caption style (reelcraft styles)")
    parser.add_argument("--no-logo", action="store_true", help="no brand logo over the picture")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--timeline", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(args.case, args.timeline, args.out)
        return

    from render_fixtures import sample_timeline

    work = args.work or Path(tempfile.mkdtemp(prefix="reelcraft-bench-"))
    logo = None if args.no_logo else _logo(work / "logo.png")
    short = sample_timeline(work / "t30", duration=args.seconds, clips=5, caption_style=args.style, logo=logo)
    long = sample_timeline(work / "t180", duration=args.long_seconds, clips=max(5, round(args.long_seconds / 6)),
                           caption_style=args.style, logo=logo)  # fmt: skip
    if not args.plain:
        short, long = illustrated(short, work / "sprites"), illustrated(long, work / "sprites")
    (work / "t30.json").write_text(short.model_dump_json())
    (work / "t180.json").write_text(long.model_dump_json())
    print(f"timeline: {args.seconds:g} s, 5 stills with moves{'' if args.plain else ' and 3 sprites each'}, "
          f"0.5 s crossfades, {args.style} captions{'' if args.no_logo else ', a logo'}, voice + ducked music; "
          f"{short.width}×{short.height} @ {short.fps} fps; work dir {work}", flush=True)
    cases = [("encode", "t30"), ("final", "t30"), ("preview", "t30"), ("final", "t180")]
    if not args.skip_naive:
        cases.insert(0, ("naive", "t30"))
    results: dict[str, dict[str, float]] = {}
    for case, which in cases:
        name = f"{case}_{which}"
        print(f"running {name}…", flush=True)
        results[name] = _spawn(case, work / f"{which}.json", work / f"{name}.mp4")
    duration = {"t30": args.seconds, "t180": args.long_seconds}
    labels = {"naive": "(a) naive moviepy", "final": "(b) ffmpeg final", "preview": "(c) ffmpeg preview",
              "encode": "(d) encode only"}
    print(f"\n{'case':<24}{'length s':>9}{'wall s':>9}{'RTF':>8}{'peak RSS GiB':>14}")
    for name, figures in results.items():
        case, which = name.split("_")
        rtf = figures["seconds"] / duration[which]
        print(f"{labels[case] + ('' if which == 't30' else ' 180 s'):<24}{duration[which]:>9.0f}"
              f"{figures['seconds']:>9.1f}{rtf:>8.3f}{figures['peak_rss_gib']:>14.2f}")
    final, preview, encode = results["final_t30"], results["preview_t30"], results["encode_t30"]
    naive = results.get("naive_t30")
    naive_over_final = naive["seconds"] / final["seconds"] if naive else None
    final_over_encode = final["seconds"] / encode["seconds"]
    print(f"\na/b (naive / final): {naive_over_final:.1f}×" if naive_over_final else "\na/b: skipped")
    print(f"b/d (final / encode-only): {final_over_encode:.2f}×")
    print(json.dumps({
        "final_rtf": round(final["seconds"] / args.seconds, 3),
        "preview_rtf": round(preview["seconds"] / args.seconds, 3),
        "naive_over_final": round(naive_over_final, 2) if naive_over_final else None,
        "final_over_encode": round(final_over_encode, 2),
        "peak_rss_gib_180s": round(results["final_t180"]["peak_rss_gib"], 3),
    }))


if __name__ == "__main__":
    main()
