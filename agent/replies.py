"""What the assistant says after each turn, in the video's language. Product copy, not prompts: the model
chooses the action, these sentences report what was done (so a small model cannot misreport it)."""

from __future__ import annotations

from reelcraft.plan import Draft, Language, ModerationFlag, Severity

_TEXT: dict[str, dict[Language, str]] = {
    "empty": {
        Language.EN: "Tell me your video idea, e.g. “30 s TikTok: a budget morning routine for college students, "
                     "upbeat”.",
        Language.ZH: "告诉我你的视频创意，比如：“30秒抖音：大学生的省钱早餐，轻快”。",
    },
    "too_long": {
        Language.EN: "That message is {chars:,} characters, too long to act on. Say the idea or the change in a few "
                     "sentences (under {limit:,} characters).",
        Language.ZH: "那段文字有 {chars:,} 个字符，太长了。请用几句话说出创意或修改要求（{limit:,} 字以内）。",
    },
    "no_video": {
        Language.EN: "There is no video yet. Tell me the idea first and I'll make a draft.",
        Language.ZH: "还没有视频。先告诉我你的创意吧。",
    },
    "no_scene": {
        Language.EN: "There is no scene {scene}: this video has {count} scenes (1–{count}). Which one did you mean?",
        Language.ZH: "没有第 {scene} 个镜头：这个视频有 {count} 个镜头（1–{count}）。你指的是哪一个？",
    },
    "add_after": {
        Language.EN: "This video has {count} scenes; a new scene can go after scene 0–{count}.",
        Language.ZH: "这个视频只有 {count} 个镜头；新镜头可以放在 0–{count} 之后。",
    },
    "last_scene": {
        Language.EN: "That is the only scene left; it can't be removed.",
        Language.ZH: "只剩一个镜头了，不能再删。",
    },
    "bad_order": {
        Language.EN: "A new order needs every scene 1–{count} exactly once.",
        Language.ZH: "新顺序需要把 1–{count} 每个镜头各列一次。",
    },
    "created": {
        Language.EN: "Here's a first draft: “{title}”, {scenes} scenes, {seconds:g} s for {platform}. {defaults}"
                     "Tell me what to change, e.g. “make scene 2 funnier”, “calmer music” or “in Chinese”.",
        Language.ZH: "初稿好了：《{title}》，{scenes} 个镜头，{seconds:g} 秒，{platform}。{defaults}"
                     "想改什么直接说，比如“第2个镜头更搞笑一点”、“音乐舒缓一点”、“换成英文”。",
    },
    "assumed": {
        Language.EN: "“{brief}” is all I had, so I assumed: a {format} ({summary}), for a general audience, "
                     "{mood} music. ",
        Language.ZH: "你只说了“{brief}”，所以我做了这些假设：{format}（{summary}），面向大众，{mood}的音乐。",
    },
    "defaults": {
        Language.EN: "I chose {what}; say so if you want something else. ",
        Language.ZH: "我默认选了{what}；想要别的就告诉我。",
    },
    "edited": {
        Language.EN: "Done: version {version} changes {changed}. Everything else was reused ({hits} cached parts).",
        Language.ZH: "改好了：第 {version} 版修改了{changed}。其余部分直接复用（{hits} 个缓存素材）。",
    },
    "aspect_version": {
        Language.EN: "Done: a {aspect} version ({width}×{height}), made from the same voice, music and pictures "
                     "({hits} cached parts). The {old} video stays as it was.",
        Language.ZH: "好了：做了一个 {aspect} 版本（{width}×{height}），配音、音乐和画面都直接复用"
                     "（{hits} 个缓存素材）。原来的 {old} 版本保持不变。",
    },
    "edited_all": {
        Language.EN: "Done: version {version} changes {changed}.",
        Language.ZH: "改好了：第 {version} 版修改了{changed}。",
    },
    "fixed_weakest": {
        Language.EN: "Done: version {version} works on the weakest part, {part} ({reason}). It changes {changed}.",
        Language.ZH: "改好了：第 {version} 版修改了最弱的部分「{part}」（{reason}），改动：{changed}。",
    },
    "nothing_weak": {
        Language.EN: "Every part of this draft already scores 100, so there is nothing weak to fix. Tell me what "
                     "you would like to change.",
        Language.ZH: "这一版每个部分都是满分，没有需要修的弱项。想改什么直接告诉我。",
    },
    "unchanged": {
        Language.EN: "Version {version} is rendered; the plan itself did not change.",
        Language.ZH: "第 {version} 版已渲染，脚本本身没有变化。",
    },
    "final": {
        Language.EN: "The final {width}×{height} video is ready (version {version}). Download it below.",
        Language.ZH: "高清成片已生成（{width}×{height}，第 {version} 版），可以在下面下载。",
    },
    "blocked": {
        Language.EN: "I didn't make this video: under the {policy} policy {count} line(s) can't be published.\n"
                     "{lines}\nChange those words, or ask for the video another way.",
        Language.ZH: "这个视频没有生成：按照{policy}的规则，有 {count} 处内容不能发布。\n{lines}\n"
                     "请改掉这些内容，或者换一种说法。",
    },
    "moderation_fixed": {
        Language.EN: "Content check: I rewrote {where}: “{span}” → “{to}” ({reason}).",
        Language.ZH: "内容审核：已改写{where}：“{span}” → “{to}”（{reason}）。",
    },
    "moderation_warned": {
        Language.EN: "Content check, for you to judge: {where} “{span}” — {reason}.",
        Language.ZH: "内容审核提醒（请您判断）：{where}“{span}”——{reason}。",
    },
    "failed": {
        Language.EN: "I couldn't do that: {message}. {fix} The video is unchanged.",
        Language.ZH: "这个没做成：{message}。{fix} 视频没有改动。",
    },
    "help": {
        Language.EN: "I turn an idea into a short vertical video with narration, captions and music. Tell me the "
                     "idea (e.g. “30 s TikTok: a budget morning routine for college students, upbeat”), then change "
                     "it by talking: rewrite, add, remove or reorder scenes; change the length, language (English or "
                     "Chinese), voice, music, look, platform or format (“make it a myth vs fact”); “new background for "
                     "scene 2”; “fix the weakest part” of the draft's score; and “final” for the full-quality video.",
        Language.ZH: "我能把一个创意做成带旁白、字幕和音乐的竖版短视频。先告诉我创意（比如“30秒抖音：大学生的省钱早餐，"
                     "轻快”），然后直接说要怎么改：重写、添加、删除或调整镜头顺序；修改时长、语言（中文或英文）、配音、"
                     "音乐、画面风格、平台或形式（“做成辟谣形式”）；“第2个镜头换个背景”；“修一下最弱的部分”；满意了说“导出高清版”。",
    },
    "brand_logo": {
        Language.EN: "Logos come from a brand kit: `reelcraft brand create NAME --logo logo.png` (with your fonts, "
                     "colours and an outro if you like), then say “use our brand” or make with `--brand NAME`. "
                     "The logo sits in a corner inside the safe area.",
        Language.ZH: "标志来自品牌套件：先运行 `reelcraft brand create 名字 --logo logo.png`"
                     "（还可以加字体、配色和片尾），然后说“用我们的品牌”或用 `--brand 名字` 生成。"
                     "标志会放在安全区内的角落。",
    },
    "beyond_picture": {
        Language.EN: "I can't draw that into the video: the pictures are generated motion backgrounds, or your own "
                     "photos and clips (`reelcraft make --media FOLDER`). I can add a scene about it, rewrite a scene "
                     "to mention it, or change the look of the backgrounds (“warmer colours”, “more movement”).",
        Language.ZH: "这个画面我做不出来：视频画面是自动生成的动态背景，或者你自己的照片和视频"
                     "（`reelcraft make --media 文件夹`）。我可以加一个讲它的镜头、改写某个镜头提到它，"
                     "或者调整背景风格（比如“暖色调”“动感一点”）。",
    },
    "beyond_person": {
        Language.EN: "I can't put a person, face or avatar on screen, or clone a voice: the narration uses the "
                     "built-in voices. I can switch the voice (“use voice NAME”), or use your own clips "
                     "(`reelcraft make --media FOLDER`).",
        Language.ZH: "我不能在画面里放人物、人脸或数字人，也不能克隆声音：旁白用的是内置配音。"
                     "我可以换一个配音（“配音换成 名字”），"
                     "或者使用你自己的视频素材（`reelcraft make --media 文件夹`）。",
    },
    "beyond_publish": {
        Language.EN: "I can't post for you: nothing here signs in to your accounts. Say “final” for the "
                     "full-quality MP4, then download it with its captions and upload it; the title and hashtags "
                     "are ready to paste.",
        Language.ZH: "我不能替你发布：这里不会登录你的账号。说“导出高清版”生成高清 MP4，"
                     "然后下载视频和字幕自己上传；标题和话题标签可以直接复制。",
    },
    "private": {
        Language.EN: "I can't share my instructions, and nothing can be deleted from here. I can write a video from "
                     "your idea, rewrite, add, remove or reorder scenes, change the length, language, voice, music, "
                     "look or platform, and render the final video.",
        Language.ZH: "我不能透露内部指令，这里也不能删除任何东西。"
                     "我可以根据你的创意做视频，重写、添加、删除或调整镜头顺序，"
                     "修改时长、语言、配音、音乐、画面风格或平台，并导出高清成片。",
    },
}
_TOP: dict[str, dict[Language, str]] = {
    "title": {Language.EN: "the title", Language.ZH: "标题"},
    "hook": {Language.EN: "the hook", Language.ZH: "开头金句"},
    "call_to_action": {Language.EN: "the call to action", Language.ZH: "结尾号召"},
    "hashtags": {Language.EN: "the hashtags", Language.ZH: "话题标签"},
    "language": {Language.EN: "the language", Language.ZH: "语言"},
    "target_duration": {Language.EN: "the length", Language.ZH: "时长"},
    "music_mood": {Language.EN: "the music", Language.ZH: "音乐"},
    "music_energy": {Language.EN: "the music", Language.ZH: "音乐"},
    "music_seed": {Language.EN: "the music", Language.ZH: "音乐"},
    "music_file": {Language.EN: "the music", Language.ZH: "音乐"},
    "platform": {Language.EN: "the format", Language.ZH: "平台格式"},
    "visual_style": {Language.EN: "the look", Language.ZH: "画面风格"},
    "trend_backing": {Language.EN: "the trend evidence", Language.ZH: "热点依据"},
    "look.captions": {Language.EN: "the captions", Language.ZH: "字幕样式"},
    "look.aspect": {Language.EN: "the frame shape", Language.ZH: "画面比例"},
    "look.logo": {Language.EN: "the logo", Language.ZH: "品牌标志"},
    "look.brand": {Language.EN: "the brand", Language.ZH: "品牌"},
}
_FIELDS: dict[str, dict[Language, str]] = {
    "voiceover": {Language.EN: "narration", Language.ZH: "旁白"},
    "on_screen_text": {Language.EN: "on-screen text", Language.ZH: "屏幕文字"},
    "visual": {Language.EN: "shot", Language.ZH: "画面"},
    "visual_seed": {Language.EN: "pictures and background", Language.ZH: "插图和背景"},
}


