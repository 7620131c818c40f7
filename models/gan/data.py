"""Training images for the GAN: a folder of the creator's pictures, frames of their videos, or the
procedural backgrounds the default checkpoint is trained on (no downloads, ever).

Every image becomes RGB at the generator's 9:16 size with its palette (three dominant colours) as the
condition; unreadable files are skipped and reported, never fatal unless too few remain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from reelcraft.models.gan.network import MOOD_CLASSES

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
MIN_IMAGES = 10


class GanDataError(ValueError):
    """The training data cannot be used (too few readable images, no decodable frames)."""


@dataclass
class Dataset:
    images: np.ndarray
    """N × 3 × H × W float32 in [-1, 1]."""
    moods: np.ndarray
    """N int64 mood-class indices."""
    palettes: np.ndarray
    """N × 9 float32: three RGB colours in [0, 1]."""
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    def split(self, holdout: float, seed: int = 0) -> tuple[Dataset, Dataset]:
        order = np.random.default_rng(seed).permutation(len(self))
        cut = max(1, int(round(len(self) * holdout)))
        held, kept = order[:cut], order[cut:]
        return (Dataset(self.images[kept], self.moods[kept], self.palettes[kept]),
                Dataset(self.images[held], self.moods[held], self.palettes[held]))


def palette_of(image: Image.Image) -> np.ndarray:
    """Three dominant colours (median-cut on a thumbnail), darkest first, as 9 floats in [0, 1]."""
    small = image.convert("RGB").resize((32, 32), Image.Resampling.BILINEAR)
    quantized = small.quantize(colors=3, method=Image.Quantize.MEDIANCUT)
    values = (quantized.getpalette() or [0, 0, 0])[:9]
    values = (values * 3)[:9]  # a flat image quantizes to fewer than three colours: repeat them
    colours = np.array(values, dtype=np.float32).reshape(3, 3) / 255.0
    order = np.argsort(colours.sum(axis=1))
    return colours[order].reshape(-1)


def _to_array(image: Image.Image, width: int, height: int) -> np.ndarray:
    fitted = ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
    return (np.asarray(fitted, dtype=np.float32).transpose(2, 0, 1) / 127.5) - 1.0


def load_image_folder(folder: Path, width: int, height: int, mood: str = "upbeat_pop") -> Dataset:
    """Every readable image under `folder` (greyscale, CMYK, palette and RGBA are converted; corrupt
    files are skipped with a reason). At least MIN_IMAGES must remain."""
    if not folder.is_dir():
        raise GanDataError(f"image folder {folder} does not exist")
    if mood not in MOOD_CLASSES:
        raise GanDataError(f"unknown mood {mood!r}; use one of {', '.join(MOOD_CLASSES)}")
    arrays, palettes, skipped = [], [], []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        try:
            with Image.open(path) as image:
                image.load()
                if image.width < 16 or image.height < 16:
                    raise ValueError(f"too small ({image.width}×{image.height})")
                array, palette = _to_array(image, width, height), palette_of(image)
            arrays.append(array)
            palettes.append(palette)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
            skipped.append(f"{path.name}: {type(exc).__name__}: {str(exc)[:80]}")
    if len(arrays) < MIN_IMAGES:
        raise GanDataError(f"only {len(arrays)} usable image(s) in {folder} ({len(skipped)} skipped); "
                           f"training needs at least {MIN_IMAGES}")
    label = MOOD_CLASSES.index(mood)
    return Dataset(np.stack(arrays), np.full(len(arrays), label, dtype=np.int64), np.stack(palettes), skipped)


# --- procedural backgrounds: the default checkpoint's training set -----------------------------------

MOOD_PALETTES: dict[str, list[tuple[tuple[int, int, int], ...]]] = {
    "calm_lofi": [((40, 48, 92), (120, 110, 170), (230, 180, 200)), ((20, 60, 90), (70, 140, 170), (200, 225, 230))],
    "chinese": [((110, 20, 20), (200, 60, 40), (240, 200, 120)), ((30, 60, 50), (120, 160, 130), (235, 230, 210))],
    "warm_acoustic": [((110, 60, 30), (230, 150, 80), (255, 225, 170)),
                      ((90, 70, 40), (200, 170, 100), (250, 240, 210))],
    "dark_suspense": [((5, 5, 15), (30, 25, 60), (90, 40, 70)), ((0, 10, 10), (20, 50, 50), (80, 110, 100))],
    "upbeat_pop": [((250, 80, 110), (255, 190, 90), (255, 240, 140)),
                   ((60, 200, 220), (250, 100, 200), (255, 230, 80))],
    "corporate_tech": [((10, 30, 70), (30, 110, 200), (140, 220, 250)), ((20, 20, 40), (60, 80, 160), (120, 240, 220))],
    "epic": [((15, 20, 40), (160, 70, 20), (250, 180, 60)), ((30, 10, 10), (140, 30, 20), (240, 140, 40))],
}


def gan_mood(text: str) -> tuple[str, bool]:
    """Mood words → (mood class, whether any word matched), through the music's resolver: 'calm',
    'calm lo-fi' and '中国风' pick the same look as they pick music. Unmatched words give the default."""
    from reelcraft.models.music.moods import resolve_mood

    spec, matched = resolve_mood(text)
    return spec.profile, matched


def mood_palette(mood: str, index: int = 0) -> np.ndarray:
    """The mood class's `index`-th palette (cycling) as 3 × 3 RGB in [0, 1], the generator's condition."""
    choices = MOOD_PALETTES[mood]
    return np.asarray(choices[index % len(choices)], dtype=np.float32) / 255.0


def _procedural(rng: np.random.Generator, colours: np.ndarray, width: int, height: int, kind: int) -> Image.Image:
    """A gradient, light blobs (bokeh), soft waves or a blurred field, in three colours with jitter."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    ys, xs = ys / height, xs / width
    angle = rng.uniform(0, 2 * math.pi)
    t = np.clip((np.cos(angle) * (xs - 0.5) + np.sin(angle) * (ys - 0.5)) * rng.uniform(0.8, 1.6) + 0.5, 0, 1)
    base = np.where(t[..., None] < 0.5, colours[0] + (colours[1] - colours[0]) * (t[..., None] * 2),
                    colours[1] + (colours[2] - colours[1]) * (t[..., None] * 2 - 1))
    if kind == 1:  # bokeh: soft discs of light
        for _ in range(int(rng.integers(4, 12))):
            cy, cx, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.04, 0.18)
            d = np.sqrt(((ys - cy) * height / width) ** 2 + (xs - cx) ** 2)
            glow = np.clip(1 - d / r, 0, 1) ** 1.5 * rng.uniform(0.3, 0.8)
            base = base + glow[..., None] * (colours[2] - base)
    elif kind == 2:  # waves
        f = rng.uniform(2, 6)
        wave = 0.5 + 0.5 * np.sin(2 * math.pi * (f * ys + 0.3 * np.sin(2 * math.pi * rng.uniform(1, 3) * xs)))
        base = base * (0.7 + 0.3 * wave[..., None])
    elif kind == 3:  # a blurred random field
        field_ = rng.random((max(2, height // 16), max(2, width // 16)))
        big = np.asarray(Image.fromarray((field_ * 255).astype(np.uint8)).resize((width, height),
                                                                                  Image.Resampling.BICUBIC))
        base = base + (big[..., None] / 255.0 - 0.5) * 0.35 * (colours[2] - colours[0])
    image = Image.fromarray(np.clip(base * 255, 0, 255).astype(np.uint8))
    return image.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.0, 1.2)))


