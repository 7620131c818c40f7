"""Render a `Timeline` to an MP4: audio mixed and normalised in numpy, picture composed by one
ffmpeg filter graph (moves, cuts, burned-in libass captions) and encoded in the same pass.

Composing in ffmpeg instead of frame by frame in Python is what makes a 30 s 1080×1920 render take
seconds rather than minutes on two cores (see DESIGN.md).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyloudnorm
import soundfile as sf
from pedalboard import Limiter, Pedalboard
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict
from scipy.signal import resample_poly

from reelcraft.encoders import pick_encoder
from reelcraft.errors import RenderError
from reelcraft.frames import FrameSource, frame_source
from reelcraft.media import ffmpeg_binary, run_ffmpeg
from reelcraft.timeline import Motion, Timeline, VisualClip

SAMPLE_RATE = 48_000
ZOOM_AMOUNT = 0.08
DUCK_DB = -12.0
MAX_SOURCE_PIXELS = 80_000_000
MAX_SOURCE_SIDE = 16_384
ENCODER_HEADROOM_DB = 1.0
"""AAC encoding overshoots the PCM peak by up to ~1 dB: the mix keeps that much below the target."""


def _load_audio(path: Path) -> np.ndarray:
    """Stereo float32 at 48 kHz."""
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise RenderError(f"cannot read audio {path.name}: {exc}", "re-run to regenerate the asset") from exc
    if rate != SAMPLE_RATE:
        divisor = np.gcd(rate, SAMPLE_RATE)
        data = resample_poly(data, SAMPLE_RATE // divisor, rate // divisor, axis=0).astype(np.float32)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    return data[:, :2]


def _envelope(mask: np.ndarray, attack_s: float = 0.05, release_s: float = 0.3) -> np.ndarray:
    """Smooth a 0/1 activity mask into a gain curve (fast attack, slow release)."""
    out = np.empty_like(mask, dtype=np.float32)
    a = np.exp(-1.0 / (attack_s * SAMPLE_RATE))
    r = np.exp(-1.0 / (release_s * SAMPLE_RATE))
    level = 0.0
    # vectorising this recursion is not worth it at audio-rate for short videos; use a decimated pass
    step = 240
    coarse = mask[::step].astype(np.float32)
    smooth = np.empty_like(coarse)
    a_c, r_c = a**step, r**step
    for i, target in enumerate(coarse):
        coef = a_c if target > level else r_c
        level = coef * level + (1 - coef) * target
        smooth[i] = level
    out[:] = np.repeat(smooth, step)[: len(mask)]
    return out


def true_peak_db(audio: np.ndarray) -> float:
    """Peak of the 4× oversampled signal (ITU-R BS.1770 true peak approximation)."""
    over = resample_poly(audio, 4, 1, axis=0)
    peak = float(np.max(np.abs(over))) if over.size else 0.0
    return 20 * np.log10(peak) if peak > 0 else -120.0


def mix_audio(timeline: Timeline, out_wav: Path) -> dict[str, float]:
    """Place every clip, duck music under voice, normalise to the target loudness and true peak."""
    length = int(round(timeline.duration * SAMPLE_RATE))
    voice = np.zeros((length, 2), dtype=np.float32)
    music = np.zeros((length, 2), dtype=np.float32)
    ducked = np.zeros((length, 2), dtype=np.float32)
    for clip in timeline.audio:
        data = _load_audio(clip.source) * np.float32(10 ** (clip.gain_db / 20))
        begin = int(round(clip.start * SAMPLE_RATE))
        end = min(length, begin + len(data))
        if end <= begin:
            continue
        target = voice if clip.role == "voice" else ducked if clip.duck_under_voice else music
        target[begin:end] += data[: end - begin]
    if np.any(ducked):
        active = np.abs(voice).max(axis=1) > 1e-3
        gain = 1.0 + (10 ** (DUCK_DB / 20) - 1.0) * _envelope(active)
        music += ducked * gain[:, None]
    mix = voice + music
    meter = pyloudnorm.Meter(SAMPLE_RATE)
    loudness = meter.integrated_loudness(mix.astype(np.float64))
    if not np.isfinite(loudness):
        raise RenderError("the audio mix is silent", "check that the voiceover was generated")
    ceiling = timeline.true_peak_db - ENCODER_HEADROOM_DB
    limiter = Pedalboard([Limiter(threshold_db=ceiling - 0.5, release_ms=80)])
    out = mix
    for _ in range(4):  # gain, limit, re-measure: converges in one or two passes
        out = mix * np.float32(10 ** ((timeline.loudness_lufs - loudness) / 20))
        out = limiter(out.T.copy(), SAMPLE_RATE).T
        peak = true_peak_db(out)
        if peak > ceiling:
            out = out * np.float32(10 ** ((ceiling - peak) / 20))
        measured = meter.integrated_loudness(out.astype(np.float64))
        if abs(measured - timeline.loudness_lufs) <= 0.3:
            break
        loudness += measured - timeline.loudness_lufs
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(out_wav), out, SAMPLE_RATE, subtype="PCM_24")
    return {"lufs": float(meter.integrated_loudness(out.astype(np.float64))), "true_peak_db": true_peak_db(out)}


def _escape_filter_path(path: Path) -> str:
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'").replace(",", "\\,")


class RenderProfile(BaseModel):
    """Quality/speed trade-off: `preview` for iterating in chat, `final` for publishing."""

    model_config = ConfigDict(frozen=True)

    name: str
    scale: float
    """Output size relative to the platform preset."""
    x264_preset: str
    crf: int
    audio_bitrate: str


PROFILES = {
    "final": RenderProfile(name="final", scale=1.0, x264_preset="veryfast", crf=20, audio_bitrate="192k"),
    "preview": RenderProfile(name="preview", scale=0.5, x264_preset="ultrafast", crf=27, audio_bitrate="128k"),
}


def profile_named(name: str) -> RenderProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise RenderError(f"unknown render profile {name!r}", f"use one of: {', '.join(PROFILES)}") from None


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def check_sources(timeline: Timeline, work_dir: Path) -> dict[int, Path]:
    """Every source exists, is non-empty and decodable at a sane size; returns substitutes for huge JPEGs."""
    substitutes: dict[int, Path] = {}
    for index, clip in enumerate(sorted(timeline.visuals, key=lambda c: c.start)):
        if clip.kind == "frames" or clip.source is None:
            continue
        if not clip.source.is_file():
            raise RenderError(f"source {clip.source} is missing", "restore the file or re-run the visuals step")
        if clip.source.stat().st_size == 0:
            raise RenderError(f"source {clip.source.name} is empty (0 bytes)", "replace the file")
        if clip.kind == "image":
            shrunk = _check_image(clip.source, work_dir / f"shrunk-{index}.jpg", timeline.width, timeline.height)
            if shrunk is not None:
                substitutes[index] = shrunk
    return substitutes


def _check_image(path: Path, shrunk: Path, width: int, height: int) -> Path | None:
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # only the header is read here; the size is checked below
    try:
        with Image.open(path) as img:
            w, h = img.size
            if w * h <= MAX_SOURCE_PIXELS and max(w, h) <= MAX_SOURCE_SIDE:
                return None
            if img.format != "JPEG":
                raise RenderError(
                    f"image {path.name} is {w}×{h} ({w * h / 1e6:.0f} MP), too large to decode safely",
                    f"downscale it to at most {MAX_SOURCE_SIDE} px on the long side",
                )
            img.draft("RGB", (max(width, w // 8), max(height, h // 8)))  # JPEG decodes at 1/2…1/8 scale
            img = img.convert("RGB")
            img.thumbnail((max(width, height) * 2, max(width, height) * 2))
            img.save(shrunk, quality=92)
            return shrunk
    except (UnidentifiedImageError, OSError) as exc:
        raise RenderError(f"image {path.name} cannot be read: {exc}", "replace the file") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def _spans(clips: list[VisualClip]) -> list[tuple[float, float]]:
    """(seconds rendered, head overlap) per clip: crossfades overlap half on each side of the cut."""
    out = []
    for i, clip in enumerate(clips):
        head = clip.crossfade_in / 2
        tail = clips[i + 1].crossfade_in / 2 if i + 1 < len(clips) else 0.0
        out.append((clip.duration + head + tail, head))
    return out


def _clip_filter(index: int, clip: VisualClip, seconds: float, width: int, height: int, fps: int) -> str:
    frames = max(1, round(seconds * fps))
    cover = (f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic,"
             f"crop={width}:{height},setsar=1")
    if clip.kind == "video":
        chain = f"fps={fps},{cover}"
    elif clip.kind == "frames":
        chain = cover.replace("flags=bicubic", "flags=lanczos")
    else:
        progress = f"(on/{frames})"
        zoom = {
            Motion.ZOOM_IN: f"1+{ZOOM_AMOUNT}*{progress}",
            Motion.ZOOM_OUT: f"{1 + ZOOM_AMOUNT}-{ZOOM_AMOUNT}*{progress}",
            Motion.NONE: "1",
        }.get(clip.motion, f"{1 + ZOOM_AMOUNT / 2}")
        x = {
            Motion.PAN_LEFT: f"(iw-iw/zoom)*(1-{progress})",
            Motion.PAN_RIGHT: f"(iw-iw/zoom)*{progress}",
        }.get(clip.motion, "(iw-iw/zoom)/2")
        chain = f"{cover},zoompan=z='{zoom}':x='{x}':y='(ih-ih/zoom)/2':d=1:s={width}x{height}:fps={fps}"
    return (f"[{index}:v]{chain},trim=end_frame={frames},setpts=PTS-STARTPTS,format=yuv420p,"
            f"settb=AVTB[v{index}]")


def _clip_inputs(clip: VisualClip, source: Path | None, seconds: float, head: float, fps: int,
                 fifo: Path | None, native: tuple[int, int] | None) -> list[str]:
    if clip.kind == "frames":
        assert fifo is not None and native is not None
        return ["-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", f"{native[0]}x{native[1]}",
                "-framerate", str(fps), "-i", str(fifo)]
    if clip.kind == "image":
        return ["-loop", "1", "-framerate", str(fps), "-t", f"{seconds + 1:.3f}", "-i", str(source)]
    start = max(0.0, clip.source_in - head)
    loop = clip.source_duration is not None and clip.source_duration - start < seconds
    args = ["-stream_loop", "-1"] if loop else ["-ss", f"{start:.3f}"]
    return [*args, "-t", f"{seconds + 1:.3f}", "-i", str(source)]


def _join(clips: list[VisualClip], spans: list[tuple[float, float]]) -> list[str]:
    """Cuts only: one concat. With crossfades: a chain of xfade (and concat for the cuts between them)."""
    if not any(c.crossfade_in for c in clips):
        joined = "".join(f"[v{i}]" for i in range(len(clips)))
        return [f"{joined}concat=n={len(clips)}:v=1:a=0[vcat]"]
    filters, current, length = [], "v0", spans[0][0]
    for i in range(1, len(clips)):
        label = "vcat" if i == len(clips) - 1 else f"x{i}"
        fade = clips[i].crossfade_in
        if fade:
            filters.append(f"[{current}][v{i}]xfade=transition=fade:duration={fade:.4f}:"
                           f"offset={length - fade:.4f}[{label}]")
            length += spans[i][0] - fade
        else:
            filters.append(f"[{current}][v{i}]concat=n=2:v=1:a=0[{label}]")
            length += spans[i][0]
        current = label
    return filters


def _feed_frames(fifo: Path, source: FrameSource, count: int, fps: int, errors: list[BaseException]) -> None:
    """Writer thread: one frame at a time into the pipe ffmpeg reads (memory stays one frame)."""
    try:
        with fifo.open("wb") as pipe:
            for frame in itertools.islice(source.frames(count, fps), count):
                pipe.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
    except BrokenPipeError:
        pass  # ffmpeg stopped reading (it failed or had enough); its own error is reported
    except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
        errors.append(exc)


def render_timeline(
    timeline: Timeline,
    out_mp4: Path,
    work_dir: Path,
    *,
    profile: RenderProfile | str = "final",
    encoder: str = "auto",
    x264_preset: str | None = None,
    ffmpeg: str = "",
    on_progress: Callable[[float], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Mix, compose and encode in one ffmpeg run; writes `out_mp4` atomically and returns figures."""
    prof = profile_named(profile) if isinstance(profile, str) else profile
    work_dir.mkdir(parents=True, exist_ok=True)
    substitutes = check_sources(timeline, work_dir)
    mix_path = work_dir / "mix.wav"
    audio_stats = mix_audio(timeline, mix_path)
    clips = sorted(timeline.visuals, key=lambda c: c.start)
    spans = _spans(clips)
    w, h, fps = _even(timeline.width * prof.scale), _even(timeline.height * prof.scale), timeline.fps
    inputs: list[str] = []
    filters: list[str] = []
    feeders: list[tuple[Path, FrameSource, int]] = []
    for i, (clip, (seconds, head)) in enumerate(zip(clips, spans, strict=True)):
        fifo = native = None
        if clip.kind == "frames":
            assert clip.generator is not None
            source = frame_source(clip.generator, clip.params)
            fifo, native = work_dir / f"frames-{i}.fifo", (source.width, source.height)
            fifo.unlink(missing_ok=True)
            os.mkfifo(fifo)
            feeders.append((fifo, source, max(1, round(seconds * fps))))
        inputs += _clip_inputs(clip, substitutes.get(i, clip.source), seconds, head, fps, fifo, native)
        filters.append(_clip_filter(i, clip, seconds, w, h, fps))
    filters += _join(clips, spans)
    last = "vcat"
    if timeline.captions is not None:
        ass = f"ass=filename='{_escape_filter_path(timeline.captions.ass)}'"
        if timeline.captions.fonts_dir:
            ass += f":fontsdir='{_escape_filter_path(timeline.captions.fonts_dir)}'"
        filters.append(f"[vcat]{ass}[vsub]")
        last = "vsub"
    script = work_dir / "graph.txt"
    script.write_text(";\n".join(filters), encoding="utf-8")
    choice = pick_encoder(ffmpeg_binary(ffmpeg), encoder)
    if choice.fallback_reason and encoder != "libx264" and on_warning:
        on_warning(f"hardware encoder unavailable, using libx264: {choice.fallback_reason}")
    tmp_out = out_mp4.with_name(f".{out_mp4.stem}.part.mp4")
    args = [
        *inputs,
        "-i", str(mix_path),
        "-filter_complex_script", str(script),
        "-map", f"[{last}]", "-map", f"{len(clips)}:a",
        *choice.video_args(x264_preset or prof.x264_preset, prof.crf),
        "-pix_fmt", "yuv420p", "-r", str(fps),
        "-c:a", "aac", "-b:a", prof.audio_bitrate, "-ar", str(SAMPLE_RATE), "-ac", "2",
        "-t", f"{timeline.duration:.3f}", "-movflags", "+faststart",
        str(tmp_out),
    ]  # fmt: skip
    out_mp4.parent.mkdir(parents=True, exist_ok=True)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_feed_frames, args=(*f, fps, errors), daemon=True) for f in feeders]
    for thread in threads:
        thread.start()
    try:
        run_ffmpeg(args, stage="render", total_s=timeline.duration, on_progress=on_progress, ffmpeg=ffmpeg)
        if errors:
            raise RenderError(f"a frame generator failed: {errors[0]!r}", "check the generator's parameters")
        tmp_out.replace(out_mp4)
    finally:
        _release(feeders, threads)
        tmp_out.unlink(missing_ok=True)
    return {**audio_stats, "encoder": choice.name, "width": w, "height": h, "profile": prof.name}


def _release(feeders: list[tuple[Path, FrameSource, int]], threads: list[threading.Thread]) -> None:
    """Unblock writers whose reader never came (ffmpeg failed early), then remove the pipes."""
    for (fifo, _, _), thread in zip(feeders, threads, strict=True):
        if thread.is_alive():
            try:
                fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
            except OSError:
                pass
        thread.join(timeout=5)
        fifo.unlink(missing_ok=True)


def extract_thumbnail(video: Path, at_s: float, out_jpg: Path, ffmpeg: str = "") -> None:
    run_ffmpeg(
        ["-ss", f"{at_s:.3f}", "-i", str(video), "-frames:v", "1", "-q:v", "3", str(out_jpg)],
        stage="render",
        ffmpeg=ffmpeg,
    )
