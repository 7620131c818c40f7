"""Script writing tool: a brief becomes a validated `VideoPlan` in the brief's language, written in steps.

A small model asked for a whole script in one pass drifts, repeats itself and overruns (issue 16). So the
writer asks for narrow pieces in one continuing conversation (each step reuses the model's state of the
one before): the outline (hook, one beat per scene), then the narration of every scene; the on-screen texts
are the beats cut to the format's rule, and the title, hashtags, call to action and music mood come from
the hook, the brief and the format. The critic's checks (tools/script_checks.py) run after each step; what
code can mend (a stage direction, a repeated sentence, a scene too long) is mended, and a scene that still
fails is rewritten with the failed check fed back, a bounded number of times within a time budget. The
writer never loops and never fails on a near miss: it keeps the best plan found, and the plan records
which checks passed and which still fail (they also go into the draft's notes).
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field, ValidationError, field_validator

from reelcraft.errors import ModelBehaviorError, validation_problems
from reelcraft.language import language_problem
from reelcraft.plan import (
    VOICE_LEAD_S,
    VOICE_TAIL_S,
    Language,
    PlanCheck,
    Platform,
    Scene,
    TrendBacking,
    VideoPlan,
    check_brief,
    check_duration,
)
from reelcraft.prompts import load_fragment, load_prompt
from reelcraft.tools import script_checks as checks
from reelcraft.tools.deps import Deps
from reelcraft.tools.formats import ShortFormat, choose_format, counted_items
from reelcraft.tools.llm_json import Answer, ask_valid, json_model, json_reader
from reelcraft.tools.script_checks import (
    ONSCREEN_WORDS,
    SPEECH_RATE,
    Finding,
    language_findings,
    onscreen_problems,
    speech_units,
)
from reelcraft.tools.trends import TrendsOutput, normalise_tag

__all__ = ["SPEECH_RATE", "ScriptInput", "budget", "extractive_cut", "opening_sentences", "speech_units",
           "write_script"]  # fmt: skip

class ScriptInput(BaseModel):
    """A brief and the frame it must fit."""

    brief: str
    """The creator's idea, in their words."""
    language: Language
    platform: Platform = Platform.TIKTOK
    duration: float = 30.0
    """Target length in seconds."""
    trending: TrendsOutput | None = None
    """What is trending near the brief (`suggest_trends`): the strongest close hashtag joins the plan, and
    the plan records which of its hashtags the trends back, with their numbers."""
    trends_in_prompt: bool = True
    """Also offer the trending hashtags to the writer in the prompt (off for the embedded model, which
    copies them into its lines; docs/trends.md)."""
    format: str | None = None
    """A format asked for by name (list, how_to, story_twist, myth_fact, before_after, pov, day_in_life,
    explainer, promo); None chooses one from the brief."""


def scene_bounds(duration: float) -> tuple[int, int]:
    """At least 3 scenes; roughly one per 4–10 s."""
    return max(3, min(8, math.ceil(duration / 10))), max(3, min(8, math.floor(duration / 4)))


def budget(seconds: float, language: Language) -> int:
    """Words (en) or characters (zh) a narrator speaks comfortably in `seconds`."""
    return int(seconds * SPEECH_RATE[language] * 0.9)


def spoken_room(seconds: float, scenes: int, language: Language) -> int:
    """The most words (characters) the narration may have once mended: the video's length less each
    scene's lead-in and breathing room, at the voices' rate. Over it, the voice is made again faster
    (a second round of speech, ~5 s of the first preview)."""
    free = seconds - scenes * (VOICE_LEAD_S + VOICE_TAIL_S) - 0.3
    return int(max(free, seconds / 2) * SPEECH_RATE[language])


_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")


def opening_sentences(text: str, limit: float, language: Language) -> str:
    """The text's first sentence and as many following ones as stay within `limit` words (characters)."""
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()] or [text]
    chosen = [parts[0]]
    for part in parts[1:]:
        if speech_units(" ".join([*chosen, part]), language) > limit:
            break
        chosen.append(part)
    return ("" if language == Language.ZH else " ").join(chosen)


def extractive_cut(plan: VideoPlan, limit: int) -> VideoPlan | None:
    """Each scene keeps its opening sentences, as many as fit the budget in proportion to the scene's
    share of the narration (at least its first); None when even the first sentences do not fit."""
    language = plan.language
    total = sum(speech_units(s.voiceover, language) for s in plan.scenes) or 1
    voiceovers = [opening_sentences(s.voiceover, limit * speech_units(s.voiceover, language) / total, language)
                  for s in plan.scenes]  # fmt: skip
    if sum(speech_units(v, language) for v in voiceovers) > limit * 1.15:
        return None
    scenes = [s.model_copy(update={"voiceover": v}) for s, v in zip(plan.scenes, voiceovers, strict=True)]
    return plan.model_copy(update={"scenes": scenes})


TRENDING_TAGS_SHOWN = 6
MAX_HASHTAGS = 6


def trending_context(trending: TrendsOutput | None, language: Language) -> str:
    """The prompt block that offers the writer the hashtags trending near the brief ('' without trends).
    Only hashtags: shown trending titles, the embedded 1.5B model copied them and padded its scenes."""
    tags = trending.hashtags[:TRENDING_TAGS_SHOWN] if trending else []
    if not tags:  # nothing close to the brief: far items would only pull the writer off it
        return ""
    lines = "\n".join(f"- {h.tag} (+{h.growth_per_day:,.0f}/day)" for h in tags)
    return load_fragment("script_trending", language.value, hashtags=lines) + "\n"


def with_top_trend(hashtags: list[str], trending: TrendsOutput | None) -> list[str]:
    """The plan's hashtags with the strongest trending one added if the writer left it out (the trends
    tool only suggests tags from items close to the brief, so it fits)."""
    if trending is None or not trending.hashtags:
        return hashtags
    top = trending.hashtags[0].tag
    if normalise_tag(top) in {normalise_tag(t) for t in hashtags}:
        return hashtags
    return [*hashtags[: MAX_HASHTAGS - 1], top]


def trend_backing(hashtags: list[str], trending: TrendsOutput | None) -> list[TrendBacking]:
    """The plan's hashtags that trending neighbours use, with the numbers behind each."""
    if trending is None:
        return []
    suggested = {normalise_tag(h.tag): h for h in trending.hashtags}
    return [TrendBacking(hashtag=tag, items=h.items, growth_per_day=h.growth_per_day, evidence=h.evidence)
            for tag in hashtags if (h := suggested.get(normalise_tag(tag)))]  # fmt: skip


WRITER_VERSION = 6
"""Part of every cached plan's key: plans written by an older writer are not reused."""
WRITING_BUDGET_S = 150.0
"""After this the writer stops asking for fixes and keeps the best plan it has (issue 16: ≤ 3 min in all)."""
MAX_SCENE_FIXES = 3
"""Scene rewrites the model may be asked for per plan, after the code's own mends."""
STEP_TOKENS = {"outline": 240, "scenes": 120, "fix": 140, "hook": 40}
"""Answer caps for the embedded model: a small model that loops inside a string
stops there, and the answer is read as unusable, instead of running for minutes."""
CHECK_NAMES = ("fidelity", "contradiction", "repetition", "stage_directions", "too_fast", "weak_hook", "onscreen",
               "language")  # fmt: skip
HOOK_UNITS = {Language.EN: 8, Language.ZH: 10}
HOOK_CANDIDATES = 3
HOOK_ASK = {Language.EN: 8, Language.ZH: 8}
"""The length the prompts ask for: the small model wrote Chinese hooks 2–5 characters over what it was told."""
"""The hook said within 2.5 s at the voices' rates (3.2 words/s, 4.3 characters/s)."""
WRITER_FIX = "rephrase the brief more simply, or use a stronger model (--llm openai / ollama)"
FIXABLE_BY_REWRITE = ("fidelity", "contradiction", "repetition", "stage_directions", "language")
"""Checks a scene rewrite can fix; pace is fixed by cutting sentences (and the voice speeds up a little)."""


