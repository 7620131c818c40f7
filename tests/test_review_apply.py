"""A reviewer's comment on scene 2, applied by an editor: a new version where only scene 2 changed, made
from cached assets for everything else, with the comment marked as applied."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import EN_TURNS
from reelcraft import Studio
from reelcraft.agent.comments import apply_comment, scene_at
from reelcraft.config import Settings
from reelcraft.errors import AccessDenied, ReviewError
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.plan import plan_diff
from reelcraft.review.service import ReviewService
from reelcraft.review.tables import Role, Status

PASSWORD = "correct horse battery"
FUNNY = {"voiceover": "Drink water first, because your phone is not a breakfast.", "on_screen_text": "Water > phone",
         "visual": "student toasting with a glass of water"}  # fmt: skip


def test_applying_a_scene_comment_makes_a_version_where_only_that_scene_changed(tmp_path: Path,
                                                                                models_home: Path) -> None:  # fmt: skip
    studio = Studio(Settings(home=tmp_path / "home", models_home=models_home),
                    llm=ScriptedChatModel(turns=[*EN_TURNS, FUNNY]))  # fmt: skip
    draft = studio.create("a budget morning routine for college students", duration=30, profile="preview",
                          trends=False)  # fmt: skip
    review = ReviewService.open(f"sqlite:///{tmp_path / 'review.db'}", tmp_path / "media")
    owner, rita, eddie = (review.create_user(n, PASSWORD) for n in ("olivia", "rita", "eddie"))
    project = review.create_project(owner, "campaign")
    review.add_member(owner, project, "rita", Role.REVIEWER)
    review.add_member(owner, project, "eddie", Role.EDITOR)
    v1 = review.save_version(eddie, project, draft, based_on=None)
    review.submit(eddie, draft.id, 1)
    note = review.comment(rita, draft.id, 1, "make it funnier", scene=2)
    review.request_changes(rita, draft.id, 1)
    with pytest.raises(AccessDenied, match="a reviewer cannot edit"):
        apply_comment(studio, review, rita, note.id)

    before = studio.cache_stats()
    v2 = apply_comment(studio, review, eddie, note.id)
    assert (v2.number, v2.status, v2.created_by) == (2, Status.DRAFT, "eddie") and "comment #" in v2.note
    assert plan_diff(v1.plan, v2.plan) == ["scenes[2].on_screen_text", "scenes[2].visual", "scenes[2].voiceover"]
    assert v2.plan.scenes[1].voiceover == FUNNY["voiceover"]
    spoken = studio.cache_stats()["voiceover"]["misses"] - before["voiceover"]["misses"]
    assert spoken == 1  # only scene 2 was spoken again
    assert review.comment_by_id(eddie, note.id).applied_in == 2
    assert review.version(eddie, draft.id, 1).status == Status.CHANGES_REQUESTED  # v1 itself is untouched
    with pytest.raises(ReviewError, match="already applied in version 2"):
        apply_comment(studio, review, eddie, note.id)
    assert "comment.apply" in [a.action for a in review.audit(owner, project)]
    assert scene_at(v2, 0.1) == 1 and scene_at(v2, v2.plan.target_duration - 0.1) == len(v2.plan.scenes)
