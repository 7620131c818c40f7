"""The ffmpeg filter graph for a stretch of the visual track: pieces of clips, moved, joined, captioned.

A long timeline is rendered as several stretches (segments) so ffmpeg never holds more than a few
inputs at once: memory stays flat whatever the video's length. Segment boundaries fall in the middle of
a clip, never inside a crossfade, and a clip cut by a boundary continues its move seamlessly
(`skip` offsets the zoom/pan progress, the video in-point and the generator's frames).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelcraft.edit.frames import FrameSource
from reelcraft.edit.timeline import Motion, Overlay, VisualClip

ZOOM_AMOUNT = 0.08


@dataclass(frozen=True)
class Piece:
    """The part of one clip that a segment renders."""

    clip: VisualClip
    source: Path | None
    total_seconds: float
    """The clip's whole rendered span (with crossfade overlaps), for move progress."""
    head: float
    """Crossfade overlap before the clip's start, seconds (part of the whole span)."""
    skip: float
    """Seconds of the whole span before this piece begins."""
    seconds: float
    """Seconds this piece renders."""
    crossfade: float
    """Crossfade from the previous piece in the same segment; 0 is a cut."""


def spans(clips: list[VisualClip]) -> list[tuple[float, float, float]]:
    """(span start, span end, head) per clip: crossfades overlap half on each side of the cut."""
    out = []
    for i, clip in enumerate(clips):
        head = clip.crossfade_in / 2
        tail = clips[i + 1].crossfade_in / 2 if i + 1 < len(clips) else 0.0
        out.append((clip.start - head, clip.start + clip.duration + tail, head))
    return out


def segment_bounds(clips: list[VisualClip], duration: float, fps: int, max_clips: int) -> list[tuple[float, float]]:
    """Split every `max_clips` clips, at the middle of a clip (frame-aligned)."""
    cuts = [0.0]
    for index in range(max_clips, len(clips), max_clips):
        clip = clips[index]
        cuts.append(round((clip.start + clip.duration / 2) * fps) / fps)
    cuts.append(duration)
    return list(itertools.pairwise(cuts))


def pieces_for(clips: list[VisualClip], sources: list[Path | None], start: float, end: float) -> list[Piece]:
    out: list[Piece] = []
    for clip, source, (a, b, head) in zip(clips, sources, spans(clips), strict=True):
        lo, hi = max(a, start), min(b, end)
        if hi - lo <= 1e-6:
            continue
        crossfade = clip.crossfade_in if lo == a and out else 0.0
        out.append(Piece(clip=clip, source=source, total_seconds=b - a, head=head, skip=lo - a,
                         seconds=hi - lo, crossfade=crossfade))
    return out


def piece_inputs(piece: Piece, fps: int, fifo: Path | None, native: tuple[int, int] | None) -> list[str]:
    clip = piece.clip
    if clip.kind == "frames":
        assert fifo is not None and native is not None
        return ["-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", f"{native[0]}x{native[1]}",
                "-framerate", str(fps), "-i", str(fifo)]
    if clip.kind == "image":
        return ["-i", str(piece.source)]
    start = max(0.0, clip.source_in - piece.head) + piece.skip
    loop = clip.source_duration is not None and clip.source_duration - start < piece.seconds
    args = ["-stream_loop", "-1"] if loop else ["-ss", f"{start:.3f}"]
    return [*args, "-t", f"{piece.seconds + 1:.3f}", "-i", str(piece.source)]


FRAME_SOURCE_SCALER = "lanczos"
"""Frame generators render small (the GAN at 64×112) and are enlarged ~17×: lanczos keeps soft
gradients smooth, with no nearest-neighbour blocks and less blur than bicubic."""


def cover_filter(width: int, height: int, scaler: str = "bicubic") -> str:
    """Scale to cover the frame and crop the overflow; converts to the output pixel format before
    anything runs per frame (a still converts once)."""
    return (f"scale={width}:{height}:force_original_aspect_ratio=increase:flags={scaler},"
            f"crop={width}:{height},setsar=1,format=yuv420p")


def escape_filter_path(path: Path) -> str:
    """A path inside a quoted filter option (ass=filename='…', movie=filename='…')."""
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'").replace(",", "\\,")


POP_SECONDS = 0.35


