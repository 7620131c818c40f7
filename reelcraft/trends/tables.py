"""The trends store's SQL side: the tables and the statements that upsert and filter them (SQLite or
PostgreSQL), apart from the store's logic so a schema change is read in one place."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, Index, Integer, String
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from reelcraft.errors import TrendsError
from reelcraft.trends.types import Filters


class Base(DeclarativeBase):
    pass


class SnapshotRow(Base):
    """One item on one date. Keyed by platform + region + id + date: the same video trending in GB and
    in CA is two listings, and ingesting a file twice changes nothing."""

    __tablename__ = "trend_snapshots"
    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer)
    likes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comments: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shares: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ItemRow(Base):
    """What is known of an item now: its latest metadata and its momentum."""

    __tablename__ = "trend_items"
    # covering indexes for the filters (region/category equality, a last_seen range) → title keys, and for
    # the best items of one title
    __table_args__ = (Index("ix_items_region_category_seen", "region", "category", "last_seen", "title_key"),
                      Index("ix_items_category_seen", "category", "last_seen", "title_key"),
                      Index("ix_items_seen", "last_seen", "title_key"),
                      Index("ix_items_title_growth", "title_key", "predicted_growth"))  # fmt: skip
    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(1000))
    title_key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    published: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    first_seen: Mapped[date] = mapped_column(Date)
    last_seen: Mapped[date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer, default=0)
    views_per_day: Mapped[float | None] = mapped_column(Float, nullable=True)
    acceleration: Mapped[float | None] = mapped_column(Float, nullable=True)
    predicted_growth: Mapped[float] = mapped_column(Float, default=0.0)
    momentum_basis: Mapped[str] = mapped_column(String(20), default="")
    snapshots: Mapped[int] = mapped_column(Integer, default=0)


class TeamResultRow(Base):
    """How one of the team's own published drafts did: the feedback recommendations learn from."""

    __tablename__ = "trend_team_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(1000))
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)
    duration: Mapped[float] = mapped_column(Float)
    views: Mapped[int] = mapped_column(Integer)
    likes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shares: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comments: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def title_key(title: str) -> str:
    """One key per title however it is cased or spaced: each distinct title is embedded once."""
    return hashlib.sha1(" ".join(title.lower().split()).encode()).hexdigest()


def filtered(query: Any, filters: Filters) -> Any:
    """The filters as WHERE clauses on items, in the shape the covering indexes serve."""
    for column, value in (("platform", filters.platform), ("region", filters.region),
                          ("category", filters.category), ("language", filters.language)):  # fmt: skip
        if value:
            query = query.where(getattr(ItemRow, column) == value)
    if filters.since:
        query = query.where(ItemRow.last_seen >= filters.since)
    if filters.until:
        query = query.where(ItemRow.first_seen <= filters.until)
    return query


def _insert(engine: Engine) -> Any:
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif engine.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise TrendsError(f"the trends store supports SQLite and PostgreSQL, not {engine.dialect.name}",
                          "use a sqlite:/// or postgresql:// URL")
    return insert


def upsert_snapshots(engine: Engine) -> Any:
    """INSERT … ON CONFLICT (platform, region, item_id, date) DO UPDATE: re-ingesting is idempotent."""
    statement = _insert(engine)(SnapshotRow)
    return statement.on_conflict_do_update(
        index_elements=["platform", "region", "item_id", "date"],
        set_={c: statement.excluded[c] for c in ("views", "likes", "comments", "shares")})  # fmt: skip


def upsert_items(engine: Engine) -> Any:
    """New items are inserted; known ones keep their earliest first_seen and take the metadata of
    whichever snapshot is newest (a file of older dates does not overwrite newer facts)."""
    from sqlalchemy import case

    statement = _insert(engine)(ItemRow)
    new = statement.excluded
    newer = new.last_seen >= ItemRow.last_seen
    latest = {c: case((newer, new[c]), else_=getattr(ItemRow, c))
              for c in ("title", "title_key", "language", "channel", "category", "tags", "duration", "views",
                        "last_seen")}  # fmt: skip
    latest["published"] = case((new.published.is_not(None), new.published), else_=ItemRow.published)
    latest["first_seen"] = case((new.first_seen < ItemRow.first_seen, new.first_seen), else_=ItemRow.first_seen)
    return statement.on_conflict_do_update(index_elements=["platform", "region", "item_id"], set_=latest)
