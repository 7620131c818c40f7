"""The transparent pictures laid over a scene: an illustration with a soft shadow, and a kinetic-text sticker.

Both are RGBA PNGs written into a cache folder; the renderer only positions and animates them.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from reelcraft.media.fonts import FontChoice
from reelcraft.media.illustrations import render_png

SHADOW_MARGIN = 0.12
"""Canvas around a picture for its shadow, as a share of the picture's size on each side."""


def picture_sprite(svg: str, size: int, out: Path) -> Path:
    """The picture at `size` pixels on a canvas with a soft drop shadow, so a bright emoji still reads on a
    bright background. The canvas is (1 + 2·SHADOW_MARGIN)·size square."""
    drawn = render_png(svg, size, out.with_suffix(".raw.png"))
    with Image.open(drawn) as loaded:
        picture = loaded.convert("RGBA")
    drawn.unlink(missing_ok=True)
    margin = round(size * SHADOW_MARGIN)
    canvas = Image.new("RGBA", (size + 2 * margin, size + 2 * margin), (0, 0, 0, 0))
    alpha = picture.getchannel("A").point(lambda a: a * 0.45)
    shadow = Image.new("RGBA", picture.size, (12, 10, 30, 0))
    shadow.putalpha(alpha)
    canvas.paste(shadow, (margin, margin + round(size * 0.04)), shadow)
    canvas = canvas.filter(ImageFilter.GaussianBlur(max(2, size // 40)))
    canvas.alpha_composite(picture, (margin, margin))
    canvas.save(out)
    return out


def text_sticker(text: str, font: FontChoice, height: int, colour: tuple[int, int, int], out: Path) -> Path:
    """Big text on a rounded pill in the video's accent colour, white letters with a thin dark edge: the
    scene's key figure ("$2", "7:00") as a sticker."""
    size = round(height * 0.62)
    face = ImageFont.truetype(str(font.path), size, index=font.index)
    left, top, right, bottom = face.getbbox(text, stroke_width=max(1, size // 28))
    pad_x, pad_y = round(height * 0.32), round((height - (bottom - top)) / 2)
    width = right - left + 2 * pad_x
    shadow_gap = max(2, height // 14)
    image = Image.new("RGBA", (width + shadow_gap, height + shadow_gap), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    radius = height // 2
    draw.rounded_rectangle((shadow_gap, shadow_gap, width + shadow_gap - 1, height + shadow_gap - 1), radius,
                           fill=(10, 8, 24, 110))  # fmt: skip
    draw.rounded_rectangle((0, 0, width - 1, height - 1), radius, fill=(*colour, 255),
                           outline=(255, 255, 255, 255), width=max(2, height // 24))  # fmt: skip
    draw.text((pad_x - left, pad_y - top), text, font=face, fill=(255, 255, 255, 255),
              stroke_width=max(1, size // 28), stroke_fill=(20, 16, 40, 255))  # fmt: skip
    image.save(out)
    return out
