"""Render a `Timeline` to an MP4: audio mixed and normalised in numpy, picture composed by one
ffmpeg filter graph (moves, cuts, burned-in libass captions) and encoded in the same pass.

Composing in ffmpeg instead of frame by frame in Python is what makes a 30 s 1080×1920 render take
seconds rather than minutes on two cores (see DESIGN.md).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from pedalboard import Limiter, Pedalboard
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict
from scipy.signal import resample_poly

from reelcraft.edit.frames import FrameSource, frame_source
from reelcraft.edit.timeline import AudioClip, Timeline
from reelcraft.errors import RenderError
from reelcraft.media.encoders import pick_encoder
from reelcraft.media.loudness import integrated_loudness, true_peak_db
from reelcraft.media.probe import ffmpeg_binary, run_ffmpeg
from reelcraft.render.compose import (
    Piece,
    feed_frames,
    join_pieces,
    piece_filter,
    piece_inputs,
    pieces_for,
    segment_bounds,
)

SAMPLE_RATE = 48_000
DUCK_DB = -11.0
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


def voice_activity_gain(voice: np.ndarray, duck_db: float = DUCK_DB) -> np.ndarray:
    """Per-sample music gain: `duck_db` while the voice speaks, 1 elsewhere.

    Activity is judged on 10 ms frames against the voice's own loudest frame (TTS engines differ in
    level), held 150 ms over the gaps between words, with a 40 ms look-ahead so the music is already
    down when a word starts; the gain moves with 40 ms attack and 250 ms release."""
    hop = SAMPLE_RATE // 100
    frames = len(voice) // hop
    if frames == 0:
        return np.ones(len(voice), dtype=np.float32)
    power = (voice[: frames * hop] ** 2).mean(axis=1).reshape(frames, hop).mean(axis=1)
    rms_db = 10 * np.log10(power + 1e-12)
    active = rms_db > max(rms_db.max() - 40.0, -70.0)
    hold, lead = 15, 4
    padded = np.convolve(active.astype(np.float32), np.ones(hold + lead + 1, dtype=np.float32), mode="full")
    active = padded[lead : lead + frames] > 0  # frame i is on if any of [i - hold, i + lead] is
    attack, release = np.exp(-1 / 4.0), np.exp(-1 / 25.0)  # per 10 ms frame
    level, smooth = 0.0, np.empty(frames, dtype=np.float32)
    for i, target in enumerate(active):
        coef = attack if target > level else release
        level = coef * level + (1 - coef) * float(target)
        smooth[i] = level
    centres = (np.arange(frames) + 0.5) * hop
    curve = np.interp(np.arange(len(voice)), centres, smooth).astype(np.float32)
    return (1.0 + (10 ** (duck_db / 20) - 1.0) * curve).astype(np.float32)


def _limited(mix: np.ndarray, gain_db: float, threshold_db: float, out: np.ndarray, block: int) -> None:
    """out = limiter(mix × gain), streamed through the limiter block by block (state carried)."""
    limiter = Pedalboard([Limiter(threshold_db=threshold_db, release_ms=80)])
    gain = np.float32(10 ** (gain_db / 20))
    for start in range(0, len(mix), block):
        chunk = (mix[start : start + block] * gain).T.copy()
        out[start : start + block] = limiter(chunk, SAMPLE_RATE, reset=start == 0).T


def mix_audio(
    timeline: Timeline, out_wav: Path, block_s: float = 10.0, stems_dir: Path | None = None
) -> dict[str, float]:
    """Place every clip, level the music bed against the voice, duck it while the voice speaks, then
    normalise to the target loudness and true peak.

    Memory is three float32 stereo buffers of the video's length (≈ 0.4 MB/s each); loudness,
    limiting and true peak all run in blocks. With `stems_dir`, the voice and the (ducked) music buses
    are written there at the master gain, so the ducking can be measured on its own."""
    length = int(round(timeline.duration * SAMPLE_RATE))
    mix = np.zeros((length, 2), dtype=np.float32)
    for clip in (c for c in timeline.audio if c.role == "voice"):
        _place(mix, clip)
    others = [c for c in timeline.audio if c.role != "voice"]
    music = np.zeros_like(mix) if others else None
    stats: dict[str, float] = {}
    if music is not None:
        for clip in others:
            _place(music, clip)
        voice_lufs = integrated_loudness(mix, SAMPLE_RATE)
        music_lufs = integrated_loudness(music, SAMPLE_RATE)
        if timeline.music_level_db is not None and np.isfinite(voice_lufs) and np.isfinite(music_lufs):
            music *= np.float32(10 ** ((voice_lufs + timeline.music_level_db - music_lufs) / 20))
            stats["music_gain_db"] = voice_lufs + timeline.music_level_db - music_lufs
        if any(c.duck_under_voice for c in others) and np.isfinite(voice_lufs):
            music *= voice_activity_gain(mix)[:, None]
        mix += music
        if stems_dir is None:
            music = None
    loudness = integrated_loudness(mix, SAMPLE_RATE)
    if not np.isfinite(loudness):
        raise RenderError("the audio mix is silent", "check that the voiceover was generated")
    ceiling = timeline.true_peak_db - ENCODER_HEADROOM_DB
    block = int(block_s * SAMPLE_RATE)
    out = np.empty_like(mix)
    measured = peak = loudness
    gain_db = 0.0
    for _ in range(4):  # gain, limit, re-measure: converges in one or two passes
        gain_db = timeline.loudness_lufs - loudness
        _limited(mix, gain_db, ceiling - 0.5, out, block)
        peak = true_peak_db(out)
        if peak > ceiling:
            out *= np.float32(10 ** ((ceiling - peak) / 20))
            gain_db += ceiling - peak
            peak = ceiling
        measured = integrated_loudness(out, SAMPLE_RATE)
        if abs(measured - timeline.loudness_lufs) <= 0.3:
            break
        loudness += measured - timeline.loudness_lufs
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(out_wav), out, SAMPLE_RATE, subtype="PCM_24")
    if stems_dir is not None:
        stems_dir.mkdir(parents=True, exist_ok=True)
        gain = np.float32(10 ** (gain_db / 20))
        if music is not None:
            sf.write(str(stems_dir / "music.wav"), music * gain, SAMPLE_RATE, subtype="FLOAT")
            mix -= music
        sf.write(str(stems_dir / "voice.wav"), mix * gain, SAMPLE_RATE, subtype="FLOAT")
    return {**stats, "lufs": measured, "true_peak_db": peak}


def _place(target: np.ndarray, clip: AudioClip, curve: np.ndarray | None = None) -> None:
    """Add a clip at its start, with its gain and an optional per-sample gain curve (ducking)."""
    data = _load_audio(clip.source)
    begin = int(round(clip.start * SAMPLE_RATE))
    end = min(len(target), begin + len(data))
    if end <= begin:
        return
    segment = data[: end - begin] * np.float32(10 ** (clip.gain_db / 20))
    if curve is not None:
        segment *= curve[begin:end, None]
    target[begin:end] += segment


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
    if choice.fallback_reason and encoder != "libx264" and on_warning:
        on_warning(f"hardware encoder unavailable, using libx264: {choice.fallback_reason}")
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
            _render_stretch(pieces_for(clips, sources, a, b), a, b, size, timeline, work_dir,
                            [*video_args, "-an"], segment, ffmpeg, report)
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


def encode_audio(wav: Path, out: Path, bitrate: str, ceiling_db: float, ffmpeg: str = "") -> float:
    """AAC-encode the mix and check the true peak of what a player will decode: AAC can overshoot the
    PCM peak by more than the mix's headroom (low bitrates, dense low end), and then the encode is
    redone that much quieter. Returns the decoded true peak."""
    gain_db = 0.0
    peak = 0.0
    for _ in range(3):
        volume = ["-af", f"volume={gain_db:.2f}dB"] if gain_db else []
        run_ffmpeg(["-i", str(wav), *volume, "-c:a", "aac", "-b:a", bitrate, "-ar", str(SAMPLE_RATE), "-ac", "2",
                    str(out)], stage="render", ffmpeg=ffmpeg)  # fmt: skip
        decoded = out.with_suffix(".check.wav")
        run_ffmpeg(["-i", str(out), "-c:a", "pcm_f32le", str(decoded)], stage="render", ffmpeg=ffmpeg)
        data, _ = sf.read(str(decoded), dtype="float32", always_2d=True)
        decoded.unlink(missing_ok=True)
        peak = true_peak_db(data)
        if peak <= ceiling_db - 0.1:
            break
        gain_db += ceiling_db - 0.3 - peak
    return peak


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
        filters.append(piece_filter(i, piece, w, h, fps))
    filters += join_pieces(pieces, fps)
    frames = round((end - start) * fps)
    last = "vcat"
    if timeline.captions is not None:
        ass = f"ass=filename='{_escape_filter_path(timeline.captions.ass)}'"
        if timeline.captions.fonts_dir:
            ass += f":fontsdir='{_escape_filter_path(timeline.captions.fonts_dir)}'"
        shift = f"setpts=PTS+{start:.6f}/TB," if start else ""
        filters.append(f"[vcat]{shift}{ass},setpts=PTS-STARTPTS[vsub]")
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


def extract_thumbnail(video: Path, at_s: float, out_jpg: Path, ffmpeg: str = "") -> None:
    run_ffmpeg(
        ["-ss", f"{at_s:.3f}", "-i", str(video), "-frames:v", "1", "-q:v", "3", str(out_jpg)],
        stage="render",
        ffmpeg=ffmpeg,
    )
