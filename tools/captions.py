"""Captions tool: word-timed voiceover → styled, word-highlighted ASS (burned in) plus SRT and VTT.

Lines are wrapped by measuring the real font, so every line stays inside the platform's safe area
in English and Chinese alike.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import srt
from PIL import ImageFont
from pydantic import BaseModel, Field

from reelcraft.media.fonts import FontChoice, covers, find_caption_font, find_symbol_font, missing_glyphs
from reelcraft.plan import AssetRef, Language, OutputPreset
from reelcraft.tools.deps import Deps

CAPTION_SIZE = 66
OVERLAY_SIZE = 84
CAPTION_OUTLINE = 5
OVERLAY_BOX = 16
MAX_LINES = 2
SENTENCE_END = tuple(".!?;。！？；…")
CLAUSE_END = tuple(",:，、：")
OVERLAY_SIZES = (84, 72, 62, 54)
"""Big text shrinks rather than being cut when it is long."""
MAX_OVERLAY_LINES = 3


class TimedWord(BaseModel):
    text: str
    start: float
    end: float


class SceneCaptionSource(BaseModel):
    start: float
    """Scene start on the timeline, seconds."""
    duration: float
    words: list[TimedWord]
    """Voiceover words with times on the timeline (not relative to the scene)."""
    overlay: str = ""
    """Big on-screen text for the scene."""


class CaptionInput(BaseModel):
    """Word-timed voiceover for every scene, and the frame the captions must fit in."""

    language: Language
    preset: OutputPreset
    scenes: list[SceneCaptionSource]
    call_to_action: str = ""
    """Shown over the last seconds of the video."""


class CaptionEvent(BaseModel):
    start: float
    end: float
    lines: list[str]
    words: list[TimedWord] = Field(default_factory=list)
    line_sizes: list[int] = Field(default_factory=list)
    """How many of `words` each line holds."""
    style: str = "Caption"
    font_size: int | None = None
    """Overrides the style's size (long overlays shrink to fit)."""
    x: int = 0
    y: int = 0
    """Anchor point: bottom centre for captions, top centre for overlays."""


class CaptionOutput(BaseModel):
    ass: AssetRef
    srt: AssetRef
    vtt: AssetRef
    font: FontChoice
    events: list[CaptionEvent]


def joiner(language: Language) -> str:
    return "" if language == Language.ZH else " "


class LineMeasurer:
    """Pixel width of text as libass will draw it (libass sizes fonts by ascent+descent, not em)."""

    def __init__(self, font: FontChoice, size: int) -> None:
        probe = ImageFont.truetype(str(font.path), 1000, index=font.index)
        ascent, descent = probe.getmetrics()
        em = size * 1000 / (ascent + descent)
        self.font = ImageFont.truetype(str(font.path), max(1, round(em)), index=font.index)

    def width(self, text: str) -> float:
        return self.font.getlength(text)


def wrap(tokens: list[str], sep: str, measure: LineMeasurer, max_width: float) -> list[list[int]]:
    """Greedy line breaking over token indices."""
    lines: list[list[int]] = [[]]
    for i in range(len(tokens)):
        candidate = sep.join(tokens[j] for j in [*lines[-1], i])
        if lines[-1] and measure.width(candidate) > max_width:
            lines.append([i])
        else:
            lines[-1].append(i)
    return [line for line in lines if line]


def _chunk_events(words: list[TimedWord], language: Language, measure: LineMeasurer, max_width: float,
                  scene_end: float) -> list[CaptionEvent]:
    sep = joiner(language)
    events: list[CaptionEvent] = []
    pending: list[TimedWord] = []
    min_units = 6 if language == Language.ZH else 3

    def flush() -> None:
        if not pending:
            return
        lines = wrap([w.text for w in pending], sep, measure, max_width)
        texts = [sep.join(pending[i].text for i in line) for line in lines]
        events.append(CaptionEvent(start=pending[0].start, end=pending[-1].end, lines=texts, words=list(pending),
                                   line_sizes=[len(line) for line in lines]))
        pending.clear()

    for word in words:
        trial = [*pending, word]
        if pending and len(wrap([w.text for w in trial], sep, measure, max_width)) > MAX_LINES:
            flush()
        pending.append(word)
        if word.text.endswith(SENTENCE_END) and len(pending) >= min_units:
            flush()
        elif word.text.endswith(CLAUSE_END) and len(wrap([w.text for w in pending], sep, measure, max_width)) >= 2:
            flush()  # a clause that already fills a line ends the caption: no orphaned last words
    flush()
    for current, following in zip(events, events[1:], strict=False):
        current.end = max(current.end, min(following.start, current.end + 0.6))
    if events:
        events[-1].end = min(scene_end, events[-1].end + 0.4)
    return events


