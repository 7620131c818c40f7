"""The script critic's rule checks (issue 16, first step): repeated sentences, stage directions in the
narration, speech pace per scene, a hook that takes too long or says nothing, on-screen text walls, and
time-of-day words out of order. Pure functions over a plan's texts, so the critic, the draft score and
the benches share one definition; the embedding-based fidelity check comes with the critic.

Each finding names its check, its 1-based scene (0: the whole plan) and one line a creator understands.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any

from pydantic import BaseModel

from reelcraft.language import CJK_IDEOGRAPH, language_problem
from reelcraft.plan import Language, Scene

SPEECH_RATE = {Language.EN: 3.2, Language.ZH: 4.3}
"""Words (en) or characters (zh) per second the voices speak; measured in docs/models.md."""
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def speech_units(text: str, language: Language) -> int:
    """Words (en) or Han characters plus Latin words (zh): what the voice has to say."""
    if language == Language.ZH:
        return len(CJK_IDEOGRAPH.findall(text)) + len(_LATIN_WORD.findall(text))
    return len(text.split())


def onscreen_units(text: str, language: Language) -> int:
    """What an on-screen text asks the eye to read: words (en), or Han characters plus each number and Latin
    word (zh): '8点' is two, where the voice's count made it one and failed a clock time as 'a lone word'."""
    if language == Language.ZH:
        return speech_units(text, language) + len(re.findall(r"\d+(?:[.:]\d+)?", text))
    return speech_units(text, language)


CHECKS = ("repetition", "stage_directions", "too_fast", "weak_hook", "onscreen_wall", "contradiction")

HOOK_SECONDS = 2.5
"""The hook's first sentence must be said within this (issue 16)."""
PACE_SLACK = 1.15
"""A scene may run this much over the voices' measured rate before it reads as rushed."""
NEAR_SAME = 0.8
"""difflib ratio from which two sentences are the same line with a word swapped."""
ONSCREEN_MAX = {Language.EN: 7, Language.ZH: 8}
"""Words (en) or characters (zh) an on-screen text may carry to be read at a glance."""

_SENTENCE_BREAK = re.compile(r"(?<=[。！？；])|(?<=[.!?;])(?=\s+[\"“'‘(]?[A-Z0-9\u4e00-\u9fff])")
"""Chinese stops always end a sentence; a Latin one only before a space and a capital or a digit, so
'6 a.m. and' and '$0.40' stay whole."""
_FILLER = re.compile(
    r"^\s*(hi|hello|hey)\b.{0,25}(guys|everyone|viewers|friends|there)|welcome (back )?to (my|the|our) channel|"
    r"^\s*(so,? )?today (i|we)('m| am| are)? (going|gonna) to|^\s*大家好|欢迎(回到|来到)?(我的|本)?频道|^\s*哈喽", re.I)
_DIRECTION = re.compile(
    r"\b(camera|pans?|zoom(s|ing)? (in|out)|cut to|close-?up|fade (in|out)|(the )?scene (opens|shows|cuts)|"
    r"we see|on screen,?|b-roll|voice-?over)\b|[(\[][^)\]]*\b(cut|zoom|pan|shot|camera|music)\b[^)\]]*[)\]]|"
    r"镜头|画面(切|拉|推|转|显示)|特写|切到|切换到|（[^）]*）|【[^】]*镜[^】]*】", re.I)

_TIME_STAGES: dict[Language, list[tuple[str, str]]] = {
    Language.EN: [
        ("wake", r"\b(wake|waking|woke|alarm|get(ting)? up|sunrise)\b"),
        ("breakfast", r"\bbreakfast\b"),
        ("lunch", r"\blunch(box|time)?\b|\bnoon\b"),
        ("afternoon", r"\bafternoon\b"),
        ("dinner", r"\b(dinner|supper)\b"),
        ("night", r"\b(bedtime|go(ing)? to bed|midnight|fall asleep)\b"),
    ],
    Language.ZH: [
        ("wake", r"起床|醒来|闹钟|日出"),
        ("breakfast", r"早餐|早饭|早点"),
        ("lunch", r"午餐|午饭|中午"),
        ("afternoon", r"下午"),
        ("dinner", r"晚餐|晚饭"),
        ("night", r"睡前|睡觉|入睡|半夜"),
    ],
}
"""Times of day in the order a day runs; a script that names a later one and then an earlier one, outside
a 'before'/'tomorrow' framing, contradicts itself ('head home for dinner… you enjoy a healthy breakfast')."""
_REWIND = re.compile(r"\b(tomorrow|the (night|day) before|earlier|yesterday|last night)\b|前一晚|前一天|明天|明早|昨",
                     re.I)  # fmt: skip
"""A sentence framed as another day may name any time ('prep tomorrow's breakfast before bed')."""
_NEW_DAY = re.compile(r"\b((the )?next (day|morning)|day (\d+|two|three|four|five|six|seven)|(second|third|fourth|"
                      r"fifth|last|final) day)\b|第\s*[二三四五六七2-7]\s*天|次日|隔天|第二天一早", re.I)  # fmt: skip
"""A sentence that starts another day of the story ('Day 2:', '第二天…'): its clock starts again, so 9:00 after
the first day's 20:00 goes forward, not back (a two-day Chengdu trip was failed for it)."""


class Finding(BaseModel):
    check: str
    scene: int
    """1-based; 0 for the plan as a whole."""
    reason: str


_CLAUSE = re.compile(r"[^,，、.!?。！？；;:：]+")


def _clauses(text: str, language: Language) -> list[str]:
    """Clauses long enough that saying one twice is padding, not style (≥ 5 words, ≥ 7 characters)."""
    least = 5 if language == Language.EN else 7
    return [c.strip() for c in _CLAUSE.findall(text) if speech_units(c, language) >= least]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if s.strip(" .!?。！？；;")]


def _norm(sentence: str) -> str:
    return re.sub(r"[\W_]+", " ", sentence.lower()).strip()


