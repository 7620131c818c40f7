"""`reelcraft brand …`: brand kits (fonts, colours, logo, intro/outro, caption style, voice, music mood).

Without `--user`, kits live in the local single-user workspace; with `--user` and `--project` they live in that
team project of the review store (SQLite or Postgres), where editors and owners may change them and everyone in the
project may use them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from reelcraft.cli.output import fail_with
from reelcraft.cli.review import _actor, _service
from reelcraft.errors import BrandError, ReelcraftError

brand_app = typer.Typer(no_args_is_help=True, help="Brand kits: fonts, colours, logo, intro/outro, caption style.")
console = Console(stderr=True)
out = Console()

UserOption = Annotated[str | None, typer.Option(
    "--user", "-u", envvar="REELCRAFT_USER", help="Who you are (team projects); none: your local workspace")]
ProjectOption = Annotated[str | None, typer.Option("--project", "-p", help="Team project id (with --user)")]


def _where(review, user: str | None, project: str | None):  # noqa: ANN001, ANN202
    if user is None:
        return review.local_workspace()
    if project is None:
        raise BrandError("a team brand needs its project", "add --project PROJECT_ID (reelcraft review list)")
    return _actor(review, user), project


@brand_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The brand's name, e.g. 'acme'")],
    font: Annotated[Path | None, typer.Option(help="The brand's TTF/OTF (Chinese falls back to Noto Sans CJK)")] = None,
    logo: Annotated[Path | None, typer.Option(help="Logo PNG, ideally with a transparent background")] = None,
    logo_position: Annotated[str, typer.Option(help="top_left, top_right, bottom_left or bottom_right")]
    = "top_right",
    palette: Annotated[str | None, typer.Option(help="Brand colours, brand colour first: '#FF5A36,#1D1D1F'")] = None,
    intro: Annotated[Path | None, typer.Option(help="Intro clip (MP4) or card (PNG/JPG)")] = None,
    outro: Annotated[Path | None, typer.Option(help="Outro clip (MP4) or card (PNG/JPG)")] = None,
    style: Annotated[str, typer.Option(help="Caption style (`reelcraft styles`)")] = "pop",
    voice: Annotated[str | None, typer.Option(help="Default narrator voice")] = None,
    mood: Annotated[str | None, typer.Option(help="Default music mood")] = None,
    policy: Annotated[Path | None, typer.Option(help="The team's moderation policy file (docs/moderation.md)")] = None,
    from_file: Annotated[Path | None, typer.Option("--from", help="Read everything from a brand.toml")] = None,
    user: UserOption = None,
    project: ProjectOption = None,
) -> None:
    """Create a brand kit, or replace the kit of that name (the files are checked and kept in the store)."""
    from reelcraft.brand import make_kit, read_brand_toml

    try:
        if from_file is not None:
            kit = read_brand_toml(from_file).model_copy(update={"name": name})
        else:
            kit = make_kit({"name": name, "font": font, "logo": logo, "logo_position": logo_position,
                            "palette": [c.strip() for c in palette.split(",")] if palette else [],
                            "intro": intro, "outro": outro, "caption_style": style, "voice": voice,
                            "music_mood": mood,
                            "policy": _policy_text(policy) if policy else None})  # fmt: skip
        review = _service()
        actor, project_id = _where(review, user, project)
        stored, notes = review.save_brand(actor, project_id, kit)
    except ReelcraftError as exc:
        fail_with(exc)
    for note in notes:
        console.print(f"[yellow]brand:[/] {note}")
    _show(stored)


def _policy_text(path: Path) -> str:
    from reelcraft.errors import BrandError

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BrandError(f"the policy file {path} cannot be read: {exc}", "pass a TOML policy file") from exc


@brand_app.command("list")
def list_brands(user: UserOption = None, project: ProjectOption = None) -> None:
    """The brand kits of your workspace (or of a team project)."""
    try:
        review = _service()
        actor, project_id = _where(review, user, project)
        kits = review.brands(actor, project_id)
    except ReelcraftError as exc:
        fail_with(exc)
    table = Table("name", "font", "logo", "colours", "captions", "intro / outro")
    for kit in kits:
        table.add_row(kit.name, kit.font.name if kit.font else "-", kit.logo.name if kit.logo else "-",
                      " ".join(kit.palette) or "-", kit.caption_style,
                      f"{'yes' if kit.intro else 'no'} / {'yes' if kit.outro else 'no'}")  # fmt: skip
    out.print(table)


@brand_app.command("show")
def show(name: Annotated[str, typer.Argument(help="The brand's name")], user: UserOption = None,
         project: ProjectOption = None) -> None:  # fmt: skip
    """Everything a brand kit holds."""
    try:
        review = _service()
        actor, project_id = _where(review, user, project)
        kit = review.brand(actor, project_id, name)
    except ReelcraftError as exc:
        fail_with(exc)
    _show(kit)


def _show(kit) -> None:  # noqa: ANN001
    table = Table(show_header=False, box=None)
    for field, value in kit.model_dump(mode="json").items():
        table.add_row(field, str(value) if value not in (None, []) else "-")
    out.print(table)
