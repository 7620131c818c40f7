"""What picture shows a line: the offline illustration index ranked for a scene's narration.

No CLIP-style model ships offline, so a line is matched to pictures through words, two ways at once:
- **lexical**: the line's words (English, singular and base forms) or Chinese terms found in each emoji's
  CLDR label and tags, weighted by how rare the word is among all pictures ('coffee' says more than 'time');
- **semantic**: the multilingual e5 embedding of the line against the keywords, in the line's language.

Signs and symbols (clock faces, keycaps, arrows, ideograph buttons) are never scene pictures. The two signals
meet in a logistic calibration, so a score of 0.5 means "a person would call it a fit" (docs/visuals.md).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from reelcraft.errors import ReelcraftError
from reelcraft.language import CJK_IDEOGRAPH
from reelcraft.media.illustration_index import IllustrationIndex
from reelcraft.media.illustrations import Illustration
from reelcraft.prompts import load_prompt
from reelcraft.protocols import Embedder
from reelcraft.tools.deps import Deps

_EN_STOP_WORDS = (
    "a an the and or but if of to in on at by for with from into onto off up down out over under about as is are was "
    "were be been being it its this that these those my your our their his her i you we they he she me us them so "
    "than then too very just only even ever never not no do does did done have has had will would can could should "
    "may might must every each all any some more most less many much one two three four five six seven eight nine "
    "ten first next last get got make made take way day days time times week month year today tonight how what why "
    "when where who which while before after again still really actually finally thing things"
)  # fmt: skip
_EN_STOP = frozenset(_EN_STOP_WORDS.split())
_EN_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
_HIDDEN_GROUPS = frozenset({"symbols", "component", ""})
_CLOCK_FACE = re.compile(r"o.clock|thirty$")
_LABEL, _TAG = 1.0, 0.6
EN_POSITION_DECAY = 0.2


def en_forms(word: str) -> set[str]:
    """A word and the base forms a CLDR tag would use: 'puppies' → puppy, 'knocks' → knock, 'running' → run."""
    forms = {word}
    if word.endswith("ies") and len(word) > 4:
        forms.add(word[:-3] + "y")
    if word.endswith("es") and len(word) > 4:
        forms.add(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        forms.add(word[:-1])
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            forms |= {stem, stem + "e"}
            if len(stem) > 2 and stem[-1] == stem[-2]:
                forms.add(stem[:-1])
    if "-" in word:
        forms |= set(word.split("-")) | {word.replace("-", "")}
    return forms


def _concept_terms(concept: Illustration, language: str) -> dict[str, float]:
    """term → weight: the label's words weigh more than the tags."""
    terms: dict[str, float] = {}
    if language == "zh":
        for tag in (*concept.tags_zh, *concept.words_zh):
            terms[tag] = max(terms.get(tag, 0.0), _TAG)
        for part in [*re.split(r"[:：\s]+", concept.label_zh), *concept.words_zh[:1]]:
            if part:
                terms[part] = _LABEL
        return terms
    for tag in (*concept.tags_en, *concept.words_en):
        for word in _EN_WORD.findall(tag.lower()):
            if word not in _EN_STOP:
                terms[word] = max(terms.get(word, 0.0), _TAG)
    for word in _EN_WORD.findall(" ".join([concept.label_en, *concept.words_en[:1]]).lower()):
        if word not in _EN_STOP:
            terms[word] = _LABEL  # the label, and the picture's everyday name ('coffee' for ☕ hot beverage)
    return terms


@dataclass(frozen=True)
class _Lexicon:
    postings: dict[str, list[tuple[int, float]]]
    """term → (concept row, weight)."""
    idf: dict[str, float]


@lru_cache(maxsize=4)
def _lexicon(index: IllustrationIndex, language: str) -> _Lexicon:
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for row, concept in enumerate(index.concepts):
        for term, weight in _concept_terms(concept, language).items():
            postings[term].append((row, weight))
    total = len(index.concepts)
    return _Lexicon(postings=dict(postings), idf={t: math.log(1 + total / len(p)) for t, p in postings.items()})


def shown(concept: Illustration) -> bool:
    """Whether a concept can be a scene's picture (not a sign, a symbol or a clock face)."""
    return concept.group not in _HIDDEN_GROUPS and not (concept.subgroup == "time" and
                                                         _CLOCK_FACE.search(concept.label_en))  # fmt: skip


