"""Reading trending exports (CSV, JSON, JSONL) through a mapping file, so a new export format needs a
TOML file, not code.

Files are streamed row by row (a 2 GB export never sits in memory). A bad row becomes a `RowError`
with its line number and the rows around it are kept; a file that cannot be read at all (missing
mapped column, wrong delimiter, not a CSV) raises `TrendsError` naming the file and the fix.
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reelcraft.errors import TrendsError

FIELDS = ("id", "title", "date", "views", "likes", "comments", "shares", "tags", "category", "channel",
          "description", "duration", "published")  # fmt: skip
REQUIRED = ("id", "title", "views")
COUNTS = ("views", "likes", "comments", "shares")
csv.field_size_limit(16 * 2**20)  # descriptions can be long; a runaway quote still stops at 16 MiB


class ColumnMap(BaseModel):
    """reelcraft field = source column, or a dotted path into nested JSON ('statistics.viewCount')."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    views: str
    date: str | None = None
    likes: str | None = None
    comments: str | None = None
    shares: str | None = None
    tags: str | None = None
    category: str | None = None
    channel: str | None = None
    description: str | None = None
    duration: str | None = None
    published: str | None = None
    """When the item was published (ISO 8601 or epoch seconds): gives first-seen items an age."""


class ParseOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date_format: str = "%Y-%m-%d"
    tags_separator: str = "|"
    records: str | None = None
    """JSON only: the (dotted) key that holds the array of records; None for a top-level array."""
    delimiter: str = ","
    encoding: str = "utf-8"
    format: Literal["csv", "json", "jsonl"] | None = None
    """None: from the file's suffix."""
    duration_unit: Literal["seconds", "minutes", "iso8601"] = "seconds"


class MetaOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    platform: str = "unknown"
    region: str = ""
    category: str | None = None
    """Fixed category for a whole file (when the export has no column for it)."""


class TrendMapping(BaseModel):
    """The mapping file: `[columns]`, `[parse]`, `[meta]` (see docs/trends.md)."""

    model_config = ConfigDict(extra="forbid")
    columns: ColumnMap
    parse: ParseOptions = Field(default_factory=ParseOptions)
    meta: MetaOptions = Field(default_factory=MetaOptions)

    @classmethod
    def load(cls, path: Path) -> TrendMapping:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8")) if path.suffix.lower() == ".toml" \
                else json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TrendsError(f"mapping file {path} does not exist", "pass --map with a TOML or JSON mapping") from None
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TrendsError(f"mapping file {path} is not valid TOML/JSON: {exc}",
                              "fix the syntax; see docs/trends.md for the shape") from None
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise TrendsError(f"mapping file {path}: {where}: {first['msg']}",
                              "[columns] needs id, title and views; see docs/trends.md") from None


class TrendRow(BaseModel):
    """One item on one snapshot date, as reelcraft keeps it."""

    platform: str
    region: str
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    date: date
    views: int = Field(ge=0)
    likes: int | None = Field(default=None, ge=0)
    comments: int | None = Field(default=None, ge=0)
    shares: int | None = Field(default=None, ge=0)
    tags: list[str] = Field(default_factory=list)
    category: str = ""
    channel: str = ""
    description: str = ""
    duration: float | None = Field(default=None, ge=0)
    published: datetime | None = None

    @field_validator("title", "channel", "description", "category")
    @classmethod
    def _clean(cls, value: str) -> str:
        return " ".join(value.split())


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    """1-based line of the file where the record starts (JSON: the record's index + 1)."""
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _dig(record: Any, path: str) -> Any:
    value = record
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


def _count(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} is {value!r}, not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("_", "")
        if not _NUMBER.match(text):
            raise ValueError(f"{name} is {str(value)[:40]!r}, not a number")
        number = float(text)
    if number < 0:
        raise ValueError(f"{name} is negative ({value})")
    return int(number)


def _duration(value: Any, unit: str) -> float | None:
    if value is None or value == "":
        return None
    if unit == "iso8601":
        match = _ISO_DURATION.match(str(value).strip())
        if not match:
            raise ValueError(f"duration {value!r} is not ISO 8601 (PT1M30S)")
        d, h, m, s = (float(g) if g else 0.0 for g in match.groups())
        return d * 86400 + h * 3600 + m * 60 + s
    seconds = float(str(value).strip())
    return seconds * 60 if unit == "minutes" else seconds


