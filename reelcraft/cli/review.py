"""`reelcraft review …`: team review from the command line, through the same `ReviewService` rules as the UI.

Every command acts as a person: `--user NAME` (or REELCRAFT_USER) and the password from REELCRAFT_PASSWORD
or a hidden prompt. DRAFT is a draft id, optionally `@VERSION` (default: the newest).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reelcraft.cli.output import fail_with
from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError, ReviewError

review_app = typer.Typer(no_args_is_help=True, help="Team review: versions, comments, approvals, exports.")
user_app = typer.Typer(no_args_is_help=True, help="Local accounts.")
project_app = typer.Typer(no_args_is_help=True, help="Projects and who may do what in them.")
review_app.add_typer(user_app, name="user")
review_app.add_typer(project_app, name="project")
console = Console(stderr=True)
out = Console()

User = Annotated[str, typer.Option("--user", "-u", envvar="REELCRAFT_USER", help="Who you are")]
DraftRef = Annotated[str, typer.Argument(help="DRAFT_ID or DRAFT_ID@VERSION")]


def _service():  # noqa: ANN202 - imports SQLAlchemy/argon2 only when a review command runs
    from reelcraft.review.service import ReviewService

    return ReviewService.from_settings(Settings())


def _password(confirm: bool = False) -> str:
    return os.environ.get("REELCRAFT_PASSWORD") or typer.prompt("Password", hide_input=True,
                                                                   confirmation_prompt=confirm)  # fmt: skip


def _actor(review, user: str):  # noqa: ANN001, ANN202
    return review.login(user, _password())


def parse_ref(ref: str) -> tuple[str, int | None]:
    draft_id, _, version = ref.partition("@")
    if version and not version.lstrip("v").isdigit():
        raise ReviewError(f"{ref!r} is not DRAFT_ID or DRAFT_ID@VERSION", "write it like 3e7e26c4746c@2")
    return draft_id, int(version.lstrip("v")) if version else None


@user_app.command("add")
def user_add(name: Annotated[str, typer.Argument(help="3–40 lowercase letters, digits, . _ -")]) -> None:
    """Create a local account (the password is hashed with argon2; it is never stored or logged)."""
    try:
        _service().create_user(name, _password(confirm=True))
    except ReelcraftError as exc:
        fail_with(exc)
    console.print(f"[green]✓[/] user {escape(name)} created")


@project_app.command("create")
def project_create(name: Annotated[str, typer.Argument(help="A name for people")], user: User) -> None:
    """Create a project; you become its owner. Prints its id."""
    try:
        review = _service()
        project = review.create_project(_actor(review, user), name)
    except ReelcraftError as exc:
        fail_with(exc)
    typer.echo(project)


@project_app.command("member")
def project_member(
    project: Annotated[str, typer.Argument(help="Project id")],
    name: Annotated[str, typer.Argument(help="User name")],
    role: Annotated[str, typer.Argument(help="owner, editor, reviewer or viewer")],
    user: User,
) -> None:
    """Give someone a role in a project (owners only)."""
    try:
        review = _service()
        review.add_member(_actor(review, user), project, name, role)
    except ValueError:
        fail_with(ReviewError(f"unknown role {role!r}", "use owner, editor, reviewer or viewer"))
    except ReelcraftError as exc:
        fail_with(exc)
    console.print(f"[green]✓[/] {escape(name)} is {role} in {project}")


@review_app.command("save")
def save(
    ref: DraftRef,
    project: Annotated[str, typer.Option("--project", "-p", help="Project id")],
    user: User,
    based_on: Annotated[int | None, typer.Option(help="The review version you edited (default: the newest)")] = None,
    note: Annotated[str, typer.Option(help="What changed")] = "",
) -> None:
    """Put a rendered local draft (from `reelcraft make` or the chat) up for review as its next version."""
    from reelcraft.storage.drafts import DraftStore

    try:
        draft_id, version = parse_ref(ref)
        settings = Settings()
        draft = DraftStore(settings.drafts_dir).load(draft_id, version)
        review = _service()
        actor = _actor(review, user)
        if based_on is None:
            based_on = next((d.head for d in review.drafts(actor, project) if d.id == draft_id), None)
        saved = review.save_version(actor, project, draft, based_on=based_on, note=note)
    except ReelcraftError as exc:
        fail_with(exc)
    console.print(f"[green]✓[/] {saved.draft_id}@{saved.number} saved ({saved.status.value})")


@review_app.command("list")
def list_drafts(
    user: User,
    project: Annotated[str | None, typer.Option("--project", "-p", help="Only this project")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable")] = False,
) -> None:
    """The drafts you can see: id, newest version, its status."""
    try:
        review = _service()
        drafts = review.drafts(_actor(review, user), project)
    except ReelcraftError as exc:
        fail_with(exc)
    if as_json:
        typer.echo(json.dumps([{"id": d.id, "version": d.head, "status": d.status.value, "title": d.title,
                                    "project": d.project_id} for d in drafts], ensure_ascii=False))  # fmt: skip
        return
    table = Table("draft", "version", "status", "title", "project")
    for d in drafts:
        table.add_row(d.id, str(d.head), d.status.value, escape(d.title), d.project_id)
    out.print(table)


@review_app.command("show")
def show(ref: DraftRef, user: User) -> None:
    """A version's plan, status and comments."""
    try:
        review = _service()
        actor = _actor(review, user)
        draft_id, number = parse_ref(ref)
        version = review.version(actor, draft_id, number)
        comments = review.comments(actor, draft_id, version.number)
    except ReelcraftError as exc:
        fail_with(exc)
    out.print(f"[bold]{escape(version.plan.title)}[/] — {draft_id}@{version.number}, {version.status.value}, "
              f"by {version.created_by}")  # fmt: skip
    for index, scene in enumerate(version.plan.scenes, start=1):
        out.print(f"  {index}. [{escape(scene.on_screen_text)}] {escape(scene.voiceover)}")
        for flag in (f for f in version.flags if f.scene == index):
            out.print(f"     ⚑ {flag.severity.value if flag.status == 'open' else flag.status} {flag.category.value}: "
                      f"“{escape(flag.span)}” — {escape(flag.reason)}")  # fmt: skip
    for flag in (f for f in version.flags if f.scene is None):
        out.print(f"  ⚑ {flag.field}: {flag.severity.value if flag.status == 'open' else flag.status} "
                  f"{flag.category.value}: “{escape(flag.span)}” — {escape(flag.reason)}")  # fmt: skip
    if version.policy:
        out.print(f"  moderation: {version.policy} policy, {len(version.open_blocks)} open block(s)")
    for comment in comments:
        where = f"scene {comment.scene}" if comment.scene else f"{comment.at_seconds:.1f} s" if comment.at_seconds \
            is not None else "whole video"  # fmt: skip
        out.print(f"  💬 #{comment.id} {escape(comment.author)} on {where}: {escape(comment.text)}")
    out.print(f"  files: {version.media}", soft_wrap=True)


