"""Captions tool: word-timed voiceover → styled, word-highlighted ASS (burned in) plus SRT and VTT.

The look comes from a named caption style (data, reelcraft/media/caption_styles.py) and the draft's caption edits.
Lines are broken by measuring the real font: inside the frame's safe area, balanced, never a word (or a Chinese
character) alone on a line, and Chinese only between words (jieba), not inside one.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import srt
from PIL import ImageFont
from pydantic import BaseModel, Field

from reelcraft.media.caption_styles import CaptionStyle, block_height, caption_style, edge, font_size_for
from reelcraft.media.fonts import FontChoice, covers, find_caption_font, find_symbol_font, missing_glyphs
from reelcraft.plan import AssetRef, CaptionLook, Language, OutputPreset
from reelcraft.tools.deps import Deps

SENTENCE_END = tuple(".!?;。！？；…")
CLAUSE_END = tuple(",:，、：")
OVERLAY_SHARES = (0.052, 0.045, 0.038, 0.032)
"""Headline font sizes as shares of the frame height (100, 86, 73, 61 px at 1920): big text shrinks rather than
being cut when it is long."""
OVERLAY_BOX = 16
MAX_OVERLAY_LINES = 3
HIGHLIGHT_LEAD_S = 0.06
"""Words are highlighted this much before the voice's timing says they start: the TTS word times run ~0.06 s behind
the sound's onset (measured on the voice's energy), and text a touch ahead of speech reads as in sync."""
LAST_HOLD_S = 0.4
"""The last caption of a scene stays this long after its last word (within the scene)."""


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
    """Word-timed voiceover for every scene, the frame the captions must fit in, and how they should look."""

    language: Language
    preset: OutputPreset
    scenes: list[SceneCaptionSource]
    call_to_action: str = ""
    """Shown over the last seconds of the video."""
    look: CaptionLook = Field(default_factory=CaptionLook)
    """Style name, size, colour and emoji (the draft's look, moved by chat edits)."""
    font: Path | None = None
    """The brand's font for the captions; characters it lacks (Chinese in a Latin font) fall back to the CJK font."""
    accent: str | None = None
    """The brand's colour for the word being said, used when it reads (4.5:1) on the style's outline or box."""
    headline_inset: int = 0
    """Pixels kept free at each side of the headline (a logo in a top corner)."""


class CaptionEvent(BaseModel):
    start: float
    end: float
    lines: list[str]
    """The words as spoken (SRT/VTT and checks); the burned-in picture may upper-case them and add emoji."""
    words: list[TimedWord] = Field(default_factory=list)
    """The caption's words (a Chinese word is its characters joined), each highlighted from its start."""
    line_sizes: list[int] = Field(default_factory=list)
    """How many of `words` each line holds."""
    emphasis: list[bool] = Field(default_factory=list)
    """Per word: a key word (a number, an amount, a word from the scene's on-screen text) drawn in the style's
    emphasis colour and scale."""
    emoji: list[str] = Field(default_factory=list)
    """Per word: an emoji drawn after it, or ''."""
    squeeze: float = 1.0
    """Horizontal scale for a single word wider than the frame."""
    style: str = "Caption"
    font_size: int | None = None
    """Overrides the style's size (long overlays shrink to fit)."""
    x: int = 0
    y: int = 0
    """Anchor point: see `anchor`."""
    anchor: int = 2
    """ASS numpad alignment of the block at (x, y): 2 bottom centre, 5 middle, 1 bottom left, 8 top centre."""


class CaptionOutput(BaseModel):
    ass: AssetRef
    srt: AssetRef
    vtt: AssetRef
    font: FontChoice
    events: list[CaptionEvent]
    style: str = "pop"
    font_size: int = 0
    """The spoken captions' libass size."""


def joiner(language: Language) -> str:
    return "" if language == Language.ZH else " "


class LineMeasurer:
    """Pixel width of text as libass will draw it (libass sizes fonts by ascent+descent, not em)."""

    def __init__(self, font: FontChoice, size: int) -> None:
        probe = ImageFont.truetype(str(font.path), 1000, index=font.index)
        ascent, descent = probe.getmetrics()
        em = size * 1000 / (ascent + descent)
        self.size = size
        self.font = ImageFont.truetype(str(font.path), max(1, round(em)), index=font.index)

    def width(self, text: str) -> float:
        return self.font.getlength(text)


def wrap(tokens: list[str], sep: str, measure: LineMeasurer, max_width: float) -> list[list[int]]:
    """Greedy line breaking over token indices (headlines, where every word must stay)."""
    lines: list[list[int]] = [[]]
    for i in range(len(tokens)):
        candidate = sep.join(tokens[j] for j in [*lines[-1], i])
        if lines[-1] and measure.width(candidate) > max_width:
            lines.append([i])
        else:
            lines[-1].append(i)
    return [line for line in lines if line]


# --- the words a caption shows -----------------------------------------------------------------------------------

_PUNCTUATION = set("，。！？；：、,.!?;:…—～~“”‘’\"'（）()《》「」")
_NUMBER = re.compile(r"\d|[$€£¥%]|[零一二三四五六七八九十百千万两半]+(?:块|元|分钟|点|个|天|岁|倍|次|小时|%|成)")
_NUMERAL = re.compile(r"[\d零一二三四五六七八九十百千万两几半块元]")
_UNITS = frozenset({"钱", "元", "块", "分", "秒", "天", "岁", "倍", "次", "个", "点", "号", "年", "月", "斤", "克",
                    "米", "分钟", "小时", "公里", "块钱"})
_UNIT_AFTER = re.compile(r"(?i)(?:am|pm|a\.m\.?|p\.m\.?|%|k|kg|km|min|mins|minutes|hours?|percent|dollars?|bucks"
                         r"|calories|grams?|steps|days?|weeks?|times|x)\W*$")
_STOPWORDS = frozenset([
    "a", "an", "the", "and", "or", "but", "so", "to", "of", "in", "on", "at", "for", "with", "from", "by", "is",
    "are", "was", "were", "be", "been", "it", "its", "this", "that", "these", "those", "you", "your", "we", "our",
    "they", "their", "he", "she", "his", "her", "i", "my", "me", "just", "very", "really", "more", "most", "than",
    "then", "there", "here", "what", "when", "how", "why", "who", "which", "will", "can", "do", "does", "did",
    "have", "has", "had", "not", "no", "yes", "all", "any", "some", "every", "into", "out", "up", "down", "over",
    "about", "like", "get", "got", "make", "makes", "made"
])


def caption_words(words: list[TimedWord], language: Language) -> list[TimedWord]:
    """The units a caption shows and highlights: English words as spoken; Chinese characters joined into
    words (jieba), so a line never breaks inside a word and a highlight covers a whole word."""
    if language != Language.ZH or not words:
        return list(words)

    chars: list[tuple[str, float, float]] = []
    for word in words:  # a token of several characters shares its time evenly
        n = max(1, len(word.text))
        step = (word.end - word.start) / n
        chars += [(c, word.start + i * step, word.start + (i + 1) * step) for i, c in enumerate(word.text)]
    text = "".join(c for c, _, _ in chars)
    out: list[TimedWord] = []
    at = 0
    for piece in _quiet_jieba().cut(text, HMM=True):
        span = chars[at : at + len(piece)]
        at += len(piece)
        if not span:
            continue
        joins = out and (all(c in _PUNCTUATION for c, _, _ in span)  # punctuation stays with the word before it
                         or (piece in _UNITS and _NUMERAL.search(out[-1].text[-1:])))  # 三块 + 钱
        if joins:
            out[-1] = out[-1].model_copy(update={"text": out[-1].text + piece, "end": span[-1][2]})
        else:
            out.append(TimedWord(text=piece, start=span[0][1], end=span[-1][2]))
    return out


@lru_cache(maxsize=1)
def _quiet_jieba() -> object:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _bare(text: str) -> str:
    return "".join(c for c in text if c not in _PUNCTUATION).strip().lower()


def key_terms(text: str, language: Language) -> set[str]:
    """The content words of a scene's on-screen text and the hook: what the script marked as the point."""
    if language == Language.ZH:
        return {w for w in _quiet_jieba().cut(text) if len(_bare(w)) >= 2}  # type: ignore[attr-defined]
    return {_bare(w) for w in text.split() if len(_bare(w)) >= 4 and _bare(w) not in _STOPWORDS}


def is_key_word(word: str, terms: set[str], language: Language) -> bool:
    """Numbers and amounts always; otherwise a word the scene's on-screen text also uses."""
    bare = _bare(word)
    if not bare:
        return False
    if _NUMBER.search(bare):
        return True
    if language == Language.ZH:
        return any(bare == t or (len(bare) >= 2 and bare in t) for t in terms)
    stem = bare.rstrip("s") if len(bare) > 4 else bare
    return bare in terms or any(t.rstrip("s") == stem for t in terms)


@lru_cache(maxsize=1)
def _emoji_by_word() -> tuple[dict[str, str], dict[str, str]]:
    from reelcraft.media.illustrations import picture_words

    english: dict[str, str] = {}
    chinese: dict[str, str] = {}
    for emoji, (en_words, zh_words) in picture_words().items():
        for w in en_words:
            english.setdefault(w.lower(), emoji)
        for w in zh_words:
            chinese.setdefault(w, emoji)
    return english, chinese


def emoji_for(word: str, language: Language) -> str:
    """The emoji creators put after a word ('coffee' ☕, '咖啡' ☕), from the picture words; '' when none."""
    english, chinese = _emoji_by_word()
    bare = _bare(word)
    if language == Language.ZH:
        return chinese.get(bare, "")
    return english.get(bare) or (english.get(bare[:-1], "") if bare.endswith("s") else "")


# --- line breaking -----------------------------------------------------------------------------------------------


class _Fitter:
    """Widths of caption words as drawn (upper-cased, emphasised, with their emoji) and the line layouts that fit."""

    def __init__(self, words: list[TimedWord], emphasis: list[bool], emoji: list[str], style: CaptionStyle,
                 measure: LineMeasurer, language: Language, max_width: float) -> None:  # fmt: skip
        upper = style.uppercase and language == Language.EN
        self.widths = [
            measure.width(w.text.upper() if upper else w.text) * (style.emphasis_scale if e else 1.0)
            + (measure.size * 0.9 if m else 0.0)
            for w, e, m in zip(words, emphasis, emoji, strict=True)
        ]
        self.gap = measure.width(" ") if language == Language.EN else 0.0
        self.chars = [len(_bare(w.text)) for w in words]
        self._texts = [w.text for w in words]
        self.style, self.max_width, self.language = style, max_width, language

    def width(self, first: int, last: int) -> float:
        return sum(self.widths[first:last]) + self.gap * max(0, last - first - 1)

    def alone(self, first: int, last: int) -> bool:
        """A line of one word, or one Chinese character: an orphan when another line has more."""
        return last - first < 2 or (self.language == Language.ZH and sum(self.chars[first:last]) < 2)

    def lines(self, first: int, last: int) -> list[int] | None:
        """Line sizes for words [first, last): one line when it fits, else the most even break into at most
        `max_lines` lines with no orphan; None when they cannot fit."""
        if self.width(first, last) <= self.max_width:
            return [last - first]
        if self.style.max_lines < 2:
            return None
        best: tuple[float, list[int]] | None = None
        for cut in range(first + 1, last):
            if self.alone(first, cut) or self.alone(cut, last) or self.glued(cut - 1):
                continue
            a, b = self.width(first, cut), self.width(cut, last)
            if max(a, b) > self.max_width:
                continue
            score = abs(a - b) - (0.3 * self.max_width if _ends(self.text_end(cut - 1), CLAUSE_END) else 0.0)
            if best is None or score < best[0]:
                best = (score, [cut - first, last - cut])
        return best[1] if best else None

    def glued(self, index: int) -> bool:
        """Word `index` and the next one read as one (a number and its unit: '7 AM', '5 kg')."""
        if index + 1 >= len(self._texts) or self.language == Language.ZH:
            return False
        return bool(re.search(r"\d$", _bare(self._texts[index])) and _UNIT_AFTER.match(self._texts[index + 1]))

    def text_end(self, index: int) -> str:
        """Word `index` as spoken, with its punctuation (where sentences and clauses end)."""
        return self._texts[index]


def _ends(text: str, marks: tuple[str, ...]) -> bool:
    return text.rstrip("\"'”’）)」").endswith(marks)


LONE_COST = 100.0
"""A caption of one word (one Chinese character): only when no way of grouping avoids it."""
SENTENCE_CROSS_COST = 30.0
CLAUSE_CROSS_COST = 3.0
OPEN_END_COST = 2.0
"""A caption that ends mid-clause: breaks are cheaper after punctuation."""
GROUP_COST = 1.0
"""Each caption: fewer, fuller captions read faster than many small ones."""


def group_words(fitter: _Fitter, count: int, max_words: int) -> list[tuple[int, int, list[int]]]:
    """Captions as (first, last, line sizes), chosen together (dynamic programming over where each caption ends):
    each fits its lines with no orphan, captions end at sentence and clause ends where they can, and a caption
    holds one word only when no grouping of its neighbours leaves room for it."""
    best: list[tuple[float, int]] = [(0.0, -1)] + [(float("inf"), -1)] * count
    for end in range(1, count + 1):
        for start in range(max(0, end - max_words), end):
            if best[start][0] == float("inf") or (end - start > 1 and fitter.lines(start, end) is None):
                continue
            cost = GROUP_COST + (LONE_COST if fitter.alone(start, end) else 0.0)
            for k in range(start, end - 1):
                text = fitter.text_end(k)
                if _ends(text, SENTENCE_END):
                    cost += SENTENCE_CROSS_COST
                elif _ends(text, CLAUSE_END):
                    cost += CLAUSE_CROSS_COST
            if end < count and not _ends(fitter.text_end(end - 1), SENTENCE_END + CLAUSE_END):
                cost += OPEN_END_COST + (LONE_COST / 4 if fitter.glued(end - 1) else 0.0)
            if best[start][0] + cost < best[end][0]:
                best[end] = (best[start][0] + cost, start)
    bounds: list[tuple[int, int]] = []
    end = count
    while end > 0:
        start = best[end][1]
        bounds.append((start, end))
        end = start
    # a single word wider than the frame keeps its one line (squeezed when drawn)
    return [(a, b, fitter.lines(a, b) or [b - a]) for a, b in reversed(bounds)]


def _chunk_events(words: list[TimedWord], language: Language, style: CaptionStyle, measure: LineMeasurer,
                  max_width: float, scene_end: float, terms: set[str],
                  emoji_on: bool) -> list[CaptionEvent]:  # fmt: skip
    units = [w.model_copy(update={"start": max(0.0, w.start - HIGHLIGHT_LEAD_S),
                                  "end": max(w.start - HIGHLIGHT_LEAD_S + 0.02, w.end - HIGHLIGHT_LEAD_S)})
             for w in caption_words(words, language)]  # fmt: skip
    if not units:
        return []
    emphasis = [is_key_word(w.text, terms, language) for w in units]
    emoji = [emoji_for(w.text, language) if emoji_on and e else "" for w, e in zip(units, emphasis, strict=True)]
    shown_in_sentence = False
    for k, word in enumerate(units):  # one emoji a sentence: more reads as clutter and crowds the lines
        if emoji[k]:
            emoji[k] = "" if shown_in_sentence else emoji[k]
            shown_in_sentence = True
        if _ends(word.text, SENTENCE_END):
            shown_in_sentence = False
    fitter = _Fitter(units, emphasis, emoji, style, measure, language, max_width)
    sep = joiner(language)
    events: list[CaptionEvent] = []
    limit = style.max_words * (2 if language == Language.ZH else 1)  # a Chinese word is one to three characters
    for a, b, sizes in group_words(fitter, len(units), limit):
        lines, at = [], a
        for size in sizes:
            lines.append(sep.join(w.text for w in units[at : at + size]))
            at += size
        width = fitter.width(a, b)
        events.append(CaptionEvent(
            start=units[a].start, end=units[b - 1].end, lines=lines, words=units[a:b], line_sizes=sizes,
            emphasis=emphasis[a:b], emoji=emoji[a:b],
            squeeze=min(1.0, max_width / width) if len(sizes) == 1 and width > max_width else 1.0,
        ))  # fmt: skip
    for current, following in zip(events, events[1:], strict=False):
        current.end = max(current.end, min(following.start, current.end + 0.6))
    events[-1].end = min(scene_end, events[-1].end + LAST_HOLD_S)
    return events


# --- ASS -----------------------------------------------------------------------------------------------------------


def _ass_time(seconds: float) -> str:
    cs = max(0, round(seconds * 100))
    return f"{cs // 360000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


def ass_colour(hex_colour: str, opacity: float = 1.0) -> str:
    """#RRGGBB → &HAABBGGRR (ASS alpha: 0 is opaque)."""
    r, g, b = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"&H{round((1 - opacity) * 255):02X}{b}{g}{r}".upper()


def _inline_colour(hex_colour: str) -> str:
    """The form an override tag takes: &HBBGGRR&."""
    return "&H" + ass_colour(hex_colour)[4:] + "&"


_INVISIBLE = {"\ufe0f", "\ufe0e", "\u200d"}  # emoji variation selectors and joiners: nothing to draw


def _ass_escape(text: str, font: FontChoice | None = None, symbols: FontChoice | None = None,
                fallback: FontChoice | None = None) -> str:  # fmt: skip
    """Escape for ASS; characters the main font lacks switch to the CJK fallback (a brand's Latin font in a Chinese
    draft), the symbol font (emoji), or are left out of the burned-in picture (they stay in SRT/VTT) rather than
    drawn as boxes."""
    out: list[str] = []
    for char in text.replace("\\", "\\\\").replace("{", "(").replace("}", ")").replace("\n", " "):
        if font is None or char.isspace() or covers(font, char):
            out.append(char)
        elif char in _INVISIBLE:
            continue
        elif fallback is not None and covers(fallback, char):
            out.append(f"{{\\fn{fallback.family}}}{char}{{\\fn{font.family}}}")
        elif symbols is not None and covers(symbols, char):
            out.append(f"{{\\fn{symbols.family}}}{char}{{\\fn{font.family}}}")
    return "".join(out)


class _Painter:
    """Writes one caption's words as ASS text in a style: emphasis, emoji, the spoken word's highlight."""

    def __init__(self, style: CaptionStyle, look: CaptionLook, language: Language, font: FontChoice,
                 symbols: FontChoice | None, fallback: FontChoice | None,
                 accent: str | None = None) -> None:  # fmt: skip
        self.style, self.language = style, language
        self.font, self.symbols, self.fallback = font, symbols, fallback
        self.text = look.colour or style.text
        accent = accent or style.accent
        if look.colour and _close(look.colour, accent):  # 'captions in yellow': the spoken word turns white
            accent = "#FFFFFF"
        self.accent, self.emphasis = accent, style.emphasis if not look.colour else accent

    def word(self, word: TimedWord, key: bool, emoji: str) -> str:
        text = word.text.upper() if self.style.uppercase and self.language == Language.EN else word.text
        body = _ass_escape(text, self.font, self.symbols, self.fallback)
        if emoji:
            body += ("" if self.language == Language.ZH else " ") + _ass_escape(emoji, self.font, self.symbols,
                                                                               self.fallback)
        return body

    def plain(self, event: CaptionEvent, active: int | None = None, bare: bool = False) -> str:
        """Every word, the emphasised ones in their colour and scale, word `active` in the accent colour (and
        popping, in the pop layout); `bare`: the words alone, laid out the same (what a box is drawn around)."""
        sep = joiner(self.language)
        lines, index = [], 0
        base = f"\\1c{_inline_colour(self.text)}\\fscx100\\fscy100"
        for size in event.line_sizes:
            pieces = []
            for k in range(index, index + size):
                word, key, emoji = event.words[k], event.emphasis[k], event.emoji[k]
                tags = ""
                if bare:
                    pieces.append(self.word(word, key, emoji))
                    continue
                if key:
                    tags += f"\\1c{_inline_colour(self.emphasis)}"
                    if self.style.emphasis_scale > 1:
                        pct = round(100 * self.style.emphasis_scale)
                        tags += f"\\fscx{pct}\\fscy{pct}"
                if k == active:
                    tags += f"\\1c{_inline_colour(self.accent)}"
                    if self.style.layout == "pop" and self.style.pop_scale > 1:
                        pct = round(100 * self.style.pop_scale * (self.style.emphasis_scale if key else 1))
                        rest = round(100 * (self.style.emphasis_scale if key else 1))
                        tags += f"\\fscx{pct}\\fscy{pct}\\t(0,120,\\fscx{rest}\\fscy{rest})"
                text = self.word(word, key, emoji)
                pieces.append(f"{{{tags}}}{text}{{{base}}}" if tags else text)
            index += size
            lines.append(sep.join(pieces))
        return "\\N".join(lines)

    def karaoke(self, event: CaptionEvent) -> str:
        """Each word fills from the text colour to the accent while it is said (\\kf, centiseconds)."""
        sep = joiner(self.language)
        lines, cursor, index = [], event.start, 0
        for size in event.line_sizes:
            pieces = []
            for k in range(index, index + size):
                word, key, emoji = event.words[k], event.emphasis[k], event.emoji[k]
                gap = max(0, round((word.start - cursor) * 100))
                fill = max(1, round((word.end - word.start) * 100))
                lead = f"{{\\k{gap}}}" if gap else ""
                tags = f"\\kf{fill}"
                if key:
                    pct = round(100 * self.style.emphasis_scale)
                    tags += f"\\2c{_inline_colour(self.emphasis)}\\fscx{pct}\\fscy{pct}"
                text = self.word(word, key, emoji)
                after = f"{{\\2c{_inline_colour(self.text)}\\fscx100\\fscy100}}" if key else ""
                pieces.append(f"{lead}{{{tags}}}{text}{after}")
                cursor += (gap + fill) / 100
            index += size
            lines.append(sep.join(pieces))
        return "\\N".join(lines)


def _close(a: str, b: str) -> bool:
    return sum(abs(int(a[i : i + 2], 16) - int(b[i : i + 2], 16)) for i in (1, 3, 5)) < 120


def highlight_times(event: CaptionEvent) -> list[float]:
    """When each of the caption's words is highlighted: as it starts to be said."""
    return [w.start for w in event.words]


def build_ass(events: list[CaptionEvent], preset: OutputPreset, font: FontChoice, language: Language,
              symbols: FontChoice | None = None, style: CaptionStyle | None = None, look: CaptionLook | None = None,
              size: int | None = None, fallback: FontChoice | None = None,
              accent: str | None = None) -> str:  # fmt: skip
    style = style or caption_style("pop")
    look = look or CaptionLook()
    size = size or font_size_for(style, font, preset.height, look.scale)
    painter = _Painter(style, look, language, font, symbols, fallback, accent)
    outline = 0 if style.box else round(size * style.outline)
    # a box is drawn once per caption on its own layer, under the words: boxes drawn with the words would be cut
    # into darker strips wherever a highlight starts a new run of text
    box_style = (f"Style: CaptionBox,{font.family},{size},&HFF000000,&HFF000000,"
                 f"{ass_colour(style.box_colour, style.box_opacity)},&HFF000000,-1,0,0,0,100,100,0,0,3,"
                 f"{round(size * style.box_padding)},0,2,0,0,0,1\n") if style.box else ""  # fmt: skip
    overlay_size = round(OVERLAY_SHARES[0] * preset.height)
    box = round(OVERLAY_BOX * preset.height / 1920)
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
Style: Caption,{font.family},{size},{ass_colour(painter.accent if style.layout == "karaoke" else painter.text)},\
{ass_colour(painter.text)},{ass_colour(style.outline_colour)},&H80000000,-1,0,0,0,100,100,0,0,1,{outline},\
{round(size * style.shadow)},2,0,0,0,1
{box_style}Style: Overlay,{font.family},{overlay_size},&H00FFFFFF,&H00FFFFFF,&H64000000,&H64000000,-1,0,0,0,100,100,\
0,0,3,{box},0,8,0,0,0,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""
    rows = []

    def row(layer: int, start: float, end: float, name: str, event: CaptionEvent, body: str) -> None:
        squeeze = f"\\fscx{round(100 * event.squeeze)}" if event.squeeze < 1 else ""
        rows.append(f"Dialogue: {layer},{_ass_time(start)},{_ass_time(end)},{name},,0,0,0,,"
                    f"{{\\an{event.anchor}\\pos({event.x},{event.y}){squeeze}}}{body}")  # fmt: skip

    for event in events:
        if event.style != "Caption":
            body = "\\N".join(_ass_escape(line, font, symbols, fallback) for line in event.lines)
            if event.font_size:
                body = f"{{\\fs{event.font_size}}}{body}"
            row(0, event.start, event.end, event.style, event, body)
            continue
        if style.box:
            row(1, event.start, event.end, "CaptionBox", event, "{\\1a&HFF&}" + painter.plain(event, bare=True))
        if style.layout == "karaoke":
            row(2, event.start, event.end, "Caption", event, painter.karaoke(event))
        else:  # one event per spoken word: its highlight starts exactly when the word does
            times = highlight_times(event)
            bounds = [event.start, *times[1:], event.end]
            for k in range(len(event.words)):
                if bounds[k + 1] - bounds[k] >= 0.005:
                    row(2, bounds[k], bounds[k + 1], "Caption", event, painter.plain(event, active=k))
    return header + "\n".join(rows) + "\n"


def fit_overlay(text: str, font: FontChoice, language: Language, max_width: float,
                frame_height: int = 1920) -> tuple[list[str], int]:  # fmt: skip
    """Lines and font size for big on-screen text: the largest size that fits in three lines."""
    sep = joiner(language)
    tokens = list(text) if sep == "" else text.split()
    sizes = [round(share * frame_height) for share in OVERLAY_SHARES]
    for size in sizes:
        measure = LineMeasurer(font, size)
        lines = [sep.join(tokens[i] for i in line) for line in wrap(tokens, sep, measure, max_width)]
        if len(lines) <= MAX_OVERLAY_LINES:
            return lines, size
    return lines, sizes[-1]  # still too long: keep every word, the safe-area test will say so


def _overlay_events(inp: CaptionInput, font: FontChoice, total: float) -> list[CaptionEvent]:
    left, top, right, _ = inp.preset.safe_box()
    box = round(OVERLAY_BOX * inp.preset.height / 1920)
    max_width = right - left - 2 * box - 8 - 2 * inp.headline_inset
    default = round(OVERLAY_SHARES[0] * inp.preset.height)
    events: list[CaptionEvent] = []
    cta_start = max(0.0, total - 3.0) if inp.call_to_action else total
    shown = [(s.start, min(s.start + s.duration, cta_start), s.overlay) for s in inp.scenes]
    if inp.call_to_action:
        shown.append((cta_start, total, inp.call_to_action))
    for start, end, text in shown:
        if text and end - start > 0.3:
            lines, size = fit_overlay(text, font, inp.language, max_width, inp.preset.height)
            events.append(CaptionEvent(start=start, end=end, lines=lines, style="Overlay",
                                       font_size=size if size != default else None,
                                       x=inp.preset.width // 2, y=top + box + 8, anchor=8))
    return events


def caption_lines_text(events: list[CaptionEvent], language: Language) -> str:
    """The spoken captions as one string, for checks against the plan's voiceover."""
    sep = joiner(language)
    return sep.join(sep.join(e.lines) for e in events if e.style == "Caption")


def caption_font(inp: CaptionInput, deps: Deps) -> tuple[FontChoice, FontChoice | None]:
    """The font the captions are drawn in, and the CJK font for what it lacks (None when it is the CJK font)."""
    cjk = find_caption_font(deps.settings.font_cjk)
    if inp.font is None:
        return cjk, None
    return find_caption_font(inp.font), cjk


def caption_block_top(look: CaptionLook, preset: OutputPreset, deps: Deps, font_path: Path | None = None) -> float:
    """The highest pixel row the spoken captions can reach in this look: pictures are laid out above it."""
    from reelcraft.media.caption_styles import caption_band

    font, _ = caption_font(CaptionInput(language=Language.EN, preset=preset, scenes=[], font=font_path), deps)
    return caption_band(caption_style(look.style), font, preset.safe_box(), preset.height, look.scale)[0]


def backing_luminance(style: CaptionStyle) -> float:
    """The brightest the pixels right around the letters can be: the outline's colour, or a box over white."""
    if style.box:
        grey = [int(style.box_colour[i : i + 2], 16) * style.box_opacity + 255 * (1 - style.box_opacity)
                for i in (1, 3, 5)]  # fmt: skip
        return _luminance(grey)
    return _luminance([int(style.outline_colour[i : i + 2], 16) for i in (1, 3, 5)])


def _luminance(rgb: list[float]) -> float:
    linear = [(c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def readable_accent(colour: str | None, style: CaptionStyle) -> str | None:
    """`colour` when it keeps 4.5:1 contrast (WCAG AA) against the style's outline or box, else None."""
    if colour is None:
        return None
    lum = _luminance([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    back = backing_luminance(style)
    return colour if (max(lum, back) + 0.05) / (min(lum, back) + 0.05) >= 4.5 else None


def make_captions(inp: CaptionInput, deps: Deps) -> CaptionOutput:
    """Lay out word-timed captions in the draft's caption style (and each scene's on-screen text) inside the safe
    area; write ASS for burning in, plus SRT and VTT files for platforms and editors."""
    style = caption_style(inp.look.style)
    accent = readable_accent(inp.accent, style)
    if inp.accent and accent is None:
        deps.warn("captions", f"the brand colour {inp.accent} does not read on the {style.title.lower()} captions "
                              f"(under 4.5:1 contrast): the word being said is {style.accent}")  # fmt: skip
    font, fallback = caption_font(inp, deps)
    all_text = "".join(w.text for s in inp.scenes for w in s.words) + "".join(s.overlay for s in inp.scenes)
    symbols = find_symbol_font()
    missing = missing_glyphs(font, all_text + inp.call_to_action) - _INVISIBLE
    if fallback is not None:
        borrowed = {ch for ch in missing if covers(fallback, ch)}
        if borrowed and inp.language == Language.ZH:
            deps.warn("captions", f"the brand font {font.family} has no Chinese characters: they are drawn in "
                                  f"{fallback.family}")  # fmt: skip
        missing -= borrowed
    undrawable = {ch for ch in missing if symbols is None or not covers(symbols, ch)}
    if undrawable:
        deps.warn("captions", f"no installed font draws {''.join(sorted(undrawable))!r}: left out of the burned-in "
                              "captions (kept in SRT/VTT); apt-get install fonts-symbola")
    total = max(s.start + s.duration for s in inp.scenes)
    left, top, right, bottom = inp.preset.safe_box()
    size = font_size_for(style, font, inp.preset.height, inp.look.scale)
    measure = LineMeasurer(font, size)
    pad = edge(style, size)
    max_width = right - left - 2 * pad - 8
    emoji_on = style.emoji if inp.look.emoji is None else inp.look.emoji
    x, y, anchor = _anchor(style, inp.preset.safe_box(), size, pad)
    spoken: list[CaptionEvent] = []
    for scene in inp.scenes:
        terms = key_terms(scene.overlay, inp.language)
        chunked = _chunk_events(scene.words, inp.language, style, measure, max_width, scene.start + scene.duration,
                                terms, emoji_on)  # fmt: skip
        spoken += [event.model_copy(update={"x": x, "y": y, "anchor": anchor}) for event in chunked]
    events = _overlay_events(inp, font, total) + spoken

    def make(folder: Path) -> None:
        ass = build_ass(events, inp.preset, font, inp.language, symbols, style, inp.look, size, fallback, accent)
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
        "captions", {"events": events, "font": font, "fallback": fallback, "symbols": symbols, "preset": inp.preset,
                     "style": style, "look": inp.look, "accent": accent, "v": 6}, make,
    )  # fmt: skip
    return CaptionOutput(
        ass=AssetRef(kind="captions_ass", key=key, path=folder / "captions.ass"),
        srt=AssetRef(kind="captions_srt", key=key, path=folder / "captions.srt"),
        vtt=AssetRef(kind="captions_vtt", key=key, path=folder / "captions.vtt"),
        font=font,
        events=events,
        style=style.name,
        font_size=size,
    )


def _anchor(style: CaptionStyle, safe: tuple[int, int, int, int], size: int, pad: float) -> tuple[int, int, int]:
    """Where the caption block is pinned: (x, y, ASS alignment)."""
    left, top, right, bottom = safe
    x = round(left + pad + 4) if style.align == "left" else (left + right) // 2
    if style.position == "bottom":
        return x, round(bottom - pad - 0.04 * size), 1 if style.align == "left" else 2
    block = block_height(style, size)
    y = min(top + style.y * (bottom - top), bottom - block / 2)
    return x, round(y), 4 if style.align == "left" else 5


def _vtt_time(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