def _ass_time(seconds: float) -> str:
    cs = max(0, round(seconds * 100))
    return f"{cs // 360000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


_INVISIBLE = {"\ufe0f", "\ufe0e", "\u200d"}  # emoji variation selectors and joiners: nothing to draw


def _ass_escape(text: str, font: FontChoice | None = None, symbols: FontChoice | None = None) -> str:
    """Escape for ASS; characters the main font lacks switch to the symbol font (emoji) or are left out
    of the burned-in picture (they stay in SRT/VTT) rather than drawn as boxes."""
    out: list[str] = []
    for char in text.replace("\\", "\\\\").replace("{", "(").replace("}", ")").replace("\n", " "):
        if font is None or char.isspace() or covers(font, char):
            out.append(char)
        elif char in _INVISIBLE:
            continue
        elif symbols is not None and covers(symbols, char):
            out.append(f"{{\\fn{symbols.family}}}{char}{{\\fn{font.family}}}")
    return "".join(out)


def _karaoke_text(event: CaptionEvent, sep: str, font: FontChoice, symbols: FontChoice | None) -> str:
    """Each word fills from white to yellow while it is spoken (\\kf in centiseconds)."""
    lines: list[str] = []
    cursor = event.start
    index = 0
    for size in event.line_sizes:
        pieces: list[str] = []
        for word in event.words[index : index + size]:
            gap = max(0, round((word.start - cursor) * 100))
            fill = max(1, round((word.end - word.start) * 100))
            lead = f"{{\\k{gap}}}" if gap else ""
            pieces.append(f"{lead}{{\\kf{fill}}}{_ass_escape(word.text, font, symbols)}")
            cursor += (gap + fill) / 100
        index += size
        lines.append(sep.join(pieces))
    return "\\N".join(lines)


def build_ass(events: list[CaptionEvent], preset: OutputPreset, font: FontChoice, language: Language,
              symbols: FontChoice | None = None) -> str:
    sep = joiner(language)
    header = f"""[Script Info]
ScriptType: v4.00+
PlayResX: {preset.width}
PlayResY: {preset.height}
WrapStyle: 2
ScaledBorderAndShadow: yes
YCbCr Matrix: TV.709

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, \
MarginV, Encoding
Style: Caption,{font.family},{CAPTION_SIZE},&H0000E5FF,&H00FFFFFF,&H00101010,&H96000000,-1,0,0,0,100,100,0,0,1,\
{CAPTION_OUTLINE},2,2,0,0,0,1
Style: Overlay,{font.family},{OVERLAY_SIZE},&H00FFFFFF,&H00FFFFFF,&H64000000,&H64000000,-1,0,0,0,100,100,0,0,3,\
{OVERLAY_BOX},0,8,0,0,0,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""
    rows = []
    for event in events:
        if event.style == "Caption":
            body = _karaoke_text(event, sep, font, symbols)
            layer = 1
        else:
            body = "\\N".join(_ass_escape(line, font, symbols) for line in event.lines)
            if event.font_size:
                body = f"{{\\fs{event.font_size}}}{body}"
            layer = 0
        anchor = 2 if event.style == "Caption" else 8
        rows.append(
            f"Dialogue: {layer},{_ass_time(event.start)},{_ass_time(event.end)},{event.style},,0,0,0,,"
            f"{{\\an{anchor}\\pos({event.x},{event.y})}}{body}"
        )
    return header + "\n".join(rows) + "\n"


def fit_overlay(text: str, font: FontChoice, language: Language, max_width: float) -> tuple[list[str], int]:
    """Lines and font size for big on-screen text: the largest size that fits in three lines."""
    sep = joiner(language)
    tokens = list(text) if sep == "" else text.split()
    for size in OVERLAY_SIZES:
        measure = LineMeasurer(font, size)
        lines = [sep.join(tokens[i] for i in line) for line in wrap(tokens, sep, measure, max_width)]
        if len(lines) <= MAX_OVERLAY_LINES:
            return lines, size
    return lines, OVERLAY_SIZES[-1]  # still too long: keep every word, the safe-area test will say so


def _overlay_events(inp: CaptionInput, font: FontChoice, total: float) -> list[CaptionEvent]:
    left, top, right, _ = inp.preset.safe_box()
    max_width = right - left - 2 * OVERLAY_BOX - 8
    events: list[CaptionEvent] = []
    cta_start = max(0.0, total - 3.0) if inp.call_to_action else total
    shown = [(s.start, min(s.start + s.duration, cta_start), s.overlay) for s in inp.scenes]
    if inp.call_to_action:
        shown.append((cta_start, total, inp.call_to_action))
    for start, end, text in shown:
        if text and end - start > 0.3:
            lines, size = fit_overlay(text, font, inp.language, max_width)
            events.append(CaptionEvent(start=start, end=end, lines=lines, style="Overlay",
                                       font_size=size if size != OVERLAY_SIZE else None,
                                       x=inp.preset.width // 2, y=top + OVERLAY_BOX + 8))
    return events


def caption_lines_text(events: list[CaptionEvent], language: Language) -> str:
    """The spoken captions as one string, for checks against the plan's voiceover."""
    sep = joiner(language)
    return sep.join(sep.join(e.lines) for e in events if e.style == "Caption")


