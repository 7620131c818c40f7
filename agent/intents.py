"""Unambiguous edit requests, recognised without the model.

The embedded 1.5B model picks the right action for about two thirds of edits (tests/bench/agent_actions.py):
it confuses "in Chinese" or "shorter: 20 seconds" with rewriting scene 1. Phrasings that can only mean one
thing — a language to switch to, a length in seconds, two scenes to swap, a platform, new visuals for a
scene — are matched here first; everything else (and anything these patterns are unsure of) goes to the
model. Each pattern is deliberately narrow: a false match would do the wrong edit, a miss only costs a model
call.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from reelcraft.agent.actions import (
    AddAspectVersion,
    ChangeFormat,
    ChangeLanguage,
    ChangeLength,
    ChangeLook,
    ChangePlatform,
    ChangeVoice,
    FixWeakest,
    RegenerateVisuals,
    ReorderScenes,
    UseMedia,
)

_SCENE = r"(?:scene|shot|镜头)"
_TO_CHINESE = re.compile(r"\b(?:in|into|to)\s+(?:chinese|mandarin)\b"
                         r"|(?:换成|改成|翻译成|做成|变成)?中文(?:版)?$|^中文版", re.I)  # fmt: skip
_TO_ENGLISH = re.compile(r"\b(?:in|into|to)\s+english\b|(?:换成|改成|翻译成|做成|变成)英文|英文版", re.I)
_SECONDS = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*(?:s\b|secs?\b|seconds?\b|秒)", re.I)
_SWAP = re.compile(rf"\bswap\s+{_SCENE}s?\s+(\d)\s+(?:and|&|with)\s+(\d)\b"
                   r"|交换(?:第)?(\d)(?:个)?(?:和|与)(?:第)?(\d)个?镜头", re.I)  # fmt: skip
_NEW_VISUAL = re.compile(r"(?:new|another|different|other)\s+(?:background|visuals?|image|picture|illustration|"
                         rf"footage)s?\s+(?:for|in|on)\s+{_SCENE}\s+(\d)"
                         r"|(?:第)?([\d一二三四五六七八九])个?(?:镜头|场景)(?:换|换一?个|换一?张|重新选)"
                         r"(?:一个|个|一张|张)?(?:背景|画面|图|图片|插图)", re.I)  # fmt: skip
_CHINESE_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
_MEDIA_FILE = r"[\"“']?([^\s\"”']+\.(?:jpe?g|png|webp|heic|mp4|mov|m4v|webm|mkv))[\"”']?"
_USE_MEDIA = re.compile(rf"\buse\s+(?:my\s+)?(?:own\s+)?(?:photo|picture|image|video|clip|file)?\s*{_MEDIA_FILE}\s+"
                        rf"(?:in|for|on|as)\s+{_SCENE}\s+(\d)|(?:第)?([\d一二三四五六七八九])个?(?:镜头|场景)"
                        rf"(?:用|换成|改用)(?:我的)?(?:照片|图片|视频|图)?\s*{_MEDIA_FILE}", re.I)  # fmt: skip
SHORT_REQUEST_CHARS = 60
"""A length or platform is only read from a short request; a longer message (a new brief) goes to the model."""
_PLATFORMS = [(re.compile(r"youtube\s*shorts|\bshorts\b", re.I), "shorts"),
              (re.compile(r"\bsquare\b|1\s*:\s*1|方形", re.I), "square"),
              (re.compile(r"\blandscape\b|16\s*:\s*9|横屏", re.I), "landscape"),
              (re.compile(r"\breels?\b|instagram", re.I), "reels"),
              (re.compile(r"tiktok|抖音", re.I), "tiktok")]  # fmt: skip
_PLATFORM_ASK = re.compile(r"\b(?:for|version|format|make it|as)\b|版|格式|改成|换成", re.I)


_WEAKEST = re.compile(r"\b(?:fix|improve|work on|redo)\s+(?:the\s+)?(?:weakest|worst|lowest)"
                      r"(?:\s+(?:part|bit|one|score))?\b|\b(?:improve|raise|better)\s+(?:the\s+)?score\b|(?:修|改|优化)(?:一下)?最(?:弱|差)的?(?:部分|地方|一项)?"
                      r"|提高(?:一下)?(?:评分|分数)", re.I)  # fmt: skip
_NEW_FORMAT = re.compile(r"^(?:(?:now\s+)?make it|turn it into|redo it as|do it as|change (?:it|the format) to"
                         r"|switch to)\s+(?:a|an)?\s*(?P<name>[\w/&' -]{2,30}?)(?:\s+(?:format|video|one))?\W*$",
                         re.I)  # fmt: skip
"""'make it a myth vs fact': a format only when the words name one ('make it funnier' goes to the model)."""


_INJECTION = re.compile(r"ignore (?:all |any |your |the |previous |prior )*(?:instructions|rules|prompt)|system prompt"
                        r"|(?:reveal|print|show|repeat) (?:your |the )?(?:instructions|prompt|rules)"
                        r"|delete (?:all|every|the)\b.*\b(?:drafts?|videos?|files?|projects?)|rm -rf"
                        r"|忽略(?:你的|之前的|所有)?(?:指令|规则|提示)|系统提示|删除(?:所有|全部)", re.I)  # fmt: skip
_VOICE = re.compile(r"\bvoice\b.*?\b([a-z]{2,3}_[A-Z]{2}-[A-Za-z0-9_-]+)"
                    r"|(?:配音|声音)(?:换成|改成|用)\s*([A-Za-z0-9_-]+)")  # fmt: skip


_BEYOND: list[tuple[str, re.Pattern[str]]] = [
    # a logo is the brand kit's: say how to make one (removing it is a look edit)
    ("brand_logo", re.compile(r"\b(?:add|put|place|use|show|insert)\b.{0,20}\b(?:logo|watermark)\b"
                              r"|(?:加|放|打)(?:上|个)?(?:我的|我们的)?(?:logo|标志|水印)", re.I)),
    # posting needs the creator's accounts; the app exports files
    ("beyond_publish", re.compile(r"\b(?:post|upload|publish|schedule)\b.{0,30}\b(?:to|on)\s+(?:tiktok|instagram|insta"
                                  r"|youtube|facebook|twitter|reels|shorts|my (?:account|channel|page))"
                                  r"|(?:发布|发|上传|传)到(?:抖音|快手|小红书|B站|视频号|我的)", re.I)),
    # people on screen and cloned voices: no face or avatar model, only the built-in voices
    ("beyond_person", re.compile(r"\bavatars?\b|talking head|lip[- ]?sync|deepfake|face[- ]?swap|\bmy (?:own )?face\b"
                                 r"|clone (?:my|his|her|their|a) voice|voice clon"
                                 r"|数字人|虚拟人|换脸|我的脸|克隆.{0,4}声音", re.I)),
    # objects drawn into the picture: the pictures are generated motion backgrounds or the creator's media
    ("beyond_picture", re.compile(r"\b3-?d\b(?!\s*print)|\bcgi\b|\bvfx\b|hologram|green ?screen|special effects?"
                                  r"|explosions?|fireworks?|particle effects?|\bstickers?\b"
                                  r"|\b(?:a|an|some|the)\s+(?:animated|cartoon|flying|dancing|talking|realistic)\s+"
                                  r"(?!text|captions?|titles?|subtitles?|words?|fonts?|lettering|backgrounds?)\w+"
                                  r"|3D|特效|动画(?:人物|角色|形象)|卡通(?:人物|角色|形象)|爆炸|烟花", re.I)),
]
_ABOUT = re.compile(r"\b(?:scene|shot)s?\s+(?:about|on|explaining|where (?:i|we|you) (?:talk|explain))\b"
                    r"|(?:讲|介绍|说说)", re.I)  # fmt: skip
"""A scene *about* 3D printing or fireworks is words, which the tools can write."""
_QUESTION = re.compile(r"[?？]\s*$|^\s*(?:what|how|why|who|which|where|when|is|are|does|do|can|could|would|will)\b"
                       r"|吗[?？。]?\s*$|什么|怎么|为什么", re.I)  # fmt: skip
_MAKE = re.compile(r"\b(?:make|create|produce|write|film|generate|do)\b.{0,40}"
                   r"\b(?:video|reel|tiktok|short|clip|vlog|post|story|ad)s?\b"
                   r"|(?:做|制作|拍|生成|写)(?:一个|一条|个|条|一段)?.{0,20}(?:视频|短片|抖音|vlog)", re.I)  # fmt: skip


_HELP = re.compile(r"^\W*(?:help|what (?:can|do) you do|what are you|how (?:does|do) (?:this|it|you) work"
                   r"|how do i (?:use|start)"
                   r"|你能做什么|你会做什么|你会什么|能做什么|怎么用|如何使用|帮助)\W*$", re.I)  # fmt: skip


def asks_for_help(message: str) -> bool:
    """'what can you do?': answered with the list of what the chat can do (the 1.5B model, asked, copied
    its prompt's example answer instead)."""
    return bool(_HELP.match(message.strip()))


def beyond_tools(message: str) -> str | None:
    """The reply key (agent/replies.py) for a request no tool can do (draw a 3D dragon, post to TikTok,
    put the creator's face on screen), or None. Narrow on purpose: a miss goes to the model, whose prompt
    asks for the same answer, while a false match would refuse something the tools can do."""
    text = " ".join(message.split())
    for key, pattern in _BEYOND:
        if pattern.search(text) and not (key == "beyond_picture" and _ABOUT.search(text)):
            return key
    return None


def is_plain_question(message: str) -> bool:
    """A question that is not itself a request for a video ("how does this work?", but not "can you make
    a video about fire safety?")."""
    text = message.strip()
    return bool(_QUESTION.search(text)) and not _MAKE.search(text)


def is_injection(message: str) -> bool:
    """Asks for the instructions or to delete things: answered by a fixed reply, never sent to the model."""
    return bool(_INJECTION.search(message))


def format_asked(text: str) -> str | None:
    """The format an edit asks for ('make it a POV', '换成故事形式', 'format: listicle'), or None. A format
    that does not exist, asked for in so many words ('… format'), comes back as said, so the edit answers
    with the list of formats."""
    from reelcraft.errors import BriefError
    from reelcraft.tools.formats import named_format, requested_format, resolve_format

    if (match := _NEW_FORMAT.match(text)) and (name := resolve_format(match.group("name"))):
        return name
    try:
        return requested_format(text)
    except BriefError:
        match = _NEW_FORMAT.match(text)
        return match.group("name") if match else named_format(text) or text[:40]


def match_intent(message: str, scene_count: int) -> BaseModel | None:
    """The one action an unambiguous edit asks for, or None (let the model decide)."""
    text = " ".join(message.split())
    if not text or len(text) > 200 or re.search(rf"{_SCENE}\s*\d|第\s*\d", text, re.I) and not (
            _SWAP.search(text) or _NEW_VISUAL.search(text) or _USE_MEDIA.search(text)):
        return None  # long messages and ones about a particular scene need the model
    if swap := _SWAP.search(text):
        a, b = (int(x) for x in swap.groups() if x)
        order = list(range(1, scene_count + 1))
        if 1 <= a <= scene_count and 1 <= b <= scene_count and a != b:
            order[a - 1], order[b - 1] = b, a
            return ReorderScenes(order=order)
        return None
    if _WEAKEST.search(text):
        return FixWeakest()
    if changed_format := format_asked(text):
        return ChangeFormat(format=changed_format)
    if voice := _VOICE.search(text):
        return ChangeVoice(voice=next(x for x in voice.groups() if x))
    if chosen := _USE_MEDIA.search(text):
        file, scene, zh_scene, zh_file = chosen.groups()
        number = zh_scene or scene
        return UseMedia(scene=_CHINESE_DIGITS.get(number) or int(number), file=file or zh_file)
    if visual := _NEW_VISUAL.search(text):
        number = next(x for x in visual.groups() if x)
        return RegenerateVisuals(scene=_CHINESE_DIGITS.get(number) or int(number))
    if (look := _look(text)) is not None:
        return look
    to_zh, to_en = bool(_TO_CHINESE.search(text)), bool(_TO_ENGLISH.search(text))
    if to_zh != to_en:
        return ChangeLanguage(language="zh" if to_zh else "en")
    if len(text) > SHORT_REQUEST_CHARS:
        return None
    seconds = _SECONDS.findall(text)
    if len(seconds) == 1 and not re.search(r"music|voice|音乐|配音", text, re.I):
        value = float(seconds[0])
        return ChangeLength(seconds=value) if 5 <= value <= 180 else None
    if _PLATFORM_ASK.search(text):
        found = {name for pattern, name in _PLATFORMS if pattern.search(text)}
        shapes = found & {"square", "landscape"}  # "square version for Instagram": the shape is the request
        if len(found) == 1 or len(shapes) == 1:
            return ChangePlatform(platform=(shapes or found).pop())  # type: ignore[arg-type]
    return None


def _look(text: str) -> BaseModel | None:
    """A look edit ('bigger captions', 'style: boxed', '字幕大一点', 'remove the logo', 'also make a 16:9 version'),
    from a short message only: a long one may be a new brief that mentions captions."""
    from reelcraft.errors import CaptionError
    from reelcraft.tools.look import read_look_request

    if len(text) > SHORT_REQUEST_CHARS:
        return None
    try:
        asked = read_look_request(text)
    except CaptionError:  # 'style: fancy': the edit answers with the list of styles
        return ChangeLook(request=text)
    if asked is None:
        return None
    if asked.also and asked.aspect is not None:
        return AddAspectVersion(aspect=asked.aspect.value)
    only_shape = asked.model_copy(update={"aspect": None, "also": False}) == type(asked)()
    if asked.aspect is not None and only_shape and _PLATFORM_ASK.search(text) and any(
            pattern.search(text) for pattern, _ in _PLATFORMS):
        return None  # 'square version for Instagram', 'a 9:16 version for Reels': a platform change, below
    return ChangeLook(request=text)


def brief_facts(message: str) -> tuple[float | None, str | None]:
    """The length ('30 s', '15秒') and platform ('TikTok', 'Reels', '抖音') a brief states, for when the
    model left them out of its create_video."""
    seconds = [float(x) for x in _SECONDS.findall(message) if 5 <= float(x) <= 180]
    platforms = {name for pattern, name in _PLATFORMS if pattern.search(message)}
    return (seconds[0] if len(seconds) == 1 else None), (platforms.pop() if len(platforms) == 1 else None)