def near_same(a: str, b: str) -> bool:
    """Two normalised sentences that say the same: nearly the same letters, or one inside the other with at most
    a short lead-in ('听过洗头会掉发吗' in '你是不是也听过洗头会掉发吗')."""
    short, long = sorted((a, b), key=len)
    if len(short) >= 6 and short in long and len(short) >= 0.6 * len(long):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= NEAR_SAME


def repetition(scenes: list[Scene], language: Language) -> list[Finding]:
    """A sentence (or a long clause) said twice, or with a word swapped, pads the script and sounds broken."""
    seen: list[tuple[int, str]] = []
    clauses: dict[str, int] = {}
    found: list[Finding] = []
    for number, scene in enumerate(scenes, start=1):
        repeated = None
        for sentence in sentences(scene.voiceover):
            norm = _norm(sentence)
            if len(norm) < 6:
                continue
            for earlier, text in seen:
                if near_same(text, norm):
                    repeated = (earlier, sentence)
                    break
            seen.append((number, norm))
        for clause in _clauses(scene.voiceover, language):
            key = _norm(clause)
            if repeated is None and clauses.get(key, number) != number:
                repeated = (clauses[key], clause)
            clauses.setdefault(key, number)
        if repeated is not None:
            found.append(Finding(check="repetition", scene=number,
                                 reason=f"scene {number} repeats scene {repeated[0]}: “{repeated[1][:60]}”"))
    return found


def stage_directions(scenes: list[Scene]) -> list[Finding]:
    """Camera and stage directions belong in `visual`: in the narration the voice reads them out."""
    found = []
    for number, scene in enumerate(scenes, start=1):
        if match := _DIRECTION.search(scene.voiceover):
            found.append(Finding(check="stage_directions", scene=number,
                                 reason=f"scene {number}'s narration has a stage direction (“{match.group(0)[:40]}”):"
                                        " move it to the visual"))  # fmt: skip
    return found


def too_fast(scenes: list[Scene], language: Language) -> list[Finding]:
    """More words than the voice can say in the scene's time: it is cut, rushed or overruns the cut."""
    found = []
    unit = "words" if language == Language.EN else "characters"
    for number, scene in enumerate(scenes, start=1):
        rate = speech_units(scene.voiceover, language) / max(scene.duration, 0.5)
        if rate > SPEECH_RATE[language] * PACE_SLACK:
            found.append(Finding(check="too_fast", scene=number,
                                 reason=f"scene {number} needs {rate:.1f} {unit}/s; the voice says "
                                        f"{SPEECH_RATE[language]:g}"))  # fmt: skip
    return found


def weak_hook(scenes: list[Scene], language: Language) -> list[Finding]:
    """The first line decides whether people stay: it must say something, and within 2.5 s."""
    if not scenes:
        return []
    opening = (sentences(scenes[0].voiceover) or [scenes[0].voiceover])[0]
    if _FILLER.search(opening):
        return [Finding(check="weak_hook", scene=1,
                        reason=f"the hook is a greeting, not a reason to stay: “{opening[:50]}”")]
    seconds = speech_units(opening, language) / SPEECH_RATE[language]
    if seconds > HOOK_SECONDS:
        return [Finding(check="weak_hook", scene=1,
                        reason=f"the hook's first sentence takes {seconds:.1f} s to say; "
                               f"keep it under {HOOK_SECONDS:g} s")]  # fmt: skip
    return []


def onscreen_wall(scenes: list[Scene], language: Language) -> list[Finding]:
    """On-screen text is read in a glance: a few words, not a sentence or a keyword list."""
    found = []
    for number, scene in enumerate(scenes, start=1):
        text = scene.on_screen_text.strip()
        size = onscreen_units(text, language)
        listy = len(re.findall(r"[,，、/|]", text)) >= 3  # four items or more: "a, b, c" is still a glance
        if size > ONSCREEN_MAX[language] or listy:
            unit = "words" if language == Language.EN else "characters"
            what = "a list" if listy else f"{size} {unit}"
            found.append(Finding(check="onscreen_wall", scene=number,
                                 reason=f"scene {number}'s on-screen text is {what}; keep it to "
                                        f"{ONSCREEN_MAX[language]} {unit} or fewer"))  # fmt: skip
    return found


_ORDINALS: dict[Language, list[str]] = {
    Language.EN: ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
    Language.ZH: ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"],
}
_STEP = {
    Language.EN: re.compile(r"\b(?:step|tip|number|no\.?)\s*(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b",
                            re.I),  # fmt: skip
    Language.ZH: re.compile(r"第\s*([一二三四五六七八九十]|\d+)\s*[步个条招点]?"),
}


def _step_numbers(scenes: list[Scene], language: Language) -> list[Finding]:
    """Numbered steps or tips that go backwards ('step three' before 'step two')."""
    last: tuple[int, int] | None = None  # (number, scene)
    for number, scene in enumerate(scenes, start=1):
        for match in _STEP[language].finditer(scene.voiceover):
            word = match.group(1).lower()
            value = int(word) if word.isdigit() else _ORDINALS[language].index(word) + 1
            if last is not None and value < last[0]:
                return [Finding(check="contradiction", scene=number,
                                reason=f"scene {number} says number {value} after number {last[0]} (scene {last[1]})")]
            last = (value, number)
    return []


_EN_CLOCK = re.compile(r"\b(?:(\d{1,2}):(\d{2})\s*(a\.?m\.?|p\.?m\.?)?|(\d{1,2})\s*(a\.?m\.?|p\.?m\.?)|"
                       r"(?:at|by|until|till|from)\s+(\d{1,2})(?![\d:])(?!\s*(?:%|[a-z])))", re.I)  # fmt: skip
_ZH_NUMBER = "零一二两三四五六七八九十"
_ZH_CLOCK = re.compile(rf"(早上|上午|中午|下午|傍晚|晚上|凌晨)?([{_ZH_NUMBER}\d]{{1,3}})点"
                       rf"(半|([{_ZH_NUMBER}\d]{{1,3}})分?)?")  # fmt: skip
_PM_ZH = {"下午", "傍晚", "晚上"}
_MEAL_WINDOW = {"breakfast": (4 * 60, 11 * 60 + 30), "lunch": (10 * 60 + 30, 15 * 60),
                "dinner": (16 * 60, 23 * 60 + 59)}  # fmt: skip
