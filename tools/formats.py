"""Short-video formats (top-N list, how-to, story with a twist, myth vs fact, …) as prompt files.

Each format is `prompts/formats/<name>.<language>.md`: a TOML header (label, summary, the patterns that
pick it from a brief, whether the brief's number sets the scene count, its call to action and music mood)
and the guidance the outline
writer reads (hook patterns, beats, on-screen text rules). Adding a format is adding two files.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel

from reelcraft.errors import BriefError
from reelcraft.plan import Language

DEFAULT_FORMAT = "explainer"
"""What a brief that names no format gets: one question, answered plainly."""
DETECTION_ORDER = ("myth_fact", "before_after", "pov", "story_twist", "promo", "day_in_life", "list", "how_to",
                   "explainer")  # fmt: skip
"""Most specific first: "myth vs fact: 3 things…" is a myth-vs-fact, not a list."""

ALIASES: dict[str, tuple[str, ...]] = {
    "list": ("list", "top list", "top-n", "top n", "listicle", "top 5", "top 10", "ranking", "清单", "盘点", "排行"),
    "how_to": ("how-to", "how to", "howto", "tutorial", "steps", "guide", "recipe", "教程", "步骤", "攻略"),
    "story_twist": ("story", "story with a twist", "twist", "storytime", "故事", "反转", "反转故事"),
    "myth_fact": ("myth vs fact", "myth versus fact", "myth/fact", "myths", "myth", "debunk", "fact check",
                  "辟谣", "误区", "误区vs真相", "误区与真相", "真相"),
    "before_after": ("before/after", "before and after", "before & after", "before after", "transformation",
                     "前后对比", "对比", "改造"),
    "pov": ("pov", "point of view", "代入", "pov 代入"),
    "day_in_life": ("day in the life", "day-in-the-life", "day in life", "routine", "vlog", "一天", "日常", "一天日常"),
    "explainer": ("explainer", "explain", "facts", "fun facts", "科普", "知识科普", "冷知识"),
    "promo": ("promo", "ad", "advert", "commercial", "宣传", "推广", "探店"),
}
"""Names a creator types for each format ("make it a myth vs fact", "做成辟谣形式")."""


class ShortFormat(BaseModel):
    name: str
    label: dict[Language, str]
    summary: dict[Language, str]
    detect: dict[Language, list[str]]
    """Regular expressions (case-insensitive) that pick this format from a brief in that language."""
    counted: bool
    """A number in the brief ("5 tips", "三个方法") sets how many scenes carry items."""
    guidance: dict[Language, str]
    """The text the outline writer reads: hook patterns, beats, on-screen text rules."""
    call_to_action: dict[Language, str]
    """The closing line the format earns (a story asks for part 2, a list to be saved)."""
    hashtag: dict[Language, str]
    """The format's own hashtag (#howto, #辟谣): it fills up a post whose brief gives few key terms."""
    music: str
    """The music mood the format plays under when the brief names none."""
    onscreen: dict[Language, str]
    """The on-screen text rule (the guidance's "On-screen text:" line)."""

    def matches(self, brief: str, language: Language) -> bool:
        return any(re.search(p, brief, re.I) for p in self.detect[language])


def _read(name: str, language: Language) -> tuple[dict[str, object], str]:
    path = resources.files("reelcraft.prompts") / "formats" / f"{name}.{language.value}.md"
    text = path.read_text(encoding="utf-8")
    match = re.match(r"\+\+\+\n(.*?)\n\+\+\+\n(.*)", text, re.S)
    if match is None:
        raise ValueError(f"prompts/formats/{name}.{language.value}.md needs a +++ TOML header")
    return tomllib.loads(match.group(1)), match.group(2).strip()


_ONSCREEN_LINE = {Language.EN: "- On-screen text:", Language.ZH: "- 屏幕文字："}


def _onscreen_rule(name: str, language: Language, body: str) -> str:
    for line in body.splitlines():
        if line.startswith(_ONSCREEN_LINE[language]):
            return line[len(_ONSCREEN_LINE[language]) :].strip()
    raise ValueError(f"prompts/formats/{name}.{language.value}.md needs a '{_ONSCREEN_LINE[language]}' line")


@lru_cache(maxsize=1)
def formats() -> dict[str, ShortFormat]:
    """Every format, read once from the prompt files (both languages must exist for each)."""
    found: dict[str, ShortFormat] = {}
    for name in DETECTION_ORDER:
        heads, bodies = {}, {}
        for language in Language:
            heads[language], bodies[language] = _read(name, language)
        found[name] = ShortFormat(
            name=name, label={lang: str(h["label"]) for lang, h in heads.items()},
            summary={lang: str(h["summary"]) for lang, h in heads.items()},
            detect={lang: list(h["detect"]) for lang, h in heads.items()},  # type: ignore[call-overload]
            counted=bool(heads[Language.EN]["counted"]), guidance=bodies,
            call_to_action={lang: str(h["call_to_action"]) for lang, h in heads.items()},
            hashtag={lang: str(h["hashtag"]) for lang, h in heads.items()},
            music=str(heads[Language.EN]["music"]),
            onscreen={lang: _onscreen_rule(name, lang, body) for lang, body in bodies.items()},
        )  # fmt: skip
    return found


def format_list(language: Language) -> str:
    """'list (Top-N list: numbered tips…), howto (…), …' for error messages and the chat."""
    return "; ".join(f"{f.name} ({f.label[language]}: {f.summary[language]})" for f in formats().values())


