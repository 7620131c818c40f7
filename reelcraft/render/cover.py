"""The draft's cover: its sharpest scene frame (never mid-transition), drawn again without captions, with the title
set big in the brand's font inside the safe area. A cover must read as a thumbnail, so the title is large, short
lines, white with a heavy dark edge, and a bar in the brand colour under it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from reelcraft.media.fonts import FontChoice, covers
from reelcraft.media.probe import ffmpeg_binary

TITLE_SHARES = (0.072, 0.062, 0.053, 0.045)
"""Title font sizes (em) as shares of the frame height: the biggest that fits in three lines wins."""
MAX_TITLE_LINES = 3


def sharpness(frame: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image: high for crisp detail, low for blur and dissolves."""
    grey = frame.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return float(ndimage.laplace(grey).var())


def pick_cover_time(video: Path, candidates: list[float], width: int, height: int, zone: tuple[int, int],
                    ffmpeg: str = "") -> float:  # fmt: skip
    """The candidate time whose frame is sharpest within `zone` (rows between the headline and the captions, so
    burned-in text does not decide)."""
    if len(candidates) == 1:
        return candidates[0]
    fps = 30
    numbers = sorted({round(t * fps) for t in candidates})
    select = "+".join(f"eq(n\\,{n})" for n in numbers)
    args = [ffmpeg_binary(ffmpeg), "-v", "error", "-i", str(video), "-vf",
            f"select='{select}',scale={width // 4}:{height // 4}", "-fps_mode", "passthrough",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]  # fmt: skip
    raw = subprocess.run(args, capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, height // 4, width // 4, 3)
    top, bottom = zone[0] // 4, max(zone[0] // 4 + 8, zone[1] // 4)
    scores = [sharpness(f[top:bottom]) for f in frames]
    best = int(np.argmax(scores)) if scores else 0
    return numbers[min(best, len(numbers) - 1)] / fps


def _lines(text: str, face: ImageFont.FreeTypeFont, max_width: float, cjk: bool) -> list[str]:
    tokens = list(text) if cjk else text.split()
    sep = "" if cjk else " "
    lines: list[str] = []
    for token in tokens:
        trial = f"{lines[-1]}{sep}{token}" if lines else token
        if lines and face.getlength(trial) <= max_width:
            lines[-1] = trial
        else:
            lines.append(token)
    if len(lines) >= 2 and len(lines[-1].split()) == 1 and not cjk:  # no word alone on the last line
        head, last = lines[-2].rsplit(" ", 1) if " " in lines[-2] else (None, None)
        if head and last and face.getlength(f"{last} {lines[-1]}") <= max_width:
            lines[-2], lines[-1] = head, f"{last} {lines[-1]}"
    return lines


def design_cover(frame: Image.Image, title: str, font: FontChoice, fallback: FontChoice | None,
                 safe_box: tuple[int, int, int, int], accent: str, out: Path) -> Path:  # fmt: skip
    """The title over the frame: as big as fits in three lines of the safe area's width, in the upper part of the
    safe area (below a logo in a top corner), white with a dark edge over a soft shade, with a bar in the accent
    colour below it."""
    width, height = frame.size
    left, top, right, bottom = safe_box
    cjk = any("\u4e00" <= c <= "\u9fff" for c in title)
    chosen = font if fallback is None or all(covers(font, c) for c in title if not c.isspace()) else fallback
    max_width = (right - left) * 0.94
    for share in TITLE_SHARES:
        face = ImageFont.truetype(str(chosen.path), round(share * height), index=chosen.index)
        lines = _lines(title, face, max_width, cjk)
        if len(lines) <= MAX_TITLE_LINES and all(face.getlength(line) <= max_width for line in lines):
            break
    size = face.size
    stroke = max(2, size // 14)
    line_h = round(size * 1.12)
    block_h = line_h * len(lines)
    y0 = round(top + 0.22 * (bottom - top))  # below a logo in a top corner
    canvas = frame.convert("RGBA")
    shade = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    ImageDraw.Draw(shade).rectangle((0, y0 - size // 2, width, y0 + block_h + size // 2), fill=(0, 0, 0, 110))
    canvas = Image.alpha_composite(canvas, shade)
    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(lines):
        w = face.getlength(line)
        draw.text(((width - w) / 2, y0 + i * line_h), line, font=face, fill=(255, 255, 255, 255),
                  stroke_width=stroke, stroke_fill=(10, 10, 10, 255))  # fmt: skip
    bar_y = y0 + block_h + round(size * 0.18)
    bar_w = min(max_width, max(face.getlength(line) for line in lines)) * 0.5
    rgb = tuple(int(accent[i : i + 2], 16) for i in (1, 3, 5))
    draw.rounded_rectangle(((width - bar_w) / 2, bar_y, (width + bar_w) / 2, bar_y + max(6, size // 9)),
                           radius=max(3, size // 18), fill=(*rgb, 255))  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.part.jpg")
    canvas.convert("RGB").save(partial, quality=92)
    partial.replace(out)
    return out