def say(key: str, language: Language, **values: object) -> str:
    return _TEXT[key][language].format(**values)


def describe_changes(changed: list[str], language: Language) -> str:
    """"scene 2's narration and shot, the music" from ['scenes[2].voiceover', 'scenes[2].visual', 'music_mood']."""
    zh = language == Language.ZH
    scenes: dict[str, list[str]] = {}
    parts: list[str] = []
    for path in changed:
        if path.startswith("scenes["):
            number, _, field = path[len("scenes["):].partition("].")
            if number not in scenes:
                scenes[number] = []
                parts.append(f"\0scene{number}")  # placeholder, filled once all its fields are known
            what = _FIELDS.get(field, {}).get(language, field.replace("_", " "))
            if what not in scenes[number]:
                scenes[number].append(what)
        elif path.startswith("scenes ("):
            parts.append(("镜头数量" if zh else "the scene count") + path[len("scenes"):])
        else:
            top = ".".join(path.split(".")[:2]) if path.startswith("look.") else path.split(".")[0]
            part = _TOP.get(top, {}).get(language, top.replace("_", " "))
            if part not in parts:
                parts.append(part)

    def scene_text(number: str) -> str:
        fields = scenes[number]
        and_word, comma = ("和", "、") if zh else (" and ", ", ")
        listed = fields[0] if len(fields) == 1 else comma.join(fields[:-1]) + and_word + fields[-1]
        return f"镜头{number}的{listed}" if zh else f"scene {number}'s {listed}"

    texts = [scene_text(p[len("\0scene"):]) if p.startswith("\0scene") else p for p in parts]
    joiner = "、" if zh else ", "
    return joiner.join(texts[:6]) + ("…" if len(texts) > 6 else "")