def procedural_dataset(count: int, width: int, height: int, seed: int = 0) -> Dataset:
    """`count` procedural backgrounds spread over the moods, each with its mood's palettes (jittered)."""
    rng = np.random.default_rng(seed)
    arrays, moods, palettes = [], [], []
    for i in range(count):
        mood = MOOD_CLASSES[i % len(MOOD_CLASSES)]
        choice = MOOD_PALETTES[mood][int(rng.integers(len(MOOD_PALETTES[mood])))]
        colours = np.clip(np.array(choice, dtype=np.float32) / 255.0 + rng.normal(0, 0.05, (3, 3)), 0, 1)
        image = _procedural(rng, colours, width, height, int(rng.integers(4)))
        arrays.append(_to_array(image, width, height))
        moods.append(MOOD_CLASSES.index(mood))
        palettes.append(palette_of(image))
    return Dataset(np.stack(arrays), np.array(moods, dtype=np.int64), np.stack(palettes))


VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi"}


def frames_from_videos(folder: Path, out_dir: Path, *, every_s: float = 0.5, scene_threshold: float = 0.3,
                       ffmpeg: str = "ffmpeg") -> list[str]:
    """Extract training frames from every video in `folder`: one at each scene change and at least one
    every `every_s` seconds within a scene (so long static shots do not dominate and no cut is missed).
    Returns the videos that gave no frames; raises GanDataError when none gave any."""
    import subprocess

    if not folder.is_dir():
        raise GanDataError(f"video folder {folder} does not exist")
    videos = sorted(p for p in folder.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES)
    if not videos:
        raise GanDataError(f"no videos ({', '.join(sorted(VIDEO_SUFFIXES))}) in {folder}")
    out_dir.mkdir(parents=True, exist_ok=True)
    failed = []
    select = (f"select='isnan(prev_selected_t)+gt(scene\\,{scene_threshold})"
              f"+gte(t-prev_selected_t\\,{every_s})'")
    for index, video in enumerate(videos):
        pattern = out_dir / f"v{index:03d}-%05d.jpg"
        done = subprocess.run([ffmpeg, "-v", "error", "-nostdin", "-i", str(video), "-vf",
                               f"{select},scale=160:-2", "-vsync", "vfr", "-q:v", "3", str(pattern)],
                              capture_output=True, text=True, timeout=1800)  # fmt: skip
        if done.returncode != 0 or not any(out_dir.glob(f"v{index:03d}-*.jpg")):
            reason = done.stderr.strip().splitlines()[-1][:120] if done.stderr.strip() else "no frames"
            failed.append(f"{video.name}: {reason}")
    if len(failed) == len(videos):
        raise GanDataError(f"no decodable frames in any video of {folder}: " + "; ".join(failed[:3]))
    return failed
