"""Team review: who may do what to which draft version, enforced in one place.

The UI, the CLI and the Python API all go through `ReviewService`, so the rules cannot differ between
them. Every state change writes its audit entry in the same transaction. Saves are optimistic: a version
is saved against the head the editor started from, and a second editor saving from the same head gets
`Conflict`, never an overwrite. Outsiders get `NotFound` for another project's things, never a hint that
they exist. It stays one module past 400 lines on purpose: every permission check, state move and audit
write sits in one class so the rules can be read (and reviewed) together.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reelcraft.brand import BrandKit
from reelcraft.config import Settings
from reelcraft.errors import AccessDenied, BrandError, CaptionError, Conflict, LoginError, NotFound, ReviewError
from reelcraft.plan import Draft, ModerationFlag, Severity, VideoPlan
from reelcraft.review.db import open_engine, session_factory
from reelcraft.review.paths import safe_child
from reelcraft.review.tables import (
    AuditRow,
    BrandRow,
    CommentRow,
    DraftRow,
    LoginAttempt,
    Membership,
    Project,
    Role,
    Status,
    User,
    VersionRow,
    utcnow,
)

ALLOWED: dict[str, frozenset[Role]] = {
    "view": frozenset(Role),
    "comment": frozenset({Role.OWNER, Role.EDITOR, Role.REVIEWER}),
    "edit": frozenset({Role.OWNER, Role.EDITOR}),
    "submit": frozenset({Role.OWNER, Role.EDITOR}),
    "review": frozenset({Role.OWNER, Role.REVIEWER}),
    "export": frozenset({Role.OWNER, Role.EDITOR, Role.REVIEWER}),
    "manage": frozenset({Role.OWNER}),
}
"""What each role may do; editors change drafts, reviewers comment and decide, viewers only watch."""
TRANSITIONS: dict[tuple[Status, Status], str] = {
    (Status.DRAFT, Status.IN_REVIEW): "submit",
    (Status.CHANGES_REQUESTED, Status.IN_REVIEW): "submit",
    (Status.IN_REVIEW, Status.APPROVED): "review",
    (Status.IN_REVIEW, Status.CHANGES_REQUESTED): "review",
    (Status.APPROVED, Status.EXPORTED): "export",
}
MEDIA_FILES = ("video.mp4", "captions.srt", "captions.vtt", "thumbnail.jpg", "plan.json", "timeline.json")
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_FAILURES_ALLOWED = 5
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")
MIN_PASSWORD = 10
LOCAL_USER = "local"
LOCAL_PROJECT = "Personal"


@dataclass(frozen=True)
class Actor:
    """A logged-in person (from `ReviewService.login`)."""

    id: int
    name: str


@dataclass(frozen=True)
class VersionInfo:
    project_id: str
    draft_id: str
    number: int
    status: Status
    plan: VideoPlan
    media: Path
    created_by: str
    created_at: datetime
    note: str
    policy: str = ""
    """The moderation policy the version was checked under when it was saved."""
    flags: list[ModerationFlag] = field(default_factory=list)
    """What moderation found: fixed spans, warnings, and any open block (which stops approval)."""

    @property
    def open_blocks(self) -> list[ModerationFlag]:
        return [f for f in self.flags if f.severity == Severity.BLOCK and f.status == "open"]

    def file(self, name: str) -> Path:
        return self.media / name


@dataclass(frozen=True)
class DraftSummary:
    id: str
    project_id: str
    title: str
    head: int
    status: Status
    thumbnail: Path


@dataclass(frozen=True)
class CommentInfo:
    id: int
    draft_id: str
    version: int
    author: str
    text: str
    scene: int | None
    at_seconds: float | None
    created_at: datetime
    applied_in: int | None


@dataclass(frozen=True)
class AuditInfo:
    at: datetime
    actor: str
    action: str
    draft_id: str | None
    version: int | None
    detail: dict[str, Any]


class ReviewService:
    """Projects, drafts, immutable versions, comments, review status and the audit log."""

    def __init__(self, engine: Engine, media_root: Path) -> None:
        self.engine = engine
        self.media_root = media_root
        self._sessions = session_factory(engine)
        self._hasher = PasswordHasher()
        self._decoy = self._hasher.hash(uuid.uuid4().hex)
        media_root.mkdir(parents=True, exist_ok=True)

    @classmethod
    def open(cls, db_url: str, media_root: Path) -> ReviewService:
        if db_url.startswith("sqlite:///"):
            Path(db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        return cls(open_engine(db_url), media_root)

    @classmethod
    def from_settings(cls, settings: Settings) -> ReviewService:
        """The store `Settings` point at (`[review]` in reelcraft.toml, or `REELCRAFT_REVIEW__DB_URL`)."""
        return cls.open(settings.review_db_url, settings.review_media_dir)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # accounts ---------------------------------------------------------------------------------------

    def create_user(self, name: str, password: str) -> Actor:
        if not _NAME.match(name) or name == LOCAL_USER:
            raise ReviewError(f"user name {name!r} is not allowed",
                              "use 3–40 lowercase letters, digits, '.', '_' or '-'")  # fmt: skip
        if len(password) < MIN_PASSWORD:
            raise ReviewError(f"the password is too short ({len(password)} characters)",
                              f"use at least {MIN_PASSWORD} characters")  # fmt: skip
        try:
            with self._tx() as session:
                user = User(name=name, password_hash=self._hasher.hash(password))
                session.add(user)
                session.flush()
                session.add(AuditRow(actor=name, action="user.create", detail={}))
                return Actor(user.id, user.name)
        except IntegrityError:
            raise ReviewError(f"user {name!r} already exists", "pick another name") from None

    def login(self, name: str, password: str) -> Actor:
        """The person, if the password is right; after 5 failures in 15 minutes the name is locked until
        the window passes, whatever the password (slows guessing without telling the guesser anything)."""
        with self._tx() as session:  # the attempt is committed whatever the outcome: that is the rate limit
            since = utcnow() - LOGIN_WINDOW
            failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(
                LoginAttempt.name == name[:40], LoginAttempt.ok.is_(False), LoginAttempt.at >= since))  # fmt: skip
            locked = (failures or 0) >= LOGIN_FAILURES_ALLOWED
            user = None if locked else session.scalar(select(User).where(User.name == name))
            if user is None:  # same work as a real check: the answer's timing does not reveal who has an account
                self._verify(self._decoy, password)
            ok = user is not None and self._verify(user.password_hash, password)
            session.add(LoginAttempt(name=name[:40], ok=ok))
            if user is not None and ok:
                if self._hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = self._hasher.hash(password)
                person = Actor(user.id, user.name)
            else:
                session.add(AuditRow(actor=name[:40], action="login.locked" if locked else "login.failed", detail={}))
        if locked:
            raise LoginError("too many failed logins for this name",
                             f"wait {int(LOGIN_WINDOW.total_seconds() // 60)} minutes, then try again")  # fmt: skip
        if not ok:
            raise LoginError("wrong user name or password", "check both and try again")
        return person

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    # projects and people ----------------------------------------------------------------------------

    def create_project(self, actor: Actor, name: str) -> str:
        project_id = uuid.uuid4().hex[:12]
        with self._tx() as session:
            session.add(Project(id=project_id, name=name.strip()[:120] or "untitled"))
            session.flush()  # the membership refers to it
            session.add(Membership(project_id=project_id, user_id=actor.id, role=Role.OWNER))
            session.add(AuditRow(actor=actor.name, action="project.create", project_id=project_id,
                                 detail={"name": name[:120]}))  # fmt: skip
        return project_id

    def add_member(self, actor: Actor, project_id: str, user_name: str, role: Role | str) -> None:
        role = Role(role)
        with self._tx() as session:
            self._require(session, actor, project_id, "manage")
            user = session.scalar(select(User).where(User.name == user_name))
            if user is None:
                raise NotFound(f"no user {user_name!r}", "create the account first")
            session.merge(Membership(project_id=project_id, user_id=user.id, role=role))
            session.add(AuditRow(actor=actor.name, action="member.set", project_id=project_id,
                                 detail={"user": user_name, "role": role.value}))  # fmt: skip

    def check(self, actor: Actor, draft_id: str, action: str) -> Role:
        """The person's role on the draft's project if it allows `action` (see `ALLOWED`), else the error."""
        with self._tx() as session:
            row, _ = self._version_row(session, actor, draft_id, None, action)
            return self._require(session, actor, row.project_id, action)

    def role(self, actor: Actor, project_id: str) -> Role | None:
        with self._tx() as session:
            return self._role(session, actor, project_id)

    def projects(self, actor: Actor) -> list[tuple[str, str, Role]]:
        with self._tx() as session:
            rows = session.execute(select(Project.id, Project.name, Membership.role).join(
                Membership, Membership.project_id == Project.id).where(Membership.user_id == actor.id)
                .order_by(Project.created_at)).all()  # fmt: skip
            return [(r[0], r[1], r[2]) for r in rows]

    def local_workspace(self) -> tuple[Actor, str]:
        """The single-user workspace (`reelcraft brand create` without --user): a 'local' account nobody can log in
        to, owning one 'Personal' project. Teams use their own accounts and projects instead."""
        with self._tx() as session:
            user = session.scalar(select(User).where(User.name == LOCAL_USER))
            if user is None:
                user = User(name=LOCAL_USER, password_hash="!" + uuid.uuid4().hex)  # matches no argon2 hash
                session.add(user)
                session.flush()
            project = session.scalar(select(Project.id).join(Membership, Membership.project_id == Project.id)
                                     .where(Membership.user_id == user.id, Project.name == LOCAL_PROJECT))  # fmt: skip
            actor = Actor(id=user.id, name=user.name)
        return actor, project or self.create_project(actor, LOCAL_PROJECT)

    # brand kits -------------------------------------------------------------------------------------

    def save_brand(self, actor: Actor, project_id: str, kit: BrandKit) -> tuple[BrandKit, list[str]]:
        """Check the kit's files, keep copies of them in the project's folder, and store the kit (a new one, or in
        place of the kit of that name). Returns the stored kit and what the person should know (a logo scaled
        down, a font without Chinese…). Editors and owners only."""
        from reelcraft.media import brand_assets

        with self._tx() as session:
            self._require(session, actor, project_id, "edit")
        folder = safe_child(self.media_root, f"{project_id}/brands")
        notes: list[str] = []
        update: dict[str, Path] = {}
        for role, src in kit.files().items():
            if role == "font":
                checked = brand_assets.check_font(src)
            elif role == "logo":
                checked = brand_assets.check_logo(src, folder / f".logo-{uuid.uuid4().hex}.png")
            else:
                checked = brand_assets.check_clip(src, role)
            notes += checked.notes
            digest = hashlib.sha256(checked.path.read_bytes()).hexdigest()
            update[role] = brand_assets.store_copy(checked.path, folder, digest)
            if checked.path.parent == folder and checked.path.name.startswith("."):
                checked.path.unlink(missing_ok=True)
        from reelcraft.media.caption_styles import caption_style

        try:
            caption_style(kit.caption_style)
        except CaptionError as exc:
            raise BrandError(exc.message, exc.fix) from exc
        if kit.policy is not None:
            from reelcraft.errors import ModerationError
            from reelcraft.safety.policy import read_policy

            try:
                read_policy(kit.policy, f"brand {kit.name}'s policy")
            except ModerationError as exc:
                raise BrandError(exc.message, exc.fix) from exc
        stored = kit.model_copy(update=update)
        data = stored.model_dump(mode="json")
        for role, path in update.items():
            data[role] = str(path.relative_to(self.media_root))
        with self._tx() as session:
            self._require(session, actor, project_id, "edit")
            row = session.scalar(select(BrandRow).where(BrandRow.project_id == project_id, BrandRow.name == kit.name))
            if row is None:
                session.add(BrandRow(project_id=project_id, name=kit.name, kit=data, updated_by=actor.id))
            else:
                row.kit, row.updated_by = data, actor.id
            session.add(AuditRow(actor=actor.name, action="brand.save", project_id=project_id,
                                 detail={"name": kit.name, "files": sorted(update)}))  # fmt: skip
        return stored, notes

    def brand(self, actor: Actor, project_id: str, name: str | None = None) -> BrandKit:
        """A project's kit by name; None is the project's only kit. An unknown name lists the project's kits."""
        with self._tx() as session:
            self._require(session, actor, project_id, "view")
            rows = session.scalars(select(BrandRow).where(BrandRow.project_id == project_id)
                                   .order_by(BrandRow.name)).all()  # fmt: skip
            names = [r.name for r in rows]
            if name is None and len(rows) == 1:
                return self._kit(rows[0].kit)
            found = next((r for r in rows if name is not None and r.name.lower() == name.strip().lower()), None)
            if found is None:
                if not rows:
                    raise BrandError("this project has no brand kit yet",
                                     "create one: reelcraft brand create NAME --logo logo.png --font font.ttf")
                what = f"unknown brand {name!r}" if name else "this project has several brand kits"
                raise BrandError(what, f"use one of: {', '.join(names)}")
            return self._kit(found.kit)

    def brands(self, actor: Actor, project_id: str) -> list[BrandKit]:
        with self._tx() as session:
            self._require(session, actor, project_id, "view")
            rows = session.scalars(select(BrandRow).where(BrandRow.project_id == project_id)
                                   .order_by(BrandRow.name)).all()  # fmt: skip
            return [self._kit(r.kit) for r in rows]

    def _kit(self, data: dict[str, Any]) -> BrandKit:
        data = dict(data)
        for role in ("font", "logo", "intro", "outro"):
            if data.get(role):
                data[role] = str(self._media_path(data[role]))
        return BrandKit.model_validate(data)

    # drafts and versions ----------------------------------------------------------------------------

    def save_version(self, actor: Actor, project_id: str, draft: Draft, *, based_on: int | None,
                     note: str = "") -> VersionInfo:  # fmt: skip
        """Store a rendered draft as the next version. `based_on` is the head the editor started from
        (None for a new draft); if someone saved since, this raises `Conflict` and stores nothing.

        The files go first into a content-addressed folder (a crash there leaves only an unreferenced
        folder), then one transaction adds the version, moves the head and writes the audit entry."""
        if draft.outputs is None:
            raise ReviewError(f"draft {draft.id} has not been rendered", "render it before saving a version")
        with self._tx() as session:
            self._require(session, actor, project_id, "edit")
        media = self._store_media(project_id, draft)
        with self._tx() as session:
            self._require(session, actor, project_id, "edit")
            row = session.get(DraftRow, draft.id)
            if row is not None and row.project_id != project_id:
                raise NotFound(f"no draft {draft.id} in this project", "list drafts with `reelcraft review list`")
            head = row.head if row is not None else 0
            expected = based_on or 0
            if head != expected:
                raise Conflict(f"draft {draft.id} is at version {head} now, not {expected}: someone saved first",
                               "reload the draft, then make your change again on the newest version")  # fmt: skip
            number = head + 1
            if row is None:
                session.add(DraftRow(id=draft.id, project_id=project_id, title=draft.plan.title[:200], head=0))
                session.flush()
            moved = session.execute(update(DraftRow).where(DraftRow.id == draft.id, DraftRow.head == head)
                                    .values(head=number, title=draft.plan.title[:200]))  # fmt: skip
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict(f"draft {draft.id} changed while saving", "reload it and try again")
            moderation = self._moderation(session, project_id, draft)
            session.add(VersionRow(draft_id=draft.id, number=number, plan_json=draft.plan.model_dump_json(),
                                   assets={a.kind + ":" + a.key[:16]: a.key for a in draft.assets},
                                   media=media, created_by=actor.id, note=note[:500],
                                   moderation=moderation))  # fmt: skip
            session.add(AuditRow(actor=actor.name, action="version.save", project_id=project_id, draft_id=draft.id,
                                 version=number, detail={"note": note[:200], "media": media}))  # fmt: skip
        return self.version(actor, draft.id, number)

    def _moderation(self, session: Session, project_id: str, draft: Draft) -> dict[str, Any]:
        """The draft's findings, with its texts checked again under the project's policy (a team's policy can be
        stricter than the one the draft was made under: a block found here stops approval)."""
        from reelcraft.safety.check import check_plan
        from reelcraft.safety.policy import platform_policy, preset, read_policy

        project = session.get(Project, project_id)
        text = project.policy if project is not None else None
        if text is None and draft.plan.look.brand:
            kit = session.scalar(select(BrandRow).where(BrandRow.project_id == project_id,
                                                        BrandRow.name == draft.plan.look.brand))  # fmt: skip
            text = kit.kit.get("policy") if kit is not None else None
        if text:
            policy = read_policy(text, f"project {project_id}'s policy")
        else:
            policy = preset(draft.policy) if draft.policy else platform_policy(draft.plan.platform)
        rank = {Severity.WARN: 1, Severity.FIX: 2, Severity.BLOCK: 3}
        flags = {(f.field, f.scene, f.span, f.category, f.status): f for f in draft.flags}
        for found in check_plan(draft.plan, policy):  # the project's policy may weigh a finding more
            key = (found.field, found.scene, found.span, found.category, "open")
            if key not in flags or rank[found.severity] > rank[flags[key].severity]:
                flags[key] = found
        return {"policy": policy.name, "flags": [f.model_dump(mode="json") for f in flags.values()]}

    def set_policy(self, actor: Actor, project_id: str, text: str | None) -> None:
        """The project's own moderation policy (TOML text, docs/moderation.md), checked before it is kept; None
        goes back to each draft's policy. Owners only; the change is audited."""
        from reelcraft.errors import ModerationError
        from reelcraft.safety.policy import read_policy

        if text is not None:
            try:
                read_policy(text, "the project's policy")
            except ModerationError as exc:
                raise ReviewError(exc.message, exc.fix) from exc
        with self._tx() as session:
            self._require(session, actor, project_id, "manage")
            project = session.get(Project, project_id)
            if project is None:
                raise NotFound("no such project", "ask its owner to add you")
            project.policy = text
            session.add(AuditRow(actor=actor.name, action="policy.set", project_id=project_id,
                                 detail={"policy": (text or "")[:500]}))  # fmt: skip

    def add_media(self, actor: Actor, project_id: str, name: str, data: bytes) -> Path:
        """Store a creator's photo or clip under the project's `uploads/` (editors and owners). `name` must be
        a plain relative path: `..`, absolute paths and symlinks on the way are refused, nothing is written."""
        with self._tx() as session:
            self._require(session, actor, project_id, "edit")
        target = safe_child(safe_child(self.media_root, f"{project_id}/uploads"), name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target = safe_child(safe_child(self.media_root, f"{project_id}/uploads"), name)  # re-check after mkdir
        staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        staging.write_bytes(data)
        os.replace(staging, target)
        with self._tx() as session:
            session.add(AuditRow(actor=actor.name, action="media.upload", project_id=project_id,
                                 detail={"name": name, "bytes": len(data)}))  # fmt: skip
        return target

    def _store_media(self, project_id: str, draft: Draft) -> str:
        assert draft.outputs is not None
        sources = {"video.mp4": draft.outputs.video, "captions.srt": draft.outputs.srt,
                   "captions.vtt": draft.outputs.vtt, "thumbnail.jpg": draft.outputs.thumbnail,
                   "plan.json": draft.outputs.plan_json}  # fmt: skip
        if draft.outputs.timeline_json is not None:
            sources["timeline.json"] = draft.outputs.timeline_json
        if draft.outputs.cover is not None and Path(draft.outputs.cover).is_file():
            sources["cover.jpg"] = draft.outputs.cover
        # what each scene shows and the credits its art needs travel with the version, to the export
        shown = json.dumps({"credits": draft.credits, "scenes": [v.model_dump(mode="json") for v in draft.visuals]},
                           ensure_ascii=False, indent=2).encode()  # fmt: skip
        digest = hashlib.sha256()
        for name, path in sorted(sources.items()):
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise ReviewError(f"draft {draft.id}'s {name} cannot be read ({exc.strerror}: {path})",
                                  "re-render the draft, then save it again") from exc  # fmt: skip
            digest.update(name.encode())
            digest.update(hashlib.sha256(data).digest())
        digest.update(b"visuals.json" + hashlib.sha256(shown).digest())
        relative = f"{project_id}/{digest.hexdigest()[:24]}"
        final = safe_child(self.media_root, relative)
        if final.is_dir():
            return relative  # the same files are already stored
        staging = safe_child(self.media_root, f"{project_id}/.staging-{uuid.uuid4().hex[:8]}")
        staging.mkdir(parents=True)
        try:
            (staging / "visuals.json").write_bytes(shown)
            for name, path in sources.items():
                shutil.copyfile(path, staging / name)
            for name in (*sources, "visuals.json"):
                with (staging / name).open("rb") as handle:
                    os.fsync(handle.fileno())
            os.replace(staging, final)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            if not final.is_dir():
                raise
        return relative

    def version(self, actor: Actor, draft_id: str, number: int | None = None) -> VersionInfo:
        with self._tx() as session:
            row, version = self._version_row(session, actor, draft_id, number, "view")
            author = session.get(User, version.created_by)
            return self._info(row, version, author.name if author else "?")

    def drafts(self, actor: Actor, project_id: str | None = None) -> list[DraftSummary]:
        """The drafts the person may see, newest first, with the head version's status."""
        with self._tx() as session:
            query = (select(DraftRow, VersionRow).join(VersionRow, (VersionRow.draft_id == DraftRow.id)
                                                       & (VersionRow.number == DraftRow.head))
                     .join(Membership, Membership.project_id == DraftRow.project_id)
                     .where(Membership.user_id == actor.id).order_by(DraftRow.created_at.desc()))  # fmt: skip
            if project_id is not None:
                query = query.where(DraftRow.project_id == project_id)
            return [DraftSummary(id=d.id, project_id=d.project_id, title=d.title, head=d.head, status=v.status,
                                 thumbnail=self._media_path(v.media) / "thumbnail.jpg")
                    for d, v in session.execute(query).all()]  # fmt: skip

    def versions(self, actor: Actor, draft_id: str) -> list[VersionInfo]:
        with self._tx() as session:
            row, _ = self._version_row(session, actor, draft_id, None, "view")
            users = {u.id: u.name for u in session.scalars(select(User))}
            rows = session.scalars(select(VersionRow).where(VersionRow.draft_id == draft_id)
                                   .order_by(VersionRow.number)).all()  # fmt: skip
            return [self._info(row, v, users.get(v.created_by, "?")) for v in rows]

    # review -----------------------------------------------------------------------------------------

    def comment(self, actor: Actor, draft_id: str, number: int, text: str, *, scene: int | None = None,
                at_seconds: float | None = None) -> CommentInfo:  # fmt: skip
        """A comment on one version, on a scene (1-based) or at a time in the video, or on the whole."""
        text = text.strip()
        if not text or len(text) > 4000:
            raise ReviewError("a comment needs 1 to 4,000 characters", "write the comment again")
        with self._tx() as session:
            row, version = self._version_row(session, actor, draft_id, number, "comment")
            plan = VideoPlan.model_validate_json(version.plan_json)
            if scene is not None and not 1 <= scene <= len(plan.scenes):
                raise ReviewError(f"version {number} has no scene {scene}",
                                  f"pick a scene from 1 to {len(plan.scenes)}")  # fmt: skip
            if at_seconds is not None and not 0 <= at_seconds <= plan.target_duration + 1:
                raise ReviewError(f"{at_seconds:g} s is outside the video", f"use 0–{plan.target_duration:g} s")
            comment = CommentRow(version_id=version.id, author_id=actor.id, scene=scene, at_seconds=at_seconds,
                                 text=text)  # fmt: skip
            session.add(comment)
            session.flush()
            session.add(AuditRow(actor=actor.name, action="comment.add", project_id=row.project_id,
                                 draft_id=draft_id, version=number,
                                 detail={"comment": comment.id, "scene": scene, "at": at_seconds}))  # fmt: skip
            return _comment_info(comment, draft_id, number, actor.name)

    def comments(self, actor: Actor, draft_id: str, number: int | None = None) -> list[CommentInfo]:
        with self._tx() as session:
            self._version_row(session, actor, draft_id, None, "view")
            query = (select(CommentRow, VersionRow.number, User.name)
                     .join(VersionRow, VersionRow.id == CommentRow.version_id)
                     .join(User, User.id == CommentRow.author_id).where(VersionRow.draft_id == draft_id)
                     .order_by(CommentRow.id))  # fmt: skip
            if number is not None:
                query = query.where(VersionRow.number == number)
            return [_comment_info(c, draft_id, n, author) for c, n, author in session.execute(query).all()]

    def comment_by_id(self, actor: Actor, comment_id: int) -> CommentInfo:
        with self._tx() as session:
            found = session.execute(select(CommentRow, VersionRow, User.name)
                                    .join(VersionRow, VersionRow.id == CommentRow.version_id)
                                    .join(User, User.id == CommentRow.author_id)
                                    .where(CommentRow.id == comment_id)).first()  # fmt: skip
            if found is None:
                raise NotFound(f"no comment #{comment_id}", "list comments with `reelcraft review show DRAFT`")
            comment, version, author = found
            self._version_row(session, actor, version.draft_id, version.number, "view")  # outsiders: NotFound
            return _comment_info(comment, version.draft_id, version.number, author)

    def submit(self, actor: Actor, draft_id: str, number: int) -> Status:
        return self._move(actor, draft_id, number, Status.IN_REVIEW)

    def approve(self, actor: Actor, draft_id: str, number: int, *, override: str = "") -> Status:
        """Approve a version in review. A version with an open moderation `block` is refused, unless an owner
        overrides it with a reason: the flags are then marked overridden and the reason goes to the audit log."""
        info = self.version(actor, draft_id, number)
        if (info.status, Status.APPROVED) not in TRANSITIONS:  # not in review: that error first, nothing marked
            return self._move(actor, draft_id, number, Status.APPROVED)
        blocks = info.open_blocks
        if blocks and not override.strip():
            listed = "; ".join(f"{_where(f)}: “{f.span}” ({f.reason})" for f in blocks[:4])
            raise ReviewError(f"version {number} has {len(blocks)} open moderation block(s): {listed}",
                              "change those lines and save a new version, or an owner approves with a reason "
                              "(override)")  # fmt: skip
        if blocks:
            with self._tx() as session:
                row, version = self._version_row(session, actor, draft_id, number, "manage")
                moderation = dict(version.moderation or {})
                moderation["flags"] = [
                    {**f, "status": "overridden"} if f.get("severity") == "block" and f.get("status") == "open" else f
                    for f in moderation.get("flags", [])
                ]
                version.moderation = moderation
                session.add(AuditRow(actor=actor.name, action="moderation.override", project_id=row.project_id,
                                     draft_id=draft_id, version=number,
                                     detail={"reason": override.strip()[:500],
                                             "flags": [f"{f.category.value}: {f.span}" for f in blocks]}))  # fmt: skip
        return self._move(actor, draft_id, number, Status.APPROVED)

    def request_changes(self, actor: Actor, draft_id: str, number: int, why: str = "") -> Status:
        if why.strip():
            self.comment(actor, draft_id, number, why)
        return self._move(actor, draft_id, number, Status.CHANGES_REQUESTED)

    def mark_exported(self, actor: Actor, draft_id: str, number: int, folder: Path) -> Status:
        with self._tx() as session:
            row, version = self._version_row(session, actor, draft_id, number, "export")
            if version.status == Status.EXPORTED:  # a re-run of an export: logged, no state change
                session.add(AuditRow(actor=actor.name, action="version.reexport", project_id=row.project_id,
                                     draft_id=draft_id, version=number, detail={"folder": str(folder)}))  # fmt: skip
                return version.status
        return self._move(actor, draft_id, number, Status.EXPORTED, detail={"folder": str(folder)})

    def mark_applied(self, actor: Actor, comment_id: int, new_version: int) -> None:
        with self._tx() as session:
            comment = session.get(CommentRow, comment_id)
            version = session.get(VersionRow, comment.version_id) if comment else None
            if comment is None or version is None:
                raise NotFound(f"no comment {comment_id}", "list comments with `reelcraft review show`")
            row, _ = self._version_row(session, actor, version.draft_id, version.number, "edit")
            comment.applied_in = new_version
            session.add(AuditRow(actor=actor.name, action="comment.apply", project_id=row.project_id,
                                 draft_id=version.draft_id, version=new_version,
                                 detail={"comment": comment_id, "from_version": version.number}))  # fmt: skip

    def _move(self, actor: Actor, draft_id: str, number: int, to: Status,
              detail: dict[str, Any] | None = None) -> Status:  # fmt: skip
        with self._tx() as session:
            row, version = self._version_row(session, actor, draft_id, number, "view")
            current = version.status
            needed = TRANSITIONS.get((current, to))
            if needed is None:
                raise ReviewError(f"version {number} is {current.value}: it cannot become {to.value}",
                                  _next_steps(current))  # fmt: skip
            self._require(session, actor, row.project_id, needed)
            moved = session.execute(update(VersionRow).where(VersionRow.id == version.id, VersionRow.status == current)
                                    .values(status=to))  # fmt: skip
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict(f"version {number} changed status meanwhile", "reload and look again")
            session.add(AuditRow(actor=actor.name, action=f"status.{to.value}", project_id=row.project_id,
                                 draft_id=draft_id, version=number,
                                 detail={"from": current.value, "to": to.value, **(detail or {})}))  # fmt: skip
            return to

    def audit(self, actor: Actor, project_id: str) -> list[AuditInfo]:
        with self._tx() as session:
            self._require(session, actor, project_id, "view")
            rows = session.scalars(select(AuditRow).where(AuditRow.project_id == project_id).order_by(AuditRow.id))
            return [AuditInfo(r.at, r.actor, r.action, r.draft_id, r.version, dict(r.detail)) for r in rows]

    # helpers ----------------------------------------------------------------------------------------

    def _role(self, session: Session, actor: Actor, project_id: str) -> Role | None:
        return session.scalar(select(Membership.role).where(Membership.project_id == project_id,
                                                             Membership.user_id == actor.id))  # fmt: skip

    def _require(self, session: Session, actor: Actor, project_id: str, action: str) -> Role:
        role = self._role(session, actor, project_id)
        if role is None:
            raise NotFound("no such project", "ask its owner to add you")
        if role not in ALLOWED[action]:
            raise AccessDenied(f"a {role.value} cannot {action} in this project",
                               f"ask the project's owner for a role that may {action}")  # fmt: skip
        return role

    def _version_row(self, session: Session, actor: Actor, draft_id: str, number: int | None,
                     action: str) -> tuple[DraftRow, VersionRow]:  # fmt: skip
        row = session.get(DraftRow, draft_id)
        if row is None or self._role(session, actor, row.project_id) is None:
            raise NotFound(f"no draft {draft_id!r}", "list drafts with `reelcraft review list`")
        self._require(session, actor, row.project_id, action)
        wanted = number or row.head
        version = session.scalar(select(VersionRow).where(VersionRow.draft_id == draft_id,
                                                          VersionRow.number == wanted))  # fmt: skip
        if version is None:
            raise NotFound(f"draft {draft_id} has no version {wanted}", f"versions are 1–{row.head}")
        return row, version

    def _media_path(self, relative: str) -> Path:
        return safe_child(self.media_root, relative)

    def _info(self, row: DraftRow, version: VersionRow, author: str) -> VersionInfo:
        moderation = version.moderation or {}
        return VersionInfo(project_id=row.project_id, draft_id=row.id, number=version.number, status=version.status,
                           plan=VideoPlan.model_validate_json(version.plan_json), media=self._media_path(version.media),
                           created_by=author, created_at=version.created_at, note=version.note,
                           policy=str(moderation.get("policy", "")),
                           flags=[ModerationFlag.model_validate(f) for f in moderation.get("flags", [])])  # fmt: skip


def _where(flag: ModerationFlag) -> str:
    return f"scene {flag.scene} {flag.field.replace('_', ' ')}" if flag.scene else flag.field.replace("_", " ")


def _comment_info(comment: CommentRow, draft_id: str, number: int, author: str) -> CommentInfo:
    return CommentInfo(id=comment.id, draft_id=draft_id, version=number, author=author, text=comment.text,
                       scene=comment.scene, at_seconds=comment.at_seconds, created_at=comment.created_at,
                       applied_in=comment.applied_in)  # fmt: skip


def _next_steps(status: Status) -> str:
    moves = [f"{to.value} ({action})" for (frm, to), action in TRANSITIONS.items() if frm == status]
    return "from here it can become: " + ", ".join(moves) if moves else "save a new version to change it"
