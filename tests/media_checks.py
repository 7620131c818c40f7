"""Checks on rendered files, shared by end-to-end tests (ffprobe, loudness, libass frames)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pyloudnorm
import soundfile as sf
from PIL import Image

from reelcraft.media.loudness import true_peak_db


def decoded_audio(video: Path, tmp: Path) -> tuple[np.ndarray, int]:
    wav = tmp / f"{video.stem}.decoded.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-vn", "-ac", "2", "-ar", "48000", str(wav)],
                   check=True)
    data, rate = sf.read(str(wav), always_2d=True)
    return data, rate


def loudness_figures(video: Path, tmp: Path) -> dict[str, float]:
    data, rate = decoded_audio(video, tmp)
    return {
        "lufs": float(pyloudnorm.Meter(rate).integrated_loudness(data)),
        "true_peak_db": true_peak_db(data),
        "rms": float(np.sqrt(np.mean(data**2))),
    }


def render_ass_frames(ass: Path, fonts_dir: Path | None, times: list[float], width: int, height: int,
                      tmp: Path) -> tuple[list[np.ndarray], str]:
    """Draw the subtitles alone on black with libass at `times`; returns frames and libass's log."""
    out = tmp / "ass_frames"
    out.mkdir(exist_ok=True)
    numbers = sorted({round(t * 30) for t in times})
    select = "+".join(f"eq(n\\,{n})" for n in numbers)
    filt = f"ass=filename={ass}" + (f":fontsdir={fonts_dir}" if fonts_dir else "") + f",select='{select}'"
    proc = subprocess.run(
        ["ffmpeg", "-v", "verbose", "-y", "-f", "lavfi",
         "-i", f"color=black:s={width}x{height}:r=30:d={max(times) + 0.5:.2f}",
         "-vf", filt, "-fps_mode", "passthrough", str(out / "f%04d.png")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    files = sorted(out.glob("f*.png"))
    assert len(files) == len(numbers), proc.stderr[-2000:]
    frames = [np.asarray(Image.open(f).convert("RGB")) for f in files]
    return frames, proc.stderr


def ink_box(frame: np.ndarray, threshold: int = 24) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of everything not black, or None for an empty frame."""
    mask = frame.max(axis=2) > threshold
    if not mask.any():
        return None
    ys, xs = np.where(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
