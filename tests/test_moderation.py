"""Moderation: what the lexicons, patterns and policies find (and leave alone), how a plan is fixed or blocked,
and how a blocked version is kept from approval. (The labelled-set figures: tests/bench/moderation.py; a draft
end to end: tests/e2e/test_moderation_e2e.py.)"""

from __future__ import annotations

import time

import pytest

from helpers import EN_PLAN, ZH_PLAN
from reelcraft.config import Settings
from reelcraft.errors import ModerationBlocked, ModerationError
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.plan import SafetyCategory, Severity, VideoPlan
from reelcraft.safety.check import check_text
from reelcraft.safety.policy import Policy, preset, read_policy
from reelcraft.tools.deps import Deps
from reelcraft.tools.moderation import ModerationInput, TextToCheck, check_texts, classifier_setting, moderate_plan

TIKTOK = preset("tiktok")


def findings(text: str, policy=TIKTOK) -> list[tuple[str, str, str]]:  # noqa: ANN001
    return [(f.category.value, f.severity.value, f.span) for f in check_text(text, policy)]


@pytest.mark.parametrize("text", [
    "this workout will kill you", "kill it at the gym today", "shoot your shot", "how I shoot a video in one take",
    "a killer deal on headphones", "drugstore skincare haul", "I'm dead 😂", "dead lift form check",
    "Suicide Squad trailer reaction", "crack an egg into the pan", "the gun show: a biceps day",
    "杀青快乐！", "炸鸡配啤酒", "今天直播带货杀疯了", "毒舌点评新电影", "狼人杀新手攻略", "吸猫日常", "笑死我了",
    "投资有风险，入市需谨慎", "price $1,299, sale ends 2024-05-18", "1000000 views in a day", "订单号 2024051812345678",
    "Never mix bleach and ammonia — cleaning safety 101", "😂😂😂🔥🔥",
])  # fmt: skip
def test_everyday_words_that_trip_naive_filters_are_left_alone(text: str) -> None:
    assert findings(text) == []


@pytest.mark.parametrize(("text", "category", "severity"), [
    ("try the blackout challenge tonight", "dangerous", "block"),
    ("k\u200bys, nobody would miss you", "self_harm", "block"),  # a zero-width space inside the word
    ("kіll yourself", "self_harm", "block"),  # a Cyrillic і
    ("ｋｉｌｌ ｙｏｕｒｓｅｌｆ", "self_harm", "block"),  # full-width letters
    ("k y s", "self_harm", "block"),  # spaced out
    ("自 杀 方 法 教程", "self_harm", "block"),  # spaced-out Chinese
    ("周末一起 fei ye zi", "drugs_weapons", "block"),  # pinyin
    ("吃洗衣球挑战", "dangerous", "block"),
    ("This tea cures cancer", "claims", "fix"),
    ("稳赚不赔的理财产品", "claims", "fix"),
    ("follow for follow!", "spam", "warn"),
])  # fmt: skip
def test_evasions_are_read_through(text: str, category: str, severity: str) -> None:
    assert (category, severity) in {(c, s) for c, s, _ in findings(text)}


def test_personal_data_is_found_by_its_shape_and_checksums() -> None:
    kinds = {text: [(c, s) for c, s, _ in findings(text)] for text in (
        "call me at 415-555-0132", "我的手机 138 1234 5678", "mail jo.smith at gmail dot com",
        "身份证 110105199003071239", "card 4111 1111 1111 1111", "I live at 42 Elm Street, Apt 5",
        "电话一三八一二三四五六七八",
    )}  # fmt: skip
    assert all(v and v[0][0] == "personal_data" for v in kinds.values()), kinds
    assert kinds["身份证 110105199003071239"] == [("personal_data", "block")]
    assert kinds["call me at 415-555-0132"] == [("personal_data", "warn")]
    assert findings("幸运数字 110105199003071238") == []  # wrong check digit, and not called an ID: not one
    assert findings("身份证 110105199003071238")[0][:2] == ("personal_data", "block")  # called one: it is one
    assert findings("card 4111 1111 1111 1112") == []  # fails Luhn


