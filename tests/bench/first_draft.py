"""Brief → first preview visible in the chat page, with the embedded LLM (a script, not a test).

Starts `reelcraft ui` on localhost with a scratch data directory (sharing the joined model weights), opens
it in Debian's chromium through playwright, types the brief, and times until the outline (hook and beats)
shows in the chat's status box, and until the assistant's reply and a <video> that has loaded
(duration > 0) are on the page. Run it on a machine that has never run reelcraft: a fresh data directory,
only the installed model files (and the prompt states `make install` made) shared.

Last line: {"seconds_to_outline", "seconds_to_preview", "video_seconds"}; targets ≤ 20 s and ≤ 90 s.

    python tests/bench/first_draft.py ["brief"]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from reelcraft.config import Settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from ui_server import launch_chromium, start_ui, stop_ui  # noqa: E402

BRIEF = "30 s TikTok: a budget morning routine for college students, upbeat"


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    brief = sys.argv[1] if len(sys.argv) > 1 else BRIEF
    work = Path(tempfile.mkdtemp(prefix="reelcraft-first-draft-"))
    env = {**os.environ, "REELCRAFT_HOME": str(work / "home"), "REELCRAFT_MODELS_HOME": str(Settings().models_dir)}
    process, url = start_ui(env, work / "server.log")
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/?session=first-draft")
            box = page.get_by_test_id("stChatInputTextArea")
            expect(box).to_be_visible(timeout=60_000)
            box.fill(brief)
            started = time.perf_counter()
            box.press("Enter")
            page.get_by_text("Outline · ", exact=False).first.wait_for(timeout=600_000)  # the card above the status
            outline = time.perf_counter() - started
            expect(page.locator("[data-testid='stChatMessage']").nth(1).locator("p").last).to_be_visible(
                timeout=600_000)
            page.wait_for_function("() => { const v = document.querySelector('video'); return v && v.duration > 0; }",
                                   timeout=600_000)  # fmt: skip
            preview = time.perf_counter() - started  # the reply and the video arrive in the same page update
            duration = page.evaluate("() => document.querySelector('video').duration")
            page.screenshot(path=str(work / "first-draft.png"))
            browser.close()
    finally:
        stop_ui(process)
    print(f"screenshot: {work / 'first-draft.png'}")
    print(json.dumps({"seconds_to_outline": round(outline, 1), "seconds_to_preview": round(preview, 1),
                      "video_seconds": round(float(duration), 2)}))


if __name__ == "__main__":
    main()
