"""Checking a brand kit's files when the kit is saved, so a bad font or logo is refused (or fixed) once, with the
reason, instead of failing a render later: fonts that are not fonts, logos far too big or without transparency,
intros and outros that will not play.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from fontTools.ttLib import TTCollection, TTFont, TTLibError
from PIL import Image, UnidentifiedImageError

from reelcraft.errors import BrandError, ReelcraftError
from reelcraft.media.fonts import FontChoice

LOGO_MAX_SIDE = 1024
"""A logo is drawn at most ~400 px wide: bigger files are scaled down once, when the kit is saved."""
LOGO_MAX_PIXELS = 80_000_000
CARD_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
CLIP_SUFFIXES = {".mp4", ".mov", ".m4v", ".webm", ".mkv"}
LATIN = "AaBbEeHhOoSs0123456789"


@dataclass
class Checked:
    """A brand file after its check: the file to store, and what the person should know about it."""

    path: Path
    notes: list[str] = field(default_factory=list)
    kind: str = ""
    duration: float | None = None
    has_audio: bool = False


def font_choice(path: Path) -> FontChoice:
    """The first face of a TTF/OTF/TTC, or a BrandError saying the file is not a font."""
    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            face = TTCollection(str(path), lazy=True).fonts[0]
        else:
            face = TTFont(str(path), lazy=True)
        cmap = face.getBestCmap() or {}
        family = str(face["name"].getDebugName(16) or face["name"].getDebugName(1) or "")
    except (TTLibError, OSError, KeyError, AssertionError, ValueError, IndexError) as exc:
        raise BrandError(f"{path.name} is not a font file ({type(exc).__name__}: {exc})",
                         "give a TrueType or OpenType font (.ttf or .otf)") from exc  # fmt: skip
    if not family:
        raise BrandError(f"{path.name} has no family name, so the caption renderer cannot find it",
                         "give a complete TrueType or OpenType font")  # fmt: skip
    missing = [c for c in LATIN if ord(c) not in cmap]
    if len(missing) > len(LATIN) // 2:
        raise BrandError(f"{path.name} ({family}) does not draw Latin letters ({''.join(missing)} missing)",
                         "give the text font of the brand, not a symbol or icon font")  # fmt: skip
    return FontChoice(path=path, index=0, family=family)


def check_font(path: Path) -> Checked:
    if not path.is_file():
        raise BrandError(f"font {path} does not exist", "give the path of the brand's .ttf or .otf")
    font = font_choice(path)
    from reelcraft.media.fonts import covers

    notes = [] if covers(font, "的") else [
        f"{font.family} has no Chinese characters: Chinese drafts draw them in Noto Sans CJK"]
    return Checked(path=path, notes=notes, kind="font")


def check_logo(path: Path, out: Path) -> Checked:
    """A PNG with transparency, at most LOGO_MAX_SIDE px: too big is scaled down; a logo on a flat background gets
    that background knocked out (else it is drawn as a rectangle, and the person is told)."""
    if not path.is_file():
        raise BrandError(f"logo {path} does not exist", "give the path of a PNG logo")
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # the size is checked here, before decoding
    notes: list[str] = []
    try:
        with Image.open(path) as img:
            w, h = img.size
            if w * h > LOGO_MAX_PIXELS:
                raise BrandError(f"logo {path.name} is {w}×{h} ({w * h / 1e6:.0f} MP), too large to open safely",
                                 f"export it at most {LOGO_MAX_SIDE} px on the long side")  # fmt: skip
            img.load()
            has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError) as exc:
        raise BrandError(f"logo {path.name} is not an image that opens: {exc}", "give a PNG logo") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    if max(w, h) > LOGO_MAX_SIDE:
        rgba.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE), Image.Resampling.LANCZOS)
        notes.append(f"the logo was {w}×{h}: scaled to {rgba.width}×{rgba.height} (it is drawn ~140 px wide)")
    alpha = np.asarray(rgba)[..., 3]
    if not has_alpha or alpha.min() == 255:
        keyed = _knock_out_background(rgba)
        if keyed is None:
            notes.append("the logo has no transparency and no plain background: it is drawn as a rectangle; "
                         "export a PNG with a transparent background for a cleaner look")  # fmt: skip
        else:
            rgba = keyed
            notes.append("the logo has no transparency: its plain background was made transparent")
    out.parent.mkdir(parents=True, exist_ok=True)
    rgba.save(out)
    return Checked(path=out, notes=notes, kind="logo")


def _knock_out_background(rgba: Image.Image) -> Image.Image | None:
    """The logo with its background made transparent, when the four corners share one colour."""
    pixels = np.asarray(rgba).astype(np.int16)
    corners = np.array([pixels[0, 0, :3], pixels[0, -1, :3], pixels[-1, 0, :3], pixels[-1, -1, :3]])
    if np.abs(corners - corners[0]).max() > 12:
        return None
    distance = np.abs(pixels[..., :3] - corners[0]).max(axis=2)
    alpha = np.clip((distance - 10) * 12, 0, 255).astype(np.uint8)  # soft edge over a few levels
    if (alpha > 0).mean() < 0.02:  # nothing would be left
        return None
    keyed = np.asarray(rgba).copy()
    keyed[..., 3] = np.minimum(keyed[..., 3], alpha)
    return Image.fromarray(keyed)


def check_clip(path: Path, role: str) -> Checked:
    """An intro or outro: a still card, or a clip that decodes; a clip without sound is fine (the music plays
    under it), and the person is told."""
    if not path.is_file():
        raise BrandError(f"{role} {path} does not exist", f"give the path of the {role} clip or card")
    suffix = path.suffix.lower()
    if suffix in CARD_SUFFIXES:
        try:
            with Image.open(path) as img:
                img.verify()
        except (UnidentifiedImageError, OSError) as exc:
            raise BrandError(f"{role} card {path.name} is not an image that opens: {exc}",
                             "give a PNG or JPEG card, or an MP4 clip") from exc  # fmt: skip
        return Checked(path=path, kind="image")
    if suffix not in CLIP_SUFFIXES:
        raise BrandError(f"{role} {path.name} is neither a clip nor a card",
                         f"give one of: {', '.join(sorted(CLIP_SUFFIXES | CARD_SUFFIXES))}")  # fmt: skip
    from reelcraft.media.probe import probe

    try:
        info = probe(path)
    except ReelcraftError as exc:
        raise BrandError(f"{role} clip {path.name} cannot be read: {exc.message}",
                         "export it again as an H.264 MP4") from exc  # fmt: skip
    if not info.width or not info.duration or info.duration <= 0.1:
        raise BrandError(f"{role} clip {path.name} has no picture", "give a clip with video")
    if info.duration > 10:
        raise BrandError(f"{role} clip {path.name} is {info.duration:.1f} s long",
                         f"keep an {role} under 10 s: viewers swipe away")  # fmt: skip
    notes = [] if info.audio_codec else [f"the {role} has no sound: the music plays under it"]
    return Checked(path=path, notes=notes, kind="video", duration=info.duration, has_audio=bool(info.audio_codec))


def store_copy(src: Path, folder: Path, digest: str) -> Path:
    """The file copied into the store under its content hash (the same file is stored once)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest[:20]}{src.suffix.lower()}"
    if not target.exists():
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(src, partial)
        partial.replace(target)
    return target
