"""Look edits: the words a creator uses for how the video looks ('bigger captions', 'captions in yellow',
'style: boxed', '字幕大一点', 'remove the logo', '4:5') turned into a new `Look`. Only the render is re-done for
them: the voice, music and pictures are keyed without the look.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from reelcraft.errors import CaptionError
from reelcraft.media.caption_styles import caption_style, caption_styles
from reelcraft.plan import Aspect, Look, VideoPlan, parse_aspect

SCALE_STEP = 1.15
COLOURS: dict[str, str] = {
    "yellow": "#FFD400", "white": "#FFFFFF", "red": "#FF4B4B", "green": "#52F2A8", "blue": "#5AB4FF",
    "pink": "#FF7AC6", "orange": "#FF9F1C", "cyan": "#7FE7FF", "purple": "#B98CFF", "gold": "#FFC940",
    "黄": "#FFD400", "白": "#FFFFFF", "红": "#FF4B4B", "绿": "#52F2A8", "蓝": "#5AB4FF", "粉": "#FF7AC6",
    "橙": "#FF9F1C", "青": "#7FE7FF", "紫": "#B98CFF", "金": "#FFC940",
}  # fmt: skip
"""Colour words for captions, each a shade that keeps 4.5:1 contrast against the styles' dark outlines and boxes."""

_CAPTIONS = r"(?:captions?|subtitles?|subs|text|words|字幕|文字)"
_BIGGER = re.compile(rf"\b(?:bigger|larger|huger)\s+{_CAPTIONS}|{_CAPTIONS}\s+(?:bigger|larger)|"
                     r"(?:字幕|文字)(?:再|稍微)?(?:大一点|大一些|大点|放大|更大)|放大字幕|加大字幕", re.I)  # fmt: skip
_SMALLER = re.compile(rf"\bsmaller\s+{_CAPTIONS}|{_CAPTIONS}\s+smaller"
                      r"|(?:字幕|文字)(?:再|稍微)?(?:小一点|小一些|小点|缩小|更小)|缩小字幕", re.I)  # fmt: skip
_COLOUR = re.compile(rf"{_CAPTIONS}\s+(?:in\s+)?({'|'.join(k for k in COLOURS if k.isascii())})\b|"
                     rf"\b({'|'.join(k for k in COLOURS if k.isascii())})\s+{_CAPTIONS}|"
                     rf"(?:字幕|文字)(?:改成|换成|用|变成)?([{''.join(k for k in COLOURS if not k.isascii())}])色|"
                     rf"([{''.join(k for k in COLOURS if not k.isascii())}])色(?:的)?字幕", re.I)  # fmt: skip
_STYLE = re.compile(r"\b(?:caption\s+)?style\s*[:：]?\s*([\w -]{3,30}?)\s*$|(?:字幕)?样式\s*[:：]?\s*(\S{2,20})$"
                    r"|\b([\w-]+(?:\s[\w-]+)?)\s+captions?\b", re.I)  # fmt: skip
_STYLE_ZH = {"弹出": "pop", "逐词": "pop", "卡拉": "karaoke", "方框": "boxed", "底框": "boxed", "描边": "outline",
             "简约": "lower_third", "下三分之一": "lower_third"}  # fmt: skip
_NO_LOGO = re.compile(r"\b(?:remove|hide|drop|no|without)\s+(?:the\s+)?(?:our\s+)?logo\b"
                      r"|(?:去掉|不要)(?:品牌)?(?:标志|logo|水印)", re.I)  # fmt: skip
_LOGO = re.compile(r"\b(?:show|add|bring back|put back)\s+(?:the\s+)?(?:our\s+)?logo\b"
                   r"|加上(?:品牌)?(?:标志|logo|水印)", re.I)  # fmt: skip
_BRAND = re.compile(r"\buse\s+(?:our|my|the)\s+brand(?:\s+kit)?\b|\b(?:in|with)\s+our\s+brand\b"
                    r"|\buse\s+(?:the\s+)?brand\s+(?:kit\s+)?[\"“']?([\w .-]{1,40}?)[\"”']?\s*$"
                    r"|用(?:我们|我)的品牌|(?:套用|使用)品牌(?:套件)?\s*([\w.-]{0,40})", re.I)  # fmt: skip