def make_captions(inp: CaptionInput, deps: Deps) -> CaptionOutput:
    """Lay out word-timed captions (and each scene's on-screen text) inside the safe area; write
    ASS for burning in, plus SRT and VTT files for platforms and editors."""
    font = find_caption_font(deps.settings.font_cjk)
    all_text = "".join(w.text for s in inp.scenes for w in s.words) + "".join(s.overlay for s in inp.scenes)
    symbols = find_symbol_font()
    missing = missing_glyphs(font, all_text + inp.call_to_action) - _INVISIBLE
    undrawable = {ch for ch in missing if symbols is None or not covers(symbols, ch)}
    if undrawable:
        deps.warn("captions", f"no installed font draws {''.join(sorted(undrawable))!r}: left out of the burned-in "
                              "captions (kept in SRT/VTT); apt-get install fonts-symbola")
    total = max(s.start + s.duration for s in inp.scenes)
    left, _, right, bottom = inp.preset.safe_box()
    measure = LineMeasurer(font, CAPTION_SIZE)
    max_width = right - left - 2 * CAPTION_OUTLINE - 16
    spoken: list[CaptionEvent] = []
    for scene in inp.scenes:
        for event in _chunk_events(scene.words, inp.language, measure, max_width, scene.start + scene.duration):
            spoken.append(event.model_copy(update={"x": inp.preset.width // 2, "y": bottom - 24}))
    events = _overlay_events(inp, font, total) + spoken

    def make(folder: Path) -> None:
        ass = build_ass(events, inp.preset, font, inp.language, symbols)
        (folder / "captions.ass").write_text(ass, encoding="utf-8")
        subs = [
            srt.Subtitle(index=i + 1, start=dt.timedelta(seconds=e.start), end=dt.timedelta(seconds=e.end),
                         content="\n".join(e.lines))
            for i, e in enumerate(spoken)
        ]
        (folder / "captions.srt").write_text(srt.compose(subs), encoding="utf-8")
        vtt = ["WEBVTT", ""]
        for e in spoken:
            vtt += [f"{_vtt_time(e.start)} --> {_vtt_time(e.end)}", *e.lines, ""]
        (folder / "captions.vtt").write_text("\n".join(vtt), encoding="utf-8")

    key, folder = deps.cache.get_or_make(
        "captions", {"events": events, "font": font, "symbols": symbols, "preset": inp.preset, "v": 2}, make
    )
    return CaptionOutput(
        ass=AssetRef(kind="captions_ass", key=key, path=folder / "captions.ass"),
        srt=AssetRef(kind="captions_srt", key=key, path=folder / "captions.srt"),
        vtt=AssetRef(kind="captions_vtt", key=key, path=folder / "captions.vtt"),
        font=font,
        events=events,
    )


def _vtt_time(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