"""Minutes after midnight a meal can plausibly be at; "dinner" at 6:30 in a 6 a.m. routine cannot."""


def _zh_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
    return digits.get(text, 0)


def _clock_minutes(sentence: str, language: Language) -> list[int]:
    """Clock times said in a sentence, as minutes after midnight (morning unless marked p.m./下午/晚上)."""
    times = []
    if language == Language.ZH:
        for part, hour, half, minute in ((m.group(1), m.group(2), m.group(3), m.group(4))
                                         for m in _ZH_CLOCK.finditer(sentence)):  # fmt: skip
            h = _zh_int(hour) % 24
            h += 12 if part in _PM_ZH and h < 12 else 0
            times.append(h * 60 + (30 if half == "半" else _zh_int(minute) if minute else 0))
        return times
    for m in _EN_CLOCK.finditer(sentence):
        hour = int(m.group(1) or m.group(4) or m.group(6))
        minute = int(m.group(2) or 0)
        suffix = (m.group(3) or m.group(5) or "").lower()
        if hour > 23 or minute > 59:
            continue
        if suffix:
            hour = hour % 12 + (12 if suffix.startswith("p") else 0)
        times.append(hour * 60 + minute)
    return times


def _clock_order(scenes: list[Scene], language: Language) -> list[Finding]:
    """Clock times that run backwards within a routine, or a meal at a clock time it cannot have."""
    stages = _TIME_STAGES[language]
    last: tuple[int, int] | None = None  # (minutes, scene)
    for number, scene in enumerate(scenes, start=1):
        if _NEW_DAY.search(scene.on_screen_text):  # 'Day 4: Ueno', '第二天早晨8点' over the scene
            last = None
        for sentence in sentences(scene.voiceover):
            if _NEW_DAY.search(sentence):
                last = None
            elif _REWIND.search(sentence):
                continue
            for minutes in _clock_minutes(sentence, language):
                if last is not None and minutes < last[0] and last[0] - minutes < 12 * 60:
                    return [Finding(check="contradiction", scene=number,
                                    reason=f"scene {number} goes back to {minutes // 60}:{minutes % 60:02d} after "
                                           f"{last[0] // 60}:{last[0] % 60:02d} (scene {last[1]})")]  # fmt: skip
                last = (minutes, number)
                for name, pattern in stages:
                    low_high = _MEAL_WINDOW.get(name)
                    if low_high and re.search(pattern, sentence, re.I) and not low_high[0] <= minutes <= low_high[1]:
                        return [Finding(check="contradiction", scene=number,
                                        reason=f"scene {number} has {name} at {minutes // 60}:{minutes % 60:02d}")]
    return []


_EN_POLARITY = re.compile(r"\b(more|less|fewer|higher|lower)\s+([a-z]{4,})\b", re.I)
_OPPOSITE = {"more": {"less", "fewer"}, "less": {"more"}, "fewer": {"more"}, "higher": {"lower"}, "lower": {"higher"}}


def _polarity_flip(scenes: list[Scene], language: Language) -> list[Finding]:
    """One scene says 'less acidic' and a later one 'more acidic': the script argues against itself."""
    if language != Language.EN:
        return []
    said: dict[str, tuple[str, int]] = {}  # word → (quantifier, scene)
    for number, scene in enumerate(scenes, start=1):
        for match in _EN_POLARITY.finditer(scene.voiceover):
            quantifier, word = match.group(1).lower(), match.group(2).lower()
            before = said.get(word)
            if before and before[1] != number and quantifier in _OPPOSITE[before[0]]:
                return [Finding(check="contradiction", scene=number,
                                reason=f"scene {number} says “{quantifier} {word}” after “{before[0]} {word}” "
                                       f"(scene {before[1]})")]  # fmt: skip
            said.setdefault(word, (quantifier, number))
    return []


def contradiction(scenes: list[Scene], language: Language) -> list[Finding]:
    """Times of day named out of order across the narration (dinner, then breakfast), clock times that
    run backwards or put a meal at the wrong hour, numbered steps that go backwards, or a claim turned
    around ('less acidic', later 'more acidic')."""
    if steps := _step_numbers(scenes, language) or _clock_order(scenes, language) or _polarity_flip(scenes, language):
        return steps
    stages = _TIME_STAGES[language]
    latest: tuple[int, str, int] | None = None  # (stage index, stage name, scene)
    for number, scene in enumerate(scenes, start=1):
        if _NEW_DAY.search(scene.on_screen_text):
            latest = None
        for sentence in sentences(scene.voiceover):
            if _NEW_DAY.search(sentence):
                latest = None
            elif _REWIND.search(sentence):
                continue
            hits = sorted((m.start(), index, name) for index, (name, pattern) in enumerate(stages)
                          for m in re.finditer(pattern, sentence, re.I))  # fmt: skip
            for _, index, name in hits:
                if latest is not None and index < latest[0]:
                    return [Finding(check="contradiction", scene=number,
                                    reason=f"scene {number} has {name} after {latest[1]} (scene {latest[2]})")]
                latest = (index, name, number)
    return []


_EN_FROM_TO = re.compile(r"\bfrom\s+(.{3,40}?)\s+(?:to|till|until)\s+(.{3,40}?)(?=[,.;:!?]|\s+(?:and|in|for|with)\s|$)",
                         re.I)  # fmt: skip
_ZH_FROM_TO = re.compile(r"从(.{2,10}?)(?:一直)?到(.{2,10}?)(?=[，,。；;：:！!？?\s]|$)")
_ZH_DAYS = re.compile(r"(第[一二三四五六七1-7]天)([^，,。；;]{0,12})")
_EN_LIST_ITEM = re.compile(r"^(?:then\s+|and\s+|finally\s+)*(.+?)$", re.I)
_EN_SEQUENCE_CUE = re.compile(r"\b(routine|how[- ]to|recipe|steps?|then|itinerary|process|tutorial|walkthrough|"
                              r"in order|day in the life)\b|->|→", re.I)  # fmt: skip
