"""`reelcraft trends …`: load trending exports into the store, suggest from them, record results.
The work is `Studio.trends_service`'s; this module parses, shows progress and prints."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from reelcraft.cli.output import fail_with
from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError

trends_app = typer.Typer(no_args_is_help=True, help="Trending exports: ingest them, get suggestions from them.")
console = Console(stderr=True)


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
    from reelcraft.studio import Studio

    fixed = None
    if snapshot_date:
        try:
            fixed = date.fromisoformat(snapshot_date)
        except ValueError:
            raise typer.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    try:
        trends = Studio().trends_service
        mapping = trends.mapping(mapping_file, region=region, platform=platform)
        table = Table("file", "rows", "new snapshots", "titles embedded", "bad rows", "rows/s")
        for path in files:
            with Progress(SpinnerColumn(), TextColumn(f"[bold]{path.name}[/bold]"), TextColumn("{task.description}"),
                          TimeElapsedColumn(), console=console) as bar:  # fmt: skip
                task = bar.add_task("reading")
                done = trends.ingest(path, mapping, fixed_date=fixed,
                                     progress=lambda n, t=task: bar.update(t, description=f"{n:,} rows"))  # fmt: skip
            report, stats = done.report, done.stats
            for error in report.errors[:show_errors]:
                console.print(f"[yellow]![/yellow] {escape(str(error))}")
            if report.bad_rows > show_errors:
                more = report.bad_rows - show_errors
                console.print(f"[yellow]![/yellow] … and {more} more bad rows in {path.name}")
            table.add_row(path.name, f"{stats.rows:,}", f"{stats.new_snapshots:,}", f"{stats.titles_embedded:,}",
                          f"{report.bad_rows:,}", f"{done.rows_per_second:,.0f}")
        counts = trends.count()
    except ReelcraftError as exc:
        fail_with(exc)
    Console().print(table)
    Console().print(f"store: {counts['items']:,} items, {counts['snapshots']:,} snapshots, {counts['titles']:,} titles")


@trends_app.command("suggest")
def suggest_command(
    brief: Annotated[str, typer.Argument(help="The video idea, in any language")],
    k: Annotated[int, typer.Option(help="Neighbours to consider")] = 12,
    region: Annotated[str | None, typer.Option()] = None,
    platform: Annotated[str | None, typer.Option()] = None,
    category: Annotated[str | None, typer.Option()] = None,
    since: Annotated[str | None, typer.Option(help="Only items seen on/after YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write a PNG of the neighbours' momentum")] = None,
    titles: Annotated[bool, typer.Option("--titles", help="Also ask the LLM for title ideas")] = False,
    llm: Annotated[str | None, typer.Option(help="local (default, offline), openai, ollama")] = None,
) -> None:
    """The trending items nearest an idea, with their momentum, and the hashtags, category and length
    they suggest — each with the items and numbers behind it."""
    from reelcraft.studio import Studio

    try:
        start = date.fromisoformat(since) if since else None
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--since") from None
    settings = Settings()
    if llm:
        settings.llm.provider = llm  # type: ignore[assignment]
    try:
        with console.status("searching the trends store…"):
            trends = Studio(settings).trends_service
            result = trends.suggest(brief, k=k, region=region, platform=platform, category=category, since=start,
                                    titles=titles)  # fmt: skip
        if plot is not None:
            trends.plot(result, plot)
    except ReelcraftError as exc:
        fail_with(exc)
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    out = Console()
    table = Table("#", "title", "region", "sim", "views", "views/day", "next day", "basis", title="nearest trending")
    for i, n in enumerate(result.neighbours, start=1):
        table.add_row(str(i), escape(n.title[:60]), n.region, f"{n.similarity:.2f}", f"{n.views:,}",
                      f"{n.views_per_day:,.0f}" if n.views_per_day is not None else "—", f"{n.predicted_growth:,.0f}",
                      n.momentum_basis, style=None if n.relevant else "dim")  # fmt: skip
    table.caption = f"dim: below similarity {result.similarity_floor:.2f}, not used as evidence"
    out.print(table)
    if result.note:
        out.print(f"[yellow]note:[/yellow] {escape(result.note)}")
    tags = Table("hashtag", "score", "items", "their growth/day", title="hashtags")
    for tag in result.hashtags:
        tags.add_row(escape(tag.tag), f"{tag.score:.2f}", str(tag.items), f"{tag.growth_per_day:,.0f}")
    if result.hashtags:
        out.print(tags)
    for idea in result.titles:
        out.print(f"title idea: [bold]{escape(idea.title)}[/bold]  (from {', '.join(idea.evidence) or '—'})")
    for label, value in (("category", result.category), ("length (s)", result.duration)):
        if value is not None:
            out.print(f"{label}: [bold]{escape(value.value)}[/bold] — {escape(value.why)}")
    if plot is not None:
        out.print(f"plot: {plot.resolve()}")


@trends_app.command("record")
def record_command(
    draft_id: Annotated[str, typer.Argument(help="The draft (optionally DRAFT_ID@VERSION) as published")],
    views: Annotated[int, typer.Option(min=0, help="Views from the platform's analytics")],
    likes: Annotated[int | None, typer.Option(min=0)] = None,
    shares: Annotated[int | None, typer.Option(min=0)] = None,
    comments: Annotated[int | None, typer.Option(min=0)] = None,
) -> None:
    """Record how one of your published drafts did; suggestions then favour what worked for your team."""
    from reelcraft.studio import Studio

    ident, _, version = draft_id.partition("@")
    try:
        Studio().record_result(ident, views=views, likes=likes, shares=shares, comments=comments,
                               version=int(version) if version else None)  # fmt: skip
    except ValueError:
        raise typer.BadParameter("use DRAFT_ID or DRAFT_ID@VERSION", param_hint="DRAFT_ID") from None
    except ReelcraftError as exc:
        fail_with(exc)
    Console().print(f"recorded {ident}{'@' + version if version else ''}: {views:,} views")
