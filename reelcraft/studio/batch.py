"""Batches: a video for every brief in a JSONL or CSV file (`reelcraft batch`, `Studio.batch`).

Every line is checked before anything runs: a bad line is reported with its number and the good lines still
run. The batch and its items live in the SQL store (reelcraft/review/batches.py), and each stage's end is
written there, so a killed batch resumes where it stopped: finished items are skipped, a stored plan is not
written again, the asset cache re-makes nothing that was made, and an item's draft id is fixed up front, so no
item ends in two drafts.

On one machine the two halves of a video overlap: the writer (the embedded LLM, one thread) plans item k+1 while
item k renders (ffmpeg and the rest of the cores). A bounded queue between them keeps at most
`batch.queue` plans waiting, and one Studio (one loaded model) serves both.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reelcraft.errors import BatchError, ReelcraftError, StoreError, validation_problems
from reelcraft.plan import VideoPlan, check_brief, check_duration, parse_aspect, parse_language, parse_platform
from reelcraft.review.batches import BatchInfo, BatchStore, ItemInfo, ItemStatus, NewItem
from reelcraft.storage.cache import atomic_write_text
from reelcraft.studio.failures import explain_failure

if TYPE_CHECKING:
    from reelcraft.studio.studio import Studio

__all__ = ["BatchItem", "BatchReport", "LineProblem", "read_batch", "run_batch"]

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


RETRY = "`reelcraft batch retry ID --failed`"


class BatchItem(BaseModel):
    """One line of a batch: everything `reelcraft make` takes, and an id for the manifest."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = None
    """Names the item in the manifest; default `line-N`."""
    brief: str
    duration: float = Field(default=30)
    language: str | None = None
    platform: str = "tiktok"
    aspect: str | None = None
    brand: str | None = None
    media: Path | None = None
    """A folder of the creator's photos and clips."""
    mood: str | None = None
    music: Path | None = None
    """The creator's own track."""
    voice: str | None = None
    caption_style: str | None = None
    profile: str | None = None
    """final (default) or preview."""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not _ID.match(value):
            raise ValueError("use 1–64 letters, digits, '-', '_' or '.'")
        return value

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: str | None) -> str | None:
        if value not in (None, "final", "preview"):
            raise ValueError("use final or preview")
        return value

    def prepare(self, studio: Studio) -> tuple[VideoPlan, str | None]:
        """The writer's stage for this item (`Studio.prepare`): its plan and the voice to read it."""
        return studio.prepare(self.brief, duration=self.duration, language=self.language, platform=self.platform,
                              media_dir=self.media, voice=self.voice, mood=self.mood, music_file=self.music,
                              aspect=self.aspect, caption_style=self.caption_style, brand=self.brand)  # fmt: skip

    def check(self) -> BatchItem:
        """The checks `make` does before it starts (a ReelcraftError names the field's stage and its fix)."""
        check_brief(self.brief)
        check_duration(self.duration)
        if self.language:
            parse_language(self.language)
        parse_platform(self.platform)
        if self.aspect:
            parse_aspect(self.aspect)
        if self.media is not None and not self.media.is_dir():
            raise BatchError(f"media folder {self.media} does not exist", "give an existing folder, or drop media")
        if self.music is not None and not self.music.is_file():
            raise BatchError(f"music file {self.music} does not exist", "give an existing audio file, or drop music")
        return self


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str


@dataclass
class BatchFile:
    items: list[tuple[int, BatchItem]]
    problems: list[LineProblem]
    notes: list[str] = field(default_factory=list)


