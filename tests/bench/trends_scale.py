"""Trends store at scale (a script, not a test): ingest speed end to end and query latency with filters.

The rows are the real GB and CA exports replayed: copy c of every row gets its own item id, a region out
of 20, and a date shifted by c // 20 days, so the store holds ~200k snapshots of ~100k items the way
trending exports grow. Titles repeat across copies as they do in real exports (the same video listed
day after day and region after region); `--new-title-share` of the copies get a title never seen before,
which is what has to be embedded. Every query embeds its brief, then searches with a metadata filter
(region, category, date range), timed separately and together.

Last line: {"rows", "items", "unique_titles", "rows_per_s", "embed_titles_per_s", "query_p50_ms",
"query_p95_ms", "query_p95_ms_with_embedding"}.

    python tests/bench/trends_scale.py [--rows 200000] [--new-title-share 0.02] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np

from reelcraft.models.embeddings import embedder_choice
from reelcraft.trends.ingest import TrendMapping, TrendRow, read_trends
from reelcraft.trends.store import Filters, TrendStore

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/ for helpers
from helpers import shared_dir  # noqa: E402

SHARED = shared_dir() / "data" / "trends"
REGIONS = 20
QUERIES = ["budget morning routine for college students", "funny cat compilation", "Christmas advert reaction",
           "最新的流行音乐MV", "football highlights this weekend", "easy makeup tutorial", "gaming livestream moments",
           "大学生的省钱早餐", "movie trailer reaction", "late night talk show interview"]  # fmt: skip


def replay(rows: int, new_title_share: float, seed: int = 0) -> Iterator[TrendRow]:
    mapping = TrendMapping.load(HERE.parents[1] / "docs" / "trend-maps" / "youtube_kaggle.toml")
    base = [r for region in ("GB", "CA") for r in read_trends(SHARED / f"youtube_trending_{region}.csv",
            mapping.model_copy(update={"meta": mapping.meta.model_copy(update={"region": region})}))]  # fmt: skip
    rng = random.Random(seed)
    made = 0
    copy = 0
    while True:
        for row in base:
            if made >= rows:
                return
            title = f"{row.title} | part {copy}" if rng.random() < new_title_share else row.title
            yield row.model_copy(update={"id": f"{row.id}-{copy}", "region": f"R{copy % REGIONS:02d}", "title": title,
                                         "date": row.date + timedelta(days=copy // REGIONS)})  # fmt: skip
            made += 1
        copy += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--new-title-share", type=float, default=0.02)
    parser.add_argument("--embedder", default="e5-small")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="query the store already in --work (no ingest)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="reelcraft-trends-scale-"))
    store = TrendStore(work, embedder=embedder_choice(args.embedder))
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int) -> None:
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            print(f"  {done:,} rows, {done / (last[0] - started):,.0f} rows/s", file=sys.stderr, flush=True)

    rows = [] if args.reuse else replay(args.rows, args.new_title_share)
    stats = store.ingest(rows, batch=5000, progress=progress)
    seconds = time.perf_counter() - started
    counts = store.count()
    print(f"ingested {stats.rows:,} rows ({counts['items']:,} items, {counts['titles']:,} distinct titles embedded "
          f"{stats.titles_embedded:,}) in {seconds:.1f} s: {stats.rows / seconds:,.0f} rows/s; "
          f"embedding {stats.embed_seconds:.1f} s ({stats.titles_embedded / max(stats.embed_seconds, 1e-9):.1f} "
          "titles/s)")  # fmt: skip
    embedder = store.embedder
    vectors = {q: embedder.query(q) for q in QUERIES}
    embed_ms = []
    for q in QUERIES:
        t = time.perf_counter()
        embedder.query(q)
        embed_ms.append((time.perf_counter() - t) * 1000)
    rng = random.Random(1)
    last_day = max(store.date_range())
    search_ms = []
    for i in range(200):
        q = QUERIES[i % len(QUERIES)]
        filters = Filters(region=f"R{rng.randrange(REGIONS):02d}" if i % 2 == 0 else None,
                          category=rng.choice(["10", "24", "22", None]),
                          since=last_day - timedelta(days=rng.randrange(1, 6)))  # fmt: skip
        t = time.perf_counter()
        found = store.search(vectors[q], k=10, filters=filters)
        search_ms.append((time.perf_counter() - t) * 1000)
        assert found or filters.region, (q, filters)
    p50, p95 = float(np.percentile(search_ms, 50)), float(np.percentile(search_ms, 95))
    with_embedding = float(np.percentile(np.array(search_ms) + float(np.median(embed_ms)), 95))
    print(f"query (vector + filter, 200 queries): p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
          f"embedding a brief: median {np.median(embed_ms):.1f} ms")
    print(json.dumps({"rows": stats.rows, "items": counts["items"], "unique_titles": counts["titles"],
                      "rows_per_s": round(stats.rows / seconds), "embed_titles_per_s":
                      round(stats.titles_embedded / max(stats.embed_seconds, 1e-9), 1), "query_p50_ms": round(p50, 1),
                      "query_p95_ms": round(p95, 1), "query_p95_ms_with_embedding": round(with_embedding, 1)}))


if __name__ == "__main__":
    main()
