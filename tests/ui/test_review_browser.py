"""The review page in a real browser (Debian's chromium via playwright): a reviewer signs in, comments on
scene 2 (with a script tag and a markdown image in the text, which must show as text), requests changes;
an editor signs in and applies the comment; a new version appears where only scene 2 changed. The LLM is
scripted; rendering, the review store and the page are real."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_server import launch_chromium, start_ui, stop_ui

from helpers import EN_TURNS
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.plan import plan_diff
from reelcraft.review.service import ReviewService
from reelcraft.review.tables import Role, Status

PASSWORD = "correct horse battery"
FUNNY = {"voiceover": "Drink water first, because your phone is not a breakfast.", "on_screen_text": "Water > phone",
         "visual": "student toasting with a glass of water"}  # fmt: skip
TRICKY = "Funnier please <script>window.pwned = 1</script> ![x](http://127.0.0.1:9/evil.png)"


@pytest.fixture(scope="module")
def review_server(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> Iterator[tuple[str, Settings, str]]:
    work = tmp_path_factory.mktemp("review-ui")
    settings = Settings(home=work / "home", models_home=models_home)
    studio = Studio(settings, llm=ScriptedChatModel(turns=EN_TURNS))
    draft = studio.create("a budget morning routine for college students", duration=30, profile="preview",
                          trends=False)  # fmt: skip
    review = ReviewService.from_settings(settings)
    owner, eddie = review.create_user("olivia", PASSWORD), review.create_user("eddie", PASSWORD)
    review.create_user("rita", PASSWORD)
    project = review.create_project(owner, "spring campaign")
    review.add_member(owner, project, "rita", Role.REVIEWER)
    review.add_member(owner, project, "eddie", Role.EDITOR)
    review.save_version(eddie, project, draft, based_on=None)
    review.submit(eddie, draft.id, 1)
    (work / "turns.json").write_text(json.dumps([FUNNY]), encoding="utf-8")  # the rewrite of scene 2
    env = {**os.environ, "REELCRAFT_HOME": str(settings.home), "REELCRAFT_MODELS_HOME": str(models_home),
           "REELCRAFT_LLM__PROVIDER": "fake", "REELCRAFT_LLM__FAKE_TURNS": str(work / "turns.json")}  # fmt: skip
    process, url = start_ui(env, work / "server.log")
    yield url, settings, draft.id
    stop_ui(process)


def _sign_in(page, name: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page.get_by_label("User name").fill(name)
    page.locator("input[type=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible(timeout=60_000)


def test_a_reviewer_comments_and_an_editor_applies_it(review_server: tuple[str, Settings, str], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, settings, draft_id = review_server
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{url}/review")
        _sign_in(page, "rita")
        expect(page.get_by_text("👀 in review").first).to_be_visible(timeout=60_000)
        player = page.frame_locator("iframe[title*='review_player']").locator("video")
        expect(player).to_be_attached(timeout=60_000)
        page.get_by_label("Your comment").fill(TRICKY)
        page.get_by_text("scene 2", exact=True).click()  # "On": the scene the comment is about
        page.get_by_role("button", name="Add comment").click()
        expect(page.get_by_text(TRICKY, exact=True)).to_be_visible(timeout=60_000)  # shown as plain text
        assert page.evaluate("() => window.pwned") is None
        assert page.locator("img[src*='evil.png']").count() == 0
        frame = page.frame_locator("iframe[title*='review_player']")  # a comment at the player's moment
        frame.locator("video").evaluate("v => new Promise(done => { v.onseeked = done; v.currentTime = 12.5; })")
        frame.get_by_role("button", name="Comment at 12.5 s").click()
        page.get_by_label("Your comment").fill("the music drops here")
        expect(page.get_by_text("at 12.5 s", exact=True)).to_be_visible(timeout=30_000)  # chosen for the comment
        page.get_by_role("button", name="Add comment").click()
        expect(page.get_by_text("the music drops here", exact=True)).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="✏️ Request changes").click()
        expect(page.get_by_text("✏️ changes requested").first).to_be_visible(timeout=60_000)
        page.screenshot(path=str(tmp_path / "reviewer.png"), full_page=True)
        page.get_by_role("button", name="Sign out").click()

        _sign_in(page, "eddie")
        page.get_by_role("button", name="🤖 Apply as an edit").first.click()  # #1, the scene-2 comment
        expect(page.get_by_text("v1 → v2:")).to_be_visible(timeout=300_000)
        expect(page.get_by_text("applied in v2")).to_be_visible(timeout=60_000)
        page.screenshot(path=str(tmp_path / "editor.png"), full_page=True)
        browser.close()
    review = ReviewService.from_settings(settings)
    eddie = review.login("eddie", PASSWORD)
    v1, v2 = review.versions(eddie, draft_id)
    assert v1.status == Status.CHANGES_REQUESTED and v2.status == Status.DRAFT
    assert plan_diff(v1.plan, v2.plan) == ["scenes[2].on_screen_text", "scenes[2].visual", "scenes[2].voiceover"]
    timed = [c for c in review.comments(eddie, draft_id) if c.text == "the music drops here"]
    assert len(timed) == 1 and timed[0].at_seconds == pytest.approx(12.5, abs=0.05) and timed[0].scene is None
    assert (tmp_path / "editor.png").stat().st_size > 20_000
    keep = os.environ.get("REELCRAFT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name in ("reviewer.png", "editor.png"):
            shutil.copyfile(tmp_path / name, Path(keep) / name)