def read_batch(path: Path) -> BatchFile:
    """Every line of a JSONL or CSV batch, checked: the good items, and each bad line with its number and why.
    Relative media and music paths are read from the file's folder."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise BatchError(f"{path.name} is not a batch file", "give a .jsonl (one JSON object per line) or a .csv")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BatchError(f"no batch file {path}", "check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError(f"cannot read {path}: {exc}", "save it as UTF-8 text") from exc
    rows, problems, notes = (_jsonl_rows if kind == "jsonl" else _csv_rows)(text)
    items: list[tuple[int, BatchItem]] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        for key in ("media", "music"):
            if raw.get(key) and not Path(str(raw[key])).expanduser().is_absolute():
                raw[key] = str(path.parent / str(raw[key]))
        try:
            item = BatchItem.model_validate(raw).check()
        except ValidationError as exc:
            problems.append(LineProblem(line, "; ".join(validation_problems(exc, 4))))
            continue
        except ReelcraftError as exc:
            problems.append(LineProblem(line, f"{exc.message} — fix: {exc.fix}" if exc.fix else exc.message))
            continue
        item_id = item.id or f"line-{line}"
        if item_id in seen:
            problems.append(LineProblem(line, f"id {item_id!r} is also on line {seen[item_id]}"))
            continue
        seen[item_id] = line
        items.append((line, item.model_copy(update={"id": item_id})))
    if not items and not problems:
        raise BatchError(f"{path.name} holds no briefs", "put one brief per line")
    return BatchFile(items=items, problems=sorted(problems, key=lambda p: p.line), notes=notes)


def _jsonl_rows(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[LineProblem], list[str]]:
    rows, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(LineProblem(number, f"not JSON ({exc.msg} at column {exc.colno})"))
            continue
        if isinstance(value, str):
            value = {"brief": value}
        if not isinstance(value, dict):
            problems.append(LineProblem(number, 'each line must be a JSON object like {"brief": "…"}'))
            continue
        rows.append((number, value))
    return rows, problems, []


def _csv_rows(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[LineProblem], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    if "brief" not in columns:
        raise BatchError(f"the CSV has no 'brief' column (its columns: {', '.join(columns) or 'none'})",
                         "name the column that holds each video's idea 'brief'")  # fmt: skip
    known = set(BatchItem.model_fields)
    unknown = [c for c in columns if c not in known]
    notes = [f"ignored CSV column(s): {', '.join(unknown)}"] if unknown else []
    rows = []
    for record in reader:
        values = {k.strip().lower(): (v or "").strip() for k, v in record.items() if k is not None}
        if not any(values.values()):
            continue
        if None in record:
            notes.append(f"line {reader.line_num}: more cells than columns; the extra ones are ignored")
        rows.append((reader.line_num, {k: v for k, v in values.items() if k in known and v != ""}))
    return rows, [], notes


@dataclass(frozen=True)
class ManifestRow:
    id: str | None
    line: int
    status: str
    draft_id: str | None = None
    version: int | None = None
    video: str | None = None
    cover: str | None = None
    captions: str | None = None
    plan: str | None = None
    score: int | None = None
    error_stage: str | None = None
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class BatchReport:
    batch_id: str
    out_dir: Path
    manifest: Path
    rows: list[ManifestRow]
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)


BatchProgress = Callable[[str, str, dict[str, int]], None]
"""(item id, what happened, counts per status) after each stage of each item."""


def _no_progress(item: str, what: str, counts: dict[str, int]) -> None:
    del item, what, counts


def run_batch(studio: Studio, source: Path, out_dir: Path, *, resume: bool = False, profile: str = "final",
              overlap: bool = True, ray: str | None = None,
              progress: BatchProgress = _no_progress) -> BatchReport:  # fmt: skip
    """Run (or with `resume`, finish) the batch in `source`, writing drafts to the Studio's store and the
    manifest to `out_dir/manifest.jsonl`. `ray` (or `batch.ray_address`): run the stages as tasks on that Ray
    cluster (reelcraft/studio/batch_ray.py)."""
    began = time.perf_counter()
    store = _store(studio)
    marker = out_dir / "batch.json"
    if resume:
        if not marker.is_file():
            raise BatchError(f"{out_dir} holds no batch to resume", "run it first without --resume")
        batch_id = json.loads(marker.read_text(encoding="utf-8"))["batch_id"]
    else:
        if marker.is_file():
            known = json.loads(marker.read_text(encoding="utf-8")).get("batch_id")
            raise BatchError(f"{out_dir} already holds batch {known}",
                             "add --resume to finish it, or pick another --out")
        batch_id = _new_batch(store, source, out_dir, profile)
    _runner(studio, store, batch_id, progress, ray).run(overlap=overlap)
    return write_manifest(studio, store, batch_id, seconds=time.perf_counter() - began)


def _runner(studio: Studio, store: BatchStore, batch_id: str, progress: BatchProgress, ray: str | None) -> _Runner:
    address = ray or studio.settings.batch.ray_address
    if not address:
        return _Runner(studio, store, batch_id, progress)
    from reelcraft.studio.batch_ray import RayRunner

    return RayRunner(studio, store, batch_id, progress, address=address)


def retry_failed(studio: Studio, batch_id: str, *, ray: str | None = None,
                 progress: BatchProgress = _no_progress) -> BatchReport:  # fmt: skip
    """Run a batch's failed items again (their stored plans are kept; `reelcraft batch retry ID --failed`)."""
    began = time.perf_counter()
    store = _store(studio)
    store.batch(batch_id)
    store.reset(batch_id, failed_only=True)
    _runner(studio, store, batch_id, progress, ray).run(overlap=True)
    return write_manifest(studio, store, batch_id, seconds=time.perf_counter() - began)


