"""The review page's pieces with Streamlit's AppTest (fast; the browser test drives the whole round):
signing in, a wrong password, and an editor putting a draft from the chat up for review."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from helpers import EN_PLAN
from reelcraft.config import Settings
from reelcraft.plan import DraftOutputs, VideoPlan
from reelcraft.review.service import ReviewService
from reelcraft.review.tables import Role
from reelcraft.storage.drafts import DraftStore

PAGE = Path(__file__).resolve().parents[2] / "ui" / "pages" / "review.py"
PASSWORD = "correct horse battery"


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import streamlit as st

    monkeypatch.setenv("REELCRAFT_HOME", str(tmp_path / "home"))
    st.cache_resource.clear()  # a ReviewService from another test would carry its home
    settings = Settings()
    review = ReviewService.from_settings(settings)
    owner = review.create_user("olivia", PASSWORD)
    review.create_user("eddie", PASSWORD)
    review.create_user("vic", PASSWORD)
    project = review.create_project(owner, "spring campaign")
    review.add_member(owner, project, "eddie", Role.EDITOR)
    review.add_member(owner, project, "vic", Role.VIEWER)
    store = DraftStore(settings.drafts_dir)  # a draft made in the chat: files in its version folder
    plan = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
    draft = store.new_version(None, plan=plan, brief="mornings")
    folder = store.version_dir(draft.id, draft.version)
    for name in ("video.mp4", "captions.srt", "captions.vtt", "plan.json"):
        (folder / name).write_bytes(name.encode())
    Image.new("RGB", (54, 96), (200, 120, 40)).save(folder / "thumbnail.jpg")
    store.save(draft.model_copy(update={"outputs": DraftOutputs(
        video=folder / "video.mp4", srt=folder / "captions.srt", vtt=folder / "captions.vtt",
        thumbnail=folder / "thumbnail.jpg", plan_json=folder / "plan.json")}))  # fmt: skip
    return tmp_path / "home"


def _signed_in(name: str, password: str = PASSWORD) -> AppTest:
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    app.text_input[0].set_value(name)
    app.text_input[1].set_value(password)
    return app.button[0].click().run()


def test_a_wrong_password_is_an_error_not_a_traceback(home: Path) -> None:
    app = _signed_in("eddie", "not the password")
    assert not app.exception and "wrong user name or password" in app.error[0].value


def test_an_editor_puts_a_chat_draft_up_for_review_and_a_viewer_cannot(home: Path) -> None:
    viewer = _signed_in("vic")
    assert not viewer.exception and not [e for e in viewer.expander if "Put a draft" in e.label]
    app = _signed_in("eddie")
    assert not app.exception and "Signed in as **eddie**" in [m.value for m in app.sidebar.markdown]
    submit = next(b for b in app.button if b.label == "Put up for review")
    submit.click().run()
    assert not app.exception, app.exception
    assert any("is up for review as v1" in s.value for s in app.success)
    review = ReviewService.from_settings(Settings())
    (listed,) = review.drafts(review.login("vic", PASSWORD))
    assert listed.head == 1 and listed.title == EN_PLAN["title"]
