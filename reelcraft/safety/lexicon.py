"""The moderation lexicons (data/lexicon.en.toml, data/lexicon.zh.toml) compiled into matchers.

Every text is checked against both languages' rules: creators mix English and Chinese in one line. A Latin
term matches on word boundaries; a Chinese term is a whole compound, matched as a substring, and also as its
toneless pinyin ("zisha", "mai da ma") when the pinyin is long enough not to be an English word.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from reelcraft.plan import SafetyCategory, Severity
from reelcraft.safety.normalise import Normalised, View

LANGUAGES = ("en", "zh")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"[.!?。！？\n]+")
MIN_PINYIN_LETTERS = 5
"""Shorter pinyin ("dama", "xidu") collides with English words and names; longer runs are Chinese."""


@dataclass(frozen=True)
class Rule:
    """One lexicon rule: what it matches, and what a match means."""

    id: str
    language: str
    category: SafetyCategory
    severity: Severity
    reason: str
    matchers: tuple[re.Pattern[str], ...]
    near: re.Pattern[str] | None
    unless: re.Pattern[str] | None
    whole_text: bool = False
    """`near` and `unless` read the whole text, not just the sentence (a claim's disclaimer may follow it)."""


@dataclass(frozen=True)
class Hit:
    """A rule's match on a text as written: `start:end` in the original text."""

    rule: Rule
    start: int
    end: int
    via: str
    """plain, leet or pinyin: which view of the text matched."""


def term_pattern(term: str) -> str:
    """A phrase as a regex: Latin words on word boundaries (spaces also match '-' and '_'; a trailing '*' takes
    any word ending), Han characters as they are."""
    term = term.strip().casefold()
    wildcard = term.endswith("*")
    term = term.rstrip("*")
    body = r"[\s\-_]*".join(re.escape(part) for part in term.split())
    if _HAN.search(term) and not re.search(r"[a-z0-9]", term):
        return body
    lead = r"(?<![a-z0-9])" if re.match(r"[a-z0-9]", term) else ""
    tail = r"[a-z0-9']*" if wildcard else ""
    trail = r"(?![a-z0-9])" if re.search(r"[a-z0-9]$", term) or wildcard else ""
    return f"{lead}{body}{tail}{trail}"


def _pinyin_pattern(term: str) -> str | None:
    """Toneless pinyin of a Chinese term, syllables optionally spaced, or None when it is too short to trust."""
    if not _HAN.search(term) or re.search(r"[a-z0-9]", term.casefold()):
        return None
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(term) if s.isalpha()]
    if len(syllables) < 2 or len("".join(syllables)) < MIN_PINYIN_LETTERS:
        return None
    return r"(?<![a-z])" + r"[\s\-_']*".join(syllables) + r"(?![a-z])"


def _alternation(phrases: list[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    return re.compile("|".join(f"(?:{term_pattern(p)})" for p in sorted(phrases, key=len, reverse=True)))


def compile_rules(data: dict[str, object], language: str, source: str) -> tuple[list[Rule], list[str]]:
    """Rules and allow-phrases from one parsed lexicon (a shipped one, or a team policy's extra terms)."""
    from reelcraft.errors import ModerationError

    rules: list[Rule] = []
    for index, raw in enumerate(data.get("rule", [])):  # type: ignore[union-attr]
        try:
            terms = _alternation([str(t) for t in raw.get("terms", [])])
            matchers = ([terms] if terms else []) + [re.compile(p) for p in raw.get("patterns", [])]
            rules.append(Rule(
                id=str(raw.get("id", f"rule{index + 1}")), language=language,
                category=SafetyCategory(raw["category"]), severity=Severity(raw["severity"]),
                reason=str(raw["reason"]), matchers=tuple(matchers), near=_alternation(raw.get("near", [])),
                unless=_alternation(raw.get("unless", [])), whole_text=raw.get("scope", "sentence") == "text",
            ))  # fmt: skip
        except (KeyError, ValueError, re.error) as exc:
            raise ModerationError(
                f"{source}: rule {index + 1} ({raw.get('id', '?')}) is not valid: {exc}",
                "give it a category, a severity (block, fix, warn), a reason and terms",
            ) from exc
    allow = [str(t) for t in data.get("allow", {}).get("terms", [])]  # type: ignore[union-attr]
    return rules, allow


@lru_cache(maxsize=1)
def shipped_rules() -> tuple[tuple[Rule, ...], tuple[str, ...], tuple[tuple[Rule, re.Pattern[str]], ...]]:
    """Both shipped lexicons: the rules, the allow phrases, and the pinyin forms of the Chinese terms."""
    rules: list[Rule] = []
    allow: list[str] = []
    pinyin: list[tuple[Rule, re.Pattern[str]]] = []
    for language in LANGUAGES:
        text = resources.files("reelcraft.safety").joinpath("data", f"lexicon.{language}.toml").read_text("utf-8")
        data = tomllib.loads(text)
        found, allowed = compile_rules(data, language, f"lexicon.{language}.toml")
        rules += found
        allow += allowed
        if language == "zh":
            for rule, raw in zip(found, data["rule"], strict=True):
                patterns = [p for p in (_pinyin_pattern(t) for t in raw.get("terms", [])) if p]
                if patterns:
                    pinyin.append((rule, re.compile("|".join(patterns))))
    return tuple(rules), tuple(allow), tuple(pinyin)


def blank(view: View, allow: re.Pattern[str] | None) -> View:
    """The view with every allowed phrase turned to spaces (same length, so origins still line up)."""
    if allow is None:
        return view
    text = allow.sub(lambda m: " " * len(m.group()), view.text)
    return View(text, view.origin)


def _sentence(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right = _SENTENCE_END.search(text, end)
    return text[left:right.start() if right else len(text)]


def match(normalised: Normalised, rules: tuple[Rule, ...] | list[Rule], allow: re.Pattern[str] | None,
          pinyin: tuple[tuple[Rule, re.Pattern[str]], ...] = ()) -> list[Hit]:  # fmt: skip
    """Every rule that matches any view of the text, once per rule and place, with `near` and `unless` read in
    the match's sentence (of the view before blanking, so "not a cure" still cancels "cure")."""
    hits: list[Hit] = []
    seen: set[tuple[str, str, int]] = set()
    checks: list[tuple[str, View, View, Rule, re.Pattern[str]]] = []
    for name, view in zip(("plain", "leet"), normalised.views, strict=False):
        blanked = blank(view, allow)
        checks += [(name, view, blanked, rule, m) for rule in rules for m in rule.matchers]
        checks += [("pinyin", view, blanked, rule, m) for rule, m in pinyin] if name == "plain" else []
    for via, view, blanked, rule, pattern in checks:
        for found in pattern.finditer(blanked.text):
            if found.end() == found.start():
                continue
            sentence = view.text if rule.whole_text else _sentence(view.text, found.start(), found.end())
            if rule.near is not None and not rule.near.search(sentence):
                continue
            if rule.unless is not None and rule.unless.search(sentence):
                continue
            start, end = view.span(found.start(), found.end(), normalised.original)
            key = (rule.language + rule.id, rule.category.value, start)
            if key in seen:
                continue
            seen.add(key)
            hits.append(Hit(rule=rule, start=start, end=end, via=via))
    return hits
