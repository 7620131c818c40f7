"""The batch job store: batches, their items and every attempt, in the review store's database (SQLite by
default, Postgres by URL).

An item's progress is written as each stage ends, in one transaction, so a killed batch resumes from the last
finished stage: a stored plan is not written again, and an item that was rendering is matched to its draft
before it is rendered again. Each item's draft id is fixed when the batch is stored: a rerun adds to that draft
or finds it done, never makes a second one.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from reelcraft.errors import StoreError
from reelcraft.review.db import StoreTransaction, open_engine, session_factory
from reelcraft.review.tables import AttemptRow, BatchItemRow, BatchRow, ItemStatus, utcnow

__all__ = ["BatchInfo", "BatchStore", "ItemInfo", "ItemStatus", "NewItem"]


@dataclass(frozen=True)
class NewItem:
    item_id: str
    line: int
    spec: dict[str, Any]
    draft_id: str


@dataclass(frozen=True)
class ItemInfo:
    item_id: str
    line: int
    spec: dict[str, Any]
    status: ItemStatus
    draft_id: str
    plan_json: str | None = None
    version: int | None = None
    score: int | None = None
    error_stage: str | None = None
    error: str | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    attempts: int = 0


@dataclass(frozen=True)
class BatchInfo:
    id: str
    source: str
    out_dir: str
    created_at: datetime
    options: dict[str, Any]
    items: list[ItemInfo]

    def count(self, status: ItemStatus) -> int:
        return sum(item.status == status for item in self.items)


class BatchStore:
    """Batches, items and attempts in the review store's database (`open_engine`: migrated on open)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._sessions = session_factory(open_engine(url))

    def _write(self, action: str) -> StoreTransaction:
        """A session in one transaction, whose failure is a StoreError naming `action`."""
        return StoreTransaction(self._sessions, "batch store", action,
                                "free disk space or check the database server, then resume the batch")

    def create(self, batch_id: str, *, source: str, out_dir: str, items: list[NewItem],
               options: dict[str, Any]) -> None:  # fmt: skip
        with self._write("store the batch") as session:
            if session.get(BatchRow, batch_id) is not None:
                raise StoreError(f"batch {batch_id} exists", "resume it with --resume, or pick another --out")
            session.add(BatchRow(id=batch_id, source=source, out_dir=out_dir, options=options))
            session.flush()
            session.add_all(BatchItemRow(batch_id=batch_id, item_id=i.item_id, line=i.line, spec=i.spec,
                                         draft_id=i.draft_id, stage_seconds={}) for i in items)  # fmt: skip

    def batch(self, batch_id: str) -> BatchInfo:
        with self._sessions() as session:
            row = session.get(BatchRow, batch_id)
            if row is None:
                raise StoreError(f"no batch {batch_id!r} in {self._where()}",
                                 "list batches with `reelcraft batch list`")
            items = session.scalars(select(BatchItemRow).where(BatchItemRow.batch_id == batch_id)
                                    .order_by(BatchItemRow.line)).all()  # fmt: skip
            counts: dict[int, int] = {}
            for item_row in session.scalars(select(AttemptRow.item_row).where(
                    AttemptRow.item_row.in_([i.id for i in items]))):  # fmt: skip
                counts[item_row] = counts.get(item_row, 0) + 1
            return BatchInfo(id=row.id, source=row.source, out_dir=row.out_dir, created_at=row.created_at,
                             options=dict(row.options),
                             items=[_info(i, counts.get(i.id, 0)) for i in items])  # fmt: skip

    def item(self, batch_id: str, item_id: str) -> ItemInfo:
        """One item as it is stored now (without reading the whole batch)."""
        with self._sessions() as session:
            row = self._item(session, batch_id, item_id)
            tries = session.scalars(select(AttemptRow.id).where(AttemptRow.item_row == row.id)).all()
            return _info(row, len(tries))

    def batches(self) -> list[tuple[str, datetime, str]]:
        """(id, created, source) of every batch, newest first."""
        with self._sessions() as session:
            rows = session.execute(select(BatchRow.id, BatchRow.created_at, BatchRow.source)
                                   .order_by(BatchRow.created_at.desc())).all()  # fmt: skip
            return [(r.id, r.created_at, r.source) for r in rows]

    def update(self, batch_id: str, item_id: str, **changes: Any) -> None:
        """Set an item's fields (status, plan_json, version, score, error_stage, error, stage_seconds) in one
        commit."""
        with self._write(f"record item {item_id}") as session:
            row = self._item(session, batch_id, item_id)
            if "stage_seconds" in changes:
                changes["stage_seconds"] = {**row.stage_seconds, **changes["stage_seconds"]}
            for key, value in changes.items():
                setattr(row, key, value)

    def reset(self, batch_id: str, *, failed_only: bool = True) -> int:
        """Put failed items (or every unfinished one) back in the queue; their stored plans are kept."""
        with self._write("reset the items") as session:
            rows = session.scalars(select(BatchItemRow).where(BatchItemRow.batch_id == batch_id)).all()
            chosen = [r for r in rows
                      if r.status == ItemStatus.FAILED or (not failed_only and r.status != ItemStatus.DONE)]
            for row in chosen:
                row.status = ItemStatus.PLANNED if row.plan_json else ItemStatus.PENDING
                row.error_stage = row.error = None
            return len(chosen)

    def begin_attempt(self, batch_id: str, item_id: str, stage: str) -> int:
        with self._write(f"record a {stage} attempt") as session:
            attempt = AttemptRow(item_row=self._item(session, batch_id, item_id).id, stage=stage,
                                 host=socket.gethostname()[:120])  # fmt: skip
            session.add(attempt)
            session.flush()
            return attempt.id

    def end_attempt(self, attempt_id: int, outcome: str, error: str | None = None) -> None:
        with self._write("finish an attempt") as session:
            attempt = session.get(AttemptRow, attempt_id)
            if attempt is not None:
                started = attempt.started_at
                if started.tzinfo is None:  # SQLite hands back naive times (UTC)
                    started = started.replace(tzinfo=UTC)
                attempt.seconds = round((utcnow() - started).total_seconds(), 3)
                attempt.outcome, attempt.error = outcome, error

    def attempts(self, batch_id: str) -> list[tuple[str, str, str | None]]:
        """(item id, stage, outcome) of every attempt, oldest first; outcome None: it was cut off."""
        with self._sessions() as session:
            rows = session.execute(
                select(BatchItemRow.item_id, AttemptRow.stage, AttemptRow.outcome)
                .join(BatchItemRow, BatchItemRow.id == AttemptRow.item_row)
                .where(BatchItemRow.batch_id == batch_id).order_by(AttemptRow.id)).all()  # fmt: skip
            return [(r.item_id, r.stage, r.outcome) for r in rows]

    @staticmethod
    def _item(session: Any, batch_id: str, item_id: str) -> BatchItemRow:
        row = session.scalars(select(BatchItemRow).where(BatchItemRow.batch_id == batch_id,
                                                         BatchItemRow.item_id == item_id)).first()  # fmt: skip
        if row is None:
            raise StoreError(f"batch {batch_id} has no item {item_id!r}", "check the item id in the manifest")
        return row

    def _where(self) -> str:
        return self.url.split("@")[-1]


def _info(row: BatchItemRow, attempts: int) -> ItemInfo:
    return ItemInfo(item_id=row.item_id, line=row.line, spec=dict(row.spec), status=ItemStatus(row.status),
                    draft_id=row.draft_id, plan_json=row.plan_json, version=row.version, score=row.score,
                    error_stage=row.error_stage,
                    error=row.error, stage_seconds=dict(row.stage_seconds), attempts=attempts)  # fmt: skip

