"""The script critic's rule checks (issue 16, first step): repeated sentences, stage directions in the
narration, speech pace per scene, a hook that takes too long or says nothing, on-screen text walls, and
time-of-day words out of order. Pure functions over a plan's texts, so the critic, the draft score and
the benches share one definition; the embedding-based fidelity check comes with the critic.

Each finding names its check, its 1-based scene (0: the whole plan) and one line a creator understands.
"""

from __future__ import annotations

import difflib
import re

from pydantic import BaseModel

from reelcraft.plan import Language, Scene
from reelcraft.tools.script import SPEECH_RATE, speech_units

CHECKS = ("repetition", "stage_directions", "too_fast", "weak_hook", "onscreen_wall", "contradiction")

HOOK_SECONDS = 2.5
"""The hook's first sentence must be said within this (issue 16)."""
PACE_SLACK = 1.15
"""A scene may run this much over the voices' measured rate before it reads as rushed."""
NEAR_SAME = 0.8
"""difflib ratio from which two sentences are the same line with a word swapped."""
ONSCREEN_MAX = {Language.EN: 7, Language.ZH: 8}
"""Words (en) or characters (zh) an on-screen text may carry to be read at a glance."""

_SENTENCE = re.compile(r"[^.!?。！？；;]+[.!?。！？；;]*")
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
_REWIND = re.compile(r"\b(tomorrow|next (day|morning)|the (night|day) before|earlier|yesterday|last night)\b|"
                     r"前一晚|前一天|明天|明早|第二天|昨", re.I)  # fmt: skip
"""A sentence framed as another day may name any time ('prep tomorrow's breakfast before bed')."""


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
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(" .!?。！？；;")]


def _norm(sentence: str) -> str:
    return re.sub(r"[\W_]+", " ", sentence.lower()).strip()


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
                if difflib.SequenceMatcher(None, text, norm).ratio() >= NEAR_SAME:
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
        size = speech_units(text, language)
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
        for sentence in sentences(scene.voiceover):
            if _REWIND.search(sentence):
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


def contradiction(scenes: list[Scene], language: Language) -> list[Finding]:
    """Times of day named out of order across the narration (dinner, then breakfast), clock times that
    run backwards or put a meal at the wrong hour, or numbered steps that go backwards."""
    if steps := _step_numbers(scenes, language) or _clock_order(scenes, language):
        return steps
    stages = _TIME_STAGES[language]
    latest: tuple[int, str, int] | None = None  # (stage index, stage name, scene)
    for number, scene in enumerate(scenes, start=1):
        for sentence in sentences(scene.voiceover):
            if _REWIND.search(sentence):
                continue
            hits = sorted((m.start(), index, name) for index, (name, pattern) in enumerate(stages)
                          for m in re.finditer(pattern, sentence, re.I))  # fmt: skip
            for _, index, name in hits:
                if latest is not None and index < latest[0]:
                    return [Finding(check="contradiction", scene=number,
                                    reason=f"scene {number} has {name} after {latest[1]} (scene {latest[2]})")]
                latest = (index, name, number)
    return []


def check_scenes(scenes: list[Scene], language: Language) -> list[Finding]:
    """Every rule check, in a fixed order."""
    return [*repetition(scenes, language), *stage_directions(scenes), *too_fast(scenes, language),
            *weak_hook(scenes, language), *onscreen_wall(scenes, language), *contradiction(scenes, language)]
