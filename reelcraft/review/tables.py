"""The review store's tables (SQLAlchemy 2). Schema changes go through Alembic (reelcraft/review/migrations).

A version's contents (plan, asset hashes, media folder) never change once written; only its review status
moves. The audit log is append-only. Both rules are enforced here for every writer that uses the ORM.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(enum.StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    REVIEWER = "reviewer"
    VIEWER = "viewer"


class Status(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    EXPORTED = "exported"


def _values(kind: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in kind]


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    policy: Mapped[str | None] = mapped_column(Text, default=None)
    """The team's moderation policy file (TOML text); None: each draft's own policy."""


class Membership(Base):
    __tablename__ = "memberships"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16, values_callable=_values))


class DraftRow(Base):
    """A draft's head: `head` is the newest version number, the optimistic lock for saves."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    head: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    plan_json: Mapped[str] = mapped_column(Text)
    assets: Mapped[dict[str, Any]] = mapped_column()
    """Asset kind/key pairs, the content hashes the cache made them under."""
    media: Mapped[str] = mapped_column(String(300))
    """The version's files: a content-addressed folder, relative to the project's media root."""
    status: Mapped[Status] = mapped_column(Enum(Status, native_enum=False, length=24, values_callable=_values),
                                           default=Status.DRAFT)  # fmt: skip
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")
    """Why it exists ('applied comment 12: make it funnier')."""
    moderation: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    """{"policy", "flags"}: what moderation found, checked again under the project's policy when it was saved;
    an owner's override marks block flags `overridden`."""


class CommentRow(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scene: Mapped[int | None] = mapped_column(Integer, default=None)
    at_seconds: Mapped[float | None] = mapped_column(default=None)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_in: Mapped[int | None] = mapped_column(Integer, default=None)
    """The version number that applied this comment, once an editor did."""


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    project_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    draft_id: Mapped[str | None] = mapped_column(String(64), default=None)
    version: Mapped[int | None] = mapped_column(Integer, default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class BrandRow(Base):
    """A project's brand kit: its fields as JSON, its files in the project's media folder (content-addressed)."""

    __tablename__ = "brands"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    kit: Mapped[dict[str, Any]] = mapped_column()
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(default=False)


_FROZEN_VERSION_FIELDS = ("draft_id", "number", "plan_json", "assets", "media", "created_by", "created_at")


@event.listens_for(VersionRow, "before_update")
def _versions_are_immutable(mapper: Any, connection: Any, target: VersionRow) -> None:
    from sqlalchemy import inspect

    state = inspect(target)
    changed = [name for name in _FROZEN_VERSION_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        raise ValueError(f"version {target.draft_id}@{target.number} is immutable (tried to change {changed})")


@event.listens_for(AuditRow, "before_update")
@event.listens_for(AuditRow, "before_delete")
def _audit_is_append_only(mapper: Any, connection: Any, target: AuditRow) -> None:
    raise ValueError("the audit log is append-only")


class ItemStatus(enum.StrEnum):
    """Where a batch item is: `planned` has its plan stored (a resume skips the writer), `rendering` was handed to
    the render stage (a resume looks for its draft before rendering again)."""

    PENDING = "pending"
    PLANNED = "planned"
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"


class BatchRow(Base):
    """A batch of briefs (`reelcraft batch`): where it came from and where its manifest goes."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(500))
    out_dir: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """How it was run (profile, ray address), so a resume runs it the same way."""


class BatchItemRow(Base):
    """One brief of a batch. `draft_id` is fixed when the item is stored, so a rerun can only add to that one
    draft, never make a second."""

    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    line: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[ItemStatus] = mapped_column(
        Enum(ItemStatus, native_enum=False, length=16, values_callable=_values), default=ItemStatus.PENDING)
    plan_json: Mapped[str | None] = mapped_column(Text, default=None)
    draft_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int | None] = mapped_column(Integer, default=None)
    score: Mapped[int | None] = mapped_column(Integer, default=None)
    """The draft's 0–100 score (`reelcraft score`), taken when it is rendered."""
    error_stage: Mapped[str | None] = mapped_column(String(40), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    stage_seconds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AttemptRow(Base):
    """One try at one stage of one item: how long, and how it ended (None while it runs; a kill leaves it None)."""

    __tablename__ = "batch_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_row: Mapped[int] = mapped_column(ForeignKey("batch_items.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seconds: Mapped[float | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    host: Mapped[str] = mapped_column(String(120), default="")


class JobStatus(enum.StrEnum):
    """A queued job's life: `queued` → `running` → `done`, `failed` or `cancelled`. A server that dies leaves
    `running`; the next start puts it back in the queue (its finished steps are in the asset cache)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobRow(Base):
    """One piece of work a user asked the shared server for (a chat turn), persisted so it outlives the page
    that asked for it and the server that ran it."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_created", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user: Mapped[str] = mapped_column(String(40), index=True)
    project_id: Mapped[str | None] = mapped_column(String(32), default=None)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="chat")
    request: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=16, values_callable=_values), default=JobStatus.QUEUED)
    stage: Mapped[str] = mapped_column(String(40), default="")
    stages: Mapped[list[Any]] = mapped_column(default=list)
    """The last progress messages: [stage, message, seconds since start]."""
    result: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    error_stage: Mapped[str | None] = mapped_column(String(40), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
