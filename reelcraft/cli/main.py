"""`reelcraft` command line: scripted briefs with progress per stage and stage-named failures. This
module assembles the app and holds the top-level commands; each command group is its own module."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from reelcraft.cli.batch import batch_app
from reelcraft.cli.brand import brand_app
from reelcraft.cli.gan import gan_app
from reelcraft.cli.output import StageProgress, fail, fail_with, show_flags
from reelcraft.cli.review import review_app
from reelcraft.cli.trends import trends_app
from reelcraft.cli.visuals import visuals_app
from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError
from reelcraft.plan import Draft, DraftSceneVisual

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Turn a short-video idea into a video.")
console = Console(stderr=True)
app.add_typer(gan_app, name="gan")
app.add_typer(trends_app, name="trends")
app.add_typer(review_app, name="review")
app.add_typer(visuals_app, name="visuals")
app.add_typer(brand_app, name="brand")
app.add_typer(batch_app, name="batch")


def _settings(llm: str | None) -> Settings:
    settings = Settings()
    if llm:
        settings.llm.provider = llm  # type: ignore[assignment]
    return settings


@app.command()
def make(
    brief: Annotated[str, typer.Argument(help="The idea, e.g. '30 s TikTok: a budget morning routine'")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the MP4")] = Path("reelcraft.mp4"),
    duration: Annotated[float, typer.Option(help="Target length in seconds")] = 30.0,
    language: Annotated[str | None, typer.Option(help="en or zh (default: the brief's language)")] = None,
    platform: Annotated[str, typer.Option(help="tiktok, reels, shorts, square or landscape")] = "tiktok",
    media: Annotated[Path | None, typer.Option(help="Folder of your photos and clips")] = None,
    llm: Annotated[str | None, typer.Option(help="local (default, offline), openai, ollama")] = None,
    voice: Annotated[str | None, typer.Option(help="Voice name for the TTS engine")] = None,
    profile: Annotated[str, typer.Option(help="final (1080p) or preview (half size, fast)")] = "final",
    mood: Annotated[str | None, typer.Option(help="Music mood, e.g. 'calm lo-fi', 'epic', '中国风', 'none'")] = None,
    music: Annotated[Path | None, typer.Option(help="Your own music file instead of generated music")] = None,
    trends: Annotated[bool, typer.Option(help="Write the script against what is trending (once ingested)")] = True,
    aspect: Annotated[str | None, typer.Option(help="Frame shape: 9:16, 4:5, 1:1 or 16:9 (default: the platform's)")]
    = None,
    style: Annotated[str | None, typer.Option(help="Caption style: pop, karaoke, boxed, lower_third, outline "
                                                   "(`reelcraft styles`)")] = None,
    brand: Annotated[str | None, typer.Option(help="A brand kit by name (`reelcraft brand create`)")] = None,
) -> None:
    """Make a voiced, captioned vertical video with music from a brief."""
    from reelcraft.studio import Studio

    started = time.perf_counter()
    try:
        with StageProgress(console) as progress:
            studio = Studio(_settings(llm), progress=progress)
            draft = studio.create(brief, duration=duration, language=language, platform=platform,
                                  media_dir=media, voice=voice, profile=profile, mood=mood, music_file=music,
                                  trends=trends, aspect=aspect, caption_style=style, brand=brand)
    except ReelcraftError as exc:
        fail_with(exc)
    _report(draft, output, started)


@app.command()
def render(
    plan_file: Annotated[Path, typer.Argument(help="A plan as JSON (`reelcraft plan`, edited by hand)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the MP4")] = Path("reelcraft.mp4"),
    media: Annotated[Path | None, typer.Option(help="Folder of your photos and clips")] = None,
    voice: Annotated[str | None, typer.Option(help="Voice name for the TTS engine")] = None,
    profile: Annotated[str, typer.Option(help="final (1080p) or preview (half size, fast)")] = "final",
) -> None:
    """Render a plan you wrote or edited (its texts are moderated first, like every draft)."""
    from pydantic import ValidationError

    from reelcraft.errors import validation_problems
    from reelcraft.plan import VideoPlan
    from reelcraft.studio import Studio

    started = time.perf_counter()
    try:
        plan = VideoPlan.model_validate_json(plan_file.read_text(encoding="utf-8"))
    except OSError as exc:
        fail("plan", f"cannot read {plan_file}: {exc}", "pass the JSON file `reelcraft plan` wrote")
    except ValidationError as exc:
        fail("plan", f"{plan_file} is not a valid plan: {'; '.join(validation_problems(exc, 4))}",
             "fix those fields, or write a new plan with `reelcraft plan`")  # fmt: skip
    try:
        with StageProgress(console) as progress:
            draft = Studio(Settings(), progress=progress).render(plan, media_dir=media, voice=voice, profile=profile,
                                                                 brief=plan.title)  # fmt: skip
    except ReelcraftError as exc:
        fail_with(exc)
    _report(draft, output, started)


def _report(draft: Draft, output: Path, started: float) -> None:
    """Copy the draft's files next to `output` and say what was made (and what moderation found)."""
    assert draft.outputs is not None
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(draft.outputs.video, output)
    sidecars = {".srt": draft.outputs.srt, ".vtt": draft.outputs.vtt, ".plan.json": draft.outputs.plan_json,
                ".jpg": draft.outputs.thumbnail}
    if draft.outputs.cover is not None:
        sidecars[".cover.jpg"] = draft.outputs.cover
    for suffix, src in sidecars.items():
        shutil.copyfile(src, output.with_suffix(suffix))
    table = Table(show_header=False, box=None)
    table.add_row("title", draft.plan.title)
    table.add_row("scenes", ", ".join(f"{d:.1f}s" for d in draft.scene_durations))
    for number, shown in enumerate(draft.visuals, start=1):
        table.add_row(f"scene {number}", _shown(shown))
    if draft.music is not None:
        table.add_row("music", f"{draft.music.mood or draft.music.origin}, {draft.music.tempo:.1f} BPM"
                               f"{', ' + draft.music.key if draft.music.key else ''}")
    if draft.plan.hashtags:
        table.add_row("hashtags", " ".join(draft.plan.hashtags))
    for backing in draft.plan.trend_backing:
        table.add_row("", f"{backing.hashtag}: used by {backing.items} trending item(s) near the idea, "
                          f"+{backing.growth_per_day:,.0f} views/day ({', '.join(backing.evidence[:3])})")
    for credit in draft.credits:
        table.add_row("credits", credit)
    preset = draft.plan.preset
    table.add_row("look", f"{draft.plan.aspect.value} ({preset.width}×{preset.height}), captions "
                          f"{draft.plan.look.captions.style}"
                          + (f", brand {draft.plan.look.brand}" if draft.plan.look.brand else ""))
    table.add_row("draft", f"{draft.id} v{draft.version}")
    table.add_row("moderation", f"{draft.policy} policy: "
                                + (f"{len(draft.flags)} finding(s), below" if draft.flags else "nothing found"))
    table.add_row("time", f"{time.perf_counter() - started:.1f} s")
    table.add_row("video", str(output.resolve()))
    console.print(table)
    if draft.flags:
        show_flags(draft.flags, console)
    print(output.resolve())


