"""Moderation in team review, on SQLite and a real PostgreSQL server: a version keeps its findings, checked again
under the project's policy; an open block stops approval unless an owner overrides it, with the reason audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_review_store import rendered

from helpers import EN_PLAN
from reelcraft.errors import AccessDenied, ReviewError
from reelcraft.plan import ModerationFlag, SafetyCategory, Severity, VideoPlan
from reelcraft.review.service import ReviewService
from reelcraft.review.tables import Status

STRICT = '[policy]\nname = "acme"\n[severity]\nclaims = "block"\n'


def _claim_plan() -> VideoPlan:
    scenes = [dict(s) for s in EN_PLAN["scenes"]]
    scenes[2]["voiceover"] = "This fund gives guaranteed returns every month."
    return VideoPlan.model_validate({**EN_PLAN, "scenes": scenes, "language": "en", "target_duration": 30})


def test_an_open_block_stops_approval_until_an_owner_overrides_it(review: ReviewService, team: dict,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    olivia, eddie, rita, project = team["olivia"], team["eddie"], team["rita"], team["project"]
    with pytest.raises(AccessDenied):
        review.set_policy(eddie, project, STRICT)  # only owners set the team's policy
    review.set_policy(olivia, project, STRICT)
    warned = ModerationFlag(category=SafetyCategory.PERSONAL_DATA, severity=Severity.WARN, span="415-555-0132",
                            reason="a phone number", field="on_screen_text", scene=4)  # fmt: skip
    draft = rendered(tmp_path, plan=_claim_plan()).model_copy(update={"flags": [warned], "policy": "tiktok"})
    saved = review.save_version(eddie, project, draft, based_on=None)
    assert saved.policy == "acme"
    (block,) = saved.open_blocks
    assert (block.scene, block.field, block.span) == (3, "voiceover", "guaranteed returns")
    assert warned in saved.flags  # what the render found stays with the version
    review.submit(eddie, draft.id, 1)
    with pytest.raises(ReviewError) as refused:
        review.approve(rita, draft.id, 1)
    assert "open moderation block" in refused.value.message and "guaranteed returns" in refused.value.message
    assert review.version(rita, draft.id, 1).status == Status.IN_REVIEW
    with pytest.raises(AccessDenied):
        review.approve(rita, draft.id, 1, override="looks fine to me")  # a reviewer cannot override
    assert review.approve(olivia, draft.id, 1, override="legal approved the fund's wording") == Status.APPROVED
    after = review.version(olivia, draft.id, 1)
    assert after.open_blocks == [] and [f.status for f in after.flags if f.severity == Severity.BLOCK] == ["overridden"]
    (entry,) = [a for a in review.audit(olivia, project) if a.action == "moderation.override"]
    assert entry.actor == "olivia" and entry.detail["reason"] == "legal approved the fund's wording"
    assert entry.detail["flags"] == ["claims: guaranteed returns"]


def test_without_a_team_policy_the_draft_is_checked_under_its_own(review: ReviewService, team: dict,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    draft = rendered(tmp_path, plan=_claim_plan()).model_copy(update={"policy": "tiktok"})
    saved = review.save_version(team["eddie"], team["project"], draft, based_on=None)
    assert saved.policy == "tiktok" and saved.open_blocks == []
    assert [(f.category, f.severity) for f in saved.flags] == [(SafetyCategory.CLAIMS, Severity.FIX)]
    review.submit(team["eddie"], draft.id, 1)
    assert review.approve(team["rita"], draft.id, 1) == Status.APPROVED


def test_a_team_policy_that_does_not_parse_is_refused_with_its_line(review: ReviewService, team: dict) -> None:
    with pytest.raises(ReviewError) as caught:
        review.set_policy(team["olivia"], team["project"], "[severity]\nclams = 'block'\n")
    assert "line 2" in caught.value.message and "'clams' is not a category" in caught.value.message