def lexical_scores(line: str, language: str, index: IllustrationIndex) -> np.ndarray:
    """Per concept: the summed rarity of the line's words it is labelled or tagged with."""
    lexicon = _lexicon(index, language)
    scores = np.zeros(len(index.concepts), dtype=np.float32)
    if language == "zh":
        for term, rows in lexicon.postings.items():
            if term in line:
                strength = lexicon.idf[term] * (0.5 if len(term) == 1 else 1.0)
                for row, weight in rows:
                    scores[row] += weight * strength
        return scores
    words = [w for w in _EN_WORD.findall(line.lower()) if w not in _EN_STOP]
    for position, word in enumerate(dict.fromkeys(words)):
        best: dict[int, float] = {}
        for form in en_forms(word):
            for row, weight in lexicon.postings.get(form, []):
                best[row] = max(best.get(row, 0.0), weight * lexicon.idf[form])
        lead = 1 / (1 + EN_POSITION_DECAY * position)  # the subject comes first: 'my cat … on the keyboard'
        for row, value in best.items():
            scores[row] += value * lead
    return scores


def semantic_scores(line: str, language: str, index: IllustrationIndex, embedder: Embedder) -> np.ndarray:
    query = embedder.query(line)
    return (index.vectors_zh if language == "zh" else index.vectors_en) @ query


RANK_LEXICAL = 0.02
"""Lexical evidence per unit of e5 standing in a picture's rank (set by hand on the 100 labelled lines, then
frozen before the calibration was fitted)."""


@dataclass(frozen=True)
class Calibration:
    """logit = scale · r + lead · (r − the line's best r) + bias, with r = RANK_LEXICAL · lexical + semantic
    (plus the same for the model's picture terms, when given). The lead term says how far a picture trails the
    line's best one, so ranks never change, but a clear winner scores higher than the best of a bad lot.
    Fitted per language by `tests/bench/visual_calibration.py --fit` on the 100 labelled lines."""

    scale: float
    lead: float
    bias: float


CALIBRATION = {
    "en": Calibration(scale=26.59, lead=15.483, bias=-3.306),
    "zh": Calibration(scale=28.829, lead=13.281, bias=-3.299),
}


def _standing(scores: np.ndarray) -> np.ndarray:
    return scores - np.median(scores)


@dataclass(frozen=True)
class MatchFeatures:
    """What the calibration weighs, per concept (arrays as long as the index)."""

    lexical: np.ndarray
    semantic: np.ndarray
    """How far each concept's e5 score stands above the line's median."""
    terms_lexical: np.ndarray | None = None
    terms_semantic: np.ndarray | None = None


def match_features(
    line: str, language: str, index: IllustrationIndex, embedder: Embedder, terms: list[str] | None = None
) -> MatchFeatures:
    features = MatchFeatures(lexical=lexical_scores(line, language, index),
                             semantic=_standing(semantic_scores(line, language, index, embedder)))  # fmt: skip
    if not terms:
        return features
    said = ", ".join(terms)
    return MatchFeatures(features.lexical, features.semantic, lexical_scores(said, "en", index),
                         _standing(semantic_scores(said, "en", index, embedder)))  # fmt: skip


def rank_values(features: MatchFeatures) -> np.ndarray:
    """r: the one number pictures are ranked by."""
    values = RANK_LEXICAL * features.lexical + features.semantic
    if features.terms_lexical is not None and features.terms_semantic is not None:
        values = values + RANK_LEXICAL * features.terms_lexical + features.terms_semantic
    return values


def calibrated_logits(features: MatchFeatures, language: str, index: IllustrationIndex) -> np.ndarray:
    """Per concept, the calibrated logit that it shows the line (−inf for signs and symbols)."""
    calibration = CALIBRATION["zh" if language == "zh" else "en"]
    priors = _priors(index)
    values = rank_values(features)
    best = float(np.max(values + priors))
    return calibration.scale * values + calibration.lead * (values - best) + calibration.bias + priors


def match_logits(
    line: str, language: str, index: IllustrationIndex, embedder: Embedder, terms: list[str] | None = None
) -> np.ndarray:
    return calibrated_logits(match_features(line, language, index, embedder, terms), language, index)


def rank_concepts(line: str, language: str, index: IllustrationIndex, embedder: Embedder, top: int = 5,
                  terms: list[str] | None = None) -> list[tuple[Illustration, float]]:
    """The best pictures for a line, best first, with calibrated scores (0.5: a person would call it a fit)."""
    return rank_logits(match_logits(line, language, index, embedder, terms), index, top)


