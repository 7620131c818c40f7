"""The background GAN as a service: train it on pictures, footage or procedural backgrounds, export a
checkpoint to ship, render latent-walk clips. The CLI and any other face only parse and print."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelcraft.errors import ReelcraftError, validation_problems

if TYPE_CHECKING:
    from reelcraft.models.gan.data import Dataset
    from reelcraft.models.gan.network import GanConfig
    from reelcraft.models.gan.train import TrainOptions
    from reelcraft.tools.deps import Deps

StatusFn = Callable[[str], AbstractContextManager[Any]]
"""`with status("sampling frames…"):` around a step that is slow and has no finer progress."""
TrainProgressFn = Callable[[int, int, float, float], None]
"""Called as progress(step, total, d_loss, g_loss) after each training step."""

CHECKPOINT_FIX = "pass a checkpoint written by `reelcraft gan train`"


def no_status(message: str) -> AbstractContextManager[None]:
    return nullcontext()


class GanError(ReelcraftError):
    """Training data, a checkpoint or a sampling request the GAN cannot use."""

    stage = "gan"


@dataclass(frozen=True)
class GanTrainOptions:
    """What `reelcraft gan train` takes; exactly one of `images`, `videos`, `procedural` is the source."""

    out: Path
    images: Path | None = None
    videos: Path | None = None
    procedural: int = 0
    steps: int = 500
    batch: int = 32
    channels: int | None = None
    """Model width; None: 64 with a GPU, 32 on CPU."""
    mood: str = "upbeat_pop"
    """Mood words for the creator's own images, resolved like the music's ('calm', '中国风', 'epic')."""
    resume: bool = False
    init: Path | None = None
    checkpoint_every: int = 50
    seed: int = 0
    holdout: float = 0.1
    threads: int = 2
    lr: float | None = None
    freeze_d: int = 0


@dataclass
class GanTrainingSet:
    """The images a run trains on, ready before the run starts so a face can say what it will do."""

    options: GanTrainOptions
    train_options: TrainOptions
    data: Dataset
    cfg: GanConfig
    width: int
    height: int
    channels: int | None
    """None when the width comes from the checkpoint (resume, fine-tune)."""
    device: str
    unreadable_videos: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class GanTrainResult:
    step: int
    d_loss: float
    g_loss: float
    out: Path


def _checkpoint_error(exc: Exception) -> GanError:
    return GanError(str(exc), CHECKPOINT_FIX, stage="gan checkpoint")


def _train_options(o: GanTrainOptions) -> TrainOptions:
    from pydantic import ValidationError

    from reelcraft.models.gan.train import TrainOptions

    # a few hundred frames on top of a trained model: half the step size keeps what it knows (measured:
    # KID 0.42 at 1e-4 vs 0.57 at 2e-4 against a footage-tuned run's frames, docs/models.md)
    rate = o.lr or (1e-4 if o.init else 2e-4)
    try:
        return TrainOptions(steps=o.steps, batch=o.batch, checkpoint_every=o.checkpoint_every, seed=o.seed,
                            threads=o.threads, lr_g=rate, lr_d=rate, freeze_d=o.freeze_d)  # fmt: skip
    except ValidationError as exc:
        problems = "; ".join(validation_problems(exc))
        raise GanError(f"bad training options ({problems})", "see `reelcraft gan train --help`") from exc


def resolve_gan_mood(text: str) -> str:
    """Mood words → the GAN's mood class, the same way the music reads them; unknown words are an error
    that lists what works."""
    from reelcraft.models.gan.data import gan_mood
    from reelcraft.models.gan.network import MOOD_CLASSES

    mood, matched = gan_mood(text)
    if not matched:
        raise GanError(f"unknown mood {text!r}",
                       f"use one of: {', '.join(MOOD_CLASSES)} (or words like calm, lo-fi, epic, 中国风)")  # fmt: skip
    return mood


class GanService:
    """`studio.gan`: everything `reelcraft gan …` does, callable from Python."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    @property
    def default_checkpoint(self) -> Path:
        """The configured generator, else the one that ships with the package."""
        from reelcraft.models.gan import DEFAULT_CHECKPOINT

        return self.deps.settings.gan_checkpoint or DEFAULT_CHECKPOINT

    def training_set(self, options: GanTrainOptions, *, status: StatusFn = no_status) -> GanTrainingSet:
        """Read (or make) the training images and keep the holdout share out."""
        import torch

        from reelcraft.models.gan.data import GanDataError, frames_from_videos, load_image_folder, procedural_dataset
        from reelcraft.models.gan.network import GanConfig

        sources = [s for s in (options.images, options.videos, options.procedural or None) if s]
        if len(sources) != 1:
            raise GanError("give exactly one of --images, --videos or --procedural", "pick one training source")
        mood = resolve_gan_mood(options.mood)
        train_options = _train_options(options)
        channels = options.channels or (64 if torch.cuda.is_available() else 32)
        cfg = GanConfig(channels=channels)
        unreadable: list[str] = []
        try:
            if options.procedural:
                data = procedural_dataset(options.procedural, cfg.width, cfg.height, seed=options.seed)
            elif options.videos is not None:
                frames_dir = Path(tempfile.mkdtemp(prefix="reelcraft-gan-frames-"))
                with status(f"sampling frames from {options.videos}…"):
                    unreadable = frames_from_videos(options.videos, frames_dir)
                data = load_image_folder(frames_dir, cfg.width, cfg.height, mood)
            else:
                assert options.images is not None
                data = load_image_folder(options.images, cfg.width, cfg.height, mood)
        except GanDataError as exc:
            raise GanError(str(exc), "add more readable images (≥ 10) or videos that play", stage="gan data") from exc
        skipped = list(data.skipped)
        if options.holdout > 0:
            data, _ = data.split(options.holdout, seed=options.seed)
        from_checkpoint = bool(options.init or (options.resume and options.out.exists()))
        return GanTrainingSet(options=options, train_options=train_options, data=data, cfg=cfg, width=cfg.width,
                              height=cfg.height, channels=None if from_checkpoint else channels,
                              device="GPU" if torch.cuda.is_available() else "CPU", unreadable_videos=unreadable,
                              skipped=skipped)  # fmt: skip

    def train(self, training: GanTrainingSet, *, progress: TrainProgressFn | None = None) -> GanTrainResult:
        """Train (or resume, or fine-tune) and leave the checkpoint in `options.out`; a seeded holdout
        share is never trained on, so `tests/bench/gan_eval.py` can score the result on unseen images."""
        from reelcraft.models.gan.checkpoint import CheckpointError
        from reelcraft.models.gan.train import train

        o = training.options
        try:
            result = train(training.data, o.out, cfg=None if training.channels is None else training.cfg,
                           options=training.train_options, resume=o.resume, init_from=o.init,
                           progress=progress)  # fmt: skip
        except CheckpointError as exc:
            raise _checkpoint_error(exc) from exc
        return GanTrainResult(step=int(result["step"]), d_loss=float(result["d_loss"]),
                              g_loss=float(result["g_loss"]), out=o.out)  # fmt: skip

    def export(self, checkpoint: Path, output: Path) -> int:
        """Keep what sampling and fine-tuning need (EMA generator, discriminator); returns the bytes written."""
        from reelcraft.models.gan.checkpoint import CheckpointError, export_generator

        try:
            return export_generator(checkpoint, output)
        except CheckpointError as exc:
            raise _checkpoint_error(exc) from exc

    def sample(
        self,
        output: Path,
        *,
        mood: str = "upbeat_pop",
        seconds: float = 6.0,
        audio: Path | None = None,
        checkpoint: Path | None = None,
        seed: int = 0,
        size: tuple[int, int] = (1080, 1920),
        fps: int = 30,
        status: StatusFn = no_status,
    ) -> Path:
        """Render a latent-walk MP4 at `size` (W, H); with `audio`, the walk moves with the music's energy
        and the music is the clip's sound. Mood words resolve like the music's ('calm' → calm_lofi)."""
        import numpy as np

        from reelcraft.models.gan.checkpoint import CheckpointError, load_generator
        from reelcraft.models.gan.data import mood_palette
        from reelcraft.models.gan.sample import latent_walk

        if seconds <= 0 or fps <= 0 or min(size) <= 0:
            raise GanError(f"{seconds:g} s at {fps} fps and {size[0]}×{size[1]} makes no clip",
                           "ask for a positive length, frame rate and size")  # fmt: skip
        try:
            generator = load_generator(checkpoint or self.default_checkpoint)
        except CheckpointError as exc:
            raise _checkpoint_error(exc) from exc
        mood_class = resolve_gan_mood(mood)
        frames = max(1, round(seconds * fps))
        energy = None
        if audio is not None:
            from reelcraft.tools.music import analyze_music

            analysis = analyze_music(audio)
            times = np.arange(frames) / fps
            grid = np.arange(len(analysis.energy)) / analysis.energy_rate_hz
            energy = np.interp(times, grid, analysis.energy)
        palette = mood_palette(mood_class).reshape(-1)
        w, h = size
        cfg = generator.cfg
        cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size",
               f"{cfg.width}x{cfg.height}", "-framerate", str(fps), "-i", "-",
               *(["-i", str(audio), "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-shortest"] if audio else []),
               "-vf", f"scale={w}:{h}:flags=lanczos,gblur=sigma=2", "-c:v", "libx264", "-preset", "veryfast",
               "-pix_fmt", "yuv420p", str(output)]  # fmt: skip
        output.parent.mkdir(parents=True, exist_ok=True)
        with subprocess.Popen(cmd, stdin=subprocess.PIPE) as proc:
            assert proc.stdin is not None
            try:
                with status(f"rendering {frames} frames…"):
                    for frame in latent_walk(generator, mood=mood_class, palette=palette, frames=frames, fps=fps,
                                             seed=seed, energy=energy):  # fmt: skip
                        proc.stdin.write(frame.tobytes())
                proc.stdin.close()
            except BrokenPipeError:  # ffmpeg gave up; its exit status says so below
                with suppress(BrokenPipeError):
                    proc.stdin.close()
        if proc.returncode != 0:
            raise GanError(f"ffmpeg exited {proc.returncode}", "check the output path and size", stage="gan sample")
        return output