def batch_status(studio: Studio, batch_id: str) -> BatchInfo:
    return _store(studio).batch(batch_id)


def list_batches(studio: Studio) -> list[tuple[str, Any, str]]:
    return _store(studio).batches()


def _store(studio: Studio) -> BatchStore:
    url = studio.settings.batch_db_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return BatchStore(url)


def _new_batch(store: BatchStore, source: Path, out_dir: Path, profile: str) -> str:
    read = read_batch(source)
    batch_id = uuid.uuid4().hex[:8]
    items = [NewItem(item_id=item.id or f"line-{line}", line=line, spec=item.model_dump(mode="json", exclude_none=True),
                     draft_id=_draft_id(batch_id, line, item.id or "")) for line, item in read.items]  # fmt: skip
    problems = [{"line": p.line, "message": p.message} for p in read.problems]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"cannot make the output folder {out_dir}: {exc}", "pick a folder you may write") from exc
    store.create(batch_id, source=str(source.resolve()), out_dir=str(out_dir.resolve()), items=items,
                 options={"profile": profile, "problems": problems, "notes": read.notes})  # fmt: skip
    atomic_write_text(out_dir / "batch.json", json.dumps({"batch_id": batch_id, "source": str(source.resolve()),
                                                          "store": store.url.split("@")[-1]}, indent=2))  # fmt: skip
    return batch_id


def _draft_id(batch_id: str, line: int, item_id: str) -> str:
    """Fixed when the batch is stored: `<batch>-<line>-<id as a slug>` (a draft id's alphabet is a-z, 0-9, -)."""
    slug = re.sub(r"[^a-z0-9]+", "-", item_id.lower()).strip("-")[:30] or hashlib.sha1(item_id.encode()).hexdigest()[:8]
    return f"{batch_id}-{line:04d}-{slug}".strip("-")[:64]


RENDER_NICENESS = 10
"""The render thread's (and so its ffmpeg's) niceness in an overlapped batch: the writer's one llama.cpp thread
keeps its core, and the render takes what is left. The two stages together need more than two cores: without
this the writer's plans took 36 s instead of ~22 s while a render ran."""


