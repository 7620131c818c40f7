"""`reelcraft batch FILE --out DIR`: a video for every brief in a JSONL or CSV file, resumable.

    reelcraft batch briefs.jsonl --out out/batch       # run it (bad lines are listed; the good ones run)
    reelcraft batch briefs.jsonl --out out/batch --resume
    reelcraft batch status ID                           # where each item is
    reelcraft batch retry ID --failed                   # run the failed items again
    reelcraft batch list
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from reelcraft.cli.output import fail_with
from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError

console = Console(stderr=True)
out = Console()


class _FileOrCommand(TyperGroup):
    """`reelcraft batch FILE …` runs a file; `reelcraft batch status|retry|list …` are commands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


batch_app = typer.Typer(cls=_FileOrCommand, no_args_is_help=True,
                        help="Make a video for every brief in a JSONL or CSV file (resumable): reelcraft batch "
                             "FILE --out DIR [--resume] [--profile preview] [--sequential]")  # fmt: skip


def _studio(llm: str | None = None) -> Any:  # noqa: ANN401 - Studio, imported late (it loads the pipeline)
    from reelcraft.studio import Studio

    settings = Settings()
    if llm:
        settings.llm.provider = llm  # type: ignore[assignment]
    return Studio(settings)


class _BatchProgress:
    """A rich bar over the items, with how many are planned, rendered and failed."""

    def __init__(self, total: int) -> None:
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=False)  # fmt: skip
        self.task = self.bar.add_task("starting", total=total)

    def __call__(self, item: str, what: str, counts: dict[str, int]) -> None:
        finished = counts.get("done", 0) + counts.get("failed", 0)
        self.bar.update(self.task, completed=finished, description=(
            f"planned {counts.get('planned', 0) + counts.get('rendering', 0) + finished} · "
            f"rendered {counts.get('done', 0)} · failed {counts.get('failed', 0)}"))
        if what.startswith("failed"):
            self.bar.console.print(f"[red]✗ {item}[/red] {what}")
        elif what.startswith(("rendered", "found its draft")):
            self.bar.console.print(f"[green]✓ {item}[/green] {what}")


@batch_app.command("run", hidden=True)
def run(
    file: Annotated[Path, typer.Argument(help="A .jsonl (one JSON object per line) or .csv with a 'brief' column")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the manifest (and batch.json)")],
    resume: Annotated[bool, typer.Option(help="Finish the batch already in --out")] = False,
    profile: Annotated[str, typer.Option(help="final or preview (an item's own profile wins)")] = "final",
    sequential: Annotated[bool, typer.Option(help="Plan and render one item at a time (no overlap)")] = False,
    ray: Annotated[str | None, typer.Option(help="Run on a Ray cluster: auto, or the head's HOST:PORT")] = None,
    llm: Annotated[str | None, typer.Option(help="local (default, offline), openai, ollama")] = None,
) -> None:
    """Run a batch file: every line is checked first; bad lines are listed by number and the rest run."""
    from reelcraft.studio.batch import read_batch

    try:
        if not resume:
            checked = read_batch(file)
            for problem in checked.problems:
                console.print(f"[yellow]line {problem.line}[/yellow]: {problem.message}")
            for note in checked.notes:
                console.print(f"[dim]{note}[/dim]")
            total = len(checked.items)
        else:
            total = 0
        studio = _studio(llm)
        progress = _BatchProgress(total)
        with progress.bar:
            report = studio.batch(file, out_dir, resume=resume, profile=profile, overlap=not sequential, ray=ray,
                                  progress=progress)  # fmt: skip
    except ReelcraftError as exc:
        fail_with(exc)
    _show(report.rows, f"batch {report.batch_id}")
    console.print(f"manifest: {report.manifest}  ({report.seconds:.0f} s)")
    if report.count("failed") or report.count("invalid"):
        raise typer.Exit(1)


@batch_app.command("status")
def status(batch_id: Annotated[str, typer.Argument(help="The batch id (in DIR/batch.json)")]) -> None:
    """Where each item of a batch is."""
    from reelcraft.studio.batch import batch_status

    try:
        info = batch_status(_studio(), batch_id)
    except ReelcraftError as exc:
        fail_with(exc)
    table = Table(title=f"batch {info.id} ({info.source})")
    for column in ("line", "id", "status", "draft", "tries", "error"):
        table.add_column(column)
    for item in info.items:
        draft = f"{item.draft_id}@{item.version}" if item.version else ""
        error = f"[{item.error_stage}] {item.error}" if item.error else ""
        table.add_row(str(item.line), item.item_id, item.status.value, draft, str(item.attempts), error[:80])
    out.print(table)
    problems = info.options.get("problems", [])
    for problem in problems:
        out.print(f"line {problem['line']}: not run: {problem['message']}")


@batch_app.command("retry")
def retry(
    batch_id: Annotated[str, typer.Argument(help="The batch id")],
    failed: Annotated[bool, typer.Option("--failed", help="Run the failed items again")] = False,
    ray: Annotated[str | None, typer.Option(help="Run on a Ray cluster: auto, or the head's HOST:PORT")] = None,
    llm: Annotated[str | None, typer.Option(help="local (default, offline), openai, ollama")] = None,
) -> None:
    """Run a batch's failed items again (their plans are kept when they got that far)."""
    from reelcraft.studio.batch import batch_status, retry_failed

    if not failed:
        console.print("nothing to retry: add --failed")
        raise typer.Exit(2)
    try:
        studio = _studio(llm)
        info = batch_status(studio, batch_id)
        progress = _BatchProgress(len(info.items))
        with progress.bar:
            report = retry_failed(studio, batch_id, ray=ray, progress=progress)
    except ReelcraftError as exc:
        fail_with(exc)
    _show(report.rows, f"batch {report.batch_id}")
    if report.count("failed"):
        raise typer.Exit(1)


@batch_app.command("list")
def list_all() -> None:
    """Every batch in the store, newest first."""
    from reelcraft.studio.batch import list_batches

    for batch_id, created, source in list_batches(_studio()):
        out.print(f"{batch_id}  {created:%Y-%m-%d %H:%M}  {source}")


def _show(rows: list[Any], title: str) -> None:
    table = Table(title=title)
    for column in ("line", "id", "status", "video / error", "seconds"):
        table.add_column(column)
    for row in rows:
        where = row.video or (f"[{row.error_stage}] {row.error}" if row.error else "")
        seconds = " ".join(f"{k} {v:.0f}" for k, v in row.seconds.items())
        table.add_row(str(row.line), row.id or "", row.status, where, seconds)
    out.print(table)
