"""The shared server's job store: every chat turn a user sends is a row here before any work starts.

A job outlives the page that asked for it (the page polls the row, so a closed tab or a reload finds it) and the
server that ran it: a job left `running` by a dead server is put back in the queue when the next one starts, and
runs again from the asset cache (finished steps are not redone). Claiming is one conditional UPDATE, so two
workers (or two servers on one Postgres) never take the same job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, aliased

from reelcraft.errors import Conflict, NotFound
from reelcraft.review.db import StoreTransaction, open_engine, session_factory
from reelcraft.review.tables import JobRow, JobStatus, utcnow

__all__ = ["JobInfo", "JobStatus", "JobStore"]

OPEN = (JobStatus.QUEUED, JobStatus.RUNNING)
MAX_STAGES = 40
MAX_ATTEMPTS = 3
"""A job that three servers died running is failed, not tried a fourth time."""


@dataclass(frozen=True)
class JobInfo:
    id: str
    user: str
    project_id: str | None
    session_id: str
    kind: str
    request: dict[str, Any]
    status: JobStatus
    stage: str
    stages: list[Any]
    result: dict[str, Any] | None
    error_stage: str | None
    error: str | None
    cancel_requested: bool
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    position: int = 0
    """Jobs ahead of this one in the queue (0 when it runs or has ended)."""

    @property
    def finished(self) -> bool:
        return self.status not in OPEN


class JobStore:
    """Jobs in the review store's database (SQLite by default, Postgres by URL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._sessions = session_factory(open_engine(url))

    def _tx(self, action: str) -> StoreTransaction:
        return StoreTransaction(self._sessions, "job store", action,
                                "free disk space or check the database server, then try again")

    def submit(self, *, user: str, session_id: str, request: dict[str, Any], project_id: str | None = None,
               kind: str = "chat", limit: int = 2) -> JobInfo:  # fmt: skip
        """Queue a job, unless `user` already has `limit` queued or running."""
        with self._tx("queue the job") as session:
            open_count = session.scalar(select(func.count()).select_from(JobRow).where(
                JobRow.user == user, JobRow.status.in_(OPEN))) or 0  # fmt: skip
            if open_count >= limit:
                raise Conflict(f"you already have {open_count} jobs waiting or running (the limit is {limit})",
                               "wait for one to finish, or cancel one")  # fmt: skip
            row = JobRow(id=uuid.uuid4().hex[:16], user=user, project_id=project_id, session_id=session_id,
                         kind=kind, request=request)  # fmt: skip
            session.add(row)
            session.flush()
            return self._info(session, row)

    def get(self, job_id: str) -> JobInfo:
        with self._sessions() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                raise NotFound(f"no job {job_id!r}", "it may have been made on another server")
            return self._info(session, row)

    def for_session(self, session_id: str, *, open_only: bool = False) -> list[JobInfo]:
        """A chat's jobs, oldest first."""
        with self._sessions() as session:
            query = select(JobRow).where(JobRow.session_id == session_id)
            if open_only:
                query = query.where(JobRow.status.in_(OPEN))
            return [self._info(session, row) for row in session.scalars(query.order_by(JobRow.created_at))]

    def for_user(self, user: str) -> list[JobInfo]:
        with self._sessions() as session:
            rows = session.scalars(select(JobRow).where(JobRow.user == user).order_by(JobRow.created_at))
            return [self._info(session, row) for row in rows]

    def claim(self) -> JobInfo | None:
        """The oldest queued job whose chat has nothing running, now `running` and ours; None when there is none.
        One chat's turns run one at a time: each reads and writes its session."""
        other = aliased(JobRow)
        busy = select(other.session_id).where(other.status == JobStatus.RUNNING)
        while True:
            with self._tx("take a job") as session:
                found = session.execute(select(JobRow.id, JobRow.session_id).where(
                    JobRow.status == JobStatus.QUEUED, JobRow.session_id.not_in(busy))
                    .order_by(JobRow.created_at, JobRow.id).limit(1)).first()  # fmt: skip
                if found is None:
                    return None
                job_id, session_id = found
                running_there = exists().where(other.session_id == session_id, other.status == JobStatus.RUNNING)
                taken = session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED,
                                                             ~running_there)
                                        .values(status=JobStatus.RUNNING, started_at=utcnow(),
                                                attempts=JobRow.attempts + 1)).rowcount  # fmt: skip
                if taken == 1:
                    return self._info(session, session.get(JobRow, job_id, populate_existing=True))  # type: ignore[arg-type]
            # another worker took it (or its chat) between the select and the update: look again

    def progress(self, job_id: str, stage: str, message: str, seconds: float) -> bool:
        """Note a stage's message; returns whether the user asked to cancel the job."""
        with self._tx("note progress") as session:
            row = session.get(JobRow, job_id)
            if row is None:
                return True
            row.stage = stage[:40]
            row.stages = _trimmed([*row.stages, [stage[:40], message[:1000], round(seconds, 1)]])
            return bool(row.cancel_requested)

    def finish(self, job_id: str, result: dict[str, Any]) -> None:
        self._end(job_id, JobStatus.DONE, result=result)

    def fail(self, job_id: str, stage: str, message: str) -> None:
        self._end(job_id, JobStatus.FAILED, error_stage=stage[:40], error=message[:2000])

    def cancelled(self, job_id: str) -> None:
        self._end(job_id, JobStatus.CANCELLED)

    def _end(self, job_id: str, status: JobStatus, **fields: Any) -> None:
        with self._tx(f"mark the job {status.value}") as session:
            session.execute(update(JobRow).where(JobRow.id == job_id)
                            .values(status=status, finished_at=utcnow(), **fields))  # fmt: skip

    def cancel(self, job_id: str, user: str) -> JobInfo:
        """The user's own job: a queued one ends now, a running one at its next stage."""
        with self._tx("cancel the job") as session:
            row = session.get(JobRow, job_id)
            if row is None or row.user != user:
                raise NotFound(f"no job {job_id!r} of yours", "check the job id")
            if row.status == JobStatus.QUEUED:
                row.status, row.finished_at = JobStatus.CANCELLED, utcnow()
            elif row.status == JobStatus.RUNNING:
                row.cancel_requested = True
            session.flush()
            return self._info(session, row)

    def requeue_interrupted(self) -> tuple[list[str], list[str]]:
        """Jobs a dead server left `running`: back in the queue, or failed after MAX_ATTEMPTS. Call only when no
        worker of any server runs (at start, before the workers)."""
        requeued, failed = [], []
        with self._tx("requeue interrupted jobs") as session:
            for row in session.scalars(select(JobRow).where(JobRow.status == JobStatus.RUNNING)):
                if row.cancel_requested:
                    row.status, row.finished_at = JobStatus.CANCELLED, utcnow()
                elif row.attempts >= MAX_ATTEMPTS:
                    row.status, row.finished_at = JobStatus.FAILED, utcnow()
                    row.error_stage = row.stage or "server"
                    row.error = f"the server stopped while running it {row.attempts} times"
                    failed.append(row.id)
                else:
                    row.status = JobStatus.QUEUED
                    row.stages = [*row.stages, ["server", "restarted: running it again", 0.0]][-MAX_STAGES:]
                    requeued.append(row.id)
        return requeued, failed

    def _info(self, session: Session, row: JobRow) -> JobInfo:
        position = 0
        if row.status == JobStatus.QUEUED:
            position = session.scalar(select(func.count()).select_from(JobRow).where(
                JobRow.status == JobStatus.QUEUED, JobRow.created_at < row.created_at)) or 0  # fmt: skip
        return JobInfo(id=row.id, user=row.user, project_id=row.project_id, session_id=row.session_id,
                       kind=row.kind, request=dict(row.request), status=JobStatus(row.status), stage=row.stage,
                       stages=list(row.stages), result=dict(row.result) if row.result else None,
                       error_stage=row.error_stage, error=row.error, cancel_requested=bool(row.cancel_requested),
                       attempts=row.attempts, created_at=row.created_at, started_at=row.started_at,
                       finished_at=row.finished_at, position=position)  # fmt: skip


def _trimmed(stages: list[Any]) -> list[Any]:
    """The last MAX_STAGES messages, and the plan's outline however old it is (the page keeps showing it)."""
    if len(stages) <= MAX_STAGES:
        return stages
    outline = [s for s in stages if s[0] == "outline"][:1]
    rest = [s for s in stages if s[0] != "outline"]
    return outline + rest[-(MAX_STAGES - len(outline)):]
