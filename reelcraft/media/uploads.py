"""What a browser uploads is checked by its bytes, never by its name: a photo must decode as a photo of sane size,
a clip must be a video container ffprobe reads with a video stream. HTML renamed `.mp4`, archives (a zip bomb
among them), scripts and images that would decompress to gigabytes are refused before anything is stored."""

from __future__ import annotations

import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reelcraft.errors import VisualsError
from reelcraft.media.probe import probe

MAX_PIXELS = 50_000_000
"""A photo's pixel count above this is refused (a 50 MP camera's photo passes; a decompression bomb does not)."""
MAX_CLIP_SECONDS = 15 * 60

PHOTO_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    """A safe file name with the suffix of what the bytes are."""
    kind: str
    """'photo' or 'clip'."""
    data: bytes


def _looks_like(data: bytes) -> str | None:
    """The container the first bytes announce (None for anything that is not a photo or a clip we read)."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return "isobmff"  # mp4, mov
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"  # mkv, webm
    return None


def _what_it_is(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith(b"pk\x03\x04") or data[:4] == b"PK\x03\x04":
        return "a zip archive"
    if head.startswith((b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml")):
        return "HTML or XML text"
    if data[:2] == b"\x1f\x8b":
        return "a gzip archive"
    if data[:4] == b"\x7fELF" or data[:2] == b"MZ":
        return "a program"
    return "an unknown format"


def safe_name(name: str) -> str:
    stem = Path(name.replace("\\", "/")).stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-")[:60]
    return stem or "upload"


def check_upload(name: str, data: bytes, *, max_bytes: int) -> CheckedUpload:
    """The upload, if its bytes are a photo or clip within the limits; else a VisualsError saying what it is."""
    if len(data) > max_bytes:
        raise VisualsError(f"{name!r} is {len(data) / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit",
                           "trim the clip or export it smaller, then upload it again", stage="upload")  # fmt: skip
    if not data:
        raise VisualsError(f"{name!r} is empty", "upload the file again", stage="upload")
    kind = _looks_like(data)
    if kind is None:
        raise VisualsError(f"{name!r} is not a photo or a video: its contents are {_what_it_is(data)}",
                           "upload a JPEG, PNG or WebP photo, or an MP4, MOV, WebM or MKV clip",
                           stage="upload")  # fmt: skip
    if kind in ("jpeg", "png", "webp"):
        return _check_photo(name, data)
    return _check_clip(name, data)


def _check_photo(name: str, data: bytes) -> CheckedUpload:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise VisualsError(f"{name!r} is {width}×{height} pixels, more pixels than a photo needs",
                                   "resize it to at most 8000 pixels a side", stage="upload")  # fmt: skip
            fmt = image.format or ""
            image.verify()
    except VisualsError:
        raise
    except Image.DecompressionBombError as exc:
        raise VisualsError(f"{name!r} would decompress to more pixels than a photo needs",
                           "resize it to at most 8000 pixels a side", stage="upload") from exc  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - truncated, corrupt, or a decompression bomb
        raise VisualsError(f"{name!r} does not open as a photo ({type(exc).__name__})",
                           "export it again as JPEG or PNG", stage="upload") from exc  # fmt: skip
    return CheckedUpload(safe_name(name) + PHOTO_SUFFIX.get(fmt, ".jpg"), "photo", data)


def _check_clip(name: str, data: bytes) -> CheckedUpload:
    with tempfile.TemporaryDirectory(prefix="reelcraft-upload-") as folder:
        path = Path(folder) / "clip"
        path.write_bytes(data)
        try:
            info = probe(path)
        except Exception as exc:  # noqa: BLE001 - ffprobe could not read it
            raise VisualsError(f"{name!r} does not open as a video", "export it again as MP4 (H.264)",
                               stage="upload") from exc  # fmt: skip
    if not info.has_video:
        raise VisualsError(f"{name!r} has no picture", "upload a clip with video, not only sound", stage="upload")
    if info.duration > MAX_CLIP_SECONDS:
        raise VisualsError(f"{name!r} is {info.duration / 60:.0f} minutes long", "trim it to the part you want",
                           stage="upload")  # fmt: skip
    if data[4:8] == b"ftyp":
        suffix = ".mov" if data[8:12] == b"qt  " else ".mp4"
    else:
        suffix = ".webm" if b"webm" in data[:64] else ".mkv"
    return CheckedUpload(safe_name(name) + suffix, "clip", data)