def _yield_to_the_writer() -> None:
    """Lower this thread's priority (Linux: a thread is a task; the processes it starts inherit it)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), RENDER_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: the batch runs all the same
        return


class _Runner:
    """The writer thread and the render loop for one batch's unfinished items."""

    def __init__(self, studio: Studio, store: BatchStore, batch_id: str, progress: BatchProgress) -> None:
        self.studio, self.store, self.batch_id, self.progress = studio, store, batch_id, progress
        self.info = store.batch(batch_id)
        self.profile = str(self.info.options.get("profile", "final"))
        self.counts = {s.value: self.info.count(s) for s in ItemStatus}
        self.lock = threading.Lock()
        self.failure: BaseException | None = None

    def run(self, *, overlap: bool) -> None:
        items = {item.item_id: item for item in self.info.items}
        planned = [i.item_id for i in self.info.items if i.status in (ItemStatus.PLANNED, ItemStatus.RENDERING)]
        to_plan = [i.item_id for i in self.info.items if i.status == ItemStatus.PENDING]
        if not overlap:
            for item_id in planned:
                self._render(items[item_id])
            for item_id in to_plan:
                if self._plan(items[item_id]):
                    self._render(self._reload(item_id))
            return
        ready: queue.Queue[str | None] = queue.Queue(maxsize=self.studio.settings.batch.queue)
        stop = threading.Event()

        def write() -> None:
            try:
                for item_id in to_plan:
                    if stop.is_set():
                        return
                    if self._plan(items[item_id]):
                        while not stop.is_set():
                            try:
                                ready.put(item_id, timeout=0.5)
                                break
                            except queue.Full:
                                continue
            except BaseException as exc:  # noqa: BLE001 - the store failed: the render loop re-raises it
                self.failure = exc
            finally:
                while not stop.is_set():
                    try:
                        ready.put(None, timeout=0.5)
                        break
                    except queue.Full:
                        continue

        def render() -> None:
            _yield_to_the_writer()
            try:
                for item_id in planned:
                    self._render(items[item_id])
                while (item_id := ready.get()) is not None:
                    self._render(self._reload(item_id))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                self.failure = self.failure or exc
            finally:
                stop.set()

        writer = threading.Thread(target=write, name="reelcraft-batch-writer", daemon=True)
        renderer = threading.Thread(target=render, name="reelcraft-batch-render", daemon=True)
        writer.start()
        renderer.start()
        try:
            while renderer.is_alive():
                renderer.join(0.5)
        except BaseException:  # Ctrl-C: the writer stops after its current plan
            stop.set()
            raise
        writer.join()
        if self.failure is not None:
            raise self.failure

    def _reload(self, item_id: str) -> ItemInfo:
        return self.store.item(self.batch_id, item_id)

    def _moved(self, item: ItemInfo, old: ItemStatus | None, new: ItemStatus, what: str) -> None:
        with self.lock:
            if old is not None:
                self.counts[old.value] -= 1
            self.counts[new.value] += 1
            counts = dict(self.counts)
        self.progress(item.item_id, what, counts)

    def _plan(self, item: ItemInfo) -> bool:
        attempt = self.store.begin_attempt(self.batch_id, item.item_id, "plan")
        return self.record_plan(item, attempt, plan_item(self.studio, BatchItem.model_validate(item.spec)))

    def record_plan(self, item: ItemInfo, attempt: int, result: dict[str, Any], where: str = "") -> bool:
        """Store what the writer's stage gave (`plan_item`, here or on a Ray worker); whether it planned."""
        if "error" in result:
            self._fail(item, ItemStatus.PENDING, attempt, result)
            return False
        prepared = json.dumps({"plan": result["plan"], "voice": result["voice"]}, ensure_ascii=False)
        self.store.update(self.batch_id, item.item_id, status=ItemStatus.PLANNED, plan_json=prepared,
                          stage_seconds=result["seconds"])  # fmt: skip
        self.store.end_attempt(attempt, "ok")
        self._moved(item, ItemStatus.PENDING, ItemStatus.PLANNED, f"planned{where}")
        return True

    def begin_render(self, item: ItemInfo) -> tuple[ItemInfo, int, dict[str, Any]]:
        """Mark the item rendering and open its attempt: the item as it now is, the attempt, its stored plan."""
        if item.plan_json is None:  # cannot happen: only planned items reach the render
            raise StoreError(f"item {item.item_id} has no stored plan", "run `reelcraft batch retry ID --failed`")
        if item.status != ItemStatus.RENDERING:
            self.store.update(self.batch_id, item.item_id, status=ItemStatus.RENDERING)
            self._moved(item, item.status, ItemStatus.RENDERING, "rendering")
        attempt = self.store.begin_attempt(self.batch_id, item.item_id, "render")
        return replace(item, status=ItemStatus.RENDERING), attempt, json.loads(item.plan_json)

    def _render(self, item: ItemInfo) -> None:
        item, attempt, prepared = self.begin_render(item)
        result = render_item(self.studio, BatchItem.model_validate(item.spec), prepared, item.draft_id, self.profile)
        self.record_render(item, attempt, result)

    def record_render(self, item: ItemInfo, attempt: int, result: dict[str, Any], where: str = "") -> None:
        """Store what the render stage gave (`render_item`, here or on a Ray worker)."""
        if "error" in result:
            self._fail(item, item.status, attempt, result)
            return
        self.store.update(self.batch_id, item.item_id, status=ItemStatus.DONE, version=result["version"],
                          score=result.get("score"), stage_seconds=result.get("seconds", {}))  # fmt: skip
        found = bool(result.get("found"))
        self.store.end_attempt(attempt, "found" if found else "ok")
        self._moved(item, item.status, ItemStatus.DONE, f"{'found its draft' if found else 'rendered'}{where}")

    def _fail(self, item: ItemInfo, old: ItemStatus, attempt: int, result: dict[str, Any]) -> None:
        self.store.update(self.batch_id, item.item_id, status=ItemStatus.FAILED, error_stage=result["error_stage"],
                          error=result["error"], stage_seconds=result.get("seconds", {}))  # fmt: skip
        self.store.end_attempt(attempt, "failed", result["error"])
        self._moved(item, old, ItemStatus.FAILED, f"failed at {result['error_stage']}: {result['error']}")