def resolve_format(name: str) -> str | None:
    """The format a creator's word for it means ('myth vs fact' → myth_fact), or None."""
    key = " ".join(name.lower().replace("_", " ").split()).strip(" .:：,，“”\"'")
    for format_name, aliases in ALIASES.items():
        if key == format_name.replace("_", " ") or key in aliases:
            return format_name
    return None


_EXPLICIT = [
    re.compile(r"\b(?:make it|turn it into|do it as|as|in)\s+(?:a|an|the)?\s*(?P<name>[\w/&' -]{2,30}?)\s+"
               r"(?:format|style video|video format)\b", re.I),
    re.compile(r"(?:^|[,;\n]\s*)format\s*[:=]\s*(?P<name>[\w/&' -]{2,30}?)\s*(?:[,.;:]|$)", re.I),
    re.compile(r"(?:做成|改成|用|换成|按)\s*(?P<name>[^，,。：:；;\s]{1,12}?)\s*(?:的)?\s*(?:形式|格式|模式)"),
    re.compile(r"(?:格式|形式)\s*[:：]\s*(?P<name>[^，,。；;\s]{1,12})"),
]
"""Where a brief says which format it wants in so many words ('… format', 'format: …', '做成…形式')."""
_SOFT = re.compile(r"^\s*(?:make it|turn it into|do it as)\s+(?:a|an)?\s*(?P<name>[\w/&' -]{2,30}?)\s*[:,.]", re.I)
"""'make it a myth vs fact: …' names a format only when the words are one ('make it funny:' is a tone)."""
NOT_FORMATS = {"vertical", "horizontal", "portrait", "landscape", "square", "mp4", "hd", "4k", "short", "shorts",
               "reel",
               "reels", "tiktok", "video", "9:16", "16:9", "竖屏", "横屏", "方形", "短视频", "视频", "抖音", "小红书"}
"""Words said before 'format' that mean the frame or the platform, not the kind of video."""


def named_format(text: str) -> str | None:
    """The format a text names in so many words ('format: haiku' → 'haiku'), known or not, or None."""
    for pattern in _EXPLICIT:
        if (match := pattern.search(text)) and match.group("name").strip().lower() not in NOT_FORMATS:
            return match.group("name").strip()
    return None


def requested_format(brief: str) -> str | None:
    """The format a brief asks for by name, or None when it asks for none. A brief that says 'format'
    and names one that does not exist gets a BriefError listing the formats."""
    for pattern in _EXPLICIT:
        if match := pattern.search(brief):
            wanted = match.group("name")
            if wanted.strip().lower() in NOT_FORMATS:
                continue
            if found := resolve_format(wanted):
                return found
            language = Language.ZH if re.search(r"[\u4e00-\u9fff]", brief) else Language.EN
            raise BriefError(f"there is no “{wanted.strip()}” format",
                             f"pick one of these formats, or leave it out and one is chosen from the brief: "
                             f"{format_list(language)}")  # fmt: skip
    if (match := _SOFT.search(brief)) and (found := resolve_format(match.group("name"))):
        return found
    return None


def choose_format(brief: str, language: Language, requested: str | None = None) -> tuple[ShortFormat, str]:
    """The format for a brief and why: the one asked for (argument or brief), else the first whose
    patterns match, else the explainer."""
    catalogue = formats()
    if requested:
        name = resolve_format(requested)
        if name is None:
            raise BriefError(f"there is no “{requested}” format", f"pick one of: {format_list(language)}")
        return catalogue[name], "asked for"
    if name := requested_format(brief):
        return catalogue[name], "asked for in the brief"
    topic = _without_framing(brief)
    for name in DETECTION_ORDER:
        if catalogue[name].matches(topic, language):
            return catalogue[name], "matched the brief"
    return catalogue[DEFAULT_FORMAT], "the default for a brief that names no format"


_FRAMING = re.compile(r"(做|拍|写)(一个|一条|个|条)|\d+\s*(秒|分钟)|\b\d+\s*-?\s*(s|sec|secs|seconds?|min|minutes?)\b",
                      re.I)  # fmt: skip


def _without_framing(brief: str) -> str:
    """The brief without the words that frame every request ('做一个30秒的…', '30-second'), which would
    otherwise look like a count ('一个') or a time."""
    return _FRAMING.sub(" ", brief)


_EN_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_ZH_NUMBERS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_EN_COUNT = re.compile(r"\b(?:top\s*)?(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s+(?:[a-z-]+\s+){0,2}?"
                       r"(tips|reasons|ways|things|mistakes|hacks|games|apps|tools|books|places|foods|habits|signs|"
                       r"rules|ideas|picks|items|steps|myths|errors|tricks|days|secrets|lessons)\b", re.I)  # fmt: skip
_ZH_COUNT = re.compile(r"(\d{1,2}|[两二三四五六七八九十])\s*(?:个|条|招|种|款|件|点|步|大)")


def counted_items(brief: str) -> int | None:
    """How many items the brief asks for ('top 5 …', '3 tips', '三个小方法'), when it says."""
    brief = _without_framing(brief)
    if match := _EN_COUNT.search(brief):
        word = match.group(1).lower()
        return int(word) if word.isdigit() else _EN_NUMBERS[word]
    if match := _ZH_COUNT.search(brief):
        word = match.group(1)
        return int(word) if word.isdigit() else _ZH_NUMBERS[word]
    return None
