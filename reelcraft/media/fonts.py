"""Find a font that covers the script's characters, for both libass and Pillow measurements."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont
from pydantic import BaseModel

from reelcraft.errors import CaptionError

# Noto Sans CJK covers Latin, Simplified Chinese and punctuation with one consistent design.
_CANDIDATES: list[tuple[str, str]] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Black.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei"),
]


class FontChoice(BaseModel):
    path: Path
    index: int
    """Face index inside a .ttc collection."""
    family: str
    """Family name libass looks up."""

    @property
    def directory(self) -> Path:
        return self.path.parent


def _faces(path: Path) -> list[TTFont]:
    if path.suffix.lower() in (".ttc", ".otc"):
        return list(TTCollection(str(path), lazy=True).fonts)
    return [TTFont(str(path), lazy=True)]


def _family(face: TTFont) -> str:
    name = face["name"]
    return str(name.getDebugName(16) or name.getDebugName(1) or "")


@lru_cache(maxsize=16)
def _cmap(path: str, index: int) -> frozenset[int]:
    return frozenset(_faces(Path(path))[index].getBestCmap() or {})


def _locate(path: Path, family: str) -> FontChoice | None:
    if not path.is_file():
        return None
    for index, face in enumerate(_faces(path)):
        if _family(face) == family:
            return FontChoice(path=path, index=index, family=family)
    return None


def find_caption_font(configured: Path | None = None) -> FontChoice:
    """The configured font, else Noto Sans CJK SC / WenQuanYi, else what fontconfig offers for zh."""
    if configured is not None:
        faces = _faces(configured) if configured.is_file() else []
        if not faces:
            raise CaptionError(f"font {configured} does not exist", "fix REELCRAFT_FONT_CJK")
        return FontChoice(path=configured, index=0, family=_family(faces[0]))
    for path, family in _CANDIDATES:
        found = _locate(Path(path), family)
        if found:
            return found
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{family[0]}", ":lang=zh-cn:weight=bold"],
            capture_output=True, text=True, timeout=10,
        ).stdout.splitlines()  # fmt: skip
        if len(out) == 2 and _locate(Path(out[0]), out[1]):
            return _locate(Path(out[0]), out[1])  # type: ignore[return-value]
    except (OSError, subprocess.SubprocessError):
        pass
    raise CaptionError("no font with Chinese glyphs is installed", "apt-get install fonts-noto-cjk (make install)")


_SYMBOL_CANDIDATES = [
    ("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf", "Symbola"),
    ("/usr/share/fonts/truetype/symbola/Symbola.ttf", "Symbola"),
]


def find_symbol_font() -> FontChoice | None:
    """A monochrome emoji/symbol font libass can draw (colour emoji fonts it cannot)."""
    for path, family in _SYMBOL_CANDIDATES:
        found = _locate(Path(path), family)
        if found:
            return found
    return None


class FontMetrics(BaseModel):
    line_units: int
    """Ascent plus descent in font units: what libass calls the font's size."""
    cap_units: int
    """Height of a capital letter in font units."""


@lru_cache(maxsize=16)
def _metrics(path: str, index: int) -> FontMetrics:
    face = _faces(Path(path))[index]
    hhea, os2 = face["hhea"], face.get("OS/2")
    line = hhea.ascent - hhea.descent
    if line <= 0 and os2 is not None:
        line = os2.usWinAscent + os2.usWinDescent
    cap = getattr(os2, "sCapHeight", 0) if os2 is not None else 0
    if not cap:  # old fonts: measure the H
        glyph_set, cmap = face.getGlyphSet(), face.getBestCmap() or {}
        from fontTools.pens.boundsPen import BoundsPen

        pen = BoundsPen(glyph_set)
        if ord("H") in cmap:
            glyph_set[cmap[ord("H")]].draw(pen)
        cap = round(pen.bounds[3]) if pen.bounds else round(0.7 * face["head"].unitsPerEm)
    return FontMetrics(line_units=max(1, line), cap_units=max(1, cap))


def font_metrics(font: FontChoice) -> FontMetrics:
    return _metrics(str(font.path), font.index)


def covers(font: FontChoice, char: str) -> bool:
    return ord(char) in _cmap(str(font.path), font.index)


def missing_glyphs(font: FontChoice, text: str) -> set[str]:
    """Characters the font cannot draw (they would render as boxes)."""
    cmap = _cmap(str(font.path), font.index)
    return {ch for ch in set(text) if not ch.isspace() and ord(ch) not in cmap}
