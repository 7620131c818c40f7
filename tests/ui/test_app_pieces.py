"""The chat page's pieces with Streamlit's AppTest (in-process, fast): a brief becomes a reply, a
storyboard and download buttons; an edit adds a version; the session survives a fresh page; a bad
message gets an answer, not a traceback. The browser test (test_browser.py) drives the real server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from helpers import EN_PLAN, EN_TURNS

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
BRIEF = "a budget morning routine for college students, upbeat"  # names no platform: the sidebar's applies


def pick(action: str, scene: int = 0, text: str = "", number: float = 0) -> dict:
    return {"action": action, "scene": scene, "text": text, "number": number, "order": []}


@pytest.fixture()
def app_env(tmp_path: Path, models_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    import streamlit as st

    turns = [*EN_TURNS, pick("change_music", text="calmer")]  # the brief needs no action choice, only a plan
    (tmp_path / "turns.json").write_text(json.dumps(turns), encoding="utf-8")
    monkeypatch.setenv("REELCRAFT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REELCRAFT_MODELS_HOME", str(models_home))
    monkeypatch.setenv("REELCRAFT_LLM__PROVIDER", "fake")
    monkeypatch.setenv("REELCRAFT_LLM__FAKE_TURNS", str(tmp_path / "turns.json"))
    st.cache_resource.clear()  # a Studio from another test would carry its home
    yield tmp_path / "home"
    from reelcraft.studio.jobs import shared_queue

    shared_queue().stop()


def settled(app: AppTest) -> AppTest:
    """The page once the chat's queued turns have run (the queue's workers run them, not the page's script)."""
    from reelcraft.studio.jobs import shared_queue

    queue = shared_queue()
    for job in queue.store.for_session(app.query_params["session"][0] if isinstance(
            app.query_params["session"], list) else app.query_params["session"]):
        assert queue.wait(job.id, timeout_s=600).finished
    return app.run()


def _app(session: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=600)
    app.query_params["session"] = session
    return app.run()


def test_a_brief_then_an_edit_in_the_chat_page(app_env: Path) -> None:
    app = _app("apptest")
    assert not app.exception
    platform = next(box for box in app.sidebar.selectbox if box.label == "Platform for new videos")
    assert platform.value == "tiktok"
    platform.set_value("shorts").run()  # the sidebar's choices are the session's, saved in the store
    saved = json.loads((app_env / "sessions" / "apptest.json").read_text(encoding="utf-8"))
    assert saved["platform"] == "shorts"
    app = settled(app.chat_input[0].set_value(BRIEF).run())
    assert not app.exception, app.exception
    texts = [m.markdown[-1].value for m in app.chat_message if m.markdown]
    assert texts[0] == BRIEF and any("first draft" in t for t in texts)
    assert [b.label for b in app.get("download_button")] == ["⬇️ MP4", "⬇️ SRT captions", "⬇️ plan JSON"]
    storyboard = list((app_env / "drafts").glob("*/v1/storyboard/scene*.jpg"))
    assert len(storyboard) == 4 and all(p.stat().st_size > 1000 for p in storyboard)
    fits = [c.value for c in app.caption if "fit " in c.value]
    assert len(fits) == 4 and all(re.search(r"fit \d\.\d\d", f) for f in fits), fits  # a score per scene
    assert any(EN_PLAN["title"] in h.value for h in app.subheader)
    assert "shorts" in texts[-1]  # the new video took the sidebar's platform

    app = settled(app.chat_input[0].set_value("calmer music").run())
    assert not app.exception and any("v2" in h.value for h in app.subheader)

    reloaded = _app("apptest")  # a new page on the same session: the conversation is still there
    shown = [m.markdown[-1].value for m in reloaded.chat_message if m.markdown]
    assert shown[0] == BRIEF and shown[2] == "calmer music" and len(shown) == 4


@pytest.mark.unused_turns(reason="the message is refused before any model call; the queue's job loads the model "
                                  "up front (Deps.for_item), so the scripted model exists with its turns unused")
def test_an_empty_or_huge_message_is_answered_not_a_traceback(app_env: Path) -> None:
    app = _app("apptest-bad")
    app = settled(app.chat_input[0].set_value("x" * 20_000).run())
    assert not app.exception and not app.error
    replies = [m.markdown[-1].value for m in app.chat_message if m.name == "assistant" and m.markdown]
    assert any("too long" in r for r in replies)