_ZH_SEQUENCE_CUE = re.compile(r"流程|步骤|教程|做法|攻略|的一天|然后|→|先|再|最后")
"""A list is a sequence only in a brief about doing things in order: 'Gal Gadot, Ben Affleck, Henry Cavill' in
a trending title is a cast, not steps."""


def brief_steps(brief: str, language: Language) -> list[str]:
    """The steps a brief names in order, or []: 'from feeding the starter to the first slice', 'bath, pajamas,
    books, lights out', '从融蜡到脱模', '第一天宽窄巷子，第二天大熊猫基地'. A script that takes them in
    another order contradicts the brief."""
    return list(_brief_steps(brief, language))  # a copy: the cached tuple stays as it was


@functools.lru_cache(maxsize=256)
def _brief_steps(brief: str, language: Language) -> tuple[str, ...]:
    """Cached: every rewrite pass asks again for the same brief."""
    text = topic_text(brief, language)
    if language == Language.ZH:
        days = [(day + what).strip() for day, what in _ZH_DAYS.findall(text)]
        if len(days) >= 2:
            return tuple(days)
        for chunk in re.split(r"[，,。；;：:]", text) if _ZH_SEQUENCE_CUE.search(brief) else []:
            parts = [p.strip() for p in re.split(r"[、→＋+]|然后", chunk) if p.strip()]
            if len(set(parts)) == len(parts) >= 3 and all(2 <= len(p) <= 8 for p in parts):
                return tuple(parts)
        if match := _ZH_FROM_TO.search(text):
            return match.group(1), match.group(2)
        return ()
    for chunk in re.split(r"[:;.]\s+|\s+[-–—]\s+", text):
        parts = [m.group(1).strip(" .") for p in re.split(r",|\s+(?:->|→)\s+|\s+then\s+", chunk)
                 if p.strip() and (m := _EN_LIST_ITEM.match(p.strip()))]  # fmt: skip
        days = all(re.match(r"day\s+\w+\b", p, re.I) for p in parts)
        if (days or _EN_SEQUENCE_CUE.search(brief)) and len({p.lower() for p in parts}) == len(parts) >= 3 and \
                all(1 <= len(p.split()) <= 4 for p in parts):
            return tuple(parts)
    if match := _EN_FROM_TO.search(text):
        return match.group(1), match.group(2)
    return ()


def _step_markers(step: str, language: Language) -> list[str]:
    """What naming a step looks like: its content words ('starter', 'feed'; '宽窄巷子', '第一天')."""
    if language == Language.ZH:
        day = re.match(r"第[一二三四五六七1-7]天", step)
        words = [w for w in zh_words(step[day.end():] if day else step) if len(w) >= 2 and w not in _ZH_WEAK]
        return ([day.group(0)] if day else []) + (words or ([step] if not day else []))
    words = [w.lower() for w in re.findall(r"[A-Za-z][\w'-]*|\d+", step)]
    content = [w for w in words if w not in _EN_STOP and (len(w) >= 3 or w.isdigit())]
    return content or words


def names_step(text: str, step: str, language: Language) -> bool:
    markers = _step_markers(step, language)
    if language == Language.ZH:
        return any(m in text for m in markers)
    said = set(re.findall(r"[a-z][\w'-]*|\d+", text.lower()))
    day = re.match(r"day\s+(\d+|one|two|three|four|five|six|seven)$", " ".join(markers[:2]))
    if day:  # 'day 2 Asakusa': the day said, or the place
        return f"day {day.group(1)}" in text.lower() or any(_word_forms(m) & said for m in markers[2:])
    return any(_word_forms(m) & said for m in markers if m not in _EN_WEAK)


def _word_forms(word: str) -> set[str]:
    """A word and its inflections ('feeding': feed, feeds, fed is not), not its prefix: 'start' is not 'starter'."""
    forms = {word, word + "s", word + "es", word + "ed", word + "ing"}
    if word.endswith("ing") and len(word) > 5:
        root = word[:-3]
        forms |= {root, root + "s", root + "ed", root + "e", root + "es"}
    if word.endswith("s") and len(word) > 3:
        forms.add(word[:-1])
    if word.endswith("e"):
        forms |= {word[:-1] + "ing", word + "d"}
    return forms


def step_order(texts: list[str], brief: str, language: Language) -> list[tuple[int, str, int, str]]:
    """Places where the texts take the brief's steps out of its order: (index, step said, earlier index, step
    the brief puts first)."""
    steps = brief_steps(brief, language)
    firsts = [(next((i for i, t in enumerate(texts) if names_step(t, step, language)), -1), step) for step in steps]
    seen = [(i, step) for i, step in firsts if i >= 0]
    out = []
    for k, (i, step) in enumerate(seen):
        later = [(j, other) for j, other in seen[k + 1 :] if j < i]
        if later:
            out.append((later[0][0], later[0][1], i, step))
    return out


def in_brief_order(texts: list[str], brief: str, language: Language) -> list[str]:
    """The texts that name the brief's steps put in the brief's order, in the places those texts held; the
    others stay where they are. The outline's beats go through it, so the scenes are written in order: the
    small model put 'inflate' before 'measure', and a rewrite of one scene cannot move it."""
    steps = brief_steps(brief, language)
    if len(steps) < 2 or not texts:
        return texts
    texts = list(texts)
    glue = "：" if language == Language.ZH else ": "
    if not any(names_step(t, steps[0], language) for t in texts):  # '从凌晨进货到收摊' with no beat on 进货
        texts[0] = f"{texts[0].rstrip('.。')}{glue}{steps[0]}"
    if len(texts) > 1 and not any(names_step(t, steps[-1], language) for t in texts):
        texts[-1] = f"{texts[-1].rstrip('.。')}{glue}{steps[-1]}"
    ranked = [(i, next((k for k, step in enumerate(steps) if names_step(t, step, language)), -1))
              for i, t in enumerate(texts)]  # fmt: skip
    places = [i for i, k in ranked if k >= 0]
    order = sorted(places, key=lambda i: dict(ranked)[i])  # stable: texts naming the same step keep their order
    out = list(texts)
    for place, source in zip(places, order, strict=True):
        out[place] = texts[source]
    return out


