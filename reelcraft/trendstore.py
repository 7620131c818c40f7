"""The trends store: snapshots and items in SQL (SQLAlchemy; SQLite file by default, any URL), one vector
per distinct title in chromadb (embedded persistent client by default, a chromadb server by URL).

Why split: snapshots are relational (same item, many dates, upserted idempotently) and filters on
region/category/date are what SQL indexes do well, while chromadb's filtered vector query is slow at
scale (~139 ms median at 200k here). Titles repeat across days and regions, so each distinct title is
embedded once (keyed by a hash of its normalised text) and re-ingesting costs no embedding at all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from sqlalchemy import JSON, Date, DateTime, Float, Integer, String, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from reelcraft.errors import TrendsError
from reelcraft.momentum import ItemHistory, MomentumModel
from reelcraft.momentum import Snapshot as MomentumSnapshot
from reelcraft.trend_ingest import TrendRow

COLLECTION = "trend_titles"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


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
    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(1000))
    title_key: Mapped[str] = mapped_column(String(40), index=True)
    language: Mapped[str] = mapped_column(String(8), index=True)
    channel: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(100), default="", index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    published: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    first_seen: Mapped[date] = mapped_column(Date)
    last_seen: Mapped[date] = mapped_column(Date, index=True)
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


@dataclass(frozen=True)
class TeamResult:
    draft_id: str
    version: int
    title: str
    hashtags: list[str]
    duration: float
    views: int
    likes: int | None
    shares: int | None
    recorded_at: datetime


def title_key(title: str) -> str:
    return hashlib.sha1(" ".join(title.lower().split()).encode()).hexdigest()


def language_of(text: str) -> str:
    """'zh' when CJK characters make up a fair share of the letters, else 'en' (good enough to label
    items; retrieval itself is multilingual)."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(bool(_CJK.match(c)) for c in letters) / len(letters) >= 0.3:
        return "zh"
    return "en" if letters else "und"


@dataclass
class IngestStats:
    rows: int = 0
    new_snapshots: int = 0
    items: int = 0
    titles_embedded: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Neighbour:
    """A trending item near the query, with the numbers behind it."""

    platform: str
    region: str
    item_id: str
    title: str
    language: str
    category: str
    tags: list[str]
    channel: str
    duration: float | None
    similarity: float
    views: int
    views_per_day: float | None
    acceleration: float | None
    predicted_growth: float
    momentum_basis: str
    last_seen: date


@dataclass
class Filters:
    platform: str | None = None
    region: str | None = None
    category: str | None = None
    since: date | None = None
    until: date | None = None
    language: str | None = None


ProgressFn = Callable[[int], None]


