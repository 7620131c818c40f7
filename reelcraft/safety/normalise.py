"""Text as the lexicons see it, with every character traced back to the text as written.

People dodge word lists with zero-width characters, look-alike letters from other scripts, full-width forms,
leetspeak, spaced-out letters ("k y s", "自 杀") and stretched words ("killlll"). Each view undoes those while
keeping, for every character, the offset of the character it came from, so a finding can quote the exact span.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

MAX_CHARS = 20_000
"""Longer texts are checked in windows of this size (a script is a few hundred characters)."""

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u034f"}
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACED_HAN = re.compile(rf"(?<=[{_HAN}])[\s*.\-_·•|/\\~^+]+(?=[{_HAN}])")
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z](?:[\s.\-_*·]+[a-z](?![a-z0-9])){2,}")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_LEET_TOKEN = re.compile(r"[a-z0-9@$!]*[a-z][a-z0-9@$!]*|[a-z0-9@$!]*[0-9@$!][a-z][a-z0-9@$!]*")


@lru_cache(maxsize=1)
def _homoglyphs() -> dict[str, str]:
    """Letters of other scripts that look like a Latin letter or digit (Unicode's confusables, as shipped by
    confusable-homoglyphs), mapped to it; Han characters are never mapped."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
    table: dict[str, str] = {}
    for char, lookalikes in data.items():
        if len(char) != 1 or char.isascii() or re.match(rf"[{_HAN}]", char):
            continue
        for other in lookalikes:
            target, name = other.get("c", ""), other.get("n", "")
            if len(target) == 1 and target.isascii() and target.isalnum() and name.startswith(("LATIN", "DIGIT")):
                table[char] = target.lower()
                break
    return table


@dataclass(frozen=True)
class View:
    """One normalised form of a text: `text[i]` came from `origin[i]` in the text as written."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int, original: str) -> tuple[int, int]:
        """The span of the text as written that `text[start:end]` came from."""
        if not self.origin:
            return 0, 0
        first = self.origin[min(start, len(self.origin) - 1)]
        last = self.origin[min(max(end - 1, start), len(self.origin) - 1)]
        return first, min(len(original), last + 1)


@dataclass(frozen=True)
class Normalised:
    """A text and its views: `plain` (NFKC, case-folded, invisible characters out, look-alikes mapped, spacing
    between Han characters and between single letters closed, stretched letters shortened) and `leet` (plain
    with digits and symbols inside words read as letters)."""

    original: str
    plain: View
    leet: View

    @property
    def views(self) -> tuple[View, ...]:
        return (self.plain,) if self.leet.text == self.plain.text else (self.plain, self.leet)


def _rebuild(view: View, pattern: re.Pattern[str], replace: callable) -> View:  # type: ignore[valid-type]
    """Apply a regex substitution to a view, carrying the origins along (kept characters keep theirs)."""
    out: list[str] = []
    origin: list[int] = []
    at = 0
    for match in pattern.finditer(view.text):
        out.append(view.text[at:match.start()])
        origin.extend(view.origin[at:match.start()])
        kept = replace(match)  # a list of indexes into view.text to keep, in order
        out.extend(view.text[i] for i in kept)
        origin.extend(view.origin[i] for i in kept)
        at = match.end()
    out.append(view.text[at:])
    origin.extend(view.origin[at:])
    return View("".join(out), tuple(origin))


def normalise(text: str) -> Normalised:
    """Every view of `text` (at most MAX_CHARS of it: callers window longer texts)."""
    text = text[:MAX_CHARS]
    homoglyphs = _homoglyphs()
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char in _ZERO_WIDTH or unicodedata.category(char) == "Cf":
            continue
        for part in unicodedata.normalize("NFKC", char):
            part = homoglyphs.get(part, part)
            for folded in part.casefold():
                chars.append(folded)
                origin.append(index)
    view = View("".join(chars), tuple(origin))
    view = _rebuild(view, _SPACED_HAN, lambda m: [])
    view = _rebuild(view, _SPACED_LETTERS,
                    lambda m: [m.start() + i for i, c in enumerate(m.group()) if c.isalpha()])  # fmt: skip
    view = _rebuild(view, _STRETCHED, lambda m: [m.start(), m.start() + 1])
    leet_chars = list(view.text)
    for match in _LEET_TOKEN.finditer(view.text):
        token = match.group()
        if any(c.isalpha() for c in token) and any(not c.isalpha() for c in token) and not token.isdigit():
            if re.fullmatch(r"\d+(k|m|s|x|st|nd|rd|th|am|pm|g|kg|ml|p|d|h|min|mins|yo|s)", token):
                continue  # 4k, 10kg, 2nd, 30s: numbers with units, not disguised words
            for offset, char in enumerate(token.translate(_LEET)):
                leet_chars[match.start() + offset] = char
    leet = View("".join(leet_chars), view.origin)
    return Normalised(original=text, plain=view, leet=leet)


def windows(text: str, size: int = MAX_CHARS, overlap: int = 200) -> list[tuple[int, str]]:
    """A long text as overlapping windows (offset, text), so a span across a boundary is still seen."""
    if len(text) <= size:
        return [(0, text)]
    out, at = [], 0
    while at < len(text):
        out.append((at, text[at:at + size]))
        if at + size >= len(text):
            break
        at += size - overlap
    return out
