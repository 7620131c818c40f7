"""`reelcraft gan …`: train the background GAN on pictures or footage, and render latent-walk clips.
The work is `Studio.gan`'s; this module parses, shows progress and prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from reelcraft.cli.output import fail_with
from reelcraft.errors import ReelcraftError

gan_app = typer.Typer(no_args_is_help=True, help="Train the background GAN and render latent walks.")
console = Console(stderr=True)


def parse_size(size: str) -> tuple[int, int]:
    width, sep, height = size.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        raise typer.BadParameter("use WIDTHxHEIGHT, e.g. 1080x1920", param_hint="--size")
    return int(width), int(height)


@gan_app.command("train")
def train_command(
    out: Annotated[Path, typer.Option("--out", help="Checkpoint to write (and to resume from)")],
    images: Annotated[Path | None, typer.Option(help="Folder of images")] = None,
    videos: Annotated[Path | None, typer.Option(help="Folder of videos: frames are sampled per scene")] = None,
    procedural: Annotated[int, typer.Option(help="Train on N procedural backgrounds (the default model)")] = 0,
    steps: Annotated[int, typer.Option(help="Total training steps")] = 500,
    batch: Annotated[int, typer.Option(help="Batch size")] = 32,
    channels: Annotated[int | None, typer.Option(help="Model width (default: 64 with a GPU, 32 on CPU)")] = None,
    mood: Annotated[str, typer.Option(help="Mood of your own images, e.g. calm, epic, 中国风")] = "upbeat_pop",
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
    from reelcraft.studio import Studio
    from reelcraft.studio.gan import GanTrainOptions

    options = GanTrainOptions(out=out, images=images, videos=videos, procedural=procedural, steps=steps, batch=batch,
                              channels=channels, mood=mood, resume=resume, init=init,
                              checkpoint_every=checkpoint_every, seed=seed, holdout=holdout, threads=threads, lr=lr,
                              freeze_d=freeze_d)  # fmt: skip
    try:
        gan = Studio().gan
        training = gan.training_set(options, status=console.status)
    except ReelcraftError as exc:
        fail_with(exc)
    for reason in training.unreadable_videos:
        console.print(f"[yellow]![/yellow] skipped {escape(reason)}")
    for reason in training.skipped[:20]:
        console.print(f"[yellow]![/yellow] skipped {escape(reason)}")
    width = "width from the checkpoint" if training.channels is None else f"{training.channels} channels"
    console.print(f"training on {training.size} images ({training.height}×{training.width}, {width}, "
                  f"{training.device})")  # fmt: skip
    with Progress(TextColumn("[bold]gan train[/bold]"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TextColumn("{task.description}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console) as bar:  # fmt: skip
        task = bar.add_task("", total=steps)

        def report(step: int, total: int, d_loss: float, g_loss: float) -> None:
            bar.update(task, completed=step, description=f"D {d_loss:.3f}  G {g_loss:.3f}")
            if not console.is_terminal and (step % 10 == 0 or step == total):  # logs and pipes get plain lines
                console.print(f"step {step}/{total}  D {d_loss:.3f}  G {g_loss:.3f}", highlight=False)

        try:
            result = gan.train(training, progress=report)
        except ReelcraftError as exc:
            fail_with(exc)
    console.print(f"step {result.step}: D {result.d_loss:.3f}, G {result.g_loss:.3f} → {out}")


@gan_app.command("export")
def export_command(
    checkpoint: Annotated[Path, typer.Argument(help="Training checkpoint (with optimiser state)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Smaller checkpoint to ship or share")],
) -> None:
    """Keep what sampling and fine-tuning need (EMA generator, discriminator), drop the optimiser state."""
    from reelcraft.studio import Studio

    try:
        size = Studio().gan.export(checkpoint, output)
    except ReelcraftError as exc:
        fail_with(exc)
    console.print(f"{output} ({size / 2**20:.1f} MiB)")


@gan_app.command("sample")
def sample_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="MP4 to write")],
    mood: Annotated[str, typer.Option(help="Mood, as for music: calm, 'calm lo-fi', epic, chinese, 中国风…")] = (
        "upbeat_pop"),
    seconds: Annotated[float, typer.Option(help="Length")] = 6.0,
    audio: Annotated[Path | None, typer.Option(help="Music whose energy drives the motion")] = None,
    checkpoint: Annotated[Path | None, typer.Option(help="Generator checkpoint (default: the shipped one)")] = None,
    seed: Annotated[int, typer.Option()] = 0,
    size: Annotated[str, typer.Option(help="Output WxH")] = "1080x1920",
    fps: Annotated[int, typer.Option()] = 30,
) -> None:
    """Render a latent-walk clip (optionally moving with a music track's energy)."""
    from reelcraft.studio import Studio

    dimensions = parse_size(size)
    try:
        done = Studio().gan.sample(output, mood=mood, seconds=seconds, audio=audio, checkpoint=checkpoint,
                                   seed=seed, size=dimensions, fps=fps, status=console.status)  # fmt: skip
    except ReelcraftError as exc:
        fail_with(exc)
    print(done.resolve())
