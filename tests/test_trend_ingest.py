"""Reading trending exports through a mapping file: the real Kaggle exports, other schemas (nested JSON,
JSONL) without code, and every kind of bad input with its line number."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from helpers import shared_dir
from reelcraft.errors import TrendsError
from reelcraft.trends.ingest import ReadReport, TrendMapping, read_trends

SHARED = shared_dir() / "data" / "trends"
MAPS = Path(__file__).resolve().parents[1] / "docs" / "trend-maps"
KAGGLE_MAP = MAPS / "youtube_kaggle.toml"
HEADER = ("video_id,trending_date,title,channel_title,category_id,publish_time,tags,views,likes,comment_count,"
          "description")


def _read(path: Path, mapping: TrendMapping, **kwargs: object) -> tuple[list, ReadReport]:
    report = ReadReport(path.name)
    return list(read_trends(path, mapping, report=report, **kwargs)), report  # type: ignore[arg-type]


def _csv(tmp_path: Path, lines: list[str], name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _row(i: int, views: str = "1000", title: str | None = None) -> str:
    name = f"Video {i}" if title is None else title
    return f'v{i},17.14.11,"{name}",Chan,22,2017-11-10T17:00:03.000Z,"a"|"b",{views},10,2,"desc"'


def test_the_real_exports_read_completely_with_tags_dates_and_numbers() -> None:
    mapping = TrendMapping.load(KAGGLE_MAP)
    for region, expected in (("GB", 760), ("CA", 786)):
        rows, report = _read(SHARED / f"youtube_trending_{region}.csv", mapping)
        assert report.errors == [] and len(rows) == expected
        assert {r.date for r in rows} >= {date(2017, 11, 14), date(2017, 11, 15)}
        assert all(r.views >= 0 and r.title for r in rows)
    first = _read(SHARED / "youtube_trending_GB.csv", mapping)[0][0]
    assert first.id == "Jw1Y-zhQURU" and first.tags[:2] == ["christmas", "john lewis christmas"]
    assert (first.views, first.likes, first.comments, first.category) == (7224515, 55681, 9479, "26")


def test_nested_json_and_jsonl_exports_need_only_a_mapping(tmp_path: Path) -> None:
    records = [{"item": {"aweme_id": f"t{i}", "desc": f"清晨咖啡 {i}", "stats": {"play_count": 100 * i + 5,
                                                                              "digg_count": i, "share_count": 2}},
                "music": {"duration": 15}, "hashtags": ["早晨", "咖啡"], "snapshot": "2024-05-0" + str(1 + i % 3)}
               for i in range(6)]  # fmt: skip
    (tmp_path / "douyin.json").write_text(json.dumps({"data": {"list": records}}, ensure_ascii=False), "utf-8")
    (tmp_path / "douyin.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    mapping = TrendMapping.model_validate({
        "columns": {"id": "item.aweme_id", "title": "item.desc", "views": "item.stats.play_count",
                    "likes": "item.stats.digg_count", "shares": "item.stats.share_count", "tags": "hashtags",
                    "duration": "music.duration", "date": "snapshot"},
        "parse": {"records": "data.list"}, "meta": {"platform": "douyin", "region": "CN"},
    })  # fmt: skip
    rows, report = _read(tmp_path / "douyin.json", mapping)
    lines, line_report = _read(tmp_path / "douyin.jsonl", mapping)
    assert report.errors == line_report.errors == [] and len(rows) == len(lines) == 6
    assert rows[2].title == "清晨咖啡 2" and rows[2].views == 205 and rows[2].shares == 2
    assert rows[2].tags == ["早晨", "咖啡"] and rows[2].duration == 15 and rows[2].platform == "douyin"
    assert rows == lines


def test_a_missing_mapped_column_names_the_column_and_what_the_file_has(tmp_path: Path) -> None:
    mapping = TrendMapping.load(KAGGLE_MAP).model_copy(deep=True)
    mapping.columns.views = "view_count"
    with pytest.raises(TrendsError) as caught:
        _read(_csv(tmp_path, [_row(1)]), mapping)
    assert "view_count" in caught.value.message and "video_id" in caught.value.fix and caught.value.stage == "trends"


def test_a_wrong_delimiter_is_recognised_and_the_fix_says_which(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text(HEADER.replace(",", ";") + "\nv1;17.14.11;T;C;22;2017-11-10;a;100;1;1;d\n", encoding="utf-8")
    with pytest.raises(TrendsError) as caught:
        _read(path, TrendMapping.load(KAGGLE_MAP))
    assert "';'" in caught.value.message and 'delimiter = ";"' in caught.value.fix


def test_bad_rows_are_reported_by_line_and_the_good_ones_around_them_kept(tmp_path: Path) -> None:
    lines = [_row(1), _row(2, views="-5"), _row(3, views="lots"), _row(4), _row(5, title="")]
    path = _csv(tmp_path, lines)
    rows, report = _read(path, TrendMapping.load(KAGGLE_MAP))
    assert [r.id for r in rows] == ["v1", "v4"]
    assert [(e.line, e.message.split(" ")[0]) for e in report.errors] == [(3, "views"), (4, "views"), (6, "title")]
    assert "negative" in report.errors[0].message and "not a number" in report.errors[1].message


def test_non_utf8_bytes_spoil_only_their_row(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("\n".join([HEADER, _row(1), _row(2, title="café"), _row(3)]).encode("latin-1"))
    rows, report = _read(path, TrendMapping.load(KAGGLE_MAP))
    assert [r.id for r in rows] == ["v1", "v3"]
    assert len(report.errors) == 1 and report.errors[0].line == 3 and "utf-8" in report.errors[0].message
    latin = TrendMapping.load(KAGGLE_MAP).model_copy(update={"parse": TrendMapping.load(KAGGLE_MAP).parse.model_copy(
        update={"encoding": "latin-1"})})  # fmt: skip
    assert [r.title for r in _read(path, latin)[0]][1] == "café"


def test_an_unclosed_quote_is_reported_with_its_lines_and_earlier_rows_survive(tmp_path: Path) -> None:
    broken = 'v3,17.14.11,"Never closed,Chan,22,2017-11-10T17:00:03.000Z,a,100,1,1,d'
    path = _csv(tmp_path, [_row(1), _row(2), broken, _row(4), _row(5)])
    rows, report = _read(path, TrendMapping.load(KAGGLE_MAP))
    assert [r.id for r in rows][:2] == ["v1", "v2"]
    assert report.errors and report.errors[0].line == 4 and "quote" in report.errors[0].message


def test_no_date_needs_a_date_for_the_whole_file(tmp_path: Path) -> None:
    mapping = TrendMapping.load(KAGGLE_MAP).model_copy(deep=True)
    mapping.columns.date = None
    path = _csv(tmp_path, [_row(1)])
    with pytest.raises(TrendsError, match="no snapshot date"):
        _read(path, mapping)
    rows, _ = _read(path, mapping, fixed_date=date(2024, 1, 2))
    assert rows[0].date == date(2024, 1, 2)


def test_a_broken_mapping_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "map.toml"
    bad.write_text('[columns]\nid = "video_id"\n', encoding="utf-8")
    with pytest.raises(TrendsError, match="columns.title"):
        TrendMapping.load(bad)
    bad.write_text("[columns\n", encoding="utf-8")
    with pytest.raises(TrendsError, match="not valid TOML"):
        TrendMapping.load(bad)


def test_big_files_stream_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    filler = "x" * 2000  # long descriptions: many megabytes, few rows

    def peak_reading(rows: int) -> tuple[int, int]:
        path = tmp_path / f"big{rows}.csv"
        with path.open("w", encoding="utf-8") as out:
            out.write(HEADER + "\n")
            for i in range(rows):
                out.write(f'v{i},17.14.11,"Video {i}",Chan,22,2017-11-10T17:00:03.000Z,"a",{i},1,1,"{filler}"\n')
        tracemalloc.start()
        count = sum(1 for _ in read_trends(path, TrendMapping.load(KAGGLE_MAP)))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert count == rows
        return path.stat().st_size, peak

    small_size, small_peak = peak_reading(3_000)
    big_size, big_peak = peak_reading(30_000)
    assert big_size > 60_000_000 and big_size > 9 * small_size
    assert big_peak < 8 * 2**20 and big_peak < small_peak + 2**20, (small_peak, big_peak)  # flat in file size
