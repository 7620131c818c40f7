"""`reelcraft visuals …`: what a scene line would show, before making a video. The work is
`Studio.suggest_visuals`'s; this module parses and prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from reelcraft.cli.output import fail_with
from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError

visuals_app = typer.Typer(no_args_is_help=True, help="Pictures for a scene: what a line would show, with scores.")
console = Console(stderr=True)


@visuals_app.command("suggest")
def suggest_command(
    line: Annotated[str, typer.Argument(help="A scene's narration, e.g. 'I grab a coffee before class'")],
    language: Annotated[str, typer.Option(help="en or zh")] = "en",
    top: Annotated[int, typer.Option(help="How many candidates")] = 5,
    media: Annotated[Path | None, typer.Option(help="Your folder of photos and clips, ranked too")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table")] = False,
) -> None:
    """Rank the pictures that would show LINE, best first. A score of 0.5 means a person would call it a fit."""
    from reelcraft.studio import Studio

    try:
        with console.status("loading the picture index…"):
            found = Studio(Settings()).suggest_visuals(line, language, top=top, media_dir=media)
    except ReelcraftError as exc:
        fail_with(exc)
    if as_json:
        print(json.dumps([{"kind": c.kind, "id": c.id, "emoji": c.emoji, "label": c.label,
                           "path": str(c.path) if c.path else None, "score": c.score} for c in found],
                         ensure_ascii=False))  # fmt: skip
        return
    table = Table("", "picture", "score", "fit", "id")
    for candidate in found:
        table.add_row(candidate.emoji or "📷", candidate.label, f"{candidate.score:.2f}",
                      "yes" if candidate.score >= 0.5 else "weak", candidate.id)  # fmt: skip
    Console().print(table)
