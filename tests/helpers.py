"""Plans the scripted model answers with (what a good LLM would write)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

EN_BRIEF = "30 s TikTok: a budget morning routine for college students, upbeat"
ZH_BRIEF = "30秒抖音：大学生的省钱早晨日常，轻快"

EN_PLAN: dict[str, Any] = {
    "title": "Your budget mornings cost too much",
    "hook": "Your budget mornings cost too much.",
    "scenes": [
        {"voiceover": "Your budget mornings cost too much. Here is a budget routine that costs almost nothing.",
         "on_screen_text": "Mornings for under $1", "visual": "Mornings for under $1", "duration": 6},
        {"voiceover": "Start with a glass of water and a big stretch before you touch your phone.",
         "on_screen_text": "Water before your phone", "visual": "Water before your phone", "duration": 7},
        {"voiceover": "Overnight oats cost a student fifty cents and keep you full until lunch.",
         "on_screen_text": "Oats for 50 cents", "visual": "Oats for 50 cents", "duration": 8},
        {"voiceover": "Brew coffee in your room instead of buying a latte.",
         "on_screen_text": "Skip the $5 latte", "visual": "Skip the $5 latte", "duration": 9},
    ],
    "call_to_action": "Follow for more days like this.",
    "music_mood": "upbeat_pop",
    "hashtags": ["#college", "#budget", "#morningroutine"],
}

ZH_PLAN: dict[str, Any] = {
    "title": "你的早晨太贵了",
    "hook": "你的早晨太贵了！",
    "scenes": [
        {"voiceover": "你的早晨太贵了！大学生试试这个省钱的早晨日常。", "on_screen_text": "省钱早晨",
         "visual": "省钱早晨", "duration": 7},
        {"voiceover": "起床先喝一杯温水，再伸个懒腰。", "on_screen_text": "先喝温水", "visual": "先喝温水",
         "duration": 7},
        {"voiceover": "隔夜燕麦只要三块钱，能撑到中午。", "on_screen_text": "燕麦三块钱", "visual": "燕麦三块钱",
         "duration": 8},
        {"voiceover": "在宿舍自己冲咖啡，省下买奶茶的钱。", "on_screen_text": "自己冲咖啡", "visual": "自己冲咖啡",
         "duration": 8},
    ],
    "call_to_action": "关注我，一起过好每一天。",
    "music_mood": "upbeat_pop",
    "hashtags": ["#大学生", "#省钱", "#早晨日常"],
}


def plan_turns(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """What a good model answers to the script writer's steps (tools/script.py) to give `plan`: the outline
    (the hook, the on-screen texts as beats) and the scenes' narration (scene 1 without the hook, which the
    writer says first); the title, hashtags, call to action and music come from the hook, brief and format."""
    hook = plan["hook"]
    first = plan["scenes"][0]["voiceover"]
    narration = [first[len(hook):].strip() if first.startswith(hook) else first,
                 *(s["voiceover"] for s in plan["scenes"][1:])]  # fmt: skip
    beats = [s["on_screen_text"] for s in plan["scenes"]]
    return [
        {"hook": hook, "beats": beats},
        {"scenes": [{"beat": b, "voiceover": v} for b, v in zip(beats, narration, strict=True)]},
    ]


EN_TURNS = plan_turns(EN_PLAN)
ZH_TURNS = plan_turns(ZH_PLAN)


def shared_dir() -> Path:
    """The project's shared data (`../shared` beside the repository; never copied into it). Found via
    $REELCRAFT_SHARED, then ../shared next to this checkout, then /work/shared."""
    import os

    repo = Path(__file__).resolve().parents[1]
    candidates = [Path(os.environ["REELCRAFT_SHARED"])] if os.environ.get("REELCRAFT_SHARED") else []
    candidates += [repo.parent / "shared", Path("/work/shared")]
    for candidate in candidates:
        if (candidate / "data" / "trends").is_dir():
            return candidate
    raise FileNotFoundError(f"no shared data folder (looked in {', '.join(map(str, candidates))}): "
                            "set REELCRAFT_SHARED to the folder that holds data/trends")