def test_a_span_is_quoted_exactly_as_written() -> None:
    text = "Pro tip: k\u200bys — just kidding"
    (flag,) = check_text(text, TIKTOK)
    assert flag.span == "k\u200bys" and text[flag.start:flag.start + len(flag.span)] == flag.span


def test_a_twenty_thousand_character_text_is_checked_quickly_and_whole() -> None:
    text = "A calm study vlog with tea. " * 714 + "try the choking challenge"
    assert len(text) > 20_000
    started = time.perf_counter()
    found = findings(text)
    assert time.perf_counter() - started < 2.0
    assert ("dangerous", "block", "choking challenge") in found


def test_platform_presets_and_team_policies() -> None:
    assert findings("add me on WeChat: coffee_jo88")[0][1] == "warn"
    assert findings("add me on WeChat: coffee_jo88", preset("douyin"))[0][1] == "fix"  # 引流 is not allowed there
    team = read_policy('[policy]\nname = "acme"\nextends = "tiktok"\n[severity]\nclaims = "block"\n'
                       '"personal_data.phone" = "off"\nminors = "off"\n[terms]\nblock = ["RivalCola"]\n'
                       'allow = ["cures boredom"]\n')  # fmt: skip
    assert findings("This tea cures cancer", team)[0][1] == "block"
    assert findings("call 415-555-0132", team) == []
    assert findings("RivalCola is better", team) == [("team", "block", "RivalCola")]
    assert findings("this game cures boredom", team) == []
    assert ("minors", "block") in {(c, s) for c, s, _ in findings("sexy pics of 14 year old girls", team)}


@pytest.mark.parametrize(("text", "line", "words"), [
    ("[policy\nname = 'x'", 1, "does not parse"),
    ("[policy]\nname = 'x'\n[severity]\nclams = 'block'\n", 4, "'clams' is not a category"),
    ("[policy]\n[severity]\nspam = 'maybe'\n", 3, "is not a severity"),
    ("[policy]\n[terms]\nblock = 'RivalCola'\n", 3, "must be a list"),
    ("[policy]\nextends = 'myspace'\n", None, "no moderation policy called 'myspace'"),
])  # fmt: skip
def test_a_policy_file_that_does_not_parse_names_its_line(text: str, line: int | None, words: str) -> None:
    with pytest.raises(ModerationError) as caught:
        read_policy(text, "team.toml")
    assert caught.value.stage == "moderation" and words in caught.value.message
    if line is not None:
        assert f"line {line}" in caught.value.message


def _plan(update: dict, base: dict = EN_PLAN, language: str = "en") -> VideoPlan:
    return VideoPlan.model_validate({**base, "language": language, "target_duration": 30, **update})


def _deps(settings: Settings, turns: list) -> Deps:
    return Deps.from_settings(settings, llm=ScriptedChatModel(turns=turns))


def test_a_claim_is_rewritten_by_the_writer_and_checked_again(settings: Settings) -> None:
    scenes = [dict(s) for s in EN_PLAN["scenes"]]
    scenes[2]["voiceover"] = "This coin gives guaranteed returns of 20% a month."
    fixed = "This coin has had big months, but returns are never guaranteed."
    deps = _deps(settings, [{"text": fixed}])
    plan, flags = moderate_plan(_plan({"scenes": scenes}), deps)
    assert plan.scenes[2].voiceover == fixed
    (done,) = [f for f in flags if f.status == "fixed"]
    assert done.category == SafetyCategory.CLAIMS and done.scene == 3 and done.fixed_to == fixed
    assert "guaranteed returns" in deps.llm.calls[0]["messages"][1].content  # type: ignore[union-attr]