def step_gaps(voiceovers: list[str], beats: list[str], brief: str, language: Language) -> list[tuple[int, str, str]]:
    """Scenes whose beat is one of the brief's steps but whose lines never say it: (index, the step, its word to
    say). Beat 1 was 'Feeding the starter' and scene 1 gathered flour instead, so the starter first came up
    after the mixing."""
    steps = brief_steps(brief, language)
    gaps = []
    introduced: set[str] = set()
    for index, (said, beat) in enumerate(zip(voiceovers, beats, strict=True)):
        for step in steps:
            if not names_step(beat, step, language) or step in introduced:
                continue  # only the beat that brings a step in: '融蜡：加入香料' after '融蜡' is a section label
            introduced.add(step)
            if not names_step(said, step, language):
                markers = [m for m in _step_markers(step, language) if not re.fullmatch(r"day|\d+", m)]
                word = next((m for m in reversed(markers) if m.lower() in beat.lower()), markers[-1] if markers else "")
                if word:
                    gaps.append((index, step, word))
                break
    return gaps


def brief_order(scenes: list[Scene], brief: str, language: Language) -> list[Finding]:
    """A step the brief names later said before one it names first ('inflate' before 'measure'; '脱模' before
    '融蜡')."""
    for index, step, earlier, first in step_order([s.voiceover for s in scenes], brief, language)[:1]:
        return [Finding(check="contradiction", scene=index + 1,
                        reason=f"scene {index + 1} comes to “{step}” before “{first}” (scene {earlier + 1}); "
                               f"the brief has them the other way round")]  # fmt: skip
    return []


def check_scenes(scenes: list[Scene], language: Language) -> list[Finding]:
    """Every rule check, in a fixed order."""
    return [*repetition(scenes, language), *stage_directions(scenes), *too_fast(scenes, language),
            *weak_hook(scenes, language), *onscreen_wall(scenes, language), *contradiction(scenes, language)]


# -- fidelity ----------------------------------------------------------------------------------------------

_EN_FRAMING = re.compile(
    r"\b\d+(\.\d+)?\s*-?\s*(s|sec|secs|second|seconds|min|minutes?)\b|\b(tiktok|reels?|shorts?|youtube|instagram|"
    r"douyin|bilibili|vertical|horizontal|video|clip|vlog|make it|turn it into|myth vs fact|myths? vs\.? facts?|"
    r"story with a twist|with a twist|day in the life of|pov|top \d+|before\s*(/|and|&)\s*after|how[- ]to|explain(ed)?|"
    r"promo|upbeat|calm|tone|honest|sarcastic|funny|glam|not glam|a bit|lyric video|official|music video|"
    r"trailer|teaser|episode|ep|part|full|hd|4k|live|new|about|audio|lyrics?|ft|feat|mv)\b", re.I)
_EN_STOP_WORDS = """
a an the and or but of to in on for with at by from is are was were be been being it its this that these
those i you he she we they my your our their me him her us them so then just very really also too not no yes
do does did have has had will would can could should about into over after before up down out off as if than
more most some any all each every what which who how why when where there here one two three four five six
seven eight nine ten first second third next last get got need needs want actually only still ever even much
many tips tip reasons reason ways things thing steps step help helps make makes made thats it's that's you're
don't your
"""
_EN_STOP = set(_EN_STOP_WORDS.split())
_ZH_FRAMING = re.compile(
    r"\d+\s*秒|做一个|做一条|做个|拍个|拍一个|帮我们?|给我|做成|讲个|讲一个|跟拍|竖屏|横屏|短视频|视频号|视频|抖音|快手|小红书|"
    r"[bB]站|哔哩哔哩|主题[:：]?|语气[^，,。]{0,6}|口吻|轻快|温柔一点|真实一点|别说教|讲清楚|给小学生讲|"
    r"讲个故事|讲一个|结尾要反转|带反转|形式|格式|宣传|攻略|教程|做法|方法|小方法|具体|冷知识|辟谣|误区|真相|对比|vs|POV|pov")
_ZH_STOP_BIGRAMS = {"怎么", "如何", "什么", "一个", "我们", "你的", "我的", "他们", "这个", "那个", "可以", "能不",
                    "不能", "会不", "不会", "为什", "么办", "怎么办", "真的", "一下", "的一", "一天", "给我", "天天"}
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")
KEY_TERMS_SHOWN = 3
_COUNT_ONLY = re.compile(r"[\d一二两三四五六七八九十]*[个条招种款件点步]?")
"""'3个', '五条': a count, not a topic."""


def _stem(word: str) -> str:
    return word.lower()[:5]


def key_terms(brief: str, language: Language) -> list[str]:
    """The words that say what the brief is about, most telling first, with the framing ('30 s TikTok:',
    'make it a myth vs fact', '做一个30秒的竖屏短视频，主题：') and tone words taken out: the hook must name
    them. In brief order, the hook was asked for 'turning, cluttered, ikea' and never for the desk."""
    return list(_ranked_terms(brief, language))  # a copy: the cached tuple stays as it was