class _Outline(BaseModel):
    hook: str = Field(min_length=2)
    beats: list[str]

    @field_validator("hook", "beats", mode="before")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        """Whitespace collapsed: the grammar lets a raw newline into a string, and a beat is later a grammar
        constant the scenes answer must repeat exactly (one with a newline broke the scenes' JSON)."""
        if isinstance(value, str):
            return " ".join(value.split())
        if isinstance(value, list):
            return [" ".join(v.split()) if isinstance(v, str) else v for v in value]
        return value


class _SceneText(BaseModel):
    voiceover: str = Field(min_length=2)


class _Scenes(BaseModel):
    scenes: list[_SceneText]


class _Post(BaseModel):
    """The post around the video, made in code (a separate post step cost ~10 s of a plan): the title is the
    hook, the hashtags the brief's key terms, the call to action and music the format's unless the brief
    names a mood."""

    title: str = Field(min_length=1)
    call_to_action: str = ""
    music_mood: str = ""
    hashtags: list[str] = Field(default_factory=list)


def _post(inp: ScriptInput, fmt: ShortFormat, outline: _Outline) -> _Post:
    from reelcraft.models.music.moods import resolve_mood

    mood, named = resolve_mood(inp.brief)
    title = re.sub(r"[.!?。！？]+$", "", outline.hook.strip()) or outline.hook
    return _Post(title=title, call_to_action=fmt.call_to_action[inp.language],
                 music_mood=mood.profile if named else fmt.music,
                 hashtags=checks.brief_hashtags(inp.brief, inp.language, fmt.hashtag[inp.language]))  # fmt: skip


def scene_count(duration: float, fmt: ShortFormat, brief: str) -> int:
    """One scene per ~7 s; a counted format ('5 tips') gets one per item when the length allows."""
    low, high = scene_bounds(duration)
    if fmt.counted and (items := counted_items(brief)):
        return max(low, min(high, items))
    return max(low, min(high, round(duration / 7)))


FIELD_CHARS = {
    Language.EN: {"hook": 64, "beats": 50, "title": 60, "call_to_action": 80, "music_mood": 30, "hashtags": 30,
                  "on_screen_texts": 48},
    Language.ZH: {"hook": 16, "beats": 14, "title": 20, "call_to_action": 30, "music_mood": 12, "hashtags": 14,
                  "on_screen_texts": 12},
}
"""Grammar caps on what the embedded model may write per field (characters). The small model ignores word
limits and its verbosity was most of a plan's time (192 s for one); a cap costs nothing to decode
(measured), and a line cut by it is tidied back to its last full sentence (`tidy_cut`)."""
CHARS_PER_WORD = 6.0
"""English characters per spoken word, spaces included, for turning a word budget into a cap."""


def _schema(model: type[BaseModel], language: Language, count: int | None = None,
            list_field: str = "") -> dict[str, Any]:  # fmt: skip
    """The step's JSON schema with its list fixed to `count` items and each text capped (`FIELD_CHARS`)."""
    schema = model.model_json_schema()
    schema["title"] = model.__name__.strip("_")
    caps = FIELD_CHARS[language]
    for node in [schema, *schema.get("$defs", {}).values()]:
        for name, prop in node.get("properties", {}).items():
            prop.pop("maxLength", None)
            prop.pop("minLength", None)
            if name in caps and prop.get("type") == "string":
                prop["maxLength"] = caps[name]
            elif name in caps and prop.get("type") == "array":
                prop["items"] = {**prop.get("items", {}), "maxLength": caps[name]}
    if count is not None:
        schema["properties"][list_field].update(minItems=count, maxItems=count)
    return schema


def voiceover_chars(words: int, language: Language) -> int:
    """The cap on one scene's narration, from its word (character) budget, with some slack."""
    return int(words * 1.3) + 4 if language == Language.ZH else int(words * CHARS_PER_WORD * 1.3)


def tidy_cut(text: str, language: Language, cap: int | None = None) -> str:
    """A line the cap cut mid-way ends at its last full sentence (when that keeps half of it), else before
    its broken last piece (the clause after its last comma in Chinese, the last word in English), with a
    stop. A line shorter than its `cap` was not cut, and only gets its stop."""
    text = text.strip()
    if not text or re.search(r"[.!?。！？…]$", text):
        return text
    stop = "。" if language == Language.ZH else "."
    dangling = language == Language.EN and text.split()[-1].lower().strip(",;:") in _EN_LOOSE_END
    if cap is not None and len(text) < cap - 1 and not dangling:  # '…and make a' was cut, whatever its length
        return re.sub(r"[，、,；;：:\-–—]+$", "", text) + stop
    ends = [m.end() for m in re.finditer(r"[.!?。！？…](?=\s|$)|[。！？]", text)]
    if ends and ends[-1] >= len(text) / 2:
        return text[: ends[-1]].strip()
    if language == Language.ZH:
        text = re.sub(r"[，、,；;：:]$", "", text)
        commas = [m.start() for m in re.finditer(r"[，、,；;：:]", text)]
        if commas and speech_units(text[: commas[-1]], language) >= 4:  # '…，而' loses its '，而'
            return text[: commas[-1]] + stop
        while len(text) > 4 and text[-1] in _ZH_LOOSE_END + "个这那一而但就都也还":
            text = text[:-1]  # '…这是个' ends on '这是', not on a measure word
        return text + stop
    words = text.split()
    cut = words[:-1] if len(words) > 3 and not dangling else words  # a loose last word is whole, just loose
    while len(cut) > 3 and cut[-1].lower().strip(",;:") in _EN_LOOSE_END:
        cut = cut[:-1]
    joins = [i for i in range(max(4, len(cut) - 3), len(cut)) if cut[i].lower() in ("and", "or", "but", "so")]
    if joins:  # '…scratch surfaces and make a' is '…scratch surfaces.'
        cut = cut[: joins[-1]]
    return re.sub(r"[,;:\-–—]+$", "", " ".join(cut)) + stop


_EN_HOOK_BREAK = re.compile(r"\s+(?=(?:and|then|but|so|because|before|after|when|while|which|who|if|or|until|since)\b)",
                            re.I)  # fmt: skip
"""Where an English sentence's next clause starts. Not prepositions: cut before 'to', 'Why do cats love to
chase mice' said 'Why do cats love.'"""
_HOOK_FILLER = {
    Language.EN: re.compile(r"\b(?:really|actually|literally|just|finally|truly|totally|basically|simply)\b\s*", re.I),
    Language.ZH: re.compile(r"^你?听(?:说)?过|你是不是也|是不是也|真的|其实|到底|究竟|竟然|居然"),
}
"""Words a hook over its 2.5 s loses first: emphasis the voice gives anyway."""
_CLAUSE_END = re.compile(r"[,，:：;；]\s*|\s+[—–-]\s+|—")
"""A clause boundary; a hyphen inside a word ('no-knead') is not one ('Here's how to make a no.')."""


def split_hook(hook: str, language: Language) -> tuple[str, str]:
    """A hook said within 2.5 s, and the rest of what the model wrote for it: as written when it fits, else its
    first clause, else (English) its longest opening that ends before a joining word ('I saved $10k for a down
    payment. | And then my landlord called.'). The rest opens scene 1, so nothing is lost: the small model
    wrote 10–16-unit hooks whatever it was told, its own rewrite mostly kept them, and a tighter grammar cap
    cut them mid-phrase ('花500元，从一个简')."""
    most = HOOK_UNITS[language]
    if speech_units(hook, language) <= most:
        return hook, ""
    zh = language == Language.ZH
    while (bare := _HOOK_FILLER[language].sub("", hook)) != hook:  # again: '你是不是也' first bared '听过…'
        hook = bare
    hook = re.sub(r"\s{2,}", " ", hook).strip()  # '仰卧起坐真的能瘦肚子吗？'
    if speech_units(hook, language) <= most:
        return hook[:1].upper() + hook[1:], ""
    said = checks.sentences(hook)
    if len(said) > 1 and (2 if zh else 3) <= speech_units(said[0], language) <= most:  # '洗头会掉发？真相是…'
        rest = "".join(said[1:]) if zh else " ".join(said[1:])
        return said[0], rest if speech_units(rest, language) >= 4 else ""
    end = "！" if zh else "?" if hook.rstrip().endswith("?") and not _CLAUSE_END.search(hook) else "."
    pieces = _CLAUSE_END.split(hook, maxsplit=1)
    if len(pieces) == 2 and (2 if zh else 3) <= speech_units(pieces[0], language) <= most:
        first, rest = pieces[0].strip(), pieces[1].strip()
    elif zh:
        return hook, ""
    else:
        cuts = [m.start() for m in _EN_HOOK_BREAK.finditer(hook)
                if 4 <= speech_units(hook[: m.start()], language) <= most
                and hook[: m.start()].split()[-1].lower().strip(",;:") not in _EN_LOOSE_END]  # fmt: skip
        if not cuts:
            return hook, ""
        first, rest = hook[: cuts[-1]].strip(), hook[cuts[-1] :].strip()
    rest = rest[:1].upper() + rest[1:] if not zh else rest
    if speech_units(rest, language) < 4:  # 'From feeding.': what the cap left of it says nothing
        rest = ""
    if rest and not re.search(r"[.!?。！？…]$", rest):
        rest += "。" if zh else "."
    return first.rstrip(",;:.!?。！？") + end, rest