def plan_item(studio: Studio, item: BatchItem) -> dict[str, Any]:
    """The writer's stage for one item, wherever it runs (this process or a Ray worker): {"plan", "voice",
    "seconds"}, or {"error_stage", "error"} for the item's own failure."""
    started = time.perf_counter()
    try:
        plan, voice = item.prepare(studio.for_item())
    except Exception as exc:  # noqa: BLE001 - one item's failure is recorded; the batch goes on
        stage, message = explain_failure(exc, "script", studio.settings.home, RETRY)
        return {"error_stage": stage, "error": message}
    return {"plan": json.loads(plan.model_dump_json()), "voice": voice,
            "seconds": {"plan": round(time.perf_counter() - started, 3)}}  # fmt: skip


def render_item(studio: Studio, item: BatchItem, prepared: dict[str, Any], draft_id: str,
                profile: str) -> dict[str, Any]:  # fmt: skip
    """The render stage for one item, wherever it runs: {"version", "found": True} when its draft was saved before
    a cut-off, {"version", "score", "seconds"} when rendered, or {"error_stage", "error", "seconds"}."""
    versions = studio.store.versions(draft_id)
    if versions:  # rendered before a kill cut the store's update: that draft is the item's
        return {"version": versions[0], "found": True}
    timer = _StageTimer()
    worker = studio.for_item(timer.progress, writes=False)
    try:
        draft = worker.render(VideoPlan.model_validate(prepared["plan"]), media_dir=item.media, brief=item.brief,
                              draft_id=draft_id, voice=prepared.get("voice"),
                              profile=item.profile or profile)  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - one item's failure is recorded; the batch goes on
        stage, message = explain_failure(exc, timer.current or "render", studio.settings.home, RETRY)
        return {"error_stage": stage, "error": message, "seconds": timer.finish()}
    seconds = timer.finish()
    started = time.perf_counter()
    try:
        score: int | None = worker.score_plan(draft.plan, brief=item.brief,
                                              scene_durations=draft.scene_durations).total  # fmt: skip
    except ReelcraftError as exc:  # the video is made: a score that cannot be taken is a note, not a failure
        worker.deps.warn("score", exc.message)
        score = None
    seconds["score"] = round(time.perf_counter() - started, 3)
    return {"version": draft.version, "score": score, "seconds": seconds}


class _StageTimer:
    """Seconds per pipeline stage, from the progress calls the pipeline makes as it moves on."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.current: str | None = None
        self.since = time.perf_counter()

    def progress(self, stage: str, message: str) -> None:
        del message
        if stage != self.current:
            self._close()
            self.current, self.since = stage, time.perf_counter()

    def _close(self) -> None:
        if self.current is not None:
            elapsed = time.perf_counter() - self.since
            self.seconds[self.current] = round(self.seconds.get(self.current, 0.0) + elapsed, 3)

    def finish(self) -> dict[str, float]:
        self._close()
        self.current = None
        return dict(self.seconds)


def write_manifest(studio: Studio, store: BatchStore, batch_id: str, *, seconds: float = 0.0) -> BatchReport:
    """`manifest.jsonl` in the batch's folder, one object per line of the file (bad lines included), written
    whole or not at all."""
    info = store.batch(batch_id)
    rows = [_row(studio, item) for item in info.items]
    rows += [ManifestRow(id=None, line=p["line"], status="invalid", error_stage="batch", error=p["message"])
             for p in info.options.get("problems", [])]  # fmt: skip
    rows.sort(key=lambda r: r.line)
    out_dir = Path(info.out_dir)
    manifest = out_dir / "manifest.jsonl"
    text = "".join(json.dumps(row.__dict__, ensure_ascii=False) + "\n" for row in rows)
    try:
        atomic_write_text(manifest, text)
    except OSError as exc:
        raise BatchError(f"cannot write the manifest {manifest}: {exc}",
                         "free space, then `reelcraft batch status ID` shows the same rows") from exc  # fmt: skip
    return BatchReport(batch_id=batch_id, out_dir=out_dir, manifest=manifest, rows=rows, seconds=round(seconds, 2))


def _row(studio: Studio, item: ItemInfo) -> ManifestRow:
    row = ManifestRow(id=item.item_id, line=item.line, status=item.status.value, draft_id=item.draft_id,
                      version=item.version, error_stage=item.error_stage, error=item.error,
                      seconds=item.stage_seconds)  # fmt: skip
    if item.status != ItemStatus.DONE or item.version is None:
        return row
    folder = studio.store.version_dir(item.draft_id, item.version)
    return ManifestRow(**{**row.__dict__, "video": str(folder / "video.mp4"), "cover": str(folder / "cover.jpg"),
                          "captions": str(folder / "captions.srt"), "plan": str(folder / "plan.json"),
                          "score": item.score})  # fmt: skip