def _date(value: Any, fmt: str, fixed: date | None) -> date:
    if value is None or value == "":
        if fixed is None:
            raise ValueError("no snapshot date: map [columns] date or pass --date YYYY-MM-DD")
        return fixed
    if isinstance(value, int | float):  # epoch seconds
        return datetime.fromtimestamp(float(value)).date()
    return _parse_date(str(value).strip(), fmt)


@lru_cache(maxsize=4096)
def _parse_date(text: str, fmt: str) -> date:
    """Cached: an export repeats its few snapshot dates on every row, and strptime is slow."""
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            raise ValueError(f"date {text!r} does not match {fmt!r}") from None


def _instant(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"published {str(value)[:40]!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_row(record: Any, mapping: TrendMapping, fixed_date: date | None) -> TrendRow:
    """Map one source record to a `TrendRow`; raises ValueError with a readable reason."""
    cols = mapping.columns
    get = {name: (_dig(record, path) if path else None) for name, path in cols.model_dump().items()}
    for name in REQUIRED:
        if get[name] is None or (isinstance(get[name], str) and not get[name].strip()):
            raise ValueError(f"{name} ({getattr(cols, name)!r}) is empty")
    tags_raw = get["tags"]
    if isinstance(tags_raw, list):
        tags = [str(t) for t in tags_raw]
    elif tags_raw in (None, "", "[none]"):
        tags = []
    else:
        tags = str(tags_raw).split(mapping.parse.tags_separator)
    tags = [t.strip().strip('"').strip() for t in tags]
    views = _count(get["views"], "views")
    assert views is not None
    try:
        return TrendRow(
            platform=mapping.meta.platform, region=mapping.meta.region, id=str(get["id"]).strip(),
            title=str(get["title"]), date=_date(get["date"], mapping.parse.date_format, fixed_date), views=views,
            likes=_count(get["likes"], "likes"), comments=_count(get["comments"], "comments"),
            shares=_count(get["shares"], "shares"), tags=[t for t in tags if t and t != "[none]"],
            category=str(get["category"] if get["category"] is not None else mapping.meta.category or ""),
            channel=str(get["channel"] or ""), description=str(get["description"] or ""),
            duration=_duration(get["duration"], mapping.parse.duration_unit), published=_instant(get["published"]),
        )  # fmt: skip
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def _format(path: Path, mapping: TrendMapping) -> str:
    if mapping.parse.format:
        return mapping.parse.format
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    return "json" if suffix == ".json" else "csv"


def _csv_records(path: Path, mapping: TrendMapping) -> Iterator[tuple[int, dict[str, str] | Exception]]:
    # surrogateescape keeps undecodable bytes as markers, so one bad row is reported, not the whole file
    with path.open(encoding=mapping.parse.encoding, errors="surrogateescape", newline="") as handle:
        # not strict: the Kaggle exports write tags as "a"|"b", which strict CSV rejects; a broken quote
        # shows up instead as a record that swallows many lines or has the wrong number of fields
        reader = csv.reader(handle, delimiter=mapping.parse.delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise TrendsError(f"{path.name} is empty", "export the file again") from None
        except csv.Error as exc:
            raise TrendsError(f"{path.name}: the header line is not CSV ({exc})", "check the file is a CSV") from None
        _check_header(path, header, mapping)
        # a line break is normal in a description, never in an id, title, date or count
        short_columns = [c for name, c in mapping.columns.model_dump().items() if c and name != "description"]
        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a field over the size limit: an unclosed quote ate the file
                yield start, ValueError(f"broken CSV quoting ({exc}); rows from here on are not read")
                return
            if not values:
                continue
            if len(values) != len(header):
                spans = reader.line_num - start
                hint = f" (lines {start}–{reader.line_num}: an unclosed quote?)" if spans > 0 else ""
                yield start, ValueError(f"{len(values)} fields where the header has {len(header)}{hint}")
                continue
            record = dict(zip(header, values, strict=True))
            if reader.line_num > start and (torn := [c for c in short_columns if "\n" in record.get(c, "")]):
                yield start, ValueError(f"{torn[0]!r} runs over lines {start}–{reader.line_num}: an unclosed quote? "
                                        "(those lines are skipped)")
                continue
            if any(_has_bad_bytes(v) for v in values):
                yield start, ValueError(f"bytes that are not {mapping.parse.encoding} in this row "
                                        "(set [parse] encoding, e.g. 'latin-1', or fix the export)")
                continue
            yield start, record


_UNDECODED = re.compile("[\udc80-\udcff]")
"""What surrogateescape turns undecodable bytes into."""


def _has_bad_bytes(text: str) -> bool:
    return _UNDECODED.search(text) is not None


def _check_header(path: Path, header: list[str], mapping: TrendMapping) -> None:
    wanted = {name: column for name, column in mapping.columns.model_dump().items() if column}
    missing = {name: column for name, column in wanted.items() if column.split(".")[0] not in header}
    if not missing:
        return
    if len(header) == 1:
        for candidate in (";", "\t", "|", ","):
            if candidate != mapping.parse.delimiter and candidate in header[0]:
                raise TrendsError(f"{path.name}: the header is one column {header[0][:60]!r}: the delimiter looks "
                                  f"like {candidate!r}, not {mapping.parse.delimiter!r}",
                                  f"set [parse] delimiter = {json.dumps(candidate)} in the mapping file")
    names = ", ".join(f"{name} → {column!r}" for name, column in missing.items())
    raise TrendsError(f"{path.name}: mapped column(s) not in the file: {names}",
                      f"fix [columns] in the mapping; the file has: {', '.join(header[:20])}")


def _jsonl_records(path: Path, mapping: TrendMapping) -> Iterator[tuple[int, Any]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw.decode(mapping.parse.encoding))
            except UnicodeDecodeError:
                yield number, ValueError(f"bytes that are not {mapping.parse.encoding} in this line")
            except json.JSONDecodeError as exc:
                yield number, ValueError(f"not JSON ({exc.msg})")


def _json_records(path: Path, mapping: TrendMapping) -> Iterator[tuple[int, Any]]:
    import ijson

    prefix = f"{mapping.parse.records}.item" if mapping.parse.records else "item"
    with path.open("rb") as handle:
        number = 0
        try:
            for number, record in enumerate(ijson.items(handle, prefix, use_float=True), start=1):
                yield number, record
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            yield number + 1, ValueError(f"the JSON breaks after record {number} ({exc}); the rest is not read")
            return
        if number == 0:
            where = f"under the key {mapping.parse.records!r}" if mapping.parse.records else "at the top level"
            raise TrendsError(f"{path.name}: no array of records {where}",
                              "set [parse] records to the key that holds the list (dotted for nested)")


KEPT_ERRORS = 1000
"""Bad rows kept with their messages; beyond this only counted, so a file of garbage cannot fill memory."""


@dataclass
class ReadReport:
    file: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    """The first KEPT_ERRORS bad rows."""
    bad_rows: int = 0
    """All bad rows, kept or not."""

    def add(self, error: RowError) -> None:
        self.bad_rows += 1
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(error)


def read_trends(path: Path, mapping: TrendMapping, *, fixed_date: date | None = None,
                report: ReadReport | None = None) -> Iterator[TrendRow]:
    """Stream the file's rows as `TrendRow`s; bad rows go to `report.errors` with their line numbers."""
    if not path.is_file():
        raise TrendsError(f"{path} does not exist", "pass the path of a CSV, JSON or JSONL export")
    report = report if report is not None else ReadReport(file=path.name)
    if mapping.columns.date is None and fixed_date is None:
        raise TrendsError(f"{path.name}: no snapshot date", "map [columns] date, or pass --date YYYY-MM-DD")
    kind = _format(path, mapping)
    records = {"csv": _csv_records, "jsonl": _jsonl_records, "json": _json_records}[kind](path, mapping)
    for line, record in records:
        if isinstance(record, Exception):
            report.add(RowError(path.name, line, str(record)))
            continue
        try:
            row = to_row(record, mapping, fixed_date)
        except ValueError as exc:
            report.add(RowError(path.name, line, str(exc)))
            continue
        report.rows += 1
        yield row