class TrendStore:
    def __init__(self, root: Path, *, db_url: str | None = None, chroma_url: str | None = None,
                 embedder: str = "e5-small") -> None:  # fmt: skip
        root.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(db_url or f"sqlite:///{root / 'trends.db'}")
        Base.metadata.create_all(self.engine)
        self._chroma_root, self._chroma_url = root / "chroma", chroma_url
        self._collection: Any = None
        self._embedder_name = embedder

    # -- parts, made on first use --------------------------------------------------------------------
    @property
    def embedder(self) -> Any:
        from reelcraft.models.embeddings import get_embedder

        return get_embedder(self._embedder_name)

    @property
    def collection(self) -> Any:
        if self._collection is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            settings = ChromaSettings(anonymized_telemetry=False)
            try:
                if self._chroma_url:
                    url = urlparse(self._chroma_url)
                    client = chromadb.HttpClient(host=url.hostname or "localhost", port=url.port or 8000,
                                                 ssl=url.scheme == "https", settings=settings)
                else:
                    client = chromadb.PersistentClient(path=str(self._chroma_root), settings=settings)
            except Exception as exc:  # chromadb raises plain exceptions for a bad path or server
                raise TrendsError(f"cannot open the vector store ({exc})",
                                  "check the chromadb path/URL (REELCRAFT_TRENDS__CHROMA_URL)") from exc
            # no embedding function: chromadb's default downloads a model; we always pass vectors
            self._collection = client.get_or_create_collection(
                COLLECTION, embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedder": self._embedder_name})  # fmt: skip
            if self._collection.metadata.get("embedder") != self._embedder_name:
                raise TrendsError(f"the vector store was built with {self._collection.metadata.get('embedder')!r}, "
                                  f"not {self._embedder_name!r}", "use the same embedder or a new store folder")
        return self._collection

    # -- ingest ---------------------------------------------------------------------------------------
    def ingest(self, rows: Iterable[TrendRow], *, batch: int = 2000, progress: ProgressFn | None = None) -> IngestStats:
        """Upsert snapshots and items in batches, embed titles never seen before, then refresh momentum.
        Ingesting the same rows again changes nothing and embeds nothing."""
        import time

        started = time.perf_counter()
        stats = IngestStats()
        before = self._snapshot_count()
        touched: set[tuple[str, str, str]] = set()
        for chunk in _chunks(rows, batch):
            stats.rows += len(chunk)
            self._upsert(chunk, touched)
            embed_started = time.perf_counter()
            stats.titles_embedded += self._embed_new_titles(chunk)
            stats.embed_seconds += time.perf_counter() - embed_started
            if progress:
                progress(stats.rows)
        self.refresh_momentum()
        stats.new_snapshots = self._snapshot_count() - before
        stats.items = len(touched)
        stats.seconds = time.perf_counter() - started
        return stats

    def _snapshot_count(self) -> int:
        from sqlalchemy import func

        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(SnapshotRow)) or 0

    def _upsert(self, chunk: list[TrendRow], touched: set[tuple[str, str, str]]) -> None:
        latest: dict[tuple[str, str, str, date], TrendRow] = {}
        for row in chunk:  # within a file the last row of an item and day wins
            latest[(row.platform, row.region, row.id, row.date)] = row
        newest: dict[tuple[str, str, str], TrendRow] = {}
        first: dict[tuple[str, str, str], date] = {}
        for (platform, region, item_id, day), row in latest.items():
            key = (platform, region, item_id)
            if key not in newest or day >= newest[key].date:
                newest[key] = row
            first[key] = min(first.get(key, day), day)
        touched.update(newest)
        snapshots = [{"platform": r.platform, "region": r.region, "item_id": r.id, "date": r.date, "views": r.views,
                      "likes": r.likes, "comments": r.comments, "shares": r.shares} for r in latest.values()]
        items = [{"platform": r.platform, "region": r.region, "item_id": r.id, "title": r.title,
                  "title_key": title_key(r.title), "language": language_of(r.title), "channel": r.channel,
                  "category": r.category, "tags": r.tags, "duration": r.duration, "published": r.published,
                  "first_seen": first[key], "last_seen": r.date, "views": r.views, "predicted_growth": 0.0,
                  "momentum_basis": "", "snapshots": 0} for key, r in newest.items()]  # fmt: skip
        with self.engine.begin() as connection:
            for part in _chunks(snapshots, 2000):  # SQLite allows ~32k bound values per statement
                connection.execute(_upsert_snapshots(self.engine, part))
            for part in _chunks(items, 1000):
                connection.execute(_upsert_items(self.engine, part))

    def _embed_new_titles(self, chunk: list[TrendRow]) -> int:
        titles = {title_key(r.title): r.title for r in chunk}
        new = {k: titles[k] for k in self._unembedded(list(titles))}
        if not new:
            return 0
        vectors = self.embedder.passages(list(new.values()))
        self.collection.upsert(ids=list(new), embeddings=vectors.tolist(), documents=list(new.values()),
                               metadatas=[{"language": language_of(t)} for t in new.values()])  # fmt: skip
        self._embedded.update(new)
        return len(new)

    def _unembedded(self, keys: list[str]) -> list[str]:
        if not hasattr(self, "_embedded"):
            self._embedded: set[str] = set()
        unknown = [k for k in keys if k not in self._embedded]
        if unknown:
            self._embedded.update(self.collection.get(ids=unknown, include=[])["ids"])
        return [k for k in unknown if k not in self._embedded]

    def refresh_momentum(self) -> None:
        """Refit the momentum priors on everything known and store each item's momentum."""
        from sqlalchemy import update

        with Session(self.engine) as session, session.begin():
            histories: dict[tuple[str, str, str], list[MomentumSnapshot]] = {}
            query = select(SnapshotRow.platform, SnapshotRow.region, SnapshotRow.item_id, SnapshotRow.date,
                           SnapshotRow.views, SnapshotRow.likes)  # fmt: skip
            for platform, region, item_id, day, views, likes in session.execute(query):
                histories.setdefault((platform, region, item_id), []).append(MomentumSnapshot(day, views, likes))
            meta = {(p, r, i): (c, pub) for p, r, i, c, pub in session.execute(
                select(ItemRow.platform, ItemRow.region, ItemRow.item_id, ItemRow.category, ItemRow.published))}
            stories = {k: ItemHistory("", meta[k][0], shots, meta[k][1]) for k, shots in histories.items() if k in meta}
            model = MomentumModel().fit(stories.values())
            changes = []
            for (platform, region, item_id), story in stories.items():
                m = model.score(story)
                changes.append({"platform": platform, "region": region, "item_id": item_id,
                                "views_per_day": m.views_per_day, "acceleration": m.acceleration,
                                "predicted_growth": m.predicted_growth, "momentum_basis": m.basis,
                                "snapshots": m.snapshots})  # fmt: skip
            for part in _chunks(changes, 5000):
                session.execute(update(ItemRow), part)  # bulk UPDATE by primary key

    # -- the team's own results ---------------------------------------------------------------------
    def record_result(self, *, draft_id: str, version: int, platform: str, language: str, title: str,
                      hashtags: list[str], duration: float, views: int, likes: int | None = None,
                      shares: int | None = None, comments: int | None = None) -> None:  # fmt: skip
        """Store how a published draft did; a later record for the same draft version replaces it."""
        for name, value in (("views", views), ("likes", likes), ("shares", shares), ("comments", comments)):
            if value is not None and value < 0:
                raise TrendsError(f"{name} cannot be negative ({value})", f"pass the published {name} count")
        from datetime import UTC

        with Session(self.engine) as session, session.begin():
            for old in session.scalars(select(TeamResultRow).where(TeamResultRow.draft_id == draft_id,
                                                                   TeamResultRow.version == version)):
                session.delete(old)
            session.add(TeamResultRow(draft_id=draft_id, version=version, platform=platform, language=language,
                                      title=title, hashtags=hashtags, duration=duration, views=views, likes=likes,
                                      shares=shares, comments=comments, recorded_at=datetime.now(UTC)))  # fmt: skip

    def team_results(self) -> list[TeamResult]:
        with Session(self.engine) as session:
            return [TeamResult(r.draft_id, r.version, r.title, list(r.hashtags or []), r.duration, r.views, r.likes,
                               r.shares, r.recorded_at)
                    for r in session.scalars(select(TeamResultRow).order_by(TeamResultRow.id))]  # fmt: skip

    # -- queries --------------------------------------------------------------------------------------
    def count(self) -> dict[str, int]:
        with Session(self.engine) as session:
            from sqlalchemy import func

            return {"snapshots": session.scalar(select(func.count()).select_from(SnapshotRow)) or 0,
                    "items": session.scalar(select(func.count()).select_from(ItemRow)) or 0,
                    "titles": self.collection.count()}  # fmt: skip

    def neighbours(self, text: str, k: int = 10, filters: Filters | None = None) -> list[Neighbour]:
        """The k items whose titles are nearest `text`, among those passing the filters."""
        if self.collection.count() == 0:
            raise TrendsError("the trends store is empty", "run `reelcraft trends ingest FILE --map MAPFILE` first")
        return self.search(self.embedder.query(text), k=k, filters=filters)

    def search(self, vector: Any, k: int = 10, filters: Filters | None = None) -> list[Neighbour]:
        """Nearest distinct titles from chromadb (no filter there: its filtered search is slow at scale),
        then per title the filtered items from SQL, fastest-growing first, until k are found."""
        filters = filters or Filters()
        total = self.collection.count()
        if total == 0:
            return []
        wanted = min(total, max(4 * k, 40))
        asked = 0
        out: list[Neighbour] = []
        while True:
            found = self.collection.query(query_embeddings=[list(map(float, vector))], n_results=wanted,
                                          include=["distances"])  # fmt: skip
            ranked = list(zip(found["ids"][0], found["distances"][0], strict=True))[asked:]
            for key, distance in ranked:
                out += self._items_for(key, 1.0 - distance, filters, k - len(out))
                if len(out) >= k:
                    return out
            if wanted >= total:
                return out
            asked, wanted = wanted, min(total, wanted * 4)

    def date_range(self) -> tuple[date, date]:
        from sqlalchemy import func

        with Session(self.engine) as session:
            low, high = session.execute(select(func.min(SnapshotRow.date), func.max(SnapshotRow.date))).one()
        if low is None:
            raise TrendsError("the trends store is empty", "run `reelcraft trends ingest FILE --map MAPFILE` first")
        return low, high

    def _items_for(self, key: str, similarity: float, filters: Filters, limit: int) -> list[Neighbour]:
        query = select(ItemRow).where(ItemRow.title_key == key)
        for column, value in (("platform", filters.platform), ("region", filters.region),
                              ("category", filters.category), ("language", filters.language)):  # fmt: skip
            if value:
                query = query.where(getattr(ItemRow, column) == value)
        if filters.since:
            query = query.where(ItemRow.last_seen >= filters.since)
        if filters.until:
            query = query.where(ItemRow.first_seen <= filters.until)
        query = query.order_by(ItemRow.predicted_growth.desc()).limit(limit)
        with Session(self.engine) as session:
            return [Neighbour(platform=i.platform, region=i.region, item_id=i.item_id, title=i.title,
                              language=i.language, category=i.category, tags=list(i.tags or []), channel=i.channel,
                              duration=i.duration, similarity=round(similarity, 4), views=i.views,
                              views_per_day=i.views_per_day, acceleration=i.acceleration,
                              predicted_growth=i.predicted_growth, momentum_basis=i.momentum_basis,
                              last_seen=i.last_seen) for i in session.scalars(query)]  # fmt: skip