_NO_BRAND = re.compile(r"\b(?:no|without|remove|drop)\s+(?:the\s+|our\s+)?brand(?:ing)?\b|不要品牌|去掉品牌", re.I)
_EMOJI_ON = re.compile(r"\b(?:add|with|more)\s+emojis?\b|加(?:上)?表情", re.I)
_EMOJI_OFF = re.compile(r"\b(?:no|remove|without|drop)\s+(?:the\s+)?emojis?\b|(?:去掉|不要)表情", re.I)
_ASPECT = re.compile(r"\b(9\s*[:x/]\s*16|4\s*[:x/]\s*5|1\s*[:x/]\s*1|16\s*[:x/]\s*9)\b|\b(vertical|portrait|square|"
                     r"landscape|horizontal)\b(?:\s+(?:version|format|video))?|(竖屏|方形|横屏)", re.I)  # fmt: skip
_ASPECT_ZH = {"竖屏": Aspect.PORTRAIT, "方形": Aspect.SQUARE, "横屏": Aspect.LANDSCAPE}
_ALSO = re.compile(r"\balso\b|\banother\b.*\bversion\b|\bplus\b|(?:再|另外|也)(?:做|出|来)(?:一个|一版|个)?", re.I)


class LookRequest(BaseModel):
    """What a look edit asks for; None fields are left as they are."""

    scale: float | None = None
    colour: str | None = None
    style: str | None = None
    logo: bool | None = None
    emoji: bool | None = None
    aspect: Aspect | None = None
    also: bool = False
    """'also make a 16:9 version': a second video in that shape, the first one kept."""
    brand: str | None = None
    """'use our brand' ('': the workspace's only kit) or 'use brand acme'; None: no change."""
    unbrand: bool = False
    """'no brand': the draft drops its brand kit."""


def read_look_request(text: str) -> LookRequest | None:
    """The look edit a message asks for, or None when it asks for none (so the chat can send it elsewhere)."""
    found = LookRequest()
    if _BIGGER.search(text):
        found.scale = SCALE_STEP
    elif _SMALLER.search(text):
        found.scale = 1 / SCALE_STEP
    if colour := _COLOUR.search(text):
        word = next(g for g in colour.groups() if g).lower()
        found.colour = COLOURS[word]
    if style := _STYLE.search(text):
        name = next(g for g in style.groups() if g).strip().lower()
        name = next((v for k, v in _STYLE_ZH.items() if k in name), name)
        try:
            found.style = caption_style(name).name
        except CaptionError:
            if style.group(1) or style.group(2):  # 'style: fancy': asked in so many words, answered with the list
                raise
    if _NO_BRAND.search(text):
        found.unbrand = True
    elif brand := _BRAND.search(text):
        found.brand = next((g for g in brand.groups() if g), "").strip()
    if _NO_LOGO.search(text):
        found.logo = False
    elif _LOGO.search(text):
        found.logo = True
    if _EMOJI_OFF.search(text):
        found.emoji = False
    elif _EMOJI_ON.search(text):
        found.emoji = True
    if aspect := _ASPECT.search(text):
        ratio, word, zh = aspect.groups()
        found.aspect = _ASPECT_ZH[zh] if zh else parse_aspect(re.sub(r"\s", "", ratio or word).replace("x", ":"))
        found.also = bool(_ALSO.search(text))
    if found == LookRequest():
        return None
    return found


def look_revision(plan: VideoPlan, request: str | LookRequest) -> VideoPlan:
    """The plan with its look changed as asked; a request that names no look change says what can be asked."""
    asked = read_look_request(request) if isinstance(request, str) else request
    if asked is None:
        names = ", ".join(s.name for s in caption_styles().values())
        raise CaptionError(f"{request!r} does not say how the captions or frame should change",
                           f"ask e.g. 'bigger captions', 'captions in yellow', 'style: boxed' ({names}), "
                           "'remove the logo' or '16:9'")  # fmt: skip
    look: Look = plan.look
    captions = look.captions
    if asked.scale is not None:
        captions = captions.model_copy(update={"scale": round(min(1.6, max(0.7, captions.scale * asked.scale)), 3)})
    if asked.colour is not None:
        captions = captions.model_copy(update={"colour": asked.colour})
    if asked.style is not None:
        captions = captions.model_copy(update={"style": asked.style})
    if asked.emoji is not None:
        captions = captions.model_copy(update={"emoji": asked.emoji})
    update: dict[str, object] = {"captions": captions}
    if asked.logo is not None:
        update["logo"] = asked.logo
    if asked.aspect is not None:
        update["aspect"] = asked.aspect
    if asked.unbrand:
        update["brand"] = None
    elif asked.brand is not None:
        update["brand"] = asked.brand  # resolved (and its caption style, voice and mood applied) by the Studio
    return plan.model_copy(update={"look": look.model_copy(update=update)})