def rank_logits(logits: np.ndarray, index: IllustrationIndex, top: int = 5) -> list[tuple[Illustration, float]]:
    """Concepts by logit, one per subgroup, with their calibrated scores."""
    return [(index.concepts[row], float(1 / (1 + math.exp(-logits[row])))) for row in ranked_rows(logits, index, top)]


def ranked_rows(logits: np.ndarray, index: IllustrationIndex, top: int = 5) -> list[int]:
    """Index rows by logit, one per subgroup (one cat face, not five: the next pictures show something else)."""
    rows: list[int] = []
    subgroups: set[str] = set()
    for row in np.argsort(-logits):
        concept = index.concepts[row]
        if not np.isfinite(logits[row]) or len(rows) == top:
            break
        if concept.subgroup in subgroups:
            continue
        subgroups.add(concept.subgroup)
        rows.append(int(row))
    return rows


def scene_logits(texts: list[str], index: IllustrationIndex, embedder: Embedder) -> np.ndarray:
    """A scene is its narration, its shot description and its on-screen text: a picture fits the scene when it
    fits any of them (each text read in its own language: a Chinese plan may describe its shots in English)."""
    said = [text for text in texts if text.strip()]
    if not said:
        return np.full(len(index.concepts), -np.inf)
    return np.max([match_logits(t, "zh" if CJK_IDEOGRAPH.search(t) else "en", index, embedder) for t in said], axis=0)


FACE_PENALTY = 0.7
"""Smileys are reactions, not what a scene is about: a cat line shows the cat, not a grinning cat face."""


@lru_cache(maxsize=4)
def _priors(index: IllustrationIndex) -> np.ndarray:
    return np.array([-np.inf if not shown(c) else -FACE_PENALTY if c.group == "smileys-emotion" else 0.0
                     for c in index.concepts])  # fmt: skip


def _terms_schema(lines: list[str]) -> dict:
    """One entry per line, each opening with the line's own first words: a small model answering five
    lines at once otherwise shifts its answers by a line."""
    thing = {"type": "string", "minLength": 2, "maxLength": 24}
    entries = [{"type": "object", "properties": {"line": {"const": _opening(line)},
                                                 "things": {"type": "array", "items": thing, "minItems": 1,
                                                            "maxItems": 3}},
                "required": ["line", "things"]} for line in lines]  # fmt: skip
    return {"type": "object", "required": ["scenes"],
            "properties": {"scenes": {"type": "array", "prefixItems": entries, "items": False,
                                      "minItems": len(lines), "maxItems": len(lines)}}}  # fmt: skip


def _opening(line: str) -> str:
    return line[:8] if CJK_IDEOGRAPH.search(line) else " ".join(line.split()[:4])


def picture_terms(lines: list[str], language: str, deps: Deps) -> list[list[str]]:
    """What each line should show, as 1–3 English nouns the model writes ('coffee', 'alarm clock'): the
    words CLDR's keywords and the stock providers both understand, whatever language the line is in. An
    answer that cannot be used gives no terms (the line is matched on its own words), never an error."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from reelcraft.tools.llm_json import ask_valid_json

    numbered = "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))
    system, user = load_prompt("visual_terms", "zh" if language == "zh" else "en").render(
        lines=numbered, count=len(lines)
    )

    def check(parsed: object) -> tuple[list[list[str]] | None, list[str]]:
        scenes = parsed.get("scenes", []) if isinstance(parsed, dict) else []
        if len(scenes) != len(lines):
            return None, [f"give exactly {len(lines)} entries in 'scenes', one per line"]
        terms = [
            [
                t.strip().lower()
                for t in (s.get("things", []) if isinstance(s, dict) else [])
                if isinstance(t, str) and t.strip()
            ]
            for s in scenes
        ]  # one entry per line, whatever its shape
        if any(CJK_IDEOGRAPH.search(t) for found in terms for t in found):
            return None, ["write every thing in English"]
        return terms, []

    try:
        return ask_valid_json(deps, _terms_schema(lines), [SystemMessage(system), HumanMessage(user)], check,
                              stage="visuals", what="picture terms", fix="the lines are matched on their own words",
                              attempts=2)  # fmt: skip
    except ReelcraftError as exc:
        deps.warn("visuals", f"no picture terms from the model ({exc.message}); matching the lines' own words")
        return [[] for _ in lines]