@review_app.command("comment")
def comment(
    ref: DraftRef,
    text: Annotated[str, typer.Argument(help="The comment")],
    user: User,
    scene: Annotated[int | None, typer.Option(help="On this scene (1-based)")] = None,
    at: Annotated[float | None, typer.Option(help="At this time in the video, seconds")] = None,
) -> None:
    """Comment on a version, a scene of it, or a moment in it."""
    try:
        review = _service()
        draft_id, number = parse_ref(ref)
        actor = _actor(review, user)
        number = number or review.version(actor, draft_id).number
        made = review.comment(actor, draft_id, number, text, scene=scene, at_seconds=at)
    except ReelcraftError as exc:
        fail_with(exc)
    console.print(f"[green]✓[/] comment #{made.id} on {draft_id}@{number}")


def _move(ref: str, user: str, how: str, why: str = "", override: str = "") -> None:
    try:
        review = _service()
        draft_id, number = parse_ref(ref)
        actor = _actor(review, user)
        number = number or review.version(actor, draft_id).number
        if how == "submit":
            status = review.submit(actor, draft_id, number)
        elif how == "approve":
            status = review.approve(actor, draft_id, number, override=override)
        else:
            status = review.request_changes(actor, draft_id, number, why)
    except ReelcraftError as exc:
        fail_with(exc)
    console.print(f"[green]✓[/] {draft_id}@{number} is {status.value}")


@review_app.command("submit")
def submit(ref: DraftRef, user: User) -> None:
    """Ask for review (editors)."""
    _move(ref, user, "submit")


@review_app.command("approve")
def approve(ref: DraftRef, user: User, override: Annotated[str, typer.Option(
        help="Owners: approve despite an open moderation block, for this reason (kept in the audit log)")] = "",
) -> None:  # fmt: skip
    """Approve a version in review (reviewers); a version with an open moderation block needs an owner's override."""
    _move(ref, user, "approve", override=override)


@review_app.command("request-changes")
def request_changes(ref: DraftRef, user: User, why: Annotated[str, typer.Argument(help="What to change")] = "") -> None:
    """Send a version back with what to change (reviewers)."""
    _move(ref, user, "changes", why)


@review_app.command("export")
def export(
    ref: DraftRef,
    user: User,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the bundle")] = Path("export"),
) -> None:
    """Write an approved version's bundle: MP4, SRT, VTT, thumbnail, metadata.json, timeline.otio."""
    from reelcraft.review.export import export_version

    try:
        review = _service()
        draft_id, number = parse_ref(ref)
        folder = export_version(review, _actor(review, user), draft_id, number, output)
    except ReelcraftError as exc:
        fail_with(exc)
    console.print(f"[green]✓[/] exported to {folder}")
    typer.echo(str(folder))  # plain: a script reads it


@review_app.command("audit")
def audit(
    project: Annotated[str, typer.Argument(help="Project id")],
    user: User,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable")] = False,
) -> None:
    """Who did what, when, in a project (append-only)."""
    try:
        review = _service()
        entries = review.audit(_actor(review, user), project)
    except ReelcraftError as exc:
        fail_with(exc)
    if as_json:
        typer.echo(json.dumps([{"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "draft": e.draft_id,
                                    "version": e.version, "detail": e.detail} for e in entries],
                                  ensure_ascii=False, default=str))  # fmt: skip
        return
    table = Table("when", "who", "what", "draft", "version")
    for e in entries:
        table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), escape(e.actor), e.action, e.draft_id or "",
                      str(e.version or ""))  # fmt: skip
    out.print(table)