def flag_place(flag: ModerationFlag, language: Language) -> str:
    """'scene 2's narration', '镜头2的旁白', 'the title'."""
    if flag.scene and flag.field in _FIELDS:
        field = _FIELDS[flag.field][language]
        return f"镜头{flag.scene}的{field}" if language == Language.ZH else f"scene {flag.scene}'s {field}"
    if flag.field in _TOP:
        return _TOP[flag.field][language]
    return flag.field.replace("_", " ") if language == Language.ZH else f"the {flag.field.replace('_', ' ')}"


def moderation_lines(flags: list[ModerationFlag], language: Language, limit: int = 5) -> str:
    """What moderation did to a draft, a line per finding: rewrites first, then warnings."""
    lines = []
    for flag in flags[:limit]:
        where = flag_place(flag, language)
        if flag.status == "fixed":
            lines.append(say("moderation_fixed", language, where=where, span=flag.span, to=flag.fixed_to,
                             reason=flag.reason))  # fmt: skip
        elif flag.severity == Severity.BLOCK:
            lines.append(f"- {where}: “{flag.span}” — {flag.reason}")
        else:
            lines.append(say("moderation_warned", language, where=where, span=flag.span, reason=flag.reason))
    return "\n".join(lines)


def blocked(flags: list[ModerationFlag], policy: str, language: Language) -> str:
    blocking = [f for f in flags if f.severity == Severity.BLOCK and f.status == "open"]
    return say("blocked", language, policy=policy, count=len(blocking), lines=moderation_lines(blocking, language, 6))


def summary(draft: Draft) -> dict[str, object]:
    plan = draft.plan
    return {"title": plan.title, "scenes": len(plan.scenes), "seconds": plan.target_duration,
            "platform": plan.platform.value, "version": draft.version}  # fmt: skip
