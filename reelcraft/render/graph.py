"""Render a `Timeline` to an MP4: picture composed by one ffmpeg filter graph (moves, cuts, burned-in
libass captions) and encoded in the same pass, while the audio mixes beside it (`render.audio`).

Composing in ffmpeg instead of frame by frame in Python is what makes a 30 s 1080×1920 render take
seconds rather than minutes on two cores (see DESIGN.md).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict

from reelcraft.edit.frames import FrameSource, frame_source
from reelcraft.edit.timeline import Timeline
from reelcraft.errors import ProcessKilled, RenderError
from reelcraft.media.encoders import pick_encoder
from reelcraft.media.probe import ffmpeg_binary, run_ffmpeg
from reelcraft.render.audio import encode_audio, mix_audio
from reelcraft.render.compose import (
    Piece,
    escape_filter_path,
    feed_frames,
    join_pieces,
    overlay_filters,
    piece_filter,
    piece_inputs,
    pieces_for,
    segment_bounds,
    sprite_filters,
)

MAX_SOURCE_PIXELS = 80_000_000
MAX_SOURCE_SIDE = 16_384


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


SEGMENT_CLIPS = 6
"""At most this many clips (plus one split clip) per ffmpeg run: memory stays flat with video length."""


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
    stems_dir: Path | None = None,
) -> dict[str, Any]:
    """Mix, compose and encode; writes `out_mp4` atomically and returns figures.

    The picture renders as video-only segments of up to SEGMENT_CLIPS clips (one for a short) while
    the audio mixes in a thread; a last pass joins them by stream copy and adds the encoded audio.
    `stems_dir` also keeps the voice and music buses as WAVs."""
    prof = profile_named(profile) if isinstance(profile, str) else profile
    work_dir.mkdir(parents=True, exist_ok=True)
    substitutes = check_sources(timeline, work_dir)
    mix_path, encoded_audio = work_dir / "mix.wav", work_dir / "mix.m4a"
    audio_result: dict[str, Any] = {}

    def mix() -> None:
        try:
            audio_result["stats"] = mix_audio(timeline, mix_path, stems_dir=stems_dir)
            audio_result["stats"]["encoded_true_peak_db"] = encode_audio(
                mix_path, encoded_audio, prof.audio_bitrate, timeline.true_peak_db, ffmpeg)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            audio_result["error"] = exc

    # mixing (numpy, mostly outside the GIL) and AAC encoding run while ffmpeg composes the picture,
    # which leaves about a third of the second core idle
    mixer = threading.Thread(target=mix, name="reelcraft-mix", daemon=True)
    mixer.start()
    clips = sorted(timeline.visuals, key=lambda c: c.start)
    sources = [substitutes.get(i, clip.source) for i, clip in enumerate(clips)]
    size = (_even(timeline.width * prof.scale), _even(timeline.height * prof.scale), timeline.fps)
    choice = pick_encoder(ffmpeg_binary(ffmpeg), encoder)
    if choice.asked and choice.fallback_reason and on_warning:  # auto on a machine without a GPU: not news
        on_warning(f"{encoder} is unavailable, using libx264: {choice.fallback_reason}")
    video_args = [*choice.video_args(x264_preset or prof.x264_preset, prof.crf), "-pix_fmt", "yuv420p",
                  "-r", str(timeline.fps)]
    bounds = segment_bounds(clips, timeline.duration, timeline.fps, SEGMENT_CLIPS)
    total = timeline.duration
    tmp_out = out_mp4.with_name(f".{out_mp4.stem}.part.mp4")
    out_mp4.parent.mkdir(parents=True, exist_ok=True)
    try:
        listing = []
        for k, (a, b) in enumerate(bounds):
            segment = work_dir / f"segment-{k:03d}.mp4"
            report = (lambda f, a=a, b=b: on_progress((a + f * (b - a)) / total)) if on_progress else None
            for attempt in (1, 2):  # an ffmpeg killed from outside (OOM killer, operator) gets one more try
                try:
                    _render_stretch(pieces_for(clips, sources, a, b), a, b, size, timeline, work_dir,
                                    [*video_args, "-an"], segment, ffmpeg, report)
                    break
                except ProcessKilled as exc:
                    if attempt == 2:
                        raise
                    if on_warning:
                        on_warning(f"{exc.message}; rendering that part again")
            listing.append(f"file '{segment.name}'")
        (work_dir / "segments.txt").write_text("\n".join(listing) + "\n", encoding="utf-8")
        mixer.join()
        if "error" in audio_result:
            raise audio_result["error"]
        video_in = (["-f", "concat", "-safe", "0", "-i", str(work_dir / "segments.txt")] if len(bounds) > 1
                    else ["-i", str(work_dir / "segment-000.mp4")])
        run_ffmpeg([*video_in, "-i", str(encoded_audio), "-map", "0:v", "-map", "1:a", "-c", "copy",
                    "-t", f"{total:.3f}", "-movflags", "+faststart", str(tmp_out)], stage="render", ffmpeg=ffmpeg)
        tmp_out.replace(out_mp4)
    finally:
        mixer.join()
        tmp_out.unlink(missing_ok=True)
    audio_stats = audio_result["stats"]
    w, h, _ = size
    return {**audio_stats, "encoder": choice.name, "width": w, "height": h, "profile": prof.name,
            "segments": len(bounds)}


def _render_stretch(
    pieces: list[Piece], start: float, end: float, size: tuple[int, int, int], timeline: Timeline, work_dir: Path,
    output_args: list[str], out: Path, ffmpeg: str,
    on_progress: Callable[[float], None] | None,
) -> None:
    """One ffmpeg run: the pieces between `start` and `end`, exactly that many frames, captions in place."""
    w, h, fps = size
    inputs: list[str] = []
    filters: list[str] = []
    feeders: list[tuple[Path, FrameSource, int, int]] = []
    for i, piece in enumerate(pieces):
        fifo = native = None
        if piece.clip.kind == "frames":
            assert piece.clip.generator is not None
            source = frame_source(piece.clip.generator, piece.clip.params)
            fifo, native = work_dir / f"frames-{start:.3f}-{i}.fifo", (source.width, source.height)
            fifo.unlink(missing_ok=True)
            os.mkfifo(fifo)
            feeders.append((fifo, source, round(piece.skip * fps), max(1, round(piece.seconds * fps))))
        inputs += piece_inputs(piece, fps, fifo, native)
        filters.append(piece_filter(i, piece, w, h, fps))  # one input per piece: input i is piece i
    filters += join_pieces(pieces, fps)
    overlays, last = sprite_filters(pieces, w, h, fps)
    filters += overlays
    stills, last = overlay_filters(timeline.overlays, start, end, w, h, fps, last)
    filters += stills
    frames = round((end - start) * fps)
    if timeline.captions is not None:
        ass = f"ass=filename='{escape_filter_path(timeline.captions.ass)}'"
        if timeline.captions.fonts_dir:
            ass += f":fontsdir='{escape_filter_path(timeline.captions.fonts_dir)}'"
        shift = f"setpts=PTS+{start:.6f}/TB," if start else ""
        filters.append(f"[{last}]{shift}{ass},setpts=PTS-STARTPTS[vsub]")
        last = "vsub"
    filters.append(f"[{last}]tpad=stop_mode=clone:stop_duration=1,trim=end_frame={frames}[vout]")
    script = work_dir / f"graph-{start:.3f}.txt"
    script.write_text(";\n".join(filters), encoding="utf-8")
    args = [*inputs, "-filter_complex_script", str(script),
            "-map", "[vout]", *output_args, "-frames:v", str(frames), str(out)]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=feed_frames, args=(*f, fps, errors), daemon=True) for f in feeders]
    for thread in threads:
        thread.start()
    try:
        run_ffmpeg(args, stage="render", total_s=end - start, on_progress=on_progress, ffmpeg=ffmpeg)
        if errors:
            raise RenderError(f"a frame generator failed: {errors[0]!r}", "check the generator's parameters")
    finally:
        _release(feeders, threads)


def _release(feeders: list[tuple[Path, FrameSource, int, int]], threads: list[threading.Thread]) -> None:
    """Unblock writers whose reader never came (ffmpeg failed early), then remove the pipes."""
    for (fifo, *_), thread in zip(feeders, threads, strict=True):
        if thread.is_alive():
            try:
                fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
            except OSError:
                pass
        thread.join(timeout=5)
        fifo.unlink(missing_ok=True)


def render_still(timeline: Timeline, at: float, out: Path, work_dir: Path, ffmpeg: str = "") -> Path:
    """The frame at `at` seconds as the timeline draws it, without captions (a cover's picture): the same graph as a
    render, cut to one frame, so moves, pictures and the logo are where the video has them."""
    work_dir.mkdir(parents=True, exist_ok=True)
    substitutes = check_sources(timeline, work_dir)
    clips = sorted(timeline.visuals, key=lambda c: c.start)
    sources = [substitutes.get(i, clip.source) for i, clip in enumerate(clips)]
    fps = timeline.fps
    start = min(round(at * fps), max(0, round(timeline.duration * fps) - 1)) / fps
    end = start + 1 / fps
    bare = timeline.model_copy(update={"captions": None})
    out.parent.mkdir(parents=True, exist_ok=True)
    _render_stretch(pieces_for(clips, sources, start, end), start, end, (timeline.width, timeline.height, fps), bare,
                    work_dir, ["-update", "1"], out, ffmpeg, None)  # fmt: skip
    return out


def extract_thumbnail(video: Path, at_s: float, out_jpg: Path, ffmpeg: str = "") -> None:
    run_ffmpeg(
        ["-ss", f"{at_s:.3f}", "-i", str(video), "-frames:v", "1", "-q:v", "3", str(out_jpg)],
        stage="render",
        ffmpeg=ffmpeg,
    )
