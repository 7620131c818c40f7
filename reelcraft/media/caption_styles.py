"""Caption styles as data (data/caption_styles.toml): what a creator picks by name, and the sizes that follow from a
style, a font and a frame.

A style's size is a cap height (a share of the frame height), not a font size: libass sizes a font by its ascent
plus descent, which differs from font to font, so the same style drawn in a brand's font reads at the same size.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reelcraft.errors import CaptionError
from reelcraft.media.fonts import FontChoice, font_metrics

STYLES_FILE = Path(__file__).with_name("data") / "caption_styles.toml"
DEFAULT_STYLE = "pop"
HEX = r"^#[0-9A-Fa-f]{6}$"


class CaptionStyle(BaseModel):
    """One named caption style (see the data file's header for what each field does)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    description: str
    layout: Literal["pop", "karaoke", "line"]
    position: Literal["middle", "bottom"]
    y: float = Field(default=1.0, ge=0.3, le=1.0)
    align: Literal["centre", "left"] = "centre"
    cap_height: float = Field(ge=0.02, le=0.08)
    max_words: int = Field(ge=1, le=12)
    max_lines: int = Field(ge=1, le=3)
    uppercase: bool = False
    text: str = Field(pattern=HEX)
    accent: str = Field(pattern=HEX)
    emphasis: str = Field(pattern=HEX)
    emphasis_scale: float = Field(default=1.0, ge=1.0, le=1.4)
    pop_scale: float = Field(default=1.0, ge=1.0, le=1.4)
    outline: float = Field(default=0.0, ge=0.0, le=0.3)
    outline_colour: str = Field(default="#000000", pattern=HEX)
    shadow: float = Field(default=0.0, ge=0.0, le=0.2)
    box: bool = False
    box_colour: str = Field(default="#000000", pattern=HEX)
    box_opacity: float = Field(default=0.75, ge=0.0, le=1.0)
    box_padding: float = Field(default=0.0, ge=0.0, le=0.5)
    emoji: bool = False


@lru_cache(maxsize=1)
def caption_styles() -> dict[str, CaptionStyle]:
    """Every shipped style by name, in the file's order."""
    raw = tomllib.loads(STYLES_FILE.read_text(encoding="utf-8"))
    try:
        return {name: CaptionStyle(name=name, **fields) for name, fields in raw.items()}
    except ValidationError as exc:  # a broken data file is a packaging bug: say which style
        raise CaptionError(f"the caption styles file is invalid: {exc}", f"fix {STYLES_FILE}") from exc


def caption_style(name: str) -> CaptionStyle:
    """A style by name ('boxed', 'Word pop' and 'word-pop' alike); an unknown name lists the styles."""
    styles = caption_styles()
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    found = styles.get(key) or next((s for s in styles.values() if s.title.lower().replace(" ", "_") == key), None)
    if found is None:
        raise CaptionError(f"unknown caption style {name!r}",
                           "use one of: " + ", ".join(f"{s.name} ({s.title})" for s in styles.values()))  # fmt: skip
    return found


def font_size_for(style: CaptionStyle, font: FontChoice, frame_height: int, scale: float = 1.0) -> int:
    """The libass font size that gives the style's cap height in this font."""
    metrics = font_metrics(font)
    cap_px = style.cap_height * frame_height * scale
    return max(8, round(cap_px * metrics.line_units / metrics.cap_units))


def line_height(size: int) -> float:
    """libass puts lines one font size apart (the size is the font's ascent plus descent)."""
    return float(size)


def edge(style: CaptionStyle, size: int) -> float:
    """How far outline and shadow, or the box's padding, reach beyond the letters, pixels."""
    return size * (style.box_padding if style.box else style.outline + style.shadow)


def block_height(style: CaptionStyle, size: int) -> float:
    """The tallest the caption block gets: its lines at their biggest (emphasis, pop) plus its edge."""
    return style.max_lines * line_height(size) * max(style.emphasis_scale, style.pop_scale) + 2 * edge(style, size)


def caption_band(style: CaptionStyle, font: FontChoice, safe_box: tuple[int, int, int, int], frame_height: int,
                 scale: float = 1.0) -> tuple[float, float]:  # fmt: skip
    """(top, bottom) pixels the caption block can fill: the pictures stay above it."""
    size = font_size_for(style, font, frame_height, scale)
    block = block_height(style, size)
    _, top, _, bottom = safe_box
    if style.position == "bottom":
        return bottom - block, float(bottom)
    centre = top + style.y * (bottom - top)
    low = min(float(bottom), centre + block / 2)
    return low - block, low
