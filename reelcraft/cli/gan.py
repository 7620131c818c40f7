"""`reelcraft gan …`: train the background GAN on pictures or footage, and render latent-walk clips."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Annotated, NoReturn

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from reelcraft.cli.output import fail
from reelcraft.models.gan import DEFAULT_CHECKPOINT

gan_app = typer.Typer(no_args_is_help=True, help="Train the background GAN and render latent walks.")
console = Console(stderr=True)


def _fail(stage: str, message: str, fix: str) -> NoReturn:
    fail(stage, message, fix)


@gan_app.command("train")
def train_command(
    out: Annotated[Path, typer.Option("--out", help="Checkpoint to write (and to resume from)")],
    images: Annotated[Path | None, typer.Option(help="Folder of images")] = None,
    videos: Annotated[Path | None, typer.Option(help="Folder of videos: frames are sampled per scene")] = None,
    procedural: Annotated[int, typer.Option(help="Train on N procedural backgrounds (the default model)")] = 0,
    steps: Annotated[int, typer.Option(help="Total training steps")] = 500,
    batch: Annotated[int, typer.Option(help="Batch size")] = 32,
    channels: Annotated[int | None, typer.Option(help="Model width (default: 64 with a GPU, 32 on CPU)")] = None,
    mood: Annotated[str, typer.Option(help="Mood class for your own images")] = "upbeat_pop",
    resume: Annotated[bool, typer.Option(help="Continue from --out")] = False,
    init: Annotated[Path | None, typer.Option(help="Fine-tune from this checkpoint (e.g. the default)")] = None,
    checkpoint_every: Annotated[int, typer.Option(help="Steps between checkpoints")] = 50,
    seed: Annotated[int, typer.Option()] = 0,
    holdout: Annotated[float, typer.Option(help="Share kept out of training for evaluation")] = 0.1,
    threads: Annotated[int, typer.Option(help="CPU threads")] = 2,
    lr: Annotated[float | None, typer.Option(help="Learning rate (default 2e-4; 1e-4 with --init)")] = None,
    freeze_d: Annotated[int, typer.Option(help="Freeze the discriminator's first N blocks (FreezeD)")] = 0,
) -> None:
    """Train (or resume, or fine-tune) the conditional GAN. A seeded `holdout` share of the images is
    never trained on, so `tests/bench/gan_eval.py` can score the result on unseen images."""
    from reelcraft.models.gan.checkpoint import CheckpointError
    from reelcraft.models.gan.data import GanDataError, frames_from_videos, load_image_folder, procedural_dataset
    from reelcraft.models.gan.network import GanConfig
    from reelcraft.models.gan.train import TrainOptions, train

    sources = [s for s in (images, videos, procedural or None) if s]
    if len(sources) != 1:
        _fail("gan", "give exactly one of --images, --videos or --procedural", "pick one training source")
    import torch

    channels = channels or (64 if torch.cuda.is_available() else 32)
    cfg = GanConfig(channels=channels)
    try:
        if procedural:
            data = procedural_dataset(procedural, cfg.width, cfg.height, seed=seed)
        elif videos is not None:
            frames_dir = Path(tempfile.mkdtemp(prefix="reelcraft-gan-frames-"))
            with console.status(f"sampling frames from {videos}…"):
                failed = frames_from_videos(videos, frames_dir)
            for reason in failed:
                console.print(f"[yellow]![/yellow] skipped {escape(reason)}")
            data = load_image_folder(frames_dir, cfg.width, cfg.height, mood)
        else:
            assert images is not None
            data = load_image_folder(images, cfg.width, cfg.height, mood)
    except GanDataError as exc:
        _fail("gan data", str(exc), "add more readable images (≥ 10) or videos that play")
    for reason in data.skipped[:20]:
        console.print(f"[yellow]![/yellow] skipped {escape(reason)}")
    if holdout > 0:
        data, _ = data.split(holdout, seed=seed)
    device = "GPU" if torch.cuda.is_available() else "CPU"
    width = "width from the checkpoint" if init or (resume and out.exists()) else f"{channels} channels"
    console.print(f"training on {len(data)} images ({cfg.height}×{cfg.width}, {width}, {device})")
    # a few hundred frames on top of a trained model: half the step size keeps what it knows (measured:
    # KID 0.42 at 1e-4 vs 0.57 at 2e-4 against a footage-tuned run's frames, docs/models.md)
    rate = lr or (1e-4 if init else 2e-4)
    with Progress(TextColumn("[bold]gan train[/bold]"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TextColumn("{task.description}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console) as bar:  # fmt: skip
        task = bar.add_task("", total=steps)

        def report(step: int, total: int, d_loss: float, g_loss: float) -> None:
            bar.update(task, completed=step, description=f"D {d_loss:.3f}  G {g_loss:.3f}")
            if not console.is_terminal and (step % 10 == 0 or step == total):  # logs and pipes get plain lines
                console.print(f"step {step}/{total}  D {d_loss:.3f}  G {g_loss:.3f}", highlight=False)

        try:
            result = train(data, out, cfg=None if (resume and out.exists()) or init else cfg,
                           options=TrainOptions(steps=steps, batch=batch, checkpoint_every=checkpoint_every, seed=seed,
                                                threads=threads, lr_g=rate, lr_d=rate, freeze_d=freeze_d),
                           resume=resume, init_from=init, progress=report)  # fmt: skip
        except CheckpointError as exc:
            _fail("gan checkpoint", str(exc), "pass a checkpoint written by `reelcraft gan train`")
    console.print(f"step {result['step']}: D {result['d_loss']:.3f}, G {result['g_loss']:.3f} → {out}")


@gan_app.command("export")
def export_command(
    checkpoint: Annotated[Path, typer.Argument(help="Training checkpoint (with optimiser state)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Smaller checkpoint to ship or share")],
) -> None:
    """Keep what sampling and fine-tuning need (EMA generator, discriminator), drop the optimiser state."""
    from reelcraft.models.gan.checkpoint import CheckpointError, export_generator

    try:
        size = export_generator(checkpoint, output)
    except CheckpointError as exc:
        _fail("gan checkpoint", str(exc), "pass a checkpoint written by `reelcraft gan train`")
    console.print(f"{output} ({size / 2**20:.1f} MiB)")


@gan_app.command("sample")
def sample_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="MP4 to write")],
    mood: Annotated[str, typer.Option(help="Mood class, e.g. epic, calm_lofi, chinese")] = "upbeat_pop",
    seconds: Annotated[float, typer.Option(help="Length")] = 6.0,
    audio: Annotated[Path | None, typer.Option(help="Music whose energy drives the motion")] = None,
    checkpoint: Annotated[Path, typer.Option(help="Generator checkpoint")] = DEFAULT_CHECKPOINT,
    seed: Annotated[int, typer.Option()] = 0,
    size: Annotated[str, typer.Option(help="Output WxH")] = "1080x1920",
    fps: Annotated[int, typer.Option()] = 30,
) -> None:
    """Render a latent-walk clip (optionally moving with a music track's energy)."""
    from reelcraft.models.gan.checkpoint import CheckpointError, load_generator
    from reelcraft.models.gan.data import MOOD_PALETTES
    from reelcraft.models.gan.sample import latent_walk

    try:
        generator = load_generator(checkpoint)
    except CheckpointError as exc:
        _fail("gan checkpoint", str(exc), "pass a checkpoint written by `reelcraft gan train`")
    if mood not in MOOD_PALETTES:
        _fail("gan", f"unknown mood {mood!r}", f"use one of: {', '.join(MOOD_PALETTES)}")
    frames = max(1, round(seconds * fps))
    energy = None
    if audio is not None:
        from reelcraft.errors import ReelcraftError
        from reelcraft.tools.music import analyze_music

        try:
            analysis = analyze_music(audio)
        except ReelcraftError as exc:
            _fail(exc.stage, exc.message, exc.fix)
        times = np.arange(frames) / fps
        grid = np.arange(len(analysis.energy)) / analysis.energy_rate_hz
        energy = np.interp(times, grid, analysis.energy)
    palette = np.array(MOOD_PALETTES[mood][0], dtype=np.float32).reshape(-1) / 255.0
    w, h = (int(v) for v in size.lower().split("x"))
    cfg = generator.cfg
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size",
           f"{cfg.width}x{cfg.height}", "-framerate", str(fps), "-i", "-",
           *(["-i", str(audio), "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-shortest"] if audio else []),
           "-vf", f"scale={w}:{h}:flags=lanczos,gblur=sigma=2", "-c:v", "libx264", "-preset", "veryfast",
           "-pix_fmt", "yuv420p", str(output)]  # fmt: skip
    output.parent.mkdir(parents=True, exist_ok=True)
    with subprocess.Popen(cmd, stdin=subprocess.PIPE) as proc:
        assert proc.stdin is not None
        with console.status(f"rendering {frames} frames…"):
            for frame in latent_walk(generator, mood=mood, palette=palette, frames=frames, fps=fps, seed=seed,
                                     energy=energy):
                proc.stdin.write(frame.tobytes())
        proc.stdin.close()
    if proc.returncode != 0:
        _fail("gan sample", f"ffmpeg exited {proc.returncode}", "check the output path and size")
    print(output.resolve())
