"""GAN backgrounds end to end: a draft with no media renders latent walks; the sample CLI moves with the
music; a wrong checkpoint is a clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import EN_BRIEF, EN_PLAN
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.deps import Deps
from reelcraft.media import probe
from reelcraft.models.gan.checkpoint import load_generator
from reelcraft.models.gan.data import procedural_dataset
from reelcraft.models.gan.network import GanConfig
from reelcraft.models.gan.sample import latent_walk
from reelcraft.models.gan.train import TrainOptions, train
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.timeline import Timeline
from reelcraft.tools.music import MusicInput, make_music


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gan") / "tiny.pt"
    train(procedural_dataset(28, 64, 112, seed=3), path, cfg=GanConfig(channels=8),
          options=TrainOptions(steps=8, batch=8, checkpoint_every=4, threads=1))
    return path


def _frames(video: Path, times: list[float], tmp: Path) -> list[np.ndarray]:
    out = []
    for i, t in enumerate(times):
        png = tmp / f"f{i}.raw"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{t:.3f}", "-i", str(video), "-frames:v", "1",
                        "-vf", "scale=54:96", "-f", "rawvideo", "-pix_fmt", "rgb24", str(png)], check=True)
        out.append(np.frombuffer(png.read_bytes(), dtype=np.uint8).astype(np.float32))
    return out


def test_draft_without_media_renders_gan_backgrounds(checkpoint: Path, tmp_path: Path, models_home: Path) -> None:
    settings = Settings(home=tmp_path / "home", models_home=models_home, gan_checkpoint=checkpoint)
    draft = Studio(settings, llm=ScriptedChatModel(turns=[EN_PLAN])).create(EN_BRIEF, duration=30, profile="preview")
    assert draft.outputs is not None and draft.outputs.timeline_json is not None
    timeline = Timeline.model_validate_json(draft.outputs.timeline_json.read_text())
    assert all(c.kind == "frames" and c.generator == "gan" for c in timeline.visuals)
    info = probe(draft.outputs.video)
    assert (info.width, info.height) == (540, 960) and abs(info.duration - 30) <= 1.5
    first = timeline.visuals[0]
    times = [first.start + 0.5, first.start + first.duration / 2, first.start + first.duration - 0.6]
    a, b, c = _frames(draft.outputs.video, times, tmp_path)
    assert np.abs(a - b).mean() > 1.0 and np.abs(b - c).mean() > 1.0  # the background moves
    assert a.std() > 2.0  # and is not a flat colour


def test_latent_walk_motion_follows_the_music_energy(checkpoint: Path, tmp_path: Path) -> None:
    deps = Deps.from_settings(Settings(home=tmp_path / "home"))
    music = make_music(MusicInput(mood="epic", duration=20.0, seed=2), deps)
    fps = 30
    frames_count = 20 * fps
    times = np.arange(frames_count) / fps
    energy = np.interp(times, np.arange(len(music.analysis.energy)) / music.analysis.energy_rate_hz,
                       music.analysis.energy)
    generator = load_generator(checkpoint)
    frames = np.stack(list(latent_walk(generator, mood="epic", palette=np.full(9, 0.5), frames=frames_count,
                                       fps=fps, seed=1, energy=energy))).astype(np.float32)
    motion = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
    window = np.ones(fps) / fps  # compare one-second trends, not single frames
    r = np.corrcoef(np.convolve(motion, window, "valid"), np.convolve(energy[1:], window, "valid"))[0, 1]
    assert r >= 0.5, r
    assert np.percentile(motion / 255, 95) <= 0.04


def test_sample_cli_renders_a_clip_and_refuses_a_foreign_checkpoint(checkpoint: Path, tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "reelcraft.cli", "gan", "sample"]
    out = tmp_path / "walk.mp4"
    done = subprocess.run([*cli, "--mood", "chinese", "--seconds", "2", "--size", "270x480", "--checkpoint",
                           str(checkpoint), "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    info = probe(out)
    assert (info.width, info.height) == (270, 480) and abs(info.duration - 2.0) <= 0.1
    foreign = tmp_path / "foreign.pt"
    import torch

    torch.save({"model": {"layer.weight": torch.zeros(2, 2)}}, foreign)
    bad = subprocess.run([*cli, "--checkpoint", str(foreign), "-o", str(tmp_path / "x.mp4")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "not a reelcraft GAN checkpoint" in bad.stderr and "fix:" in bad.stderr
