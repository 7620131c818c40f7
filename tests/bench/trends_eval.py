"""Momentum quality (a script, not a test): does growth predict tomorrow's growth better than size?

For every snapshot day t that has a day before and a day after, the momentum model is fitted on what
was known up to t, ranks the items seen on both t and t+1 by predicted next-day view growth, and is
compared (Spearman ρ) with the actual growth from t to t+1. The baseline ranks the same items by their
views on day t. ρ is averaged over the days, weighted by the items evaluated.

Last line: {"spearman_model", "spearman_views_baseline", "n_items"}.

    python tests/bench/trends_eval.py FILE [FILE ...] --map MAPFILE
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from scipy.stats import spearmanr

from reelcraft.trends.ingest import ReadReport, TrendMapping, read_trends
from reelcraft.trends.momentum import ItemHistory, MomentumModel, Snapshot, up_to


def histories(files: list[Path], mapping: TrendMapping) -> list[ItemHistory]:
    shots: dict[tuple[str, str, str], dict] = defaultdict(dict)
    meta: dict[tuple[str, str, str], tuple[str, object]] = {}
    for path in files:
        report = ReadReport(path.name)
        for row in read_trends(path, mapping, report=report):
            key = (row.platform, row.region, row.id)
            shots[key][row.date] = Snapshot(row.date, row.views, row.likes)  # the last row of a day wins
            meta[key] = (row.category, row.published)
        for error in report.errors[:5]:
            print(f"skipped {error}")
    return [ItemHistory("/".join(key), meta[key][0], sorted(days.values(), key=lambda s: s.date),
                        meta[key][1]) for key, days in shots.items()]  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--map", type=Path, required=True, dest="mapping")
    args = parser.parse_args()
    items = histories(args.files, TrendMapping.load(args.mapping))
    days = sorted({s.date for item in items for s in item.snapshots})
    print(f"{len(items)} items over {len(days)} snapshot days")
    print(f"{'day t':<12}{'items':>7}{'ρ model':>10}{'ρ views':>10}")
    total = model_sum = views_sum = 0.0
    for t, t1 in zip(days[1:-1], days[2:], strict=True):
        known = up_to(items, t)
        model = MomentumModel().fit(known)
        by_key = {i.key: i for i in items}
        rows = []
        for item in known:
            later = {s.date: s for s in by_key[item.key].snapshots}
            if t in later and t1 in later:
                rows.append((model.score(item).predicted_growth, later[t].views, later[t1].views - later[t].views))
        if len(rows) < 3:
            continue
        predicted, views, actual = zip(*rows, strict=True)
        rho_model = float(spearmanr(predicted, actual).statistic)
        rho_views = float(spearmanr(views, actual).statistic)
        print(f"{t.isoformat():<12}{len(rows):>7}{rho_model:>10.3f}{rho_views:>10.3f}")
        total += len(rows)
        model_sum += rho_model * len(rows)
        views_sum += rho_views * len(rows)
    if total == 0:
        raise SystemExit("no day has snapshots before and after it: need ≥ 3 snapshot dates")
    print(json.dumps({"spearman_model": round(model_sum / total, 4),
                      "spearman_views_baseline": round(views_sum / total, 4), "n_items": int(total)}))


if __name__ == "__main__":
    main()