@functools.lru_cache(maxsize=256)
def _ranked_terms(brief: str, language: Language) -> tuple[str, ...]:
    """key_terms, cached: the critic asks for them on every check of every rewrite."""
    if language == Language.ZH:
        return tuple(_zh_key_terms(brief))
    alpha = re.findall(r"[^\W\d_][\w'’-]*", _EN_FRAMING.sub(" ", brief))
    title_case = len(alpha) >= 4 and sum(w[:1].isupper() for w in alpha) > 0.6 * len(alpha)
    capitalised = {} if title_case else _capitalised_runs(brief)  # "Walk On Water (Audio)": capitals say nothing
    words = [(m.group(0), m.start()) for m in re.finditer(r"[^\W\d_][\w'’-]*|\$\d[\d,.]*k?|\d{3,}",
                                                       _EN_FRAMING.sub(lambda x: " " * len(x.group(0)), brief))]
    found: list[tuple[int, int, str]] = []  # (weight, position, term)
    names = 0
    for word, at in words:
        clean = word.strip("'’-").rstrip(",.").lower()
        if clean in _EN_STOP or (len(clean) < 3 and not clean[:1].isdigit() and not clean.startswith("$")):
            continue
        if any(_stem(clean) == _stem(f) for _, _, f in found):
            continue
        run = capitalised.get(at)
        if run == "head":
            names += 1
            weight = 3 if names <= 2 else 2  # "Tokyo… Shibuya, Asakusa, Akihabara": the budget still counts
        elif run == "modifier" or clean in _EN_WEAK or re.fullmatch(r"(19|20)\d\d|\w{3,}(ed|ly)", clean) or (
                clean.endswith("ing") and re.match(r"\s+(a|an|the|my|your|our|his|her|their|up|out|off)\b",
                                                   brief[at + len(word):], re.I)):  # fmt: skip
            weight = 1  # the verbs around the topic ('turning a desk', 'saved', 'finally'), not 'morning'
        else:
            weight = 3 if clean[:1] in "$0123456789" or "-" in clean else 2
        found.append((weight, at, clean))
    return tuple(term for _, _, term in sorted(found, key=lambda f: (-f[0], f[1]))[:5])


def _capitalised_runs(brief: str) -> dict[int, str]:
    """Names written with capitals ('Cleopatra', 'the Great Pyramid'): the last word of a run is its head,
    the words before it modify it. The first word of a sentence counts only when a run goes on from it."""
    runs: dict[int, str] = {}
    for match in re.finditer(r"\b[A-Z][\w'’]*(?:\s+[A-Z][\w'’]*)*", brief):
        starts = [m.start() + match.start() for m in re.finditer(r"\S+", match.group(0))]
        sentence_start = not brief[: match.start()].strip() or re.search(r"[.!?:]\s*$", brief[: match.start()])
        if len(starts) == 1 and sentence_start or match.group(0).isupper() and len(match.group(0)) <= 2:
            continue
        for at in starts[:-1]:
            runs[at] = "modifier"
        runs[starts[-1]] = "head"
    return runs


_EN_WEAK = {"day", "days", "time", "times", "single", "tired", "clean", "closer", "hits", "works", "lived",
            "open", "under", "hours", "finally", "friend", "people", "way", "life", "world", "year", "years",
            "week", "minutes", "guide", "ideas", "hack", "hacks", "great", "good", "best", "easy", "simple",
            "quick", "little", "big", "new", "old", "real", "whole", "own", "every", "start", "check"}  # fmt: skip
"""Words a brief uses around its topic rather than for it: they rank after the nouns that name it."""
_ZH_CONTENT_FLAGS = ("n", "v", "j", "i", "l", "a", "eng")
_ZH_WEAK = {"怎么办", "怎么", "开始", "出来", "拿到", "故事", "知道", "觉得", "一名", "每天", "天天", "其实", "可以",
            "真的", "东西", "时候", "问题", "事情", "分钟", "出门", "回家", "学会", "也能"}  # fmt: skip


_ZH_SHORT_VIDEO_WORDS = {
    "n": "穿搭 手残党 通勤妆 妆容 底妆 平替 干货 氛围感 好物 神器 爆款 网红 打工人 上班族 学生党 宝妈 懒人 小白 早八 "
         "减脂餐 出租屋 梨形身材 微胖 小个子 素颜 伪素颜 vlog 开箱 测评 合集 盲盒 剧透 彩蛋 名场面 二创 副本 排位 连跪",
    "v": "种草 拔草 打卡 避雷 踩雷 安利 显瘦 显高 躺平 内卷 破防 上头 翻车 逆袭 整活 摆烂",
}
"""Words of today's short-video talk that jieba's 2012 dictionary cuts apart ('穿'+'搭', '手'+'残党'): a key
term cut in half makes the critic ask for half a word."""