T = TypeVar("T")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert(engine: Engine) -> Any:
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif engine.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise TrendsError(f"the trends store supports SQLite and PostgreSQL, not {engine.dialect.name}",
                          "use a sqlite:/// or postgresql:// URL")
    return insert


def _upsert_snapshots(engine: Engine, values: list[dict[str, Any]]) -> Any:
    """INSERT … ON CONFLICT (platform, region, item_id, date) DO UPDATE: re-ingesting is idempotent."""
    statement = _insert(engine)(SnapshotRow).values(values)
    return statement.on_conflict_do_update(
        index_elements=["platform", "region", "item_id", "date"],
        set_={c: statement.excluded[c] for c in ("views", "likes", "comments", "shares")})  # fmt: skip


def _upsert_items(engine: Engine, values: list[dict[str, Any]]) -> Any:
    """New items are inserted; known ones keep their earliest first_seen and take the metadata of
    whichever snapshot is newest (a file of older dates does not overwrite newer facts)."""
    from sqlalchemy import case

    statement = _insert(engine)(ItemRow).values(values)
    new = statement.excluded
    newer = new.last_seen >= ItemRow.last_seen
    latest = {c: case((newer, new[c]), else_=getattr(ItemRow, c))
              for c in ("title", "title_key", "language", "channel", "category", "tags", "duration", "views",
                        "last_seen")}  # fmt: skip
    latest["published"] = case((new.published.is_not(None), new.published), else_=ItemRow.published)
    latest["first_seen"] = case((new.first_seen < ItemRow.first_seen, new.first_seen), else_=ItemRow.first_seen)
    return statement.on_conflict_do_update(index_elements=["platform", "region", "item_id"], set_=latest)
