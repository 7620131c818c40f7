"""What every CLI command prints when it fails: the stage, the message and the fix, on stderr, exit 2."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from reelcraft.errors import ReelcraftError

errors_console = Console(stderr=True)


def fail(stage: str, message: str, fix: str = "") -> NoReturn:
    """Never a traceback for an expected failure. Texts are escaped: '[parse]' in a fix is not markup."""
    errors_console.print(f"[red]✗ {escape(stage)} failed:[/red] {escape(message)}")
    if fix:
        errors_console.print(f"  [bold]fix:[/bold] {escape(fix)}")
    raise typer.Exit(code=2) from None


def fail_with(exc: ReelcraftError) -> NoReturn:
    fail(exc.stage, exc.message, exc.fix)