def brief_hook(brief: str, language: Language) -> str:
    """The brief's own first clause that fits a hook ('成都两天一夜攻略！'), or "": the last resort when every
    hook the model wrote copied its format's example instead of naming the topic."""
    zh = language == Language.ZH
    terms = checks.key_terms(brief, language)[: checks.KEY_TERMS_SHOWN]
    for piece in _brief_openings(checks.topic_text(brief, language), language):
        if not (3 <= speech_units(piece, language) <= HOOK_UNITS[language]
                and checks.named_terms(piece, terms, language)):  # fmt: skip
            continue
        if zh:
            return piece + ("？" if re.search(r"[吗呢么]$|怎么|什么|哪", piece) else "！")
        asks = re.match(r"(do|does|did|is|are|can|should|why|how|what|when|which|who)\b", piece, re.I)
        return piece[:1].upper() + piece[1:] + ("?" if asks else ".")
    return ""


_EN_PIECE_BREAK = re.compile(r"\s+(?=(?:and|then|but|so|because|before|after|when|while|into|for|with|from|until|"
                             r"without)\b)", re.I)  # fmt: skip


def _brief_openings(topic: str, language: Language) -> list[str]:
    """The brief's clauses, and (English) each clause's openings that end before a joining word or a preposition
    ('turning a cluttered IKEA desk | into a clean setup'), longest first; none opens on a preposition ('for our
    bakery' is 'our bakery')."""
    pieces = []
    for piece in re.split(r"[,，:：;；。!！?？+|]|\.\s+", topic):
        piece = piece.strip(" .-–—\"'“”「」《》")
        if language == Language.ZH:
            pieces.append(piece)
            continue
        piece = re.sub(r"^(?:(?:for|about|on|and|so|but|of|to|with)\s+)+", "", piece, flags=re.I)
        pieces += [piece, *(piece[: m.start()] for m in reversed(list(_EN_PIECE_BREAK.finditer(piece))))]
    out = []
    for piece in pieces:
        words = piece.split()
        while words and words[-1].lower() in _EN_LOOSE_END:
            words.pop()
        out.append(" ".join(words) if language == Language.EN else piece)
    return [p for p in out if p]


def _strip_hashtags(text: str) -> str:
    """Models like to end a call to action with hashtags; the plan keeps those apart (and drops them here)."""
    return re.sub(r"\s*#\S+", "", text).strip()


def _join(parts: list[str], language: Language) -> str:
    """Sentences back into one line; a piece without an end stop gets one, so the voice pauses there."""
    kept = [p.strip() for p in parts if p.strip()]
    stop, end = ("。", r"[。！？!?…；;]$") if language == Language.ZH else (".", r"[.!?…;:]$")
    stopped = [p if re.search(end, p) else p + stop for p in kept[:-1]] + kept[-1:]
    return ("" if language == Language.ZH else " ").join(stopped)


def _same(a: str, b: str) -> bool:
    norm = [re.sub(r"[\W_]+", " ", x.lower()).strip() for x in (a, b)]
    return checks.near_same(*norm)


def hook_problems(hook: str, language: Language) -> list[Finding]:
    """The hook is said in ≤ 2.5 s and is not a greeting (the first scene opens with it)."""
    return checks.weak_hook([Scene(voiceover=hook, duration=3)], language)


def review(plan: VideoPlan, brief: str, embedder: object | None) -> list[Finding]:
    """Every check of the critic on a whole plan, scene by scene."""
    scenes, language = plan.scenes, plan.language
    texts = [(0, plan.title), (0, plan.hook), (0, plan.call_to_action)]
    texts += [(i, t) for i, s in enumerate(scenes, start=1) for t in (s.voiceover, s.on_screen_text)]
    found = [
        *checks.opening_fidelity(plan.hook, scenes[0].voiceover, brief, language), *checks.tangents(scenes),
        *checks.coverage(plan.hook, scenes, brief, language),
        *checks.off_topic(scenes, brief, embedder, language),
        *(checks.contradiction(scenes, language) or checks.brief_order(_without_hook(plan), brief, language)),
        *checks.repetition(scenes, language), *checks.stage_directions(scenes), *checks.too_fast(scenes, language),
        *checks.weak_hook(scenes, language), *onscreen_problems(scenes, language), *language_findings(texts, language),
    ]  # fmt: skip
    return found


def _without_hook(plan: VideoPlan) -> list[Scene]:
    """The scenes as their own lines: the hook often sums the whole brief up ('From starter to slice'), which
    is not scene 1 taking the last step first."""
    first = plan.scenes[0]
    rest = first.voiceover.removeprefix(plan.hook).strip() if plan.hook else first.voiceover
    return [first.model_copy(update={"voiceover": rest}), *plan.scenes[1:]]


def check_record(found: list[Finding]) -> list[PlanCheck]:
    """Which of the critic's checks passed, for the plan (onscreen_wall and the lone-word rule are one)."""
    by_check: dict[str, list[str]] = {name: [] for name in CHECK_NAMES}
    for finding in found:
        by_check["onscreen" if finding.check == "onscreen_wall" else finding.check].append(finding.reason)
    return [PlanCheck(check=name, passed=not problems, problems=problems) for name, problems in by_check.items()]


# -- the code's own mends -------------------------------------------------------------------------------------

_BRACKETED = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")


_ENUMERATOR = re.compile(r"(?:^|(?<=\s))(?:\d{1,2}[.)]|#\d{1,2}|第[一二三四五六七八九十\d]+[，,、:：]?)\s*(?=\S|$)")


def mend_list_numbers(text: str, language: Language) -> str:
    """A list written into one scene ('1. Protects against… 2. Provides…') said as sentences: the voice read
    '1.' aloud, and the items ran together without a stop. Amounts ('3.5', '2)' in a formula) stay."""
    text = " ".join(re.sub(r"</?[A-Za-z]{1,6}\s*/?>", " ", text).split())  # '…expenses<br>2. Builds…'
    marks = list(_ENUMERATOR.finditer(text))
    if len(marks) < 2 or any(re.match(r"第", m.group(0)) for m in marks):
        return text
    ends = [m.start() for m in marks[1:]] + [len(text)]
    items = [text[mark.end() : end].strip() for mark, end in zip(marks, ends, strict=True)]
    items = [i for i in items if speech_units(i, language) >= 2]  # '… 4.' at the cap's edge says nothing
    lead = text[: marks[0].start()].strip()
    stop = "。" if language == Language.ZH else "."
    said = [x.rstrip(" ,;:，；：") for x in [lead, *items] if x.strip(" ,;:，；：")]
    said = [x if re.search(r"[.!?。！？…]$", x) else x + stop for x in said]
    return _join([x[:1].upper() + x[1:] if language == Language.EN else x for x in said], language)


_EN_DANGLING = {"a", "an", "the", "and", "or", "but", "of", "to", "your", "my", "our", "their", "his", "her", "its",
                "because", "than", "with", "from", "into", "while", "when", "if", "whose", "what's", "it's",
                "there's", "you're", "i'm", "we're", "they're"}  # fmt: skip
