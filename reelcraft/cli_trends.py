"""`reelcraft trends …`: load trending exports into the store (and, as they land, suggest and record)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from reelcraft.cli_output import fail_with
from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError

trends_app = typer.Typer(no_args_is_help=True, help="Trending exports: ingest them, get suggestions from them.")
console = Console(stderr=True)


def _fail(exc: ReelcraftError) -> NoReturn:
    fail_with(exc)


def open_store(settings: Settings):  # noqa: ANN201 (TrendStore imports chromadb lazily)
    from reelcraft.trendstore import TrendStore

    return TrendStore(settings.trends_dir, db_url=settings.trends.db_url, chroma_url=settings.trends.chroma_url,
                      embedder=settings.trends.embedder)


@trends_app.command("ingest")
def ingest_command(
    files: Annotated[list[Path], typer.Argument(help="CSV, JSON or JSONL exports")],
    mapping_file: Annotated[Path, typer.Option("--map", help="Mapping file (TOML or JSON), see docs/trends.md")],
    snapshot_date: Annotated[str | None, typer.Option("--date", help="Snapshot date for files without one")] = None,
    region: Annotated[str | None, typer.Option(help="Override [meta] region")] = None,
    platform: Annotated[str | None, typer.Option(help="Override [meta] platform")] = None,
    show_errors: Annotated[int, typer.Option(help="How many bad rows to list per file")] = 10,
) -> None:
    """Load trending snapshots; the same rows again change nothing. Bad rows are listed with line numbers
    and skipped; the rows around them are kept."""
    from reelcraft.trend_ingest import ReadReport, TrendMapping, read_trends

    try:
        mapping = TrendMapping.load(mapping_file)
        overrides = {k: v for k, v in (("region", region), ("platform", platform)) if v}
        if overrides:
            mapping = mapping.model_copy(update={"meta": mapping.meta.model_copy(update=overrides)})
        fixed = None
        if snapshot_date:
            try:
                fixed = date.fromisoformat(snapshot_date)
            except ValueError:
                raise typer.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
        store = open_store(Settings())
        table = Table("file", "rows", "new snapshots", "titles embedded", "bad rows", "rows/s")
        for path in files:
            report = ReadReport(path.name)
            with Progress(SpinnerColumn(), TextColumn(f"[bold]{path.name}[/bold]"), TextColumn("{task.description}"),
                          TimeElapsedColumn(), console=console) as bar:  # fmt: skip
                task = bar.add_task("reading")
                stats = store.ingest(read_trends(path, mapping, fixed_date=fixed, report=report),
                                     progress=lambda n, t=task: bar.update(t, description=f"{n:,} rows"))  # fmt: skip
            for error in report.errors[:show_errors]:
                console.print(f"[yellow]![/yellow] {escape(str(error))}")
            if len(report.errors) > show_errors:
                more = len(report.errors) - show_errors
                console.print(f"[yellow]![/yellow] … and {more} more bad rows in {path.name}")
            rate = stats.rows / stats.seconds if stats.seconds else 0.0
            table.add_row(path.name, f"{stats.rows:,}", f"{stats.new_snapshots:,}", f"{stats.titles_embedded:,}",
                          str(len(report.errors)), f"{rate:,.0f}")
    except ReelcraftError as exc:
        _fail(exc)
    Console().print(table)
    counts = store.count()
    Console().print(f"store: {counts['items']:,} items, {counts['snapshots']:,} snapshots, {counts['titles']:,} titles")
