"""The team-review store on SQLite and on a real PostgreSQL server: the status workflow, roles (each
refusal attempted), optimistic saves, the audit log, immutable versions, logins and media paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from helpers import EN_PLAN
from reelcraft.errors import AccessDenied, Conflict, LoginError, NotFound, ReviewError
from reelcraft.plan import Draft, DraftOutputs, VideoPlan
from reelcraft.review.db import table_names
from reelcraft.review.paths import safe_child
from reelcraft.review.service import Actor, ReviewService
from reelcraft.review.tables import AuditRow, Role, Status, User, VersionRow

PLAN = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
PASSWORD = "correct horse battery"


def rendered(tmp_path: Path, draft_id: str = "d-1234", plan: VideoPlan = PLAN, tag: str = "a") -> Draft:
    folder = tmp_path / f"render-{draft_id}-{tag}"
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in ("video.mp4", "captions.srt", "captions.vtt", "thumbnail.jpg", "plan.json"):
        (folder / name).write_bytes(f"{name} {tag}".encode())
        files[name] = folder / name
    outputs = DraftOutputs(video=files["video.mp4"], srt=files["captions.srt"], vtt=files["captions.vtt"],
                           thumbnail=files["thumbnail.jpg"], plan_json=files["plan.json"])  # fmt: skip
    return Draft(id=draft_id, version=1, plan=plan, outputs=outputs)


def test_the_schema_comes_from_the_alembic_migration_and_reopening_changes_nothing(review: ReviewService) -> None:
    assert {"users", "projects", "memberships", "drafts", "versions", "comments", "audit_log",
            "login_attempts", "brands", "batches", "batch_items", "batch_attempts", "jobs",
            "alembic_version"} <= set(table_names(review.engine))  # fmt: skip
    with review.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0005"
    again = ReviewService.open(review.engine.url.render_as_string(hide_password=False), review.media_root)
    assert again.drafts(Actor(0, "nobody")) == [] and table_names(again.engine) == table_names(review.engine)


def test_a_store_from_before_brand_kits_gains_them_when_opened(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from reelcraft.review.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    with create_engine(url).begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    assert "brands" not in table_names(create_engine(url))
    assert "brands" in table_names(ReviewService.open(url, tmp_path / "media").engine)


def test_the_status_workflow_and_an_audit_entry_for_every_change(review: ReviewService, team: dict,
                                                                 tmp_path: Path) -> None:  # fmt: skip
    project, eddie, rita = team["project"], team["eddie"], team["rita"]
    v1 = review.save_version(eddie, project, rendered(tmp_path), based_on=None)
    assert (v1.number, v1.status) == (1, Status.DRAFT) and v1.file("video.mp4").read_bytes() == b"video.mp4 a"
    with pytest.raises(ReviewError, match="draft: it cannot become approved"):
        review.approve(rita, v1.draft_id, 1)  # not submitted yet
    assert review.submit(eddie, v1.draft_id, 1) == Status.IN_REVIEW
    review.comment(rita, v1.draft_id, 1, "scene 2 drags", scene=2)
    assert review.request_changes(rita, v1.draft_id, 1, "tighten scene 2") == Status.CHANGES_REQUESTED
    assert review.submit(eddie, v1.draft_id, 1) == Status.IN_REVIEW
    assert review.approve(rita, v1.draft_id, 1) == Status.APPROVED
    assert review.mark_exported(eddie, v1.draft_id, 1, tmp_path / "out") == Status.EXPORTED
    with pytest.raises(ReviewError, match="exported: it cannot become in_review"):
        review.submit(eddie, v1.draft_id, 1)
    actions = [a.action for a in review.audit(team["olivia"], project)]
    assert actions == ["project.create", "member.set", "member.set", "member.set", "member.set", "version.save",
                       "status.in_review", "comment.add", "comment.add", "status.changes_requested",
                       "status.in_review", "status.approved", "status.exported"]  # fmt: skip
    moves = [a.detail for a in review.audit(team["olivia"], project) if a.action.startswith("status.")]
    assert [(m["from"], m["to"]) for m in moves] == [("draft", "in_review"), ("in_review", "changes_requested"),
                                                     ("changes_requested", "in_review"), ("in_review", "approved"),
                                                     ("approved", "exported")]  # fmt: skip


def test_each_role_is_refused_what_it_may_not_do(review: ReviewService, team: dict, tmp_path: Path) -> None:
    project, eddie, rita, vic, otto = team["project"], team["eddie"], team["rita"], team["vic"], team["otto"]
    v1 = review.save_version(eddie, project, rendered(tmp_path), based_on=None)
    review.submit(eddie, v1.draft_id, 1)
    with pytest.raises(AccessDenied, match="a reviewer cannot edit"):
        review.save_version(rita, project, rendered(tmp_path, tag="b"), based_on=1)
    with pytest.raises(AccessDenied, match="a viewer cannot comment"):
        review.comment(vic, v1.draft_id, 1, "nice")
    with pytest.raises(AccessDenied, match="a viewer cannot review"):
        review.approve(vic, v1.draft_id, 1)
    with pytest.raises(AccessDenied, match="an? editor cannot review"):
        review.approve(eddie, v1.draft_id, 1)  # editors do not approve their own work
    with pytest.raises(AccessDenied, match="a viewer cannot manage"):
        review.add_member(vic, project, "otto", Role.OWNER)
    assert review.version(vic, v1.draft_id).number == 1  # viewers watch
    # an outsider sees nothing of the project, and cannot tell it exists
    assert review.drafts(otto) == [] and review.role(otto, project) is None and review.projects(otto) == []
    for attempt in (lambda: review.version(otto, v1.draft_id), lambda: review.comment(otto, v1.draft_id, 1, "hi"),
                    lambda: review.comments(otto, v1.draft_id), lambda: review.audit(otto, project),
                    lambda: review.save_version(otto, project, rendered(tmp_path, tag="c"), based_on=1)):  # fmt: skip
        with pytest.raises(NotFound):
            attempt()
    assert [v.number for v in review.versions(eddie, v1.draft_id)] == [1]  # nothing refused left a trace
    assert review.version(eddie, v1.draft_id).status == Status.IN_REVIEW


def test_two_editors_saving_the_same_draft_the_second_gets_a_conflict(review: ReviewService, team: dict,
                                                                      tmp_path: Path) -> None:  # fmt: skip
    project, eddie, erin = team["project"], team["eddie"], team["erin"]
    review.save_version(eddie, project, rendered(tmp_path), based_on=None)
    funnier = PLAN.model_copy(update={"title": "Funnier mornings"})
    calmer = PLAN.model_copy(update={"title": "Calmer mornings"})
    review.save_version(eddie, project, rendered(tmp_path, plan=funnier, tag="eddie"), based_on=1)
    with pytest.raises(Conflict, match="at version 2 now, not 1"):
        review.save_version(erin, project, rendered(tmp_path, plan=calmer, tag="erin"), based_on=1)
    versions = review.versions(eddie, "d-1234")
    assert [(v.number, v.plan.title, v.created_by) for v in versions] == [
        (1, PLAN.title, "eddie"), (2, "Funnier mornings", "eddie")]
    assert review.save_version(erin, project, rendered(tmp_path, plan=calmer, tag="erin"), based_on=2).number == 3
    broken = rendered(tmp_path, tag="gone")
    assert broken.outputs is not None
    broken.outputs.video.unlink()  # files deleted since the render
    with pytest.raises(ReviewError, match="video.mp4 cannot be read"):
        review.save_version(erin, project, broken, based_on=3)
    assert review.drafts(erin)[0].head == 3


def test_versions_are_immutable_and_the_audit_log_append_only(review: ReviewService, team: dict,
                                                              tmp_path: Path) -> None:  # fmt: skip
    review.save_version(team["eddie"], team["project"], rendered(tmp_path), based_on=None)
    with review._sessions() as session:
        version = session.query(VersionRow).one()
        version.plan_json = "{}"
        with pytest.raises(ValueError, match="immutable"):
            session.commit()
        session.rollback()
        entry = session.query(AuditRow).first()
        session.delete(entry)
        with pytest.raises(ValueError, match="append-only"):
            session.commit()


def test_passwords_are_hashed_and_logins_rate_limited(review: ReviewService, caplog: pytest.LogCaptureFixture) -> None:
    review.create_user("paula", PASSWORD)
    with review._sessions() as session:
        stored = session.query(User).filter_by(name="paula").one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert review.login("paula", PASSWORD).name == "paula"
    for _ in range(5):
        with pytest.raises(LoginError, match="wrong user name or password"):
            review.login("paula", "not the password")
    with pytest.raises(LoginError, match="too many failed logins"):
        review.login("paula", PASSWORD)  # locked even with the right one
    with pytest.raises(ReviewError, match="too short"):
        review.create_user("shorty", "abc")
    assert PASSWORD not in caplog.text


def test_uploads_stay_inside_the_project_folder(review: ReviewService, team: dict, tmp_path: Path) -> None:
    project, eddie, rita = team["project"], team["eddie"], team["rita"]
    stored = review.add_media(eddie, project, "clips/intro.mp4", b"clip")
    assert stored.read_bytes() == b"clip" and stored.is_relative_to(review.media_root.resolve() / project)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, stored.parent / "linked")
    for bad in ("../../escape.mp4", "/tmp/escape.mp4", "clips/../../../escape.mp4", "clips/linked/x.mp4",
                "clips/linked"):  # fmt: skip  # through the symlink, and onto it
        with pytest.raises(AccessDenied):
            review.add_media(eddie, project, bad, b"evil")
    assert list(outside.iterdir()) == [] and not (review.media_root / "escape.mp4").exists()
    with pytest.raises(AccessDenied, match="a reviewer cannot edit"):
        review.add_media(rita, project, "clips/other.mp4", b"x")


def test_media_paths_cannot_leave_the_project_folder(tmp_path: Path) -> None:
    root = tmp_path / "media" / "p1"
    root.mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("x")
    os.symlink(tmp_path, root / "escape")
    assert safe_child(root, "clips/intro.mp4") == root.resolve() / "clips" / "intro.mp4"
    for bad in ("../secret.txt", "clips/../../secret.txt", "/etc/passwd", "escape/secret.txt", "C:/x", ""):
        with pytest.raises(AccessDenied):
            safe_child(root, bad)
