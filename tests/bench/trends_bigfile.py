"""A multi-gigabyte trending export is read in bounded memory, and its bad rows are still found by line
(a script, not a test: writing and reading 2 GB takes minutes; the test suite streams 60 MB instead).

The file is the real GB export replayed until it reaches `--gb` (each copy gets new item ids), with
four bad rows written near the end at known lines: negative views, views that are not a number,
bytes that are not UTF-8, and a row with a missing field. Reading it yields every good row, reports
exactly those four lines, and the peak memory of the process barely moves from before the read.

Last line: {"file_bytes", "rows", "bad_rows", "bad_lines_found", "bad_lines_expected", "rows_per_s",
"mb_per_s", "rss_before_mib", "rss_peak_mib"}.

    python tests/bench/trends_bigfile.py [--gb 2] [--file PATH] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from reelcraft.trends.ingest import ReadReport, TrendMapping, read_trends

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from helpers import shared_dir  # noqa: E402


def rss_mib() -> float:
    """Current resident memory (from /proc: ru_maxrss is a lifetime peak and would hide the read's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_big_export(source: Path, target: Path, size: int) -> tuple[int, list[int]]:
    """Replay `source` into `target` until it holds `size` bytes; returns good rows and the bad lines."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        records = list(reader)
    views = header.index("views")
    lines, good, bad_lines = 0, 0, []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    with target.open("wb") as out:
        writer.writerow(header)
        copy, written, injected = 0, 0, False
        while written < size:
            for record in records:
                row = list(record)
                row[0] = f"{record[0]}-{copy}"
                writer.writerow(row)
                good += 1
            copy += 1
            if not injected and written > size * 0.9:
                for kind in ("negative", "text", "bytes", "short"):
                    text = buffer.getvalue()
                    out.write(text.encode())
                    written += len(text.encode())
                    lines += text.count("\n")
                    buffer.seek(0)
                    buffer.truncate()
                    row = list(records[0])
                    row[0] = f"bad-{kind}"
                    row[-1] = "one line"
                    if kind == "negative":
                        row[views] = "-5"
                    elif kind == "text":
                        row[views] = "lots"
                    elif kind == "short":
                        row = row[:5]
                    single = io.StringIO()
                    csv.writer(single, lineterminator="\n").writerow(row)
                    data = single.getvalue().encode()
                    if kind == "bytes":
                        data = data.replace(b"one line", b"one \xff\xfe line")
                    out.write(data)
                    written += len(data)
                    lines += 1
                    bad_lines.append(lines)
                injected = True
            text = buffer.getvalue()
            out.write(text.encode())
            written += len(text.encode())
            lines += text.count("\n")
            buffer.seek(0)
            buffer.truncate()
    return good, bad_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gb", type=float, default=2.0)
    parser.add_argument("--file", type=Path, help="where to write the export (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the file afterwards")
    args = parser.parse_args()
    source = shared_dir() / "data" / "trends" / "youtube_trending_GB.csv"
    target = args.file or Path(tempfile.mkdtemp(prefix="reelcraft-bigfile-")) / "youtube_big.csv"
    started = time.perf_counter()
    good, bad_lines = write_big_export(source, target, int(args.gb * 2**30))
    size = target.stat().st_size
    print(f"wrote {size / 2**30:.2f} GiB ({good:,} good rows, bad rows at lines {bad_lines}) "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    mapping = TrendMapping.load(ROOT / "docs" / "trend-maps" / "youtube_kaggle.toml")
    report = ReadReport(file=target.name)
    before = rss_mib()
    started = time.perf_counter()
    rows = 0
    for _ in read_trends(target, mapping, report=report):
        rows += 1
        if rows % 250_000 == 0:
            print(f"  {rows:,} rows, rss {rss_mib():.0f} MiB", flush=True)
    seconds = time.perf_counter() - started
    for error in report.errors[:10]:
        print(f"  ! {error}")
    if not args.keep:
        target.unlink()
    found = [e.line for e in report.errors]
    print(json.dumps({"file_bytes": size, "rows": rows, "rows_expected": good, "bad_rows": report.bad_rows,
                      "bad_lines_found": found, "bad_lines_expected": bad_lines,
                      "rows_per_s": round(rows / seconds), "mb_per_s": round(size / 2**20 / seconds, 1),
                      "rss_before_mib": round(before, 1), "rss_peak_mib": round(peak_rss_mib(), 1)}))


if __name__ == "__main__":
    main()