_ZH_DANGLING = {"到", "把", "给", "被", "向", "往", "从", "和", "与", "及", "而", "但", "对", "让", "使", "但是",
                "因为", "所以", "如果", "虽然", "而且", "并且", "或者", "然后", "以及"}  # fmt: skip
"""Words a Chinese sentence does not end on ('可以' is tagged a conjunction by jieba, and '你也可以。' is whole)."""
_ZH_MAKE = {"让", "使", "帮", "帮助", "叫"}


def dangles(sentence: str, language: Language) -> bool:
    """A sentence that stops where the next word was due: 'you grab your.', '…还可以让你。', '…出租屋到。'."""
    core = sentence.strip().rstrip(".!?。！？…\"'“”‘’ ")
    if not core:
        return False
    if language == Language.EN:
        return core.split()[-1].lower().strip(",;:") in _EN_DANGLING
    tagged = checks.zh_tagged(core)
    last, flag = tagged[-1]
    before = tagged[-2][0] if len(tagged) > 1 else ""
    return last in _ZH_DANGLING or flag == "p" or (flag == "r" and before in _ZH_MAKE)


def mend_dangling(text: str, language: Language) -> str:
    """Sentences the model broke off: cut back to their last whole clause, or dropped when the scene says something
    else; and quotation marks left open across scenes ('说‘你这碗粥…') taken out."""
    for left, right in ("‘’", "“”", "「」"):
        if text.count(left) != text.count(right):
            text = text.replace(left, "").replace(right, "")
    if text.count('"') % 2:
        text = text.replace('"', "")
    said = checks.sentences(text)
    if not any(dangles(s, language) for s in said):
        return text
    stop = "。" if language == Language.ZH else "."
    kept = []
    for sentence in said:
        if not dangles(sentence, language):
            kept.append(sentence)
            continue
        core = sentence.rstrip(".!?。！？… ")
        pieces = re.split(r"[，,；;：:]\s*", core)
        while len(pieces) > 1 and dangles(pieces[-1], language):
            pieces.pop()
        if len(pieces) > 1 or not dangles(pieces[0], language):
            clause = ("，" if language == Language.ZH else ", ").join(pieces).strip()
        elif language == Language.EN:  # 'I grab my coffee and head to the' is 'I grab my coffee'
            clause = tidy_cut(core, language).rstrip(".")
        else:
            words = [w for w, _ in checks.zh_tagged(core)]
            while words and dangles("".join(words), language):
                words.pop()
            clause = "".join(words)
        if speech_units(clause, language) >= (4 if language == Language.ZH else 3):
            kept.append(clause + stop)
    return _join(kept, language) if kept else text


def mend_framing(text: str, language: Language, seconds: float) -> str:
    """The brief's framing said aloud goes: a clause that is only the length or the platform ('融蜡到脱模，45秒。'
    is '融蜡到脱模。'); a Chinese question keeps its question mark ('…能瘦肚子吗。' is '…吗？')."""
    pieces = re.split(r"(?<=[，；：。！？])\s*|(?<=[,;:.!?])\s+", text.strip())  # not inside '3.5'
    kept = [p for p in pieces if p and not checks.framing_only(p, seconds)]
    if kept and len(kept) < len([p for p in pieces if p]):
        text = "".join(kept) if language == Language.ZH else " ".join(kept)
        text = re.sub(r"[，,；;：:]$", "。" if language == Language.ZH else ".", text)
    if language == Language.ZH:
        text = re.sub(r"([吗呢么])。", r"\1？", text)
    return text


def mend_stage_directions(text: str) -> str:
    """Directions in brackets go; a sentence that is a direction goes when the scene has another."""
    text = " ".join(_BRACKETED.sub(" ", text).split())
    parts = checks.sentences(text)
    kept = [s for s in parts if not checks.stage_directions([Scene(voiceover=s, duration=1)])]
    return " ".join(kept) if kept and len(kept) < len(parts) else text


def mend_repeats(texts: list[str], language: Language, hook: str = "") -> list[str]:
    """A sentence said twice is said once. A small model writing scene 1 runs ahead into later beats, so
    the copy in the earlier scene goes when that scene keeps another sentence, else the later copy does;
    the hook said again at the start of scene 1 goes too. Scenes left alone keep their exact text."""
    parts = [checks.sentences(t) or [t] for t in texts]
    changed = [False] * len(texts)
    if hook and len(parts[0]) > 1 and _same(parts[0][0], hook):
        parts[0], changed[0] = parts[0][1:], True
    elif hook and parts[0]:  # '凌晨4点开始熬汤，汤是香的' after the hook '凌晨4点开始熬汤': the clause goes
        pieces = re.split(r"(?<=[，,；;：:])\s*", parts[0][0], maxsplit=1)
        if len(pieces) == 2 and _same(pieces[0], hook) and (rest := pieces[1].strip()):
            parts[0], changed[0] = [rest[:1].upper() + rest[1:], *parts[0][1:]], True
    for j in range(len(parts)):
        inside = [p for k, p in enumerate(parts[j]) if not any(_same(p, q) for q in parts[j][:k])]
        if len(inside) < len(parts[j]):
            parts[j], changed[j] = inside, True
        for sentence in list(parts[j]):
            for i in range(j):
                twin = next((p for p in parts[i] if _same(p, sentence)), None)
                if twin is None:
                    continue
                if len(parts[i]) > 1:
                    parts[i] = [p for p in parts[i] if p is not twin]
                    changed[i] = True
                elif len(parts[j]) > 1 and sentence in parts[j]:
                    parts[j] = [p for p in parts[j] if p is not sentence]
                    changed[j] = True
                break
    return [_join(p, language) if was else text for p, was, text in zip(parts, changed, texts, strict=True)]


def mend_length(texts: list[str], limit: int, language: Language) -> list[str]:
    """Within the length's budget: the longest scene loses its last sentence, until it fits or every
    scene is down to one sentence."""
    parts = [checks.sentences(t) or [t] for t in texts]
    cut = [False] * len(texts)
    while sum(speech_units(_join(p, language), language) for p in parts) > limit:
        longest = max((i for i in range(len(parts)) if len(parts[i]) > 1),
                      key=lambda i: speech_units(_join(parts[i], language), language), default=None)  # fmt: skip
        if longest is None:
            break
        parts[longest] = parts[longest][:-1]
        cut[longest] = True
    return [_join(p, language) if was_cut else text for p, was_cut, text in zip(parts, cut, texts, strict=True)]


_EN_ARTICLES = {"a", "an", "the"}
_EN_LOOSE_END = {"a", "an", "the", "and", "or", "but", "of", "to", "for", "in", "on", "at", "by", "with", "from",
                 "as", "that", "is", "are", "was", "were", "be", "can", "will", "what", "how", "which", "who", "when",
                 "while", "so", "if", "because", "your", "my", "our", "their", "his", "her", "its", "into", "than",
                 "then", "just", "also", "very", "under", "about", "around"}
_ZH_QUESTION_HEAD = re.compile(r"^(?:什么是|为什么|为啥|如何|怎么|怎样|到底|其实|原来)")
_ZH_QUESTION_TAIL = re.compile(r"(?:是什么|是啥|会怎么样|会怎样|怎么样|怎么办|有哪些|吗|呢|吧|啊)$")
_ZH_LOOSE_END = "的了和与及是在把被让给对从"
_ZH_NO_OPENING = ("u", "p", "f", "d", "c", "y", "q")
"""jieba tags a headline does not open (or end) on: particle, preposition, place word, adverb, conjunction, modal
particle, measure word."""
_ZH_HANGING_VERBS = {"需要", "开始", "可以", "能", "会", "要", "想", "让", "使"}
"""Verbs a cut headline does not end on: they promise what the cut took away."""


_ZH_UNIT_START = re.compile(r"[万千百亿元块个点分秒天年月岁斤次步招%]")


