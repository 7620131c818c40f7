"""Moderation end to end, each outcome where a person sees it (the CLI, the chat reply, the review page):

- a guaranteed claim the writer put in the script comes out rewritten (the embedded model rewrites one too);
- a brief asking for a dangerous challenge is blocked with the reason, and no MP4 is written;
- a phone number in a scene's on-screen text is flagged, and a team policy that blocks it stops approval.

The draft is rendered once (preview) through the chat; the CLI renders the same plan from the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EN_PLAN, plan_turns
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.plan import SafetyCategory, Severity, VideoPlan

pytestmark = pytest.mark.slow

BRIEF = "30 s TikTok: a budget morning routine for college students, with my shop's number on screen at the end"
CLAIM = "Overnight oats cost fifty cents and make you lose 10 pounds in a week."
HONEST = "Overnight oats cost fifty cents and keep you full until lunch."
PHONE = "Orders: 415-555-0132"
PAGE = Path(__file__).resolve().parents[2] / "ui" / "pages" / "review.py"
PASSWORD = "correct horse battery"


SHOP_SCENE = {"voiceover": "Grab the oats kit from my shop, the number is on screen.", "on_screen_text": PHONE,
              "visual": "a paper bag of oats on a shop counter"}  # what a model writes for the creator's request


def _plan() -> dict:
    scenes = [dict(s) for s in EN_PLAN["scenes"]]
    scenes[2]["voiceover"] = CLAIM
    return {**EN_PLAN, "scenes": scenes}


def pick(action: str, scene: int = 0, text: str = "") -> dict:
    return {"action": action, "scene": scene, "text": text, "number": 0, "order": []}


def _cli(args: list[str], home: Path, models_home: Path, turns: list | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "REELCRAFT_HOME": str(home), "REELCRAFT_MODELS_HOME": str(models_home),
           "REELCRAFT_LLM__PROVIDER": "fake", "COLUMNS": "200"}  # fmt: skip
    if turns is not None:
        path = home / f"turns-{len(list(home.glob('turns-*')))}.json"
        path.write_text(json.dumps(turns), encoding="utf-8")
        env["REELCRAFT_LLM__FAKE_TURNS"] = str(path)
    return subprocess.run([sys.executable, "-m", "reelcraft.cli", *args], env=env, capture_output=True, text=True,
                          timeout=600, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> dict:
    home = tmp_path_factory.mktemp("moderation-home")
    request = f"scene 4: put '{PHONE}' on screen"
    model = ScriptedChatModel(turns=[*plan_turns(_plan()), {"text": HONEST},
                                     pick("rewrite_scene", 4, request), SHOP_SCENE])  # fmt: skip
    studio = Studio(Settings(home=home, models_home=models_home), llm=model)
    first = studio.chat("moderation", BRIEF)
    second = studio.chat("moderation", request)
    model.assert_all_used()
    return {"home": home, "first": first, "turn": second, "studio": studio}


def test_the_chat_says_what_it_rewrote_and_what_it_flagged(made: dict) -> None:
    first, second = made["first"], made["turn"]
    assert first.new_version and first.draft.outputs.video.is_file()
    assert first.draft.plan.scenes[2].voiceover == HONEST
    fixed = [f for f in first.draft.flags if f.status == "fixed"]
    assert [(f.category, f.scene, f.span) for f in fixed] == [(SafetyCategory.CLAIMS, 3, "lose 10 pounds in a week")]
    assert f"Content check: I rewrote scene 3's narration: “lose 10 pounds in a week” → “{HONEST}”" in first.reply

    assert second.new_version and second.draft.plan.scenes[3].on_screen_text == PHONE
    warned = [f for f in second.draft.flags if f.category == SafetyCategory.PERSONAL_DATA]
    assert [(f.severity, f.scene, f.field, f.span) for f in warned] == [(Severity.WARN, 4, "on_screen_text",
                                                                          "415-555-0132")]  # fmt: skip
    assert "Content check, for you to judge: scene 4's on-screen text “415-555-0132”" in second.reply
    assert "I rewrote" not in second.reply  # what the first version said is not repeated


def test_the_cli_shows_the_rewrite_and_the_warning(made: dict, models_home: Path, tmp_path: Path) -> None:
    source = tmp_path / "plan.json"  # the chat's plan with the claim as the writer first put it: all else cached
    plan = made["turn"].draft.plan
    scenes = list(plan.scenes)
    scenes[2] = scenes[2].model_copy(update={"voiceover": CLAIM})
    source.write_text(plan.model_copy(update={"scenes": scenes}).model_dump_json(), encoding="utf-8")
    done = _cli(["render", str(source), "--profile", "preview", "-o", str(tmp_path / "out.mp4")], made["home"],
                models_home, turns=[{"text": HONEST}])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.mp4").is_file()
    assert "2 finding(s)" in done.stderr and "fixed" in done.stderr and "lose 10 pounds in a week" in done.stderr
    assert "415-555-0132" in done.stderr and "warn" in done.stderr


def test_a_dangerous_challenge_is_blocked_before_anything_is_made(made: dict, models_home: Path,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    brief = "20 s TikTok: the blackout challenge, who can hold their breath until they pass out"
    out = tmp_path / "blocked.mp4"
    done = _cli(["make", brief, "--duration", "20", "--profile", "preview", "-o", str(out)], made["home"],
                models_home, turns=[])  # fmt: skip
    assert done.returncode == 2 and not out.exists()
    assert "moderation failed" in done.stderr and "blackout challenge" in done.stderr
    assert "dangerous act or challenge" in done.stderr
    studio: Studio = made["studio"]
    before = len(studio.drafts())
    turn = studio.chat("blocked", brief)
    assert not turn.new_version and len(studio.drafts()) == before
    assert turn.reply.startswith("I didn't make this video: under the tiktok policy 1 line(s) can't be published.")
    assert "“blackout challenge” — a dangerous act or challenge that can injure or kill" in turn.reply


def test_the_review_page_shows_the_flags_and_refuses_approval(made: dict,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from reelcraft.review.service import ReviewService
    from reelcraft.review.tables import Role

    monkeypatch.setenv("REELCRAFT_HOME", str(made["home"]))
    st.cache_resource.clear()
    review = ReviewService.from_settings(Settings(home=made["home"]))
    owner = review.create_user("olivia", PASSWORD)
    review.create_user("rita", PASSWORD)
    project = review.create_project(owner, "spring campaign")
    review.add_member(owner, project, "rita", Role.REVIEWER)
    review.set_policy(owner, project, '[policy]\nname = "shop"\n[severity]\n"personal_data.phone" = "block"\n')
    draft = made["turn"].draft
    review.save_version(owner, project, made["first"].draft, based_on=None)
    review.save_version(owner, project, draft, based_on=1)
    review.submit(owner, draft.id, 2)

    app = AppTest.from_file(str(PAGE), default_timeout=120).run()
    app.text_input[0].set_value("rita")
    app.text_input[1].set_value(PASSWORD)
    app = app.button[0].click().run()
    assert not app.exception, app.exception
    errors = [e.value for e in app.error]
    assert any("block · personal_data · on screen text: “415-555-0132”" in e for e in errors), errors
    assert any("fixed · claims · voiceover: “lose 10 pounds in a week”" in c.value for c in app.caption)
    next(b for b in app.button if b.label == "✅ Approve").click().run()
    assert any("open moderation block" in e.value for e in app.error)
    assert review.version(owner, draft.id, 2).status.value == "in_review"


@pytest.mark.embedded_llm
def test_the_embedded_model_rewrites_a_guaranteed_returns_claim(tmp_path: Path, models_home: Path) -> None:
    from reelcraft.safety.check import check_plan
    from reelcraft.safety.policy import preset
    from reelcraft.tools.moderation import moderate_plan

    studio = Studio(Settings(home=tmp_path, models_home=models_home))
    scenes = [dict(s) for s in EN_PLAN["scenes"]]
    scenes[2]["voiceover"] = "Put your savings in this fund: guaranteed returns of 20% every month, zero risk."
    plan = VideoPlan.model_validate({**EN_PLAN, "scenes": scenes, "language": "en", "target_duration": 30})
    fixed, flags = moderate_plan(plan, studio.deps)
    assert [f for f in check_plan(fixed, preset("tiktok")) if f.severity != Severity.WARN] == []
    (done,) = [f for f in flags if f.status == "fixed"]
    assert done.scene == 3 and done.fixed_to == fixed.scenes[2].voiceover != plan.scenes[2].voiceover
    print("embedded rewrite:", fixed.scenes[2].voiceover)