def sprite_filters(pieces: list[Piece], width: int, height: int, fps: int,
                   label: str = "vcat") -> tuple[list[str], str]:  # fmt: skip
    """Overlay every piece's sprites on the joined stream [label]; returns the filters and the new label.

    Sprites go on after the pieces are joined, above the crossfades (a sprite on a piece that is split for
    its crossfade deadlocked ffmpeg 5.1). Each sprite is a `movie` source in the graph, one decoded still
    looped; it fades out with its piece over the outgoing crossfade. Times are the clip's own (a piece cut
    by a segment boundary carries on where it was), so a pop lands on the beat it was placed on."""
    frames = [max(1, round(p.seconds * fps)) for p in pieces]
    fades = [0] + [round(p.crossfade * fps) for p in pieces[1:]]
    filters, current, starts, at = [], label, [], 0
    for count, fade in zip(frames, fades, strict=True):
        at -= fade  # a piece's first frame is blended with the previous piece's last `fade` frames
        starts.append(at)
        at += count
    for i, piece in enumerate(pieces):
        begin = starts[i] / fps
        tail = fades[i + 1] if i + 1 < len(pieces) else 0
        end = (starts[i] + frames[i]) / fps
        clock = f"(t-{begin:.4f}+{piece.skip - piece.head:.4f})"
        for j, sprite in enumerate(piece.clip.sprites):
            size = max(2, round(sprite.width * width))
            # the still is scaled once to its resting size; while it pops it is scaled from there each frame,
            # and after that the scaler passes it through (same size in and out)
            grow = "1"
            if sprite.motion == "pop":
                phase = f"clip(({clock}-{sprite.appear:.4f})/{POP_SECONDS},0,1)"
                grow = f"(1+2.70158*pow({phase}-1,3)+1.70158*pow({phase}-1,2))"  # ease-out-back, ~10 % overshoot
            fade_out = f",fade=t=out:st={end - tail / fps:.4f}:d={tail / fps:.4f}:alpha=1" if tail else ""
            bob = 0.0 if sprite.motion == "none" else sprite.bob * height
            x = f"{sprite.x * width:.2f}-w/2"
            y = f"{sprite.y * height:.2f}-h/2+{bob:.2f}*sin(2*PI*{clock}/{sprite.period:.3f}+{sprite.phase:.3f})"
            name, out = f"sp{i}_{j}", f"o{i}_{j}"
            # fed from the moment it appears to the piece's end: before that the overlay passes the picture through
            shown_from = max(begin, begin + sprite.appear - (piece.skip - piece.head))
            count = max(1, round((end - shown_from) * fps) + 1)
            filters.append(f"movie=filename='{escape_filter_path(sprite.source)}',scale=w={size}:h=-1,format=rgba,"
                           f"loop=loop={count - 1}:size=1:start=0,setpts=N/{fps}/TB+{shown_from:.6f}/TB,"
                           f"scale=w='max(2,iw*{grow})':h=-1:eval=frame{fade_out}[{name}]")  # fmt: skip
            filters.append(f"[{current}][{name}]overlay=x='{x}':y='{y}':eval=frame:eof_action=pass:"
                           f"enable='between(t,{max(0.0, begin):.4f},{end:.4f})*gte({clock},{sprite.appear:.4f})',"
                           f"format=yuv420p[{out}]")  # fmt: skip
            current = out
    return filters, current


def overlay_filters(overlays: tuple[Overlay, ...], start: float, end: float, width: int, height: int, fps: int,
                    label: str) -> tuple[list[str], str]:  # fmt: skip
    """Stills over the segment [start, end) of the timeline (segment-local times), each one decoded and scaled
    once and looped; returns the filters and the new label."""
    filters, current = [], label
    frames = max(1, round((end - start) * fps))
    for k, overlay in enumerate(overlays):
        shown_from, shown_to = max(overlay.start, start), min(overlay.end if overlay.end is not None else end, end)
        if shown_to - shown_from <= 0:
            continue
        size = max(2, round(overlay.width * width))
        alpha = f",colorchannelmixer=aa={overlay.opacity:.3f}" if overlay.opacity < 1 else ""
        name, out = f"ov{k}", f"ovo{k}"
        filters.append(f"movie=filename='{escape_filter_path(overlay.source)}',scale=w={size}:h=-1,format=rgba{alpha},"
                       f"loop=loop={frames}:size=1:start=0,setpts=N/{fps}/TB[{name}]")  # fmt: skip
        filters.append(f"[{current}][{name}]overlay=x='{overlay.x * width:.2f}-w/2':y='{overlay.y * height:.2f}-h/2':"
                       f"enable='between(t,{shown_from - start:.4f},{shown_to - start:.4f})':eof_action=pass,"
                       f"format=yuv420p[{out}]")  # fmt: skip
        current = out
    return filters, current