@app.command()
def check(
    text: Annotated[str | None, typer.Argument(help="The text to check (or --file)")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Check one text per line ('-': standard input)")]
    = None,
    language: Annotated[str | None, typer.Option(help="en or zh (mixed text is checked in both)")] = None,
    platform: Annotated[str | None, typer.Option(help="Policy preset: tiktok, douyin, reels, shorts, bilibili")]
    = None,
    policy: Annotated[Path | None, typer.Option(help="A team's policy file (docs/moderation.md)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: a list of findings, or one object a line")]
    = False,
    semantic: Annotated[bool, typer.Option(help="Also ask the embedder about what the word lists pass")] = True,
) -> None:
    """Check a title, caption or script line against a platform's content policy before you post it."""
    from reelcraft.studio import Studio

    if (text is None) == (file is None):
        fail("moderation", "give a text or --file, not both and not neither", 'reelcraft check "my caption" --json')
    studio = Studio(Settings())
    try:
        if file is None:
            flags = studio.check(text or "", language=language, platform=platform, policy_file=policy,
                                 semantic=semantic)  # fmt: skip
            if as_json:
                print(json.dumps([_finding(f) for f in flags], ensure_ascii=False))
            elif flags:
                show_flags(flags, console)
            else:
                console.print("[green]✓[/] nothing found")
            return
        handle = sys.stdin if str(file) == "-" else file.open(encoding="utf-8", errors="replace")
        with handle:
            for number, flags in studio.check_lines(handle, platform=platform, policy_file=policy, semantic=semantic):
                if as_json:
                    print(json.dumps({"line": number, "findings": [_finding(f) for f in flags]}, ensure_ascii=False),
                          flush=True)  # fmt: skip
                elif flags:
                    console.print(f"[bold]line {number}[/]")
                    show_flags(flags, console)
    except OSError as exc:
        fail("moderation", f"cannot read {file}: {exc}", "pass a readable text file, one text per line")
    except ReelcraftError as exc:
        fail_with(exc)


def _finding(flag: object) -> dict[str, object]:
    return {key: getattr(flag, key) if key != "category" and key != "severity" else getattr(flag, key).value
            for key in ("category", "severity", "span", "reason")}  # fmt: skip


@app.command()
def styles() -> None:
    """List the caption styles (`--style NAME` on make, or 'style: NAME' in the chat)."""
    from reelcraft.media.caption_styles import caption_styles

    table = Table("name", "style", "what it looks like")
    for style in caption_styles().values():
        table.add_row(style.name, style.title, style.description)
    console.print(table)


def _shown(shown: DraftSceneVisual) -> str:
    """'☕ hot beverage 0.97 + 💰 … · $5 · relevance 0.97' or 'beach.jpg (your media)'."""
    if shown.origin in ("media", "stock", "ai_image"):
        kind = {"media": "your media", "stock": "stock", "ai_image": "generated image"}[shown.origin]
        what = f"{shown.source} ({kind})"
    else:
        what = " + ".join(f"{p.emoji} {p.label} {p.score:.2f}" for p in shown.pictures) or shown.source
    if shown.figure:
        what += f" · {shown.figure}"
    if shown.relevance is not None:
        weak = " (weak: add your own media or change the shot)" if shown.relevance < 0.5 else ""
        what += f" · relevance {shown.relevance:.2f}{weak}"
    return what


@app.command("music")
def music_command(
    mood: Annotated[str, typer.Argument(help="Mood, e.g. 'calm lo-fi', 'upbeat pop', 'epic', '中国风'")],
    duration: Annotated[float, typer.Option(help="Length in seconds")] = 30.0,
    tempo: Annotated[float | None, typer.Option(help="BPM (default: from the mood)")] = None,
    seed: Annotated[int, typer.Option(help="Another seed, another tune")] = 0,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the WAV")] = Path("music.wav"),
) -> None:
    """Compose an original instrumental track for a mood."""
    from reelcraft.studio import Studio

    try:
        with StageProgress(console) as progress:
            result = Studio(Settings(), progress=progress).music(mood, duration=duration, tempo=tempo, seed=seed,
                                                                 out=output)
    except ReelcraftError as exc:
        fail_with(exc)
    table = Table(show_header=False, box=None)
    if result.mood is not None:
        table.add_row("mood", f"{result.mood.profile} (energy {result.mood.energy:.2f})")
    table.add_row("tempo", f"{result.tempo:.1f} BPM (librosa hears {result.analysis.tempo:.1f})")
    table.add_row("key", result.key)
    table.add_row("length", f"{result.analysis.duration:.2f} s")
    console.print(table)
    print(output.resolve())


@app.command()
def plan(
    brief: Annotated[str, typer.Argument()],
    duration: Annotated[float, typer.Option()] = 30.0,
    language: Annotated[str | None, typer.Option()] = None,
    platform: Annotated[str, typer.Option()] = "tiktok",
    llm: Annotated[str | None, typer.Option()] = None,
    trends: Annotated[bool, typer.Option(help="Write the script against what is trending (once ingested)")] = True,
) -> None:
    """Write only the plan, as JSON on stdout."""
    from reelcraft.studio import Studio

    try:
        with StageProgress(console) as progress:
            result = Studio(_settings(llm), progress=progress).plan(
                brief, duration=duration, language=language, platform=platform, trends=trends
            )
    except ReelcraftError as exc:
        fail_with(exc)
    json.dump(result.model_dump(mode="json"), sys.stdout, ensure_ascii=False, indent=2)
    print()


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port to serve the chat page on")] = 8501,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 to share on the network)")] = "127.0.0.1",
) -> None:
    """Start the chat page (Streamlit) on http://HOST:PORT."""
    import importlib.util

    # found, not imported: the faces do not import each other
    spec = importlib.util.find_spec("reelcraft.ui")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    page = next((Path(f) / "app.py" for f in folders if (Path(f) / "app.py").is_file()), None)
    if page is None:
        fail("ui", "the chat page (reelcraft.ui) is not installed", "pip install -e . (make install)")
    console.print(f"reelcraft chat: http://{host}:{port}  (Ctrl+C stops it)")
    # exec, not a child: SIGTERM from systemd, Docker or a test reaches the server itself, which stops cleanly
    command = [sys.executable, "-m", "reelcraft.ui.server", "--host", host, "--port", str(port)]
    sys.stdout.flush()
    os.execv(sys.executable, command)