@functools.cache
def _jieba() -> Any:
    """jieba, quiet, with the short-video words added once (the same cut in every process)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    for tag, words in _ZH_SHORT_VIDEO_WORDS.items():
        for word in words.split():
            jieba.add_word(word, freq=20000, tag=tag)
    return jieba


def zh_words(text: str) -> list[str]:
    """Chinese text cut into words (jieba), so a cut never falls inside one ('宠物')."""
    return list(_jieba().cut(text))


def zh_tagged(text: str) -> list[tuple[str, str]]:
    """Chinese text cut into words with their parts of speech (jieba's tags: 'n' noun, 'p' preposition…)."""
    import jieba.posseg

    _jieba()
    return [(token.word, token.flag) for token in jieba.posseg.cut(text)]


def _zh_topic(brief: str) -> str:
    """A Chinese brief without its framing ('做一个30秒的竖屏短视频，主题：'), its spaced-out characters joined
    ('非 自 然 死 亡')."""
    return _ZH_FRAMING.sub("，", re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", brief))


def topic_text(brief: str, language: Language) -> str:
    """The brief without its framing (platform, length, tone, format words): what the video is about."""
    if language == Language.ZH:
        return _zh_topic(brief)
    return re.sub(r"\s+([,;:])", r"\1", re.sub(r"\s{2,}", " ", _EN_FRAMING.sub(" ", brief))).strip(" ,;:")


def framing_only(text: str, seconds: float) -> bool:
    """A piece of text that is only the video's framing ('35秒' in a 35 s video, '30 seconds', 'TikTok'): nothing
    in it is what the video is about, nor in '视频的35秒长'. Other lengths stay ('小火慢炖，40分钟' is a step)."""
    if not re.search(r"\w", text):
        return False
    length = re.compile(rf"\b(?:in|under|within)?\s*(?:{seconds:g}|N)\s*-?\s*(?:s|sec|secs|seconds?)\b|"
                        rf"(?:{seconds:g}|N)\s*秒(?:内|以内)?", re.I)  # fmt: skip
    left = re.sub(r"[\W_]+", "", _PLATFORM.sub("", length.sub("", text)))
    said_length = length.search(text) is not None
    return not left or (said_length and len(left) <= 3 and all("\u4e00" <= c <= "\u9fff" for c in left))


_PLATFORM = re.compile(r"\b(?:tiktok|reels?|shorts|youtube|instagram|douyin|bilibili|vertical video|short video|"
                       r"video|clip)\b|抖音|快手|小红书|[bB]站|哔哩哔哩|视频号|竖屏|短视频|视频", re.I)  # fmt: skip


def _zh_phrases(brief: str) -> list[str]:
    """The brief's phrases between punctuation, framing taken out."""
    text = _zh_topic(brief)
    chunks = [c for c in re.split(r"[^\u4e00-\u9fffA-Za-z0-9]+", text) if len(c) >= 2 and not _COUNT_ONLY.fullmatch(c)]
    return list(dict.fromkeys(chunks))[:4]


_ZH_TITLED = re.compile(r"[《「『]([^《》「」『』，,。：:！!？?]{2,10})[》」』]")
_ZH_TAGGED = re.compile(r"【([^【】，,。：:！!？?]{2,8})】")


def _zh_bracketed_whole(text: str, tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """jieba's words, with what the brief puts in 《》「」『』【】 made one word: '《孤勇者》' is '孤勇者', not
    '勇者'. (Adding the spans to jieba's dictionary would change every later cut in the process.)"""
    spans = {m.start(1): m.end(1) for pattern in (_ZH_TITLED, _ZH_TAGGED) for m in pattern.finditer(text)}
    merged: list[tuple[str, str]] = []
    at, end = 0, -1
    for word, flag in tokens:
        if at < end:
            merged[-1] = (merged[-1][0] + word, "nz")
        else:
            merged.append((word, flag))
            end = spans.get(at, -1)
        at += len(word)
    return merged


_ZH_UNITS = re.compile(r"分钟|小时|天|周|个月|年|元|块钱?|斤|公斤|kg|岁|次|步|秒")


def _zh_amounts(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A number and its unit made one word: '5分钟' is the promise of '5分钟通勤妆', where jieba gives '5', '分钟'."""
    merged: list[tuple[str, str]] = []
    for word, flag in tokens:
        if merged and re.fullmatch(r"\d+", merged[-1][0]) and _ZH_UNITS.fullmatch(word):
            merged[-1] = (merged[-1][0] + word, "m")
        else:
            merged.append((word, flag))
    return merged


def _zh_key_terms(brief: str) -> list[str]:
    """Chinese has no spaces: jieba cuts the brief into words ('玩家凌晨三点排位连跪的故事' → 排位, 连跪…), and the
    content words rank by how rare they are in its corpus (a word it has never seen, such as a game's slang,
    ranks first), numbers with digits ('月薪5000') alike."""
    import jieba.analyse

    text = _zh_topic(brief)
    titled = set(_ZH_TITLED.findall(text))
    tfidf = jieba.analyse.default_tfidf
    rarest = max(tfidf.idf_freq.values(), default=12.0)
    first_clause = len(re.split(r"[，,。：:；;！!？?+]", text.strip("，"))[0]) + len(text) - len(text.lstrip("，"))
    seen: dict[str, float] = {}
    nouns: list[str] = []
    at = 0
    for token, flag in _zh_bracketed_whole(text, _zh_amounts(zh_tagged(text))):
        word, start = token.strip(), at
        at += len(token)
        number = re.fullmatch(r"\d{2,}|\d+\D+", word) is not None
        if flag.startswith("n") and len(word) == 1:
            nouns.append(word)  # '猫': a one-word brief still has its topic
        if word in seen or word in _ZH_WEAK or (len(word) < 2 and not number):
            continue
        if not number and _COUNT_ONLY.fullmatch(word):
            continue
        if number or flag.startswith(_ZH_CONTENT_FLAGS) or (flag == "m" and re.search(r"[天年月周夜]$", word)):
            rarity = rarest + 1 if number else tfidf.idf_freq.get(word, rarest)
        elif flag == "t":  # a time of day is a topic in '早晨日常', a detail in '凌晨4点开始熬汤'
            rarity = tfidf.idf_freq.get(word, rarest) - 3
        else:
            continue
        seen[word] = rarity + (4 if start < first_clause else 0)  # the topic comes first: '成都两天一夜攻略：…'
        seen[word] += 3 if word in titled else 0  # a work's title in 《》 is what the brief is about
    return sorted(seen, key=lambda w: -seen[w])[:4] or nouns[:1]


def brief_hashtags(brief: str, language: Language, extra: str = "") -> list[str]:
    """3–4 hashtags from the brief's own key terms; a name written in capitals over two words stays one tag
    (“Keith Urban” → #keithurban). `extra` (the format's own hashtag) fills up a short list. The model wrote them
    before (~20 tokens, ~3 s of the outline) and mostly copied the brief's words without their '#'."""
    terms = key_terms(brief, language)
    extra_words: list[str] = []
    if language == Language.ZH:  # the brief's own phrases ('#魔兽争霸3'), not jieba's pieces of them ('#制版')
        tags = [t for t in _zh_phrases(brief) if len(t) <= 10]
    else:
        names = dict.fromkeys(m.group(0).lower() for m in re.finditer(r"\b[A-Z][\w'’]+(?:\s+[A-Z][\w'’]+)+", brief))
        tags, used = [], set[str]()
        for name in names:
            parts = name.split()[:2]  # “Taylor Swift Eras Tour” → #taylorswift
            whole = name.split()
            if all(part in terms for part in parts):
                tags.append("".join(parts))
                used.update(parts)
            elif len(whole) <= 3 and any(part in terms for part in whole):  # “Take Her Place”, not #take #place
                tags.append("".join(whole))
                used.update(whole)
        rest = [t for t in terms if t not in used]
        tags += [t for t in rest if t not in _PLAIN_VERBS]
        extra_words = [t for t in rest if t in _PLAIN_VERBS]
    tags = [re.sub(r"[^\w]", "", t) for t in tags]
    for filler in ([extra] if extra else []) + extra_words:
        if len(tags) < HASHTAG_COUNT[0]:
            tags.append(re.sub(r"[^\w]", "", filler.lower()))  # '#howto' and 'keep' alike
    return ["#" + t for t in dict.fromkeys(t for t in tags if t)][: HASHTAG_COUNT[1]]


HASHTAG_COUNT = (3, 4)
"""A few focused hashtags reach further than a wall of them."""
_PLAIN_VERBS = {"keep", "make", "get", "stay", "alive", "use", "try", "know", "need", "want", "stop", "start",
                "avoid", "become", "really", "things"}


def _bigrams(text: str) -> set[str]:
    grams = set()
    for run in _CJK_RUN.findall(text):
        if run.isascii():
            grams.add(run.lower())
        else:
            grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams - _ZH_STOP_BIGRAMS


def named_terms(text: str, terms: list[str], language: Language) -> list[str]:
    """The key terms (or, in Chinese, pieces of them) that `text` names."""
    if language == Language.ZH:
        grams = _bigrams(text)
        return [t for t in terms if _bigrams(t) & grams or (len(t) == 1 and t in text)]  # '猫' has no bigram
    stems = {_stem(w) for w in re.findall(r"[A-Za-z0-9$][\w$'’-]*", text)}
    return [t for t in terms if _stem(t.lstrip("$")) in stems or _stem(t) in stems]


def terms_needed(terms: list[str]) -> int:
    """How many key terms the opening must name: two (or all, when fewer), the topic and its angle."""
    return min(2, len(terms))


def opening_fidelity(hook: str, first_scene: str, brief: str, language: Language) -> list[Finding]:
    """The brief's key terms appear in the hook or the first scene: a viewer knows at once what it is about."""
    terms = key_terms(brief, language)
    named = named_terms(f"{hook} {first_scene}", terms, language)
    if len(named) >= terms_needed(terms):
        return []
    missing = [t for t in terms if t not in named][:KEY_TERMS_SHOWN]
    names = ", ".join(repr(t) for t in missing)
    return [Finding(check="fidelity", scene=1, reason=f"the opening never names {names} from the brief")]


TERMS_COVERED = 3
"""The brief's top key terms the script must name somewhere: its topic and its angle ('emergency fund' and
'investing'); the opening must name two of them."""


def missing_terms(text: str, brief: str, language: Language) -> list[str]:
    """The brief's top key terms that `text` never names."""
    terms = key_terms(brief, language)[:TERMS_COVERED]
    named = named_terms(text, terms, language)
    return [t for t in terms if t not in named]


def coverage(hook: str, scenes: list[Scene], brief: str, language: Language) -> list[Finding]:
    """Every one of the brief's top key terms is named somewhere in the script: a 'before you start investing'
    brief whose script never says 'invest' answered another brief. Scene 1 is the one to fix (it opens)."""
    text = " ".join([hook, *(f"{s.voiceover} {s.on_screen_text}" for s in scenes)])
    missing = missing_terms(text, brief, language)
    if not missing:
        return []
    names = ", ".join(repr(t) for t in missing)
    return [Finding(check="fidelity", scene=1, reason=f"the script never names {names} from the brief; name it")]


_TANGENT = re.compile(
    r"(^|[.!?。！？]\s*)(speaking of|by the way|on a side note|fun fact:|side note|random(ly)?,|anyway,|"
    r"unrelated|说到这(个|里)?|说到|对了|顺便(说|提)|题外话|扯远了|话说回来)", re.I)
"""How a small model wanders off: a transition into something else ('Speaking of bedrooms, repainting…')."""


def tangents(scenes: list[Scene]) -> list[Finding]:
    found = []
    for number, scene in enumerate(scenes, start=1):
        if match := _TANGENT.search(scene.voiceover):
            found.append(Finding(check="fidelity", scene=number,
                                 reason=f"scene {number} wanders off the brief (“{match.group(2)}…”)"))
    return found


def off_topic(scenes: list[Scene], brief: str, embedder: object | None, language: Language) -> list[Finding]:
    """Scenes whose narration is far from the brief in the embedder's space, below its calibrated floor
    (`topic_floor`); an embedder without one (the hashing stand-in) is not asked."""
    floor_of = getattr(embedder, "topic_floor", None)
    if embedder is None or floor_of is None or not scenes:
        return []
    floor = floor_of(language.value)
    query = embedder.query(brief)  # type: ignore[attr-defined]
    vectors = embedder.passages([s.voiceover for s in scenes])  # type: ignore[attr-defined]
    found = []
    for number, similarity in enumerate((vectors @ query).tolist(), start=1):
        if similarity < floor:
            found.append(Finding(check="fidelity", scene=number,
                                 reason=f"scene {number} is about something else than the brief "
                                        f"(similarity {similarity:.2f} < {floor:.2f})"))  # fmt: skip
    return found


ONSCREEN_WORDS = {Language.EN: (3, 7), Language.ZH: (2, 8)}
"""On-screen text: 3–7 words with a number or key noun; 2–8 Chinese characters (issue 16)."""


def onscreen_problems(scenes: list[Scene], language: Language) -> list[Finding]:
    """The format's rule for on-screen text: a glance (no wall, no list), and not a lone word."""
    found = onscreen_wall(scenes, language)
    low = ONSCREEN_WORDS[language][0]
    walls = {f.scene for f in found}
    for number, scene in enumerate(scenes, start=1):
        size = onscreen_units(scene.on_screen_text, language)
        if number not in walls and size < low:
            unit = "words" if language == Language.EN else "characters"
            found.append(Finding(check="onscreen_wall", scene=number,
                                 reason=f"scene {number}'s on-screen text is {size} {unit}; give it {low} to "
                                        f"{ONSCREEN_WORDS[language][1]}, with a number or key noun"))  # fmt: skip
    return found


def language_findings(plan_texts: list[tuple[int, str]], language: Language) -> list[Finding]:
    return [Finding(check="language", scene=number, reason=f"scene {number}: {problem}" if number else problem)
            for number, text in plan_texts if text.strip() and (problem := language_problem(text, language.value))]
