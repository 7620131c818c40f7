"""Reference renderer: the same `Timeline` composited frame by frame with moviepy.

It is the baseline the fast ffmpeg path is measured and checked against (tests/bench/render.py and
the visual-parity test), and the straightforward way most peers render. Same moves, crossfades,
caption positions and audio mix; libass's karaoke colouring is drawn as plain outlined text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from moviepy import AudioFileClip, CompositeVideoClip, TextClip, VideoClip, VideoFileClip, vfx
from PIL import Image, ImageOps

from reelcraft.edit.frames import frame_source
from reelcraft.edit.timeline import Motion, Timeline, VisualClip
from reelcraft.errors import RenderError
from reelcraft.render.audio import mix_audio
from reelcraft.render.compose import ZOOM_AMOUNT
from reelcraft.render.graph import check_sources

_TAG = re.compile(r"\{[^}]*\}")
_POS = re.compile(r"\\pos\((\d+),(\d+)\)")
_AN = re.compile(r"\\an(\d)")
_FS = re.compile(r"\\fs(\d+)")


@dataclass(frozen=True)
class AssEvent:
    start: float
    end: float
    style: str
    text: str
    x: int
    y: int
    anchor: int
    size: int


def _seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def read_ass(path: Path) -> tuple[list[AssEvent], int]:
    """Events of the ASS files reelcraft writes, and their PlayResX (the coordinate width)."""
    styles: dict[str, tuple[str, int]] = {}
    events: list[AssEvent] = []
    play_res_x = 1080
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("PlayResX:"):
            play_res_x = int(line.split(":")[1])
        elif line.startswith("Style:"):
            fields = line[6:].split(",")
            styles[fields[0].strip()] = (fields[1], int(float(fields[2])))
        elif line.startswith("Dialogue:"):
            fields = line[9:].split(",", 9)
            style, raw = fields[3], fields[9]
            if style == "CaptionBox":  # the box under a boxed caption: drawn here as the caption's own outline
                continue
            pos, an, fs = _POS.search(raw), _AN.search(raw), _FS.search(raw)
            events.append(AssEvent(
                start=_seconds(fields[1]), end=_seconds(fields[2]), style=style,
                text=_TAG.sub("", raw).replace("\\N", "\n"),
                x=int(pos.group(1)) if pos else 0, y=int(pos.group(2)) if pos else 0,
                anchor=int(an.group(1)) if an else 2, size=int(fs.group(1)) if fs else styles[style][1],
            ))  # fmt: skip
    return events, play_res_x


def _zoom_and_x(clip: VisualClip, frames: int, fps: int, width: int):  # type: ignore[no-untyped-def]
    """The same curves as the ffmpeg zoompan expressions."""

    def progress(t: float) -> float:
        return min(1.0, t * fps / frames)

    def zoom(t: float) -> float:
        if clip.motion == Motion.ZOOM_IN:
            return 1 + ZOOM_AMOUNT * progress(t)
        if clip.motion == Motion.ZOOM_OUT:
            return 1 + ZOOM_AMOUNT - ZOOM_AMOUNT * progress(t)
        return 1.0 if clip.motion == Motion.NONE else 1 + ZOOM_AMOUNT / 2

    def left(t: float) -> float:
        slack = width - width / zoom(t)
        if clip.motion == Motion.PAN_LEFT:
            return slack * (1 - progress(t))
        if clip.motion == Motion.PAN_RIGHT:
            return slack * progress(t)
        return slack / 2

    return zoom, left


def _visual(clip: VisualClip, source: Path | None, seconds: float, head: float, w: int, h: int, fps: int):  # type: ignore[no-untyped-def]
    if clip.kind == "video":
        video = VideoFileClip(str(source), audio=False)
        start = max(0.0, clip.source_in - head)
        video = video.subclipped(start, min(video.duration, start + seconds))
        if video.duration < seconds:
            video = video.with_effects([vfx.Loop(duration=seconds)])
        scale = max(w / video.w, h / video.h)
        return video.resized(scale).cropped(x_center=video.w * scale / 2, y_center=video.h * scale / 2,
                                            width=w, height=h)
    if clip.kind == "frames":
        assert clip.generator is not None
        gen = frame_source(clip.generator, clip.params)
        frames = list(gen.frames(max(1, round(seconds * fps)), fps))

        def make(t: float) -> np.ndarray:
            img = Image.fromarray(frames[min(len(frames) - 1, int(t * fps))])
            return np.asarray(ImageOps.fit(img, (w, h), Image.Resampling.LANCZOS))

        return VideoClip(make, duration=seconds)
    with Image.open(source) as img:
        cover = ImageOps.fit(img.convert("RGB"), (w, h), Image.Resampling.BICUBIC)
    zoom, left = _zoom_and_x(clip, max(1, round(seconds * fps)), fps, w)

    def make(t: float) -> np.ndarray:
        # the zoompan window (x, y, w/z, h/z) scaled back to the frame, one Pillow resize per frame
        z, x = zoom(t), left(t)
        y = (h - h / z) / 2
        return np.asarray(cover.resize((w, h), Image.Resampling.BICUBIC, box=(x, y, x + w / z, y + h / z)))

    return VideoClip(make, duration=seconds)


def render_timeline_moviepy(timeline: Timeline, out_mp4: Path, work_dir: Path, *, x264_preset: str = "veryfast",
                            crf: int = 20, font: Path | None = None) -> None:
    """Composite every frame in Python and encode with moviepy (slow by design: it is the baseline)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    substitutes = check_sources(timeline, work_dir)
    mix_path = work_dir / "mix.wav"
    mix_audio(timeline, mix_path)
    w, h, fps = timeline.width, timeline.height, timeline.fps
    clips = sorted(timeline.visuals, key=lambda c: c.start)
    layers = []
    for i, clip in enumerate(clips):
        head = clip.crossfade_in / 2
        tail = clips[i + 1].crossfade_in / 2 if i + 1 < len(clips) else 0.0
        seconds = clip.duration + head + tail
        layer = _visual(clip, substitutes.get(i, clip.source), seconds, head, w, h, fps)
        layer = CompositeVideoClip([layer], size=(w, h)).with_duration(seconds).with_start(clip.start - head)
        if clip.crossfade_in:
            layer = layer.with_effects([vfx.CrossFadeIn(clip.crossfade_in)])
        layers.append(layer)
    if timeline.captions is not None:
        events, play_res_x = read_ass(timeline.captions.ass)
        scale = w / play_res_x
        for event in events:
            layers.append(_text_layer(event, font, scale))
    video = CompositeVideoClip(layers, size=(w, h)).with_duration(timeline.duration)
    video = video.with_audio(AudioFileClip(str(mix_path)))
    tmp = out_mp4.with_name(f".{out_mp4.stem}.moviepy.mp4")
    try:
        video.write_videofile(
            str(tmp), fps=fps, codec="libx264", preset=x264_preset, audio_codec="aac", audio_fps=48000,
            audio_bitrate="192k", ffmpeg_params=["-crf", str(crf), "-pix_fmt", "yuv420p", "-profile:v", "high"],
            logger=None,
        )  # fmt: skip
        tmp.replace(out_mp4)
    except OSError as exc:
        raise RenderError(f"moviepy failed: {exc}", "see the message") from exc
    finally:
        tmp.unlink(missing_ok=True)
        video.close()


def _text_layer(event: AssEvent, font: Path | None, scale: float):  # type: ignore[no-untyped-def]
    size = max(8, round(event.size * 0.69 * scale))  # libass sizes by line height, Pillow by em
    overlay = event.style != "Caption"
    pad = round((16 if overlay else 6) * scale)
    text = TextClip(
        font=str(font) if font else None, text=event.text, font_size=size, color="white",
        stroke_color=None if overlay else "black", stroke_width=0 if overlay else max(1, round(5 * scale)),
        bg_color=(60, 60, 60) if overlay else None, method="label",
        text_align="left" if event.anchor in (1, 4, 7) else "center", margin=(pad, pad),
    ).with_start(event.start).with_duration(max(0.05, event.end - event.start))  # fmt: skip
    column, row = (event.anchor - 1) % 3, (event.anchor - 1) // 3  # ASS numpad: 1 bottom left … 9 top right
    x = event.x * scale - (pad, text.w / 2, text.w - pad)[column]
    y = event.y * scale - (text.h - pad, text.h / 2, pad)[row]
    return text.with_position((x, y))