def headline(text: str, language: Language) -> str:
    """A beat made into on-screen text within the format's rule: its first clause when that says enough,
    else its first words, never ending on a dangling 'of' or '的' (Chinese drops question frames such as
    '什么是…' first; English drops articles when the cut would lose the number). The small model's own
    rewrites of a long beat mostly copied it back (3 of 3 profiled plans) for 8–15 s a plan, so the code
    cuts instead."""
    text = " ".join(text.strip().strip("“”\"'").split())
    low, high = ONSCREEN_WORDS[language]

    def units(t: str) -> int:
        return checks.onscreen_units(t, language)

    if language == Language.ZH:
        text = re.sub(r"[。！!？?…~～]+$", "", text)
        if units(text) <= high:
            return text
        clause = next((x.strip() for x in re.split(r"[，,、;；:：。!！?？]", text) if x.strip()), text)
        if low <= units(clause) <= high:
            return clause
        bare = _ZH_QUESTION_TAIL.sub("", _ZH_QUESTION_HEAD.sub("", re.sub(r"[“”\"']", "", clause)))
        if low <= units(bare) <= high:
            return bare
        cut = ""
        words: list[str] = []
        for word in checks.zh_words(bare):  # a number keeps its unit: '存下2' lost '万块'
            if words and re.fullmatch(r"\d+(?:\.\d+)?", words[-1]) and _ZH_UNIT_START.match(word):
                words[-1] += word
            else:
                words.append(word)
        for word in words:  # whole words only: '猫为什么能成为宠' broke '宠物'
            if units(cut + word) > high:
                break
            cut += word
        cut = cut if units(cut) >= low else bare[:high]
        while len(cut) > low and cut[-1] in _ZH_LOOSE_END:
            cut = cut[:-1]
        tagged = checks.zh_tagged(cut)
        while len(tagged) > 1 and (tagged[-1][1][:1] in _ZH_NO_OPENING or tagged[-1][0] in _ZH_HANGING_VERBS) and \
                len(cut) - len(tagged[-1][0]) >= low:  # '小个子穿搭需要', '老奶奶接过粥后'
            cut = cut[: -len(tagged.pop()[0])]
        if re.search(r"[\d一二三四五六七八九十]", bare[:3]):  # '第1招…', '3个方法…': the count leads
            return cut
        tail = _zh_tail(bare, low, high)  # the end, when it names more things than the start
        return tail if _zh_noun_chars(tail) > _zh_noun_chars(cut) else cut
    text = re.sub(r"[.!…]+$", "", text)
    if units(text) <= high:
        return text
    clause = re.split(r"[,;:!?]\s+|\s+[—–-]\s+|\.\s+", text)[0].strip()
    if low <= units(clause) <= high:
        return clause
    cut = _first_words(text.split(), low, high)
    if re.search(r"\d", text) and not re.search(r"\d", cut):  # keep the number: drop the articles instead
        lean = _first_words([w for w in text.split() if w.lower() not in _EN_ARTICLES], low, high)
        cut = lean if re.search(r"\d", lean) else cut
    return cut


def _zh_tail(text: str, low: int, high: int) -> str:
    """The longest run of a Chinese sentence's last words that fits the rule, starting on a word that can open
    a headline (not a particle, preposition, adverb or place word such as '上') and ending on no loose word: the
    object carries what a scene shows ('你刚刚收到了你的期末成绩单' shows '你的期末成绩单', where the first 8
    characters said '你刚刚收到了你')."""
    words = checks.zh_tagged(text)
    while words and (words[-1][0] in _ZH_LOOSE_END or words[-1][1] in ("u", "uj", "ul", "y")):
        words = words[:-1]
    tail: list[tuple[str, str]] = []
    for word in reversed(words):
        if sum(len(w) for w, _ in [word, *tail]) > high:
            break
        tail.insert(0, word)
    while tail and (tail[0][1][:1] in _ZH_NO_OPENING or tail[0][0] in _ZH_LOOSE_END):
        tail = tail[1:]
    kept = "".join(w for w, _ in tail)
    return kept if len(kept) >= low else ""


def _zh_noun_chars(text: str) -> int:
    return sum(len(w) for w, flag in checks.zh_tagged(text) if flag[:1] in ("n", "t") or flag == "vn")


def on_screen_text(beat: str, voiceover: str, language: Language) -> str:
    """Step 3: the scene's beat as its on-screen text, cut to the rule; a beat too short for the rule (a
    lone "Water") gives way to the first clause of what the scene says."""
    text = headline(beat, language)
    if checks.onscreen_units(text, language) >= ONSCREEN_WORDS[language][0]:
        return text
    spoken = headline(re.split(r"(?<=[.!?。！？])\s*", voiceover.strip())[0], language)
    return spoken if checks.onscreen_units(spoken, language) >= ONSCREEN_WORDS[language][0] else text


def without_cut_tail(beat: str, language: Language) -> str:
    """A beat the grammar's length cap stopped mid-phrase ('8:30，早餐时间，我决定去') without its broken
    last piece: the part after its last comma (zh) or its last word (en)."""
    if len(beat) < FIELD_CHARS[language]["beats"] - 1:
        return beat
    low = ONSCREEN_WORDS[language][0]
    if language == Language.ZH:
        seps = list(re.finditer(r"[，,、;；：]", beat))
        kept = beat[: seps[-1].start()].strip() if seps else ""
        return kept if speech_units(kept, language) >= low else beat
    words = beat.split()[:-1]
    return _first_words(words, low, len(words)) if len(words) >= low else beat


_EN_PHRASE_START = {"to", "by", "into", "with", "for", "from", "that", "which", "who", "and", "or", "but", "so",
                    "because", "when", "while", "of", "in", "on", "at", "as", "you", "i", "we", "they", "it", "if",
                    "instead", "without", "before", "after", "until", "than"}  # fmt: skip
"""Words that open the next phrase: a headline cut inside a phrase goes back to before one, so it ends on what
the phrase before it named ('Turning an IKEA desk', not 'Turning an IKEA desk into a clean')."""


def _first_words(words: list[str], low: int, high: int) -> str:
    cut = words[:high]

    def opens(word: str) -> bool:
        return word.lower().strip(",.;:") in _EN_PHRASE_START

    loose = len(cut) > low and cut[-1].lower().strip(",.;:") in _EN_LOOSE_END
    if len(words) > high and not loose and not opens(words[high]):  # cut inside a phrase, on a content word
        ends = [i for i in range(low, high) if opens(words[i])]
        cut = words[: ends[-1]] if ends else cut
    while len(cut) > low and cut[-1].lower().strip(",.;:") in _EN_LOOSE_END:
        cut = cut[:-1]
    return " ".join(cut).rstrip(",;:")


# -- the writer ------------------------------------------------------------------------------------------------