@app.command()
def drafts() -> None:
    """List saved drafts."""
    from reelcraft.studio import Studio

    table = Table("id", "version", "title", "language", "video")
    for draft in Studio().drafts():
        table.add_row(draft.id, str(draft.version), draft.plan.title, draft.plan.language.value,
                      str(draft.outputs.video if draft.outputs else "-"))
    Console().print(table)


@app.command()
def score(
    draft: Annotated[str, typer.Argument(help="A draft id (see `reelcraft drafts`) or a .plan.json file")],
    version: Annotated[int | None, typer.Option(help="Which version of the draft (default: the newest)")] = None,
    brief: Annotated[str, typer.Option(help="The brief, for a .plan.json file (drafts keep their own)")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the score as JSON")] = False,
) -> None:
    """Score a draft 0–100 from named parts (hook, fidelity, coherence, pacing, on-screen text, …), each
    with its reason and scene; the weakest part is the one to fix first."""
    from reelcraft.plan import VideoPlan
    from reelcraft.studio import Studio

    try:
        studio = Studio()
        path = Path(draft)
        if path.suffix == ".json" and path.is_file():
            plan = VideoPlan.model_validate_json(path.read_text(encoding="utf-8"))
            result = studio.score_plan(plan, brief=brief)
        else:
            result = studio.score(draft, version)
    except ReelcraftError as exc:
        fail_with(exc)
    except ValueError as exc:  # a file that is not a plan
        fail("score", f"{draft} is not a plan JSON ({str(exc).splitlines()[0]})",
             "pass a draft id or the .plan.json written next to a video")
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    table = Table("part", "score", "scene", "reason", title=f"score {result.total}/100")
    for part in result.parts:
        mark = " [bold](weakest)[/bold]" if part.name == result.weakest else ""
        table.add_row(part.name + mark, "-" if part.score is None else str(part.score),
                      "" if part.scene is None else str(part.scene), part.reason)  # fmt: skip
    Console().print(table)


@app.command()
def doctor() -> None:
    """Check (and prepare) every offline part: ffmpeg, fonts, music synth, voices, the embedded LLM."""
    from reelcraft.studio import Studio

    table = Table("part", "status", "detail")
    checks = Studio().doctor(status=console.status)
    for check in checks:
        table.add_row(check.part, "[green]ok[/green]" if check.ok else "[red]missing[/red]", check.detail)
    Console().print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
