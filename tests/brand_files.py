"""Files a brand kit is made of, generated for tests: a Latin-only font from matplotlib's DejaVu set (a design
nothing else in reelcraft uses), logos, cards and clips."""

from __future__ import annotations

import subprocess
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw

LOGO_RGB = (255, 90, 54)
OUTRO_RGB = (200, 30, 200)


def latin_font() -> Path:
    """DejaVu Serif Bold: Latin only (no Chinese), and unlike the default Noto Sans CJK."""
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSerif-Bold.ttf"


def logo_png(path: Path, size: int = 600, colour: tuple[int, int, int] = LOGO_RGB) -> Path:
    """A solid disc on transparency."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((size // 30, size // 30, size - size // 30, size - size // 30), fill=(*colour, 255))
    img.save(path)
    return path


def flat_logo(path: Path, size: int = 400) -> Path:
    """A logo with no alpha channel: an orange square on white."""
    img = Image.new("RGB", (size, size), (255, 255, 255))
    ImageDraw.Draw(img).rectangle((size // 4, size // 4, 3 * size // 4, 3 * size // 4), fill=LOGO_RGB)
    img.save(path)
    return path


def busy_logo(path: Path, size: int = 300) -> Path:
    """No alpha and no plain background (noise to the edges)."""
    pixels = np.random.default_rng(3).integers(0, 255, (size, size, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def clip(path: Path, seconds: float, rgb: tuple[int, int, int] = OUTRO_RGB, *, sound: bool = True,
         size: str = "1080x1920") -> Path:  # fmt: skip
    """A flat-coloured H.264 clip, with a tone or silent."""
    colour = "0x" + "".join(f"{c:02X}" for c in rgb)
    args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color={colour}:s={size}:r=30:d={seconds}"]
    if sound:
        args += ["-f", "lavfi", "-i", f"sine=frequency=660:duration={seconds}:sample_rate=48000",
                 "-c:a", "aac", "-shortest"]  # fmt: skip
    args += ["-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(args, check=True)
    return path