def piece_filter(index: int, piece: Piece, width: int, height: int, fps: int) -> str:
    frames = max(1, round(piece.seconds * fps))
    total = max(1, round(piece.total_seconds * fps))
    skip = round(piece.skip * fps)
    cover = cover_filter(width, height)
    clip = piece.clip
    if clip.kind == "video":
        chain = f"fps={fps},{cover}"
    elif clip.kind == "frames":
        chain = cover_filter(width, height, FRAME_SOURCE_SCALER)
    else:
        progress = f"((on+{skip})/{total})"
        zoom = {
            Motion.ZOOM_IN: f"1+{ZOOM_AMOUNT}*{progress}",
            Motion.ZOOM_OUT: f"{1 + ZOOM_AMOUNT}-{ZOOM_AMOUNT}*{progress}",
            Motion.NONE: "1",
        }.get(clip.motion, f"{1 + ZOOM_AMOUNT / 2}")
        x = {
            Motion.PAN_LEFT: f"(iw-iw/zoom)*(1-{progress})",
            Motion.PAN_RIGHT: f"(iw-iw/zoom)*{progress}",
        }.get(clip.motion, "(iw-iw/zoom)/2")
        # one decoded still, every frame made by zoompan (d=frames): decoded and scaled once
        chain = f"{cover},zoompan=z='{zoom}':x='{x}':y='(ih-ih/zoom)/2':d={frames}:s={width}x{height}:fps={fps}"
    return (f"[{index}:v]{chain},trim=end_frame={frames},setpts=PTS-STARTPTS,format=yuv420p,"
            f"settb=AVTB[v{index}]")


def join_pieces(pieces: list[Piece], fps: int) -> list[str]:
    """Join the pieces into [vcat]: cuts by concat; each crossfade blends only its own frames.

    Each piece splits into its head (blended with the previous piece's tail), its middle and its
    tail; xfade then runs on a transition's few frames instead of passing the whole video through a
    chain of xfade filters, which halves the cost of the picture at 1080×1920."""
    if len(pieces) == 1:
        return ["[v0]null[vcat]"]
    frames = [max(1, round(p.seconds * fps)) for p in pieces]
    fades = [0] + [round(p.crossfade * fps) for p in pieces[1:]]
    if not any(fades):
        joined = "".join(f"[v{i}]" for i in range(len(pieces)))
        return [f"{joined}concat=n={len(pieces)}:v=1:a=0[vcat]"]
    heads = fades
    tails = [*fades[1:], 0]
    if any(n - h - t < 1 for n, h, t in zip(frames, heads, tails, strict=True)):
        return _xfade_chain(pieces)
    filters, sequence = [], []
    for i, (count, head, tail) in enumerate(zip(frames, heads, tails, strict=True)):
        parts = ["m", *(["h"] if head else []), *(["t"] if tail else [])]
        filters.append(f"[v{i}]split={len(parts)}" + "".join(f"[s{i}{p}]" for p in parts))
        filters.append(f"[s{i}m]trim=start_frame={head}:end_frame={count - tail},setpts=PTS-STARTPTS[m{i}]")
        if head:
            filters.append(f"[s{i}h]trim=end_frame={head},setpts=PTS-STARTPTS[h{i}]")
            filters.append(f"[t{i - 1}][h{i}]xfade=transition=fade:duration={head / fps:.6f}:offset=0[x{i}]")
            sequence.append(f"[x{i}]")
        if tail:
            filters.append(f"[s{i}t]trim=start_frame={count - tail},setpts=PTS-STARTPTS[t{i}]")
        sequence.append(f"[m{i}]")
    filters.append("".join(sequence) + f"concat=n={len(sequence)}:v=1:a=0[vcat]")
    return filters


def _xfade_chain(pieces: list[Piece]) -> list[str]:
    """Fallback for clips shorter than their two crossfades: a chain of xfade over the whole video."""
    filters, current, length = [], "v0", pieces[0].seconds
    for i in range(1, len(pieces)):
        label = "vcat" if i == len(pieces) - 1 else f"x{i}"
        fade = pieces[i].crossfade
        if fade:
            filters.append(f"[{current}][v{i}]xfade=transition=fade:duration={fade:.4f}:"
                           f"offset={length - fade:.4f}[{label}]")
            length += pieces[i].seconds - fade
        else:
            filters.append(f"[{current}][v{i}]concat=n=2:v=1:a=0[{label}]")
            length += pieces[i].seconds
        current = label
    return filters


def feed_frames(fifo: Path, source: FrameSource, skip: int, count: int, fps: int,
                errors: list[BaseException]) -> None:
    """Writer thread: one frame at a time into the pipe ffmpeg reads (memory stays one frame)."""
    try:
        with fifo.open("wb") as pipe:
            for frame in itertools.islice(source.frames(skip + count, fps), skip, skip + count):
                pipe.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
    except BrokenPipeError:
        pass  # ffmpeg stopped reading (it failed or had enough); its own error is reported
    except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
        errors.append(exc)
