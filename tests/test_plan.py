from __future__ import annotations

import pytest

from reelcraft.errors import BriefError
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
