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


_ASSISTANT_TALK = re.compile(
    r"^\W*(?:i'?m sorry,? but|i am sorry,? but|sorry,? but i\b|i understand[.!]?$|okay,? i understand|"
    r"i'?m unable to|"
    r"好的[，,。！!]|好的，?我|我明白了[。！!]?$|明白了[。！!]?$|抱歉[，,]|对不起，我)"
    r"|i can(?:no|')t (?:help|assist) with|as an ai\b|as a language model|作为(?:一个)?(?:ai|人工智能|语言模型)"
    r"|\bscenes? \d|第\s*[0-9一二三四五六七八九十]+\s*个?(?:镜头|场景)|^\W*(?:okay|ok|sure),? let'?s\b",
    re.IGNORECASE)
"""A small model answering the person who asked ("I'm sorry, but I can't help with that", "好的，我明白了")
instead of writing the line the narrator says."""


def assistant_talk(text: str) -> str | None:
    """Why `text` is a reply to the asker rather than narration, phrased for an LLM to fix; None if it is not."""
    if _ASSISTANT_TALK.search(text.strip()):
        return (f"{text[:60]!r} is a reply to me, not narration; write the words the narrator says to the viewer "
                "about this scene's subject")
    return None


def language_problem(text: str, language: str) -> str | None:
    """Why `text` is not written in `language` ('en' or 'zh'), phrased for an LLM to fix; None if it is.
    Chinese text may carry Latin brand names; English text may carry no Han characters at all. A model's reply to
    the asker ('I'm sorry, but…') is never narration in any language."""
    if talk := assistant_talk(text):
        return talk
    if language == "zh" and letters(text) and cjk_share(text) < 0.5:
        english = list(dict.fromkeys(re.findall(r"[A-Za-z][A-Za-z'-]+", text)))[:4]
        hint = f" (say {', '.join(repr(w) for w in english)} in Chinese too)" if english else ""
        return f"not written in Chinese: {text[:60]!r}{hint}"
    if language == "en" and CJK_IDEOGRAPH.search(text):
        return f"contains Chinese characters but must be English: {text[:60]!r}"
    if language == "en" and (script := other_script(text)):
        return f"written in {script} but the voice reads English; say it in English: {text[:60]!r}"
    return None


def other_script(text: str, share: float = 0.3) -> str | None:
    """The writing system other than Latin and Han that at least `share` of the letters are in (a Russian
    title's script copied into an English narration, which the English voice cannot read), or None."""
    found = letters(text)
    for name, pattern in _OTHER_SCRIPTS:
        if found and sum(bool(pattern.match(ch)) for ch in found) / len(found) >= share:
            return name
    return None


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


_OTHER_SCRIPTS = [
    ("Japanese", re.compile(r"[\u3040-\u30ff]")), ("Korean", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("Russian (Cyrillic)", re.compile(r"[\u0400-\u04ff]")), ("Arabic", re.compile(r"[\u0600-\u06ff]")),
    ("Hindi (Devanagari)", re.compile(r"[\u0900-\u097f]")), ("Thai", re.compile(r"[\u0e00-\u0e7f]")),
    ("Greek", re.compile(r"[\u0370-\u03ff]")), ("Hebrew", re.compile(r"[\u0590-\u05ff]")),
]  # fmt: skip
_SIMPLIFIED_ONLY = re.compile(r"[的个们这说让给为时后里还没视频吗呢吧么讲样]")
"""Characters a Chinese brief is full of and a Japanese one is not: Chinese framing around a Japanese title."""
_ENGLISH_WORDS = _vocabulary(
    "the of for about and to with my your how what why is are this that make from you it seconds second at by"
)
_LATIN_WORDS = {
    "Spanish": _vocabulary("el la de los las del que y para con por una sobre mi cómo es segundos vídeo sin muy más"),
    "French": _vocabulary("le la de les des du et pour avec une sur mon est comment pourquoi secondes vidéo très"),
    "German": _vocabulary("der die das und mit für ist ein eine über mein wie warum zu den sekunden nicht auf"),
    "Portuguese": _vocabulary("os de do da dos das e para com uma sobre meu como não é segundos vídeo sem muito"),
    "Italian": _vocabulary("il la lo gli della che per con una sul mio come perché di secondi senza molto"),
    "Indonesian": _vocabulary("yang dan untuk dengan di ini itu cara detik tentang saya tidak dari"),
}  # fmt: skip
"""Function words that mark a Latin-script brief as another language (none of them English)."""


def unsupported_language(text: str) -> str | None:
    """The language a brief is written in when reelcraft cannot write it (it writes English and Chinese),
    or None. A title in another language inside an English or Chinese brief ('…short video about: 사랑해')
    is fine: the framing words decide."""
    found = letters(text)
    if not found:
        return None
    words = re.findall(r"[^\W\d_]+", text.lower())
    english = sum(w in _ENGLISH_WORDS for w in words)
    chinese = cjk_share(text) >= 0.2 and bool(_SIMPLIFIED_ONLY.search(text))
    if english or chinese:
        return None
    if name := other_script(text, 0.25):
        return name
    if cjk_share(text) >= 0.2:
        return None  # Han characters without the common simplified ones: a short Chinese brief
    counts = {name: sum(w in vocabulary for w in words) for name, vocabulary in _LATIN_WORDS.items()}
    name, count = max(counts.items(), key=lambda item: item[1])
    return name if count >= 3 else None
