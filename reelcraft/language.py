"""Which writing system a text is in: the one place the checks on briefs, scripts, titles and trending
items agree on what counts as Chinese."""

from __future__ import annotations

import re

CJK_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
"""Han characters (CJK Unified Ideographs, extension A, compatibility)."""
KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
"""Japanese kana and Korean hangul: Han characters next to these are not Chinese."""


def letters(text: str) -> list[str]:
    return [ch for ch in text if ch.isalpha()]


def cjk_share(text: str) -> float:
    """Share of the letters that are Han characters (0 when there are no letters)."""
    found = letters(text)
    return sum(bool(CJK_IDEOGRAPH.match(ch)) for ch in found) / len(found) if found else 0.0


def label(text: str) -> str:
    """'zh', 'en', 'other' (Hindi, Japanese, Arabic…: stored and searchable, just not labelled) or 'und'
    (no letters). Labels trending items; retrieval itself is multilingual."""
    found = letters(text)
    if not found:
        return "und"
    if sum(bool(KANA_HANGUL.match(ch)) for ch in found) / len(found) >= 0.1:
        return "other"
    if cjk_share(text) >= 0.3:
        return "zh"
    return "en" if sum(ch.isascii() for ch in found) / len(found) >= 0.5 else "other"


def language_problem(text: str, language: str) -> str | None:
    """Why `text` is not written in `language` ('en' or 'zh'), phrased for an LLM to fix; None if it is.
    Chinese text may carry Latin brand names; English text may carry no Han characters at all."""
    if language == "zh" and letters(text) and cjk_share(text) < 0.5:
        english = list(dict.fromkeys(re.findall(r"[A-Za-z][A-Za-z'-]+", text)))[:4]
        hint = f" (say {', '.join(repr(w) for w in english)} in Chinese too)" if english else ""
        return f"not written in Chinese: {text[:60]!r}{hint}"
    if language == "en" and CJK_IDEOGRAPH.search(text):
        return f"contains Chinese characters but must be English: {text[:60]!r}"
    return None
