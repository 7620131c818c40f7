"""GAN foundations: shapes, bad training data, checkpoints that resume or refuse, smooth latent walks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from reelcraft.models.gan.checkpoint import CheckpointError, load_checkpoint, load_generator, save_checkpoint
from reelcraft.models.gan.data import GanDataError, load_image_folder, procedural_dataset
from reelcraft.models.gan.network import Discriminator, GanConfig, Generator
from reelcraft.models.gan.sample import latent_walk, walk_positions
from reelcraft.models.gan.train import TrainOptions, train

TINY = GanConfig(channels=8)


def test_generator_and_discriminator_shapes() -> None:
    g, d = Generator(TINY), Discriminator(TINY)
    z = torch.randn(3, TINY.z_dim)
    mood = torch.tensor([0, 3, 6])
    palette = torch.rand(3, 9)
    images = g(z, mood, palette)
    assert images.shape == (3, 3, 112, 64)
    assert images.abs().max() <= 1
    assert d(images, mood, palette).shape == (3,)


def _write_images(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        pixels = (rng.random((40 + i, 30 + 2 * i, 3)) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"img{i:02d}.png")


def test_mixed_image_folder_is_converted_and_broken_files_are_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    _write_images(folder, 10)
    Image.new("L", (80, 60), 128).save(folder / "grey.png")
    Image.new("CMYK", (50, 90), (10, 200, 30, 0)).save(folder / "cmyk.jpg")
    Image.new("P", (64, 64)).save(folder / "palette.gif")
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    Image.new("RGB", (4, 4)).save(folder / "tiny.png")
    data = load_image_folder(folder, 64, 112)
    assert data.images.shape == (13, 3, 112, 64)
    assert data.images.min() >= -1 and data.images.max() <= 1
    assert data.palettes.shape == (13, 9)
    assert {s.split(":")[0] for s in data.skipped} == {"corrupt.jpg", "tiny.png"}


def test_too_few_images_is_a_clear_error(tmp_path: Path) -> None:
    _write_images(tmp_path / "few", 9)
    with pytest.raises(GanDataError, match="only 9 usable image"):
        load_image_folder(tmp_path / "few", 64, 112)


def test_training_resumes_from_the_last_checkpoint(tmp_path: Path) -> None:
    data = procedural_dataset(21, 64, 112, seed=1)
    straight, resumed = tmp_path / "straight.pt", tmp_path / "resumed.pt"
    opts = TrainOptions(steps=6, batch=4, checkpoint_every=2, threads=1)
    train(data, straight, cfg=TINY, options=opts)
    # a run killed after step 4 (its last checkpoint), then resumed
    train(data, resumed, cfg=TINY, options=opts.model_copy(update={"steps": 4}))
    assert load_checkpoint(resumed)[1]["step"] == 4
    train(data, resumed, options=opts, resume=True)
    a, b = load_checkpoint(straight)[1], load_checkpoint(resumed)[1]
    assert b["step"] == 6
    for name, tensor in a["generator"].items():
        assert torch.allclose(tensor.float(), b["generator"][name].float(), atol=1e-5), name


def test_a_checkpoint_of_another_architecture_is_refused_clearly(tmp_path: Path) -> None:
    other = tmp_path / "other.pt"
    torch.save({"state_dict": {"conv.weight": torch.zeros(3)}}, other)
    with pytest.raises(CheckpointError, match="not a reelcraft GAN checkpoint"):
        load_generator(other)
    wrong = tmp_path / "wrong.pt"
    save_checkpoint(wrong, TINY, {"generator": Generator(GanConfig(channels=16)).state_dict()})
    with pytest.raises(CheckpointError, match="do not fit"):
        load_generator(wrong)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError, match="not a readable"):
        load_generator(garbage)


def test_latent_walk_is_smooth_and_follows_energy() -> None:
    torch.manual_seed(0)
    g = Generator(TINY)
    frames = np.stack(list(latent_walk(g, mood="epic", palette=np.full(9, 0.5), frames=90, fps=30, seed=2)))
    assert frames.shape == (90, 112, 64, 3) and frames.dtype == np.uint8
    change = np.abs(np.diff(frames.astype(np.float32), axis=0)).mean(axis=(1, 2, 3)) / 255
    assert np.percentile(change, 95) <= 0.04
    energy = np.concatenate([np.zeros(45), np.ones(45)])
    speed = np.diff(walk_positions(90, 30, energy))
    assert speed[60:].mean() > 4 * speed[:40].mean()


def test_fine_tuning_starts_from_an_exported_checkpoint(tmp_path: Path) -> None:
    from reelcraft.models.gan.checkpoint import export_generator

    data = procedural_dataset(14, 64, 112, seed=2)
    full, shipped, tuned = tmp_path / "full.pt", tmp_path / "shipped.pt", tmp_path / "tuned.pt"
    train(data, full, cfg=TINY, options=TrainOptions(steps=2, batch=4, threads=1))
    assert export_generator(full, shipped) < full.stat().st_size  # optimiser state dropped
    start = load_generator(shipped).state_dict()
    train(data, tuned, options=TrainOptions(steps=2, batch=4, threads=1), init_from=shipped)
    assert load_checkpoint(tuned)[1]["step"] == 2
    after = load_generator(tuned, ema=False).state_dict()
    assert any(not torch.equal(start[k], after[k]) for k in start if start[k].is_floating_point())
