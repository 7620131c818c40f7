"""The chat page in a real browser: `reelcraft ui` serves it on localhost, Debian's chromium (driven by
playwright, no browser download) types a brief, waits for the plan's reply and a <video> that plays, sends
one edit, reloads the page, and saves screenshots. The LLM is scripted (REELCRAFT_LLM__FAKE_TURNS); the
voice, music, captions and rendering are real."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_server import launch_chromium, start_ui, stop_ui

from helpers import EN_BRIEF, EN_PLAN, EN_TURNS


def pick(action: str, scene: int = 0, text: str = "", number: float = 0) -> dict:
    return {"action": action, "scene": scene, "text": text, "number": number, "order": []}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> Iterator[str]:
    work = tmp_path_factory.mktemp("ui-server")
    turns = [*EN_TURNS, pick("change_music", text="calmer")]  # the brief needs no action choice, only a plan
    (work / "turns.json").write_text(json.dumps(turns), encoding="utf-8")
    env = {**os.environ, "REELCRAFT_HOME": str(work / "home"), "REELCRAFT_MODELS_HOME": str(models_home),
           "REELCRAFT_LLM__PROVIDER": "fake", "REELCRAFT_LLM__FAKE_TURNS": str(work / "turns.json")}  # fmt: skip
    process, url = start_ui(env, work / "server.log")
    yield url
    stop_ui(process)


def test_a_brief_becomes_a_playable_video_and_an_edit_a_new_version(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server}/?session=browser-test")
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=60_000)
        box.fill(EN_BRIEF)
        box.press("Enter")
        expect(page.get_by_text("Here's a first draft")).to_be_visible(timeout=300_000)
        video = page.locator("video").first
        expect(video).to_be_attached(timeout=60_000)
        page.wait_for_function("() => { const v = document.querySelector('video'); return v && v.duration > 0; }",
                               timeout=60_000)  # fmt: skip
        duration = page.evaluate("() => document.querySelector('video').duration")
        assert 25 <= duration <= 35
        page.evaluate("() => document.querySelector('video').play()")
        page.wait_for_function("() => document.querySelector('video').currentTime > 0.2", timeout=30_000)
        page.screenshot(path=str(tmp_path / "first-draft.png"), full_page=True)

        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("calmer music")
        box.press("Enter")
        expect(page.get_by_text("version 2")).to_be_visible(timeout=300_000)
        expect(page.get_by_text(f"{EN_PLAN['title']} · v2")).to_be_visible(timeout=60_000)
        page.screenshot(path=str(tmp_path / "after-edit.png"), full_page=True)

        page.reload()  # the session lives in the store: the conversation comes back
        expect(page.get_by_text("calmer music", exact=True)).to_be_visible(timeout=60_000)
        expect(page.get_by_text(f"{EN_PLAN['title']} · v2")).to_be_visible(timeout=60_000)
        browser.close()
    for name in ("first-draft.png", "after-edit.png"):
        assert (tmp_path / name).stat().st_size > 20_000
    keep = os.environ.get("REELCRAFT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name in ("first-draft.png", "after-edit.png"):
            shutil.copyfile(tmp_path / name, Path(keep) / name)
