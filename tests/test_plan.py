from __future__ import annotations

import pytest

from reelcraft.errors import BriefError
from reelcraft.language import language_problem
from reelcraft.plan import (
    Language,
    Platform,
    Scene,
    VideoPlan,
    check_brief,
    check_duration,
    detect_language,
    parse_language,
    parse_platform,
)


def _plan(durations: list[float], target: float = 30) -> VideoPlan:
    return VideoPlan(
        title="t", language=Language.EN, target_duration=target,
        scenes=[Scene(voiceover=f"line {i}", duration=d) for i, d in enumerate(durations)],
    )  # fmt: skip


@pytest.mark.parametrize("brief", ["", "   \n\t ", "!!! ??? 123"])
def test_empty_or_wordless_brief_is_refused(brief: str) -> None:
    with pytest.raises(BriefError) as err:
        check_brief(brief)
    assert err.value.stage == "brief" and err.value.fix


@pytest.mark.parametrize(("brief", "named"), [
    ("Un video de 30 segundos sobre mi rutina de mañana para estudiantes", "Spanish"),
    ("Une vidéo de 30 secondes sur ma routine du matin pour les étudiants", "French"),
    ("Ein 30-Sekunden-Video über meine Morgenroutine für Studenten", "German"),
    ("30秒のTikTok動画：大学生の節約モーニングルーティン", "Japanese"),
    ("대학생을 위한 30초 아침 루틴 영상", "Korean"),
    ("30-секундное видео о бюджетном утре студента", "Cyrillic"),
])  # fmt: skip
def test_a_brief_in_a_language_reelcraft_cannot_write_is_refused_by_name(brief: str, named: str) -> None:
    with pytest.raises(BriefError) as err:
        check_brief(brief)
    assert named in err.value.message and "English or Chinese" in err.value.fix


@pytest.mark.parametrize("brief", [
    "A 30-second vertical short video about: 사랑해 (Official MV)",
    "A 30-second vertical short video about: Peso Pluma - La Durango (Video Oficial)",
    "做一个30秒的竖屏短视频，主题：ワンピース最新話", "做一个30秒的竖屏短视频，主题：⚡ 非 自 然 死 亡 ⚡❸❷",
    "cats", "猫", "30 s reel: la dolce vita in Rome on a budget", "三个早起小技巧",
])  # fmt: skip
def test_a_foreign_title_inside_an_english_or_chinese_brief_is_fine(brief: str) -> None:
    assert check_brief(brief)


def test_huge_brief_is_refused_with_the_limit_in_the_fix() -> None:
    with pytest.raises(BriefError, match="20,000 characters") as err:
        check_brief("x" * 20_000)
    assert "4,000" in err.value.fix


@pytest.mark.parametrize("seconds", [0, -5, 4.9, 180.1, 3600])
def test_absurd_durations_are_refused(seconds: float) -> None:
    with pytest.raises(BriefError, match="duration"):
        check_duration(seconds)


def test_unknown_language_and_platform_name_the_supported_ones() -> None:
    with pytest.raises(BriefError, match="unsupported language 'fr'") as err:
        parse_language("fr")
    assert "en" in err.value.fix and "zh" in err.value.fix
    with pytest.raises(BriefError, match="unknown platform 'myspace'") as err:
        parse_platform("myspace")
    assert "tiktok" in err.value.fix
    assert parse_platform(" TikTok ") == Platform.TIKTOK and parse_language("ZH") == Language.ZH


def test_language_detection() -> None:
    assert detect_language("30秒抖音：大学生的省钱早晨日常，轻快") == Language.ZH
    assert detect_language("30 s TikTok: a budget morning routine") == Language.EN
    assert detect_language("TikTok 视频: 大学生 morning routine 省钱") == Language.ZH


def test_fitted_durations_sum_to_target_and_keep_proportions() -> None:
    fitted = _plan([5, 10, 25]).with_fitted_durations()
    durations = [s.duration for s in fitted.scenes]
    assert sum(durations) == pytest.approx(30, abs=1e-6)
    assert durations[2] / durations[0] == pytest.approx(5, rel=0.01)


def test_safe_box_of_vertical_preset() -> None:
    assert _plan([30]).preset.safe_box() == (65, 288, 1015, 1440)


@pytest.mark.parametrize(("text", "language", "flagged"), [
    ("Вот как выглядит утро студента с бюджетом", "en", True),  # a Russian title's script, copied whole
    ("The new video by Сергей Лазарев is out, and fans love the chorus", "en", False),  # a name inside English
    ("Try this 3-step routine before class", "en", False),
    ("早上七点起床，先喝一杯温水", "zh", False),
    ("Вот как выглядит утро студента", "zh", True),
])  # fmt: skip
def test_a_narration_the_voice_cannot_read_is_named(text: str, language: str, flagged: bool) -> None:
    assert (language_problem(text, language) is not None) == flagged


@pytest.mark.parametrize(("text", "language", "talk"), [
    ("I'm sorry, but I can't help with that request.", "en", True),
    ("As an AI, I cannot write that.", "en", True),
    ("I understand.", "en", True),
    ("好的，我明白了。", "zh", True),
    ("I'm sorry I was late again.", "en", False),
    ("Sorry, but no latte today: brew your own.", "en", False),
    ("I understand how hard mornings are.", "en", False),
    ("好的早餐只要三块钱。", "zh", False),
    ("我明白了一个道理：早起更省钱。", "zh", False),
])  # fmt: skip
def test_a_models_reply_to_the_asker_is_not_narration(text: str, language: str, talk: bool) -> None:
    """Seen in the team load test: the embedded model 'rewrote' a scene as "I'm sorry, but I can't help with that
    request." and as "好的，我明白了。", and both were spoken in the video."""
    from reelcraft.language import language_problem

    problem = language_problem(text, language)
    assert (problem is not None and "not narration" in problem) is talk
