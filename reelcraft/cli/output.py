"""What every CLI command shows: a live row per stage while it works, and on failure the stage, the
message and the fix on stderr, exit 2."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from reelcraft.errors import ReelcraftError

errors_console = Console(stderr=True)


def fail(stage: str, message: str, fix: str = "") -> NoReturn:
    """Never a traceback for an expected failure. Texts are escaped: '[parse]' in a fix is not markup."""
    errors_console.print(f"[red]✗ {escape(stage)} failed:[/red] {escape(message)}")
    if fix:
        errors_console.print(f"  [bold]fix:[/bold] {escape(fix)}")
    raise typer.Exit(code=2) from None


def fail_with(exc: ReelcraftError) -> NoReturn:
    flags = getattr(exc, "flags", None)
    if flags:
        show_flags(flags, errors_console)
    fail(exc.stage, exc.message, exc.fix)


SEVERITY_STYLES = {"block": "bold red", "fix": "yellow", "warn": "cyan"}


def show_flags(flags: list, console: Console) -> None:  # noqa: ANN001 - ModerationFlag, kept out of the faces' imports
    """Moderation findings as a table: severity, where, the words, why (and what a fixed span became)."""
    table = Table("severity", "where", "category", "words", "why", title="moderation", title_justify="left")
    for flag in flags:
        where = f"scene {flag.scene} {flag.field.replace('_', ' ')}" if flag.scene else flag.field.replace("_", " ")
        severity = flag.severity.value if flag.status == "open" else flag.status
        why = flag.reason + (f" → “{flag.fixed_to}”" if flag.fixed_to else "")
        style = SEVERITY_STYLES.get(flag.severity.value, "")
        table.add_row(f"[{style}]{escape(severity)}[/]", escape(where), flag.category.value, escape(flag.span[:60]),
                      escape(why))  # fmt: skip
    console.print(table)


class StageProgress:
    """A live row per stage (spinner, message, bar for the render, elapsed time); warnings printed above.
    Pass it as `Studio(progress=...)`: it is called as progress(stage, message)."""

    def __init__(self, console: Console | None = None) -> None:
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/green]"),
            TextColumn("[bold]{task.fields[stage]:<10}[/bold]", table_column=Column(min_width=10, no_wrap=True)),
            BarColumn(bar_width=24),
            # a long message (the outline) is cut at the edge; the stage names never are
            TextColumn("{task.description}", table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")),
            TimeElapsedColumn(),
            console=console or errors_console,
        )
        self.tasks: dict[str, TaskID] = {}
        self.current: str | None = None

    def __enter__(self) -> StageProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self._finish()
        elif self.current is not None:
            self.progress.update(self.tasks[self.current], description="[red]failed[/red]")
            self.progress.stop_task(self.tasks[self.current])
        self.progress.__exit__(None, None, None)

    def _finish(self) -> None:
        if self.current is not None:
            task = self.tasks[self.current]
            self.progress.update(task, total=1, completed=1)
            self.progress.stop_task(task)

    def __call__(self, stage: str, message: str) -> None:
        if stage != self.current:
            self._finish()
            self.current = stage
            if stage in self.tasks:  # back to a stage (script → outline → script): its row again
                self.progress.reset(self.tasks[stage], total=None, description=message)
            else:
                self.tasks[stage] = self.progress.add_task(message, total=None, stage=stage)
        task = self.tasks[stage]
        if message.startswith("warning:"):
            self.progress.console.print(f"[yellow]![/yellow] {stage}: {message[8:].strip()}")
        elif message.endswith("%") and message[:-1].isdigit():
            self.progress.update(task, total=100, completed=int(message[:-1]))
        else:
            self.progress.update(task, description=message)
