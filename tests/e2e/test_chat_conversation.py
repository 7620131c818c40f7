"""Six chat turns through `Studio().chat`, with real TTS, music, captions and rendering and a scripted LLM
emitting the actions: after each turn only the asked-for parts of the plan changed (diff asserted) and
only their assets were re-made (cache misses counted); the final MP4 meets the platform spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import EN_BRIEF, EN_PLAN, EN_TURNS, ZH_PLAN
from media_checks import ink_box, loudness_figures, render_ass_frames
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.media.fonts import find_caption_font
from reelcraft.media.probe import probe
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.plan import Language

FUNNY = {"voiceover": "Drink water first, because your phone is not breakfast.", "on_screen_text": "Water > phone",
         "visual": "student toasting with a glass of water"}  # fmt: skip
IN_CHINESE = {"title": ZH_PLAN["title"], "hook": ZH_PLAN["hook"], "call_to_action": ZH_PLAN["call_to_action"],
              "hashtags": ZH_PLAN["hashtags"],
              "scenes": [{"voiceover": s["voiceover"], "on_screen_text": s["on_screen_text"]}
                         for s in ZH_PLAN["scenes"]]}  # fmt: skip


def pick(action: str, scene: int = 0, text: str = "", number: float = 0) -> dict:
    return {"action": action, "scene": scene, "text": text, "number": number, "order": []}


TURNS = [  # (message, the scripted model's answers for that turn)
    (EN_BRIEF, EN_TURNS),  # a whole idea before any video is the brief: only the script needs the model
    ("make scene 2 funnier", [pick("rewrite_scene", 2, "make it funnier"), FUNNY]),
    ("shorter: 20 seconds", []),  # unambiguous: agent/intents.py picks change_length without the model
    ("calmer music", [pick("change_music", text="calmer")]),
    ("in Chinese", [IN_CHINESE]),  # change_language by intent; the model adapts the script
    ("final", [pick("render_final")]),
]


def misses(turn_cache: dict[str, dict[str, int]], step: str) -> int:
    return turn_cache.get(step, {}).get("misses", 0)


@pytest.fixture(scope="module")
def conversation(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> list:
    home = tmp_path_factory.mktemp("chat-home")
    model = ScriptedChatModel(turns=[answer for _, answers in TURNS for answer in answers])
    studio = Studio(Settings(home=home, models_home=models_home), llm=model)
    turns = [studio.chat("six-turns", message) for message, _ in TURNS]
    model.assert_all_used()
    return turns


def test_a_brief_makes_a_preview_in_the_length_and_format_it_asked_for(conversation: list) -> None:
    first = conversation[0]
    assert first.new_version and first.draft.version == 1 and first.draft.plan.title == EN_PLAN["title"]
    assert probe(first.draft.outputs.video).height == 960  # preview: half size
    assert "first draft" in first.reply and "I chose" not in first.reply  # "30 s TikTok" said both


def test_each_edit_changes_only_what_was_asked_and_remakes_only_that(conversation: list) -> None:
    funnier, shorter, calmer, chinese, final = conversation[1:]
    assert funnier.changed == ["scenes[2].on_screen_text", "scenes[2].visual", "scenes[2].voiceover"]
    assert misses(funnier.cache, "voiceover") == 1 and funnier.cache["voiceover"]["hits"] == 3
    assert "scene 2" in funnier.reply and funnier.draft.version == 2

    assert shorter.changed == ["target_duration"] and shorter.draft.plan.target_duration == 20
    assert misses(shorter.cache, "voiceover") == 0 and misses(shorter.cache, "script_shorten") == 0
    assert abs(probe(shorter.draft.outputs.video).duration - 20) <= 1.0

    assert set(calmer.changed) <= {"music_mood", "music_energy"} and "music_energy" in calmer.changed
    assert misses(calmer.cache, "voiceover") == 0 and misses(calmer.cache, "music") == 1
    assert calmer.draft.music.energy < shorter.draft.music.energy

    assert chinese.draft.plan.language == Language.ZH and "language" in chinese.changed
    assert not [p for p in chinese.changed if p.endswith(".visual")]  # the shots stay
    assert not [p for p in chinese.changed if p.startswith("music")]  # same music, re-fitted to the new cuts:
    assert misses(chinese.cache, "voiceover") == 4 and misses(chinese.cache, "music") <= 1
    assert "改好了" in chinese.reply and "语言" in chinese.reply

    assert final.changed == [] and misses(final.cache, "voiceover") == 0
    assert [t.draft.version for t in conversation] == [1, 2, 3, 4, 5, 6]


def test_the_final_video_meets_the_platform_spec(conversation: list, tmp_path: Path) -> None:
    final = conversation[-1].draft
    info = probe(final.outputs.video)
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (1080, 1920, "h264", "aac")
    assert abs(info.duration - 20) <= 1.0
    audio = loudness_figures(final.outputs.video, tmp_path)
    assert -15 <= audio["lufs"] <= -13 and audio["true_peak_db"] <= -1.0, audio
    ass = next(a.path for a in final.assets if a.kind == "captions_ass")
    times = []
    for line in ass.read_text(encoding="utf-8").splitlines():
        if line.startswith("Dialogue:"):
            start, end = (sum(float(x) * 60 ** i for i, x in enumerate(reversed(t.split(":"))))
                          for t in line.split(",")[1:3])  # fmt: skip
            times.append((start + end) / 2)
    frames, _ = render_ass_frames(ass, find_caption_font().directory, times, 1080, 1920, tmp_path)
    left, top, right, bottom = final.plan.preset.safe_box()
    for frame in frames:
        box = ink_box(frame)
        assert box is not None and box[0] >= left and box[1] >= top and box[2] <= right and box[3] <= bottom


def test_the_session_survives_a_new_studio(conversation: list) -> None:
    from reelcraft.agent.session import SessionStore

    home = conversation[0].draft.outputs.video.parents[3]  # <home>/drafts/<id>/v1/video.mp4
    session = SessionStore(home / "sessions").load("six-turns")
    assert [m.role for m in session.messages] == ["user", "assistant"] * 6
    assert session.draft_id == conversation[-1].draft.id and session.messages[-1].version == 6