@dataclass
class _Writer:
    inp: ScriptInput
    deps: Deps
    fmt: ShortFormat
    scenes_wanted: int
    deadline: float
    conversation: list[BaseMessage] = field(default_factory=list)
    fixes_left: int = MAX_SCENE_FIXES
    hook_rest: str = ""
    """What the model wrote for the hook beyond its first 2.5 s: it opens scene 1."""

    @property
    def language(self) -> Language:
        return self.inp.language

    def _ask(self, model: type[BaseModel], prompt: str, check: Any, *, what: str, tokens: int, attempts: int,
             settle: Any = None, count: int | None = None, list_field: str = "") -> Answer[Any]:  # fmt: skip
        schema = _schema(model, self.language, count, list_field)
        return self._ask_schema(schema, prompt, check, what=what, tokens=tokens, attempts=attempts, settle=settle)

    def _ask_schema(self, schema: dict[str, Any], prompt: str, check: Any, *, what: str, tokens: int, attempts: int,
                    settle: Any = None) -> Answer[Any]:  # fmt: skip
        """One step of the conversation; the accepted answer's own text joins it so the next step reuses
        the model's state."""
        messages = [*self.conversation, HumanMessage(prompt)]
        answer = ask_valid(self.deps, json_model(self.deps, schema, tokens), messages,
                           json_reader(check), stage="script", what=what, attempts=attempts, settle=settle,
                           deadline=self.deadline, fix=WRITER_FIX)  # fmt: skip
        value = answer.value
        plain = value.model_dump() if isinstance(value, BaseModel) else value
        raw = answer.raw or json.dumps(plain, ensure_ascii=False)
        self.conversation = [*(answer.asked or messages), AIMessage(content=raw)]
        return answer

    # step 1 -------------------------------------------------------------------------------------------------
    def outline(self, user: str) -> _Outline:
        n, language = self.scenes_wanted, self.language

        def hook_faults(outline: _Outline) -> list[str]:
            found = [f.reason for f in hook_problems(outline.hook, language)]
            if not found and speech_units(outline.hook, language) > HOOK_UNITS[language] + 2:
                unit = "characters" if language == Language.ZH else "words"
                found.append(f"the hook has {speech_units(outline.hook, language)} {unit}; "
                             f"make it at most {HOOK_UNITS[language]}")  # fmt: skip
            terms = checks.key_terms(self.inp.brief, language)[: checks.KEY_TERMS_SHOWN]
            if terms and not checks.named_terms(outline.hook, terms, language):  # '早上6点！' opens any day
                found.append(f"the hook never names {', '.join(repr(t) for t in terms)} from the brief; name one")
            return found

        def beat_faults(outline: _Outline) -> list[str]:
            found = [p for t in [outline.hook, *outline.beats] if (p := language_problem(t, language.value))][:2]
            found += [f"beat {i + 1} (“{b}”) is only the video's length or platform; make it a moment of the video"
                      for i, b in enumerate(outline.beats)
                      if checks.framing_only(b, self.inp.duration)][:1]  # fmt: skip
            for i, beat in enumerate(outline.beats):
                if any(_same(beat, other) for other in outline.beats[:i]):
                    found.append(f"beat {i + 1} repeats an earlier beat; every scene must be about something new")
                    break
            return found

        def usable(parsed: Any) -> tuple[_Outline, list[str]] | None:
            try:
                outline = _Outline.model_validate(parsed)
            except ValidationError:
                return None
            if len(outline.beats) < n:
                return None
            outline = outline.model_copy(update={"beats": outline.beats[:n]})
            return outline, beat_faults(outline) + hook_faults(outline)

        def check(parsed: Any) -> tuple[_Outline | None, list[str]]:
            """The beats must be right (a retry rewrites the whole outline); a hook-only fault is fixed by a
            call for the hook alone, far cheaper than the whole outline again."""
            try:
                outline = _Outline.model_validate(parsed)
            except ValidationError as exc:
                return None, validation_problems(exc, 5)
            if len(outline.beats) != n:
                return None, [f"write exactly {n} beats, not {len(outline.beats)}"]
            problems = beat_faults(outline)
            return (None, problems) if problems else (outline, [])

        schema = _schema(_Outline, language, n, "beats")
        schema["required"] = ["hook", "beats"]
        answer = self._ask_schema(schema, user, check, what="outline", tokens=STEP_TOKENS["outline"], attempts=2,
                                  settle=usable)  # fmt: skip
        outline: _Outline = answer.value
        beats = checks.in_brief_order(outline.beats, self.inp.brief, language)
        if beats != outline.beats:
            self.deps.progress("script", "the beats put in the brief's order")
            outline = outline.model_copy(update={"beats": beats})

        def settled(hook: str) -> _Outline:  # mended first: a hook the split fixes costs no call
            hook = mend_framing(tidy_cut(hook, language, FIELD_CHARS[language]["hook"]), language, self.inp.duration)
            hook, self.hook_rest = split_hook(hook, language)
            hook = hook[:1].upper() + hook[1:] if language == Language.EN else hook  # 'cozy indie games…'
            return outline.model_copy(update={"hook": hook})

        outline = settled(outline.hook)
        if faults := hook_faults(outline):
            fixed = self.fix_hook(outline.hook, faults, hook_faults, outline)
            outline = settled(fixed) if fixed != outline.hook else outline
        if faults and (still := hook_faults(outline)):  # said once, after the mends (the plan's checks say the rest)
            self.deps.warn("script", f"kept the hook; still failing: {'; '.join(still)[:200]}")
        return outline

    def fix_hook(self, hook: str, faults: list[str], faults_of: Any, outline: _Outline) -> str:
        """One call for three new hooks, with the fault fed back; the hook (old or new) with the fewest faults
        once mended is kept. Asked for one, the small model mostly wrote the same 10–16-unit line again; among
        three, one is usually short."""
        language = self.language
        terms = checks.key_terms(self.inp.brief, language)[: checks.KEY_TERMS_SHOWN] or [self.inp.brief[:40]]
        missing = checks.missing_terms(" ".join([outline.hook, *outline.beats]), self.inp.brief, language)
        terms = [*missing, *(t for t in terms if t not in missing)][: checks.KEY_TERMS_SHOWN]  # what it lacks first
        prompt = load_fragment("script_hook", language.value, problem="; ".join(faults), units=HOOK_ASK[language],
                               key_terms=("、" if language == Language.ZH else ", ").join(terms),
                               count=HOOK_CANDIDATES)  # fmt: skip
        self.deps.progress("script", f"rewriting the hook: {faults[0][:100]}")
        cap = FIELD_CHARS[language]["hook"]

        def check(parsed: Any) -> tuple[list[str] | None, list[str]]:
            hooks = parsed.get("hooks") if isinstance(parsed, dict) else None
            written = [h.strip() for h in hooks or [] if isinstance(h, str) and h.strip()]
            return (written, []) if written else (None, ["write the hooks"])

        schema = {"type": "object", "required": ["hooks"], "additionalProperties": False, "properties": {
            "hooks": {"type": "array", "items": {"type": "string", "maxLength": cap},
                      "minItems": HOOK_CANDIDATES, "maxItems": HOOK_CANDIDATES}}}  # fmt: skip
        saved = self.conversation
        try:
            written = self._ask_schema(schema, prompt, check, what="hook", tokens=STEP_TOKENS["hook"] * HOOK_CANDIDATES,
                                       attempts=1).value  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - the first hook stays, unless the brief's own is better
            if isinstance(exc, AssertionError):
                raise
            written = []
        finally:
            self.conversation = saved  # the scenes follow the outline; three hooks would only be noise there

        names = checks.key_terms(self.inp.brief, language)[: checks.KEY_TERMS_SHOWN]

        def cost(candidate: str) -> tuple[bool, int, bool, int]:
            """Whether it names nothing from the brief ('为什么？' is short, and says nothing), its faults once
            mended, whether the cap cut it ('…for under.'), then how far over 2.5 s it runs."""
            mended = split_hook(tidy_cut(candidate, language, cap), language)[0]
            faults = len(faults_of(outline.model_copy(update={"hook": mended})))
            nameless = bool(names) and not checks.named_terms(mended, names, language)
            return nameless, faults, was_cut(candidate), max(0, speech_units(mended, language) - HOOK_UNITS[language])

        def was_cut(candidate: str) -> bool:
            return len(candidate) >= cap - 1 and not re.search(r"[.!?。！？…]$", candidate)

        def whole(candidate: str) -> str:
            """A cut candidate keeps its whole sentences: '洗头会掉发？真相是头皮过度干' is '洗头会掉发？', and
            '猫能飞吗？答案比' (the answer cap cut it short of the field's) is '猫能飞吗？'."""
            said = checks.sentences(candidate)
            if len(said) < 2 or re.search(r"[.!?。！？…]$", candidate):
                return candidate
            if was_cut(candidate) or speech_units(said[-1], language) < 4:
                return "".join(said[:-1]) if language == Language.ZH else " ".join(said[:-1])
            return candidate

        written = [whole(c) for c in written]
        if own := brief_hook(self.inp.brief, language):
            written.append(own)  # last: kept only when every hook the model wrote names nothing from the brief
            # ('月薪3000的一天') or still runs over 2.5 s once mended
        return min([hook, *written], key=cost)  # the first of equals: the old hook unless a new one is better

    # step 2 -------------------------------------------------------------------------------------------------
    def scenes(self, outline: _Outline) -> list[_SceneText]:
        """Every scene's narration and shot in one answer. The schema makes the model copy each scene's beat
        before writing its lines (a grammar constant), so scene k stays on beat k: asked without that
        anchor, the small model slid each scene onto the next beat."""
        n, language = self.scenes_wanted, self.language
        limit = budget(self.inp.duration, language)
        per_scene = max(6, (limit - speech_units(outline.hook, language)) // n)
        prompt = load_fragment("script_scenes", language.value, scene_words=per_scene, scene_chars=per_scene)
        schema = _schema(_Scenes, language, n, "scenes")
        schema["properties"]["scenes"].pop("items")
        cap = voiceover_chars(per_scene, language)
        schema["properties"]["scenes"]["prefixItems"] = [
            {"type": "object", "required": ["beat", "voiceover"], "additionalProperties": False,
             "properties": {"beat": {"const": beat}, "voiceover": {"type": "string", "maxLength": cap}}}
            for beat in outline.beats
        ]  # fmt: skip
        schema.pop("$defs", None)

        def check(parsed: Any) -> tuple[list[_SceneText] | None, list[str]]:
            try:
                written = _Scenes.model_validate(parsed)
            except ValidationError as exc:
                return None, validation_problems(exc, 5)
            if len(written.scenes) < n:
                return None, [f"write exactly {n} scenes, one per beat, not {len(written.scenes)}"]
            return [t.model_copy(update={"voiceover": tidy_cut(t.voiceover, language, cap)})
                    for t in written.scenes[:n]], []

        try:
            answer = self._ask_schema(schema, prompt, check, what="scenes", tokens=STEP_TOKENS["scenes"] * n,
                                      attempts=2)  # fmt: skip
        except ModelBehaviorError as exc:  # a brief ends in a video: each scene says its beat, and the notes say so
            self.deps.warn("script", f"the model wrote no usable scenes ({str(exc)[:120]}); each scene says its beat")
            return [_SceneText(voiceover=_beat_line(beat, language)) for beat in outline.beats]
        return list(answer.value)

    # fixing scenes ---------------------------------------------------------------------------------------------
    def rewrite_scene(self, number: int, scene: _SceneText, problem: str, others: list[str],
                      must_name: str = "") -> _SceneText | None:  # fmt: skip
        """Ask for one scene again with the failed check fed back (a bounded number of times). An answer
        that says the old lines or another scene's again is refused, and asked for once more: the model
        copied a repeated scene back word for word. `must_name` is a term of the brief the grammar makes the
        new lines say (told to name '班主任', the small model wrote a scene that never did); then the old lines
        with the term worked in are an answer."""
        if self.fixes_left <= 0 or time.monotonic() > self.deadline:
            return None
        self.fixes_left -= 1
        what = f"第{number}个镜头" if self.language == Language.ZH else f"scene {number}"
        prompt = load_fragment("script_fix", self.language.value, problem=problem, what=what)
        self.deps.progress("script", f"rewriting scene {number}: {problem[:100]}")
        cap = voiceover_chars(max(8, budget(self.inp.duration, self.language) // self.scenes_wanted), self.language)

        def check(parsed: Any) -> tuple[_SceneText | None, list[str]]:
            try:
                written = _SceneText.model_validate(parsed)
            except ValidationError as exc:
                return None, validation_problems(exc, 3)
            new = tidy_cut(written.voiceover, self.language, cap)
            if any(_same(new, said) for said in [*([] if must_name else [scene.voiceover]), *others]):
                return None, ["that says the same as a scene already written; say something new about this beat"]
            return written.model_copy(update={"voiceover": new}), []

        saved = self.conversation
        try:
            line = {"type": "string", "pattern": naming_pattern(must_name, cap)} if must_name else {
                "type": "string", "maxLength": cap}
            schema = {"type": "object", "properties": {"voiceover": line}, "required": ["voiceover"],
                      "additionalProperties": False}  # fmt: skip
            answer = self._ask_schema(schema, prompt, check, what=f"scene {number}", tokens=STEP_TOKENS["fix"],
                                      attempts=2)  # fmt: skip
        except Exception:  # noqa: BLE001 - a failed fix keeps the scene as it was
            self.conversation = saved
            return None
        self.conversation = saved  # the fix is not part of the story the next step reads
        return answer.value


def naming_pattern(term: str, cap: int) -> str:
    """A JSON-schema pattern for a line of at most `cap` characters that says `term` (its first third at most
    before it), in the regex syntax the grammar converter reads: a special character of the term is a class
    of one ('[$]50'), since a backslash escape reached the grammar as an escape it does not know."""
    escaped = "".join(f"[{c}]" if c in ".$*+?()[{}|" else f"\\{c}" if c in "\\^]" else c for c in term)
    before = max(4, cap // 3)
    after = max(8, cap - before - len(term))
    free = '[^"\\\\]'
    if term[:1].isascii() and term[:1].isalnum():  # a whole word: the model glued it on ('3starters', 'Ibudget')
        lead = f"({free}{{0,{before - 1}}}[^A-Za-z0-9\"\\\\:/.$%+-])?"  # nor '4:engineer'
    else:
        lead = f"{free}{{0,{before}}}"
    if term[-1:].isascii() and term[-1:].isalnum():
        tail = f"(s?[^A-Za-z0-9\"\\\\]{free}{{0,{after - 2}}})?"
    else:
        tail = f"{free}{{0,{after}}}"
    return f"^{lead}{escaped}{tail}$"


def _assemble(inp: ScriptInput, fmt: ShortFormat, hook: str, texts: list[_SceneText], on_screen: list[str],
              post: _Post | None) -> VideoPlan:  # fmt: skip
    language = inp.language
    voiceovers = [t.voiceover for t in texts]
    voiceovers[0] = _join([hook, voiceovers[0]], language)
    units = [max(3, speech_units(v, language)) for v in voiceovers]
    # the shot is described by the scene's headline and what is said: writing a separate description cost the
    # small model a third of its tokens, and the visuals are matched to the narration (issue 17)
    scenes = [Scene(voiceover=v, visual=o, on_screen_text=o, duration=u)
              for v, o, u in zip(voiceovers, on_screen, units, strict=True)]  # fmt: skip
    tags: list[str] = []
    for tag in post.hashtags if post else []:
        cleaned = "#" + re.sub(r"\s+", "", tag).lstrip("#")
        if len(cleaned) > 1 and cleaned not in tags:
            tags.append(cleaned)
    tags = with_top_trend(tags[:MAX_HASHTAGS], inp.trending)
    plan = VideoPlan(
        title=(post.title.strip() if post else "") or hook, language=language, platform=inp.platform,
        target_duration=inp.duration, hook=hook, scenes=scenes,
        call_to_action=_strip_hashtags(post.call_to_action) if post else "",
        music_mood=(post.music_mood.strip() if post else "") or "upbeat", hashtags=tags,
        trend_backing=trend_backing(tags, inp.trending), format=fmt.name,
    )  # fmt: skip
    return plan.with_fitted_durations()


def _mend_and_fix(writer: _Writer, hook: str, texts: list[_SceneText], beats: list[str]) -> list[_SceneText]:
    """The code's mends first (directions, repeats, length), then rewrites of scenes that still fail."""
    language, inp = writer.language, writer.inp
    voice = [mend_framing(mend_dangling(mend_list_numbers(mend_stage_directions(t.voiceover), language), language),
                          language, inp.duration) for t in texts]  # fmt: skip
    if language == Language.EN:  # a scene that goes on from the last one's sentence still starts as a sentence
        voice = [v[:1].upper() + v[1:] for v in voice]
    voice = _beat_for_hook_copy(mend_repeats(voice, language, hook), hook, beats, language)
    limit = spoken_room(inp.duration, len(texts), language) - speech_units(hook, language)
    voice = mend_length(voice, limit, language)
    texts = [t.model_copy(update={"voiceover": v}) for t, v in zip(texts, voice, strict=True)]
    embedder = writer.deps.embedder()
    tried: set[int] = set()
    while writer.fixes_left > 0 and time.monotonic() < writer.deadline:
        plan = _assemble(inp, writer.fmt, hook, texts, beats, None)
        gaps = checks.step_gaps([t.voiceover for t in texts], beats, inp.brief, language)
        steps = {i + 1: word for i, _, word in gaps}
        failing = [f for f in review(plan, inp.brief, embedder)
                   if f.check in FIXABLE_BY_REWRITE and f.scene >= 1 and f.scene not in tried]  # fmt: skip
        failing += [Finding(check="fidelity", scene=i + 1, reason=f"scene {i + 1} is the brief's step “{step}”, but "
                                                                  f"never says “{word}”; say it")
                    for i, step, word in gaps if i + 1 not in tried]  # fmt: skip
        if not failing:
            break
        finding = failing[0]
        tried.add(finding.scene)
        index = finding.scene - 1
        others = [t.voiceover for i, t in enumerate(texts) if i != index] + ([hook] if index == 0 else [])
        must_name = _term_to_name(finding, hook, texts, beats, inp.brief, language) or (
            steps.get(finding.scene, "") if "the brief's step" in finding.reason else "")
        new = writer.rewrite_scene(finding.scene, texts[index], finding.reason, others, must_name=must_name)
        if new is None:
            break
        if index == 0:  # the hook is said first anyway
            new = new.model_copy(update={"voiceover": mend_repeats([new.voiceover], language, hook)[0]})
        new = new.model_copy(update={"voiceover": mend_stage_directions(new.voiceover)})
        before = len(review(plan, inp.brief, embedder))
        trial = [*texts[:index], new, *texts[index + 1 :]]
        if len(review(_assemble(inp, writer.fmt, hook, trial, beats, None), inp.brief, embedder)) <= before:
            texts = trial
    voice = [mend_dangling(t.voiceover, language) for t in texts]  # a rewrite may break off, repeat or run long
    voice = mend_length(mend_repeats(voice, language, hook), limit, language)
    voice = _beat_for_hook_copy(voice, hook, beats, language)
    for j in range(1, len(voice)):  # a scene still said twice over says its beat instead: short, but new
        if any(_same(voice[j], voice[i]) for i in range(j)):
            voice[j] = _beat_line(beats[j], language)
            writer.deps.warn("script", f"scene {j + 1} kept saying another scene's lines; it now says its beat")
    for j in range(len(voice)):  # a scene with nothing left to say ('’。') says its beat
        if speech_units(voice[j], language) < 2:
            voice[j] = _beat_line(beats[j], language)
    return [t.model_copy(update={"voiceover": v}) for t, v in zip(texts, voice, strict=True)]


def _term_to_name(finding: Finding, hook: str, texts: list[_SceneText], beats: list[str], brief: str,
                  language: Language) -> str:  # fmt: skip
    """The brief's term a scene-1 rewrite must say, for a finding that the script (or its opening) never names
    one: first what the whole script lacks, else what its opening lacks."""
    if finding.check != "fidelity" or finding.scene != 1 or "never names" not in finding.reason:
        return ""
    script = " ".join([hook, *(f"{t.voiceover} {b}" for t, b in zip(texts, beats, strict=True))])
    opening = f"{hook} {texts[0].voiceover}"
    lacking = [*checks.missing_terms(script, brief, language), *checks.missing_terms(opening, brief, language)]
    return lacking[0] if lacking else ""


def _beat_line(beat: str, language: Language) -> str:
    """A beat said as a sentence: 'the craziest miss ever' was said, and captioned, in lower case."""
    line = without_cut_tail(beat, language).rstrip(" .!?。！？")
    return line + "。" if language == Language.ZH else line[:1].upper() + line[1:] + "."


def _beat_for_hook_copy(voice: list[str], hook: str, beats: list[str], language: Language) -> list[str]:
    """A first scene that only says the hook again (the voice would say it twice in a row) says its beat."""
    if voice and (not voice[0].strip() or _same(voice[0], hook)):
        return [_beat_line(beats[0], language), *voice[1:]]
    return voice


def _outline_text(hook: str, beats: list[str], fmt: ShortFormat, language: Language) -> str:
    numbered = [re.sub(r"^\s*(?:\d+[.)、:：]|#\d+)\s*", "", b) or b for b in beats]  # '1. 1. Why…' reads badly
    lines = [f"{fmt.label[language]} · hook: “{hook}”", *(f"{i}. {b}" for i, b in enumerate(numbered, start=1))]
    return "outline — " + " | ".join(lines)


def _user_prompt(inp: ScriptInput, fmt: ShortFormat, scenes_wanted: int) -> tuple[str, str]:
    language = inp.language
    terms = checks.key_terms(inp.brief, language)[: checks.KEY_TERMS_SHOWN] or [inp.brief[:40]]
    items = counted_items(inp.brief) if fmt.counted else None
    if items and items <= scenes_wanted:
        count_rule = (f" 其中 {items} 个节拍各讲一条，按顺序编号。" if language == Language.ZH
                      else f" {items} of them are the numbered items, in order.")  # fmt: skip
    else:
        count_rule = ""
    prompt = load_prompt("script_outline", language.value)
    joiner = "、" if language == Language.ZH else ", "
    return prompt.render(
        brief=inp.brief, platform=inp.platform.value, duration=f"{inp.duration:g}", scenes=scenes_wanted,
        trending=trending_context(inp.trending, language) if inp.trends_in_prompt else "",
        format_guidance=fmt.guidance[language], key_terms=joiner.join(terms), count_rule=count_rule,
        word_budget=budget(inp.duration, language),
    )  # fmt: skip


def write_script(inp: ScriptInput, deps: Deps) -> VideoPlan:
    """Write a short-video plan (title, hook, 3+ scenes with voiceover, on-screen text and visuals,
    call to action, music mood, hashtags) for a brief, in the requested language, length and format
    (chosen from the brief when not asked for). The plan records its format and which checks passed."""
    brief = check_brief(inp.brief)
    inp = inp.model_copy(update={"brief": brief, "duration": check_duration(inp.duration)})
    fmt, why = choose_format(brief, inp.language, inp.format)
    scenes_wanted = scene_count(inp.duration, fmt, brief)
    system, user = _user_prompt(inp, fmt, scenes_wanted)
    key_inputs = {"input": inp, "format": fmt.name, "system": system, "user": user, "llm": deps.llm_identity(),
                  "v": WRITER_VERSION}  # fmt: skip

    def make(folder: Any) -> None:
        plan = _write(inp, deps, fmt, scenes_wanted, system, user)
        (folder / "plan.json").write_text(plan.model_dump_json(indent=2), encoding="utf-8")

    deps.progress("script", f"writing a {fmt.label[inp.language]} ({fmt.name}, {why}), {scenes_wanted} scenes")
    _, folder = deps.cache.get_or_make("script", key_inputs, make)
    plan = VideoPlan.model_validate_json((folder / "plan.json").read_text(encoding="utf-8"))
    failing = [c for c in plan.checks if not c.passed]
    if failing:
        deps.warn("script", "checks still failing after the rewrites: " + "; ".join(
            f"{c.check}: {c.problems[0]}" for c in failing))  # fmt: skip
    return plan


def _write(inp: ScriptInput, deps: Deps, fmt: ShortFormat, scenes_wanted: int, system: str, user: str) -> VideoPlan:
    started = time.monotonic()
    writer = _Writer(inp=inp, deps=deps, fmt=fmt, scenes_wanted=scenes_wanted,
                     deadline=started + WRITING_BUDGET_S, conversation=[SystemMessage(system)])  # fmt: skip
    deps.progress("script", "step 1/2: the outline")
    outline = writer.outline(user)
    deps.progress("outline", _outline_text(outline.hook, outline.beats, fmt, inp.language))
    deps.progress("script", "step 2/2: the scenes")
    texts = writer.scenes(outline)
    if writer.hook_rest:
        opening = _join([writer.hook_rest, texts[0].voiceover], inp.language)
        texts[0] = texts[0].model_copy(update={"voiceover": opening})
    texts = _mend_and_fix(writer, outline.hook, texts, outline.beats)
    beats = [without_cut_tail(b, inp.language) for b in outline.beats]
    on_screen = [on_screen_text(beat, t.voiceover, inp.language) for beat, t in zip(beats, texts, strict=True)]
    for j in range(1, len(on_screen)):  # beats cut to one prefix ('猫为什么能成为宠物…' ×3) show what is said instead
        if on_screen[j] in on_screen[:j]:
            on_screen[j] = on_screen_text("", texts[j].voiceover, inp.language)
    plan = _assemble(inp, fmt, outline.hook, texts, on_screen, _post(inp, fmt, outline))
    record = check_record(review(plan, inp.brief, deps.embedder()))
    deps.progress("script", f"plan written in {time.monotonic() - started:.0f} s; checks passed: "
                            f"{sum(c.passed for c in record)}/{len(record)}")  # fmt: skip
    return plan.model_copy(update={"checks": record})