def test_a_claim_the_writer_cannot_fix_gets_a_disclaimer(settings: Settings) -> None:
    scenes = [dict(s) for s in ZH_PLAN["scenes"]]
    scenes[1]["voiceover"] = "这款理财稳赚不赔。"
    deps = _deps(settings, [{"text": "这款理财稳赚不赔，快来买。"}, {"text": "真的稳赚不赔。"}])
    plan, flags = moderate_plan(_plan({"scenes": scenes}, ZH_PLAN, "zh"), deps)
    assert plan.scenes[1].voiceover.endswith("投资有风险，入市需谨慎。")
    assert [f.status for f in flags if f.category == SafetyCategory.CLAIMS] == ["fixed"]


def test_a_block_stops_the_plan_with_every_reason(settings: Settings) -> None:
    scenes = [dict(s) for s in EN_PLAN["scenes"]]
    scenes[1]["on_screen_text"] = "Blackout challenge!"
    with pytest.raises(ModerationBlocked) as caught:
        moderate_plan(_plan({"scenes": scenes}), _deps(settings, []))
    (flag,) = [f for f in caught.value.flags if f.severity == Severity.BLOCK]
    assert (flag.scene, flag.field, flag.span) == (2, "on_screen_text", "Blackout challenge")
    assert "scene 2 on screen text" in caught.value.message and caught.value.policy == "tiktok"


def test_a_phone_number_on_screen_is_recorded_as_a_warning(settings: Settings) -> None:
    scenes = [dict(s) for s in EN_PLAN["scenes"]]
    scenes[3]["on_screen_text"] = "Orders: 415-555-0132"
    deps = _deps(settings, [])
    plan, flags = moderate_plan(_plan({"scenes": scenes}), deps)
    assert plan.scenes[3].on_screen_text == "Orders: 415-555-0132"  # a warning changes nothing
    assert [(f.category.value, f.severity.value, f.scene) for f in flags] == [("personal_data", "warn", 4)]
    assert any("415-555-0132" in w for w in deps.warnings)


def test_the_classifier_blocks_what_the_word_lists_miss_and_passes_a_plain_line(settings: Settings) -> None:
    deps = Deps.from_settings(settings)
    out = check_texts(ModerationInput(texts=[
        TextToCheck(text="Skip breakfast and lunch, hunger means it is working, thinner by Friday"),
        TextToCheck(text="Overnight oats cost fifty cents and keep you full until lunch."),
        TextToCheck(text="Pack the kids' lunchboxes the night before to save the morning"),
    ]), deps)  # fmt: skip
    assert [(f.category.value, f.severity.value) for f in out.findings] == [("self_harm", "block")]
    assert "reads as" in out.findings[0].reason


def test_a_policy_can_only_soften_what_the_classifier_says_unless_it_names_the_classifier() -> None:
    plain = Policy(name="t", severity={})
    assert classifier_setting(plain, SafetyCategory.VIOLENCE, Severity.BLOCK) == Severity.BLOCK
    # minors always block for the word lists; the classifier's minors head fires on any child, so it warns
    assert classifier_setting(plain, SafetyCategory.MINORS, Severity.WARN) == Severity.WARN
    strict = Policy(name="t", severity={"spam": Severity.BLOCK, "hate": Severity.WARN, "drugs_weapons": "off"})
    assert classifier_setting(strict, SafetyCategory.SPAM, Severity.WARN) == Severity.WARN
    assert classifier_setting(strict, SafetyCategory.HATE, Severity.BLOCK) == Severity.WARN
    assert classifier_setting(strict, SafetyCategory.DRUGS_WEAPONS, Severity.BLOCK) is None
    named = Policy(name="t", severity={"spam.classifier": Severity.BLOCK, "violence.classifier": "off"})
    assert classifier_setting(named, SafetyCategory.SPAM, Severity.WARN) == Severity.BLOCK
    assert classifier_setting(named, SafetyCategory.VIOLENCE, Severity.BLOCK) is None
