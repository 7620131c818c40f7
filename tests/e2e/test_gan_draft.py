"""GAN backgrounds end to end with the shipped default generator: a draft with no media renders latent
walks, a chat edit restyles them, the walk is smooth and moves with the music, the upscale has no
blocks, and the sample CLI works (and refuses a foreign checkpoint)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers import EN_BRIEF, EN_TURNS
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.edit.timeline import Timeline
from reelcraft.media.probe import probe
from reelcraft.models.gan import DEFAULT_CHECKPOINT
from reelcraft.models.gan.checkpoint import load_generator
from reelcraft.models.gan.frames import gan_source
from reelcraft.models.gan.network import GanConfig
from reelcraft.models.gan.sample import latent_walk
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.render.compose import FRAME_SOURCE_SCALER, cover_filter
from reelcraft.tools.deps import Deps
from reelcraft.tools.music import MusicInput, make_music


def _frames(video: Path, times: list[float], tmp: Path, size: tuple[int, int] = (54, 96)) -> list[np.ndarray]:
    out = []
    for i, t in enumerate(times):
        raw = tmp / f"f{i}.raw"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{t:.3f}", "-i", str(video), "-frames:v", "1",
                        "-vf", f"scale={size[0]}:{size[1]}", "-f", "rawvideo", "-pix_fmt", "rgb24", str(raw)],
                       check=True)  # fmt: skip
        out.append(np.frombuffer(raw.read_bytes(), dtype=np.uint8).reshape(size[1], size[0], 3).astype(np.float32))
    return out


def _detail(frame: np.ndarray) -> float:
    """Mean pixel step in the band between the hook text and the captions (no text there)."""
    height = frame.shape[0]
    grey = frame[int(0.25 * height) : int(0.65 * height)].mean(axis=2)
    return float(np.abs(np.diff(grey, axis=0)).mean() + np.abs(np.diff(grey, axis=1)).mean())


def test_the_default_generator_ships_within_budget_and_loads() -> None:
    assert DEFAULT_CHECKPOINT.exists(), "models/gan/data/default.pt is part of the package"
    assert DEFAULT_CHECKPOINT.stat().st_size <= 25 * 2**20
    generator = load_generator(DEFAULT_CHECKPOINT)
    assert generator.cfg == GanConfig()  # the CPU default architecture


def test_draft_without_media_renders_gan_backgrounds_and_restyles_by_chat(tmp_path: Path, models_home: Path) -> None:
    studio = Studio(Settings(home=tmp_path / "home", models_home=models_home), llm=ScriptedChatModel(turns=EN_TURNS))
    draft = studio.create(EN_BRIEF, duration=30, profile="preview")
    assert draft.outputs is not None and draft.outputs.timeline_json is not None
    timeline = Timeline.model_validate_json(draft.outputs.timeline_json.read_text())
    assert all(c.kind == "frames" and c.generator == "gan" for c in timeline.visuals)
    assert all(Path(str(c.params["checkpoint"])) == DEFAULT_CHECKPOINT for c in timeline.visuals)
    info = probe(draft.outputs.video)
    assert (info.width, info.height) == (540, 960) and abs(info.duration - 30) <= 1.5
    first = timeline.visuals[0]
    times = [first.start + 0.5, first.start + first.duration / 2, first.start + first.duration - 0.6]
    a, b, c = _frames(draft.outputs.video, times, tmp_path)
    assert np.abs(a - b).mean() > 1.0 and np.abs(b - c).mean() > 1.0  # the background moves
    assert a.std() > 2.0  # and is not a flat colour

    voice_misses = studio.cache_stats()["voiceover"]["misses"]
    revised = studio.revise_visuals(draft.id, "warmer colours, and more abstract", profile="preview")
    assert revised.version == draft.version + 1
    assert revised.plan.visual_style.warmth > 0 and revised.plan.visual_style.abstraction > 0
    assert revised.plan.model_copy(update={"visual_style": draft.plan.visual_style}) == draft.plan
    assert studio.cache_stats()["voiceover"]["misses"] == voice_misses  # narration came from the cache
    assert revised.outputs is not None
    probes = [first.start + 0.5 + i for i in range(4)]
    before = _frames(draft.outputs.video, probes, tmp_path, size=(108, 192))
    after = _frames(revised.outputs.video, probes, tmp_path, size=(108, 192))
    warmth_before = np.mean([f[..., 0].mean() - f[..., 2].mean() for f in before])
    warmth_after = np.mean([f[..., 0].mean() - f[..., 2].mean() for f in after])
    assert warmth_after > warmth_before + 8, (warmth_before, warmth_after)
    assert np.mean([_detail(f) for f in after]) < np.mean([_detail(f) for f in before])  # softer forms
    walks = Timeline.model_validate_json(revised.outputs.timeline_json.read_text()).visuals  # type: ignore[union-attr]
    assert all(float(new.params["speed"]) < float(old.params["speed"])  # type: ignore[arg-type]
               for new, old in zip(walks, timeline.visuals, strict=True))  # and slower drift


def test_more_abstract_dissolves_forms_step_by_step() -> None:
    palette = [1.0, 0.6, 0.3, 1.0, 0.8, 0.4, 0.9, 0.3, 0.3]
    detail = []
    for abstraction in (0.0, 0.35, 0.7, 1.0):
        source = gan_source({"mood": "upbeat_pop", "palette": palette, "seed": 3, "abstraction": abstraction})
        frames = np.stack(list(source.frames(30, 30))).astype(np.float32)
        detail.append(np.mean([_detail(f) for f in frames]))
    assert detail[0] > detail[1] > detail[2] > detail[3]
    assert detail[3] < 0.75 * detail[0], detail


def _blockiness(frame: np.ndarray, native_height: int) -> float:
    """Mean vertical step at the borders of the native pixel rows over the mean step elsewhere: near 1
    for smooth interpolation, large for nearest-neighbour blocks. (Rows, because the cover scale is set
    by the height and the crop only trims columns.)"""
    steps = np.abs(np.diff(frame.mean(axis=2), axis=0)).mean(axis=1)
    scale = frame.shape[0] / native_height
    borders = np.round(np.arange(1, native_height) * scale - 1).astype(int)
    mask = np.zeros(len(steps), dtype=bool)
    mask[np.clip(borders, 0, len(steps) - 1)] = True
    return float(steps[mask].mean() / max(1e-6, steps[~mask].mean()))


def test_upscaled_frames_have_no_visible_blocks(tmp_path: Path) -> None:
    generator = load_generator(DEFAULT_CHECKPOINT)
    cfg = generator.cfg
    frame = next(latent_walk(generator, mood="upbeat_pop", palette=np.array([0.9, 0.4, 0.4, 1.0, 0.8, 0.5, 0.3, 0.4,
                                                                                0.8]), frames=1, seed=4))
    source = tmp_path / "native.raw"
    source.write_bytes(frame.tobytes())

    def upscale(scaler: str) -> np.ndarray:
        out = tmp_path / f"{scaler}.raw"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size",
                        f"{cfg.width}x{cfg.height}", "-i", str(source), "-vf",
                        f"{cover_filter(1080, 1920, scaler)},format=rgb24", "-f", "rawvideo", str(out)],
                       check=True)  # fmt: skip
        return np.frombuffer(out.read_bytes(), dtype=np.uint8).reshape(1920, 1080, 3).astype(np.float32)

    assert _blockiness(upscale(FRAME_SOURCE_SCALER), cfg.height) < 1.5
    assert _blockiness(upscale("neighbor"), cfg.height) > 5  # the measure does see blocks


def test_latent_walk_is_smooth_and_its_motion_follows_the_music_energy(tmp_path: Path) -> None:
    deps = Deps.from_settings(Settings(home=tmp_path / "home"))
    music = make_music(MusicInput(mood="epic", duration=20.0, seed=2), deps)
    fps = 30
    frames_count = 20 * fps
    times = np.arange(frames_count) / fps
    energy = np.interp(times, np.arange(len(music.analysis.energy)) / music.analysis.energy_rate_hz,
                       music.analysis.energy)
    generator = load_generator(DEFAULT_CHECKPOINT)
    palette = np.array([0.2, 0.1, 0.3, 0.8, 0.3, 0.2, 1.0, 0.7, 0.3])
    frames = np.stack(list(latent_walk(generator, mood="epic", palette=palette, frames=frames_count, fps=fps,
                                       seed=1, energy=energy))).astype(np.float32)
    motion = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
    assert np.percentile(motion / 255, 95) <= 0.04  # no flicker
    window = np.ones(fps) / fps  # compare one-second trends, not single frames
    r = np.corrcoef(np.convolve(motion, window, "valid"), np.convolve(energy[1:], window, "valid"))[0, 1]
    assert r >= 0.5, r


def test_sample_cli_renders_a_clip_and_refuses_a_foreign_checkpoint(tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "reelcraft.cli", "gan", "sample"]
    out = tmp_path / "walk.mp4"
    done = subprocess.run([*cli, "--mood", "chinese", "--seconds", "2", "--size", "270x480", "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    info = probe(out)
    assert (info.width, info.height) == (270, 480) and abs(info.duration - 2.0) <= 0.1
    foreign = tmp_path / "foreign.pt"
    torch.save({"model": {"layer.weight": torch.zeros(2, 2)}}, foreign)
    bad = subprocess.run([*cli, "--checkpoint", str(foreign), "-o", str(tmp_path / "x.mp4")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "not a reelcraft GAN checkpoint" in bad.stderr and "fix:" in bad.stderr


@pytest.mark.parametrize("mood", ["calm_lofi", "chinese"])
def test_moods_and_palettes_steer_the_colours(mood: str) -> None:
    generator = load_generator(DEFAULT_CHECKPOINT)
    red = np.array([0.9, 0.15, 0.1, 0.8, 0.3, 0.2, 1.0, 0.5, 0.3])
    blue = np.array([0.1, 0.2, 0.8, 0.2, 0.4, 0.9, 0.3, 0.7, 1.0])
    frames = {name: np.stack(list(latent_walk(generator, mood=mood, palette=p, frames=8, seed=3))).astype(float)
              for name, p in (("red", red), ("blue", blue))}
    balance = {name: f[..., 0].mean() - f[..., 2].mean() for name, f in frames.items()}
    assert balance["red"] > balance["blue"] + 40, balance
