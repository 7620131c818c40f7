"""Music tool: original background music composed for a video, or the creator's own track fitted to it,
plus librosa analysis (tempo, beats, downbeats, onsets, energy) of any track.

Generated music is composed around the edit: the tempo is chosen so scene cuts land on bar lines and
the final chord rings out at the video's last frame. A user track cannot change, so the cuts move to
its downbeats instead. Every result is cached by the hash of its inputs (a user file by its bytes).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf
from pydantic import BaseModel, Field

from reelcraft.edit.beatgrid import BarFit, fit_bars, snap_to_beats
from reelcraft.errors import MusicError
from reelcraft.models.music import (
    MoodSpec,
    SynthFailed,
    SynthUnavailable,
    TrackInfo,
    TrackRequest,
    adjust_mood,
    bars_for,
    generate_track,
    resolve_mood,
)
from reelcraft.plan import AssetRef, VideoPlan
from reelcraft.storage.cache import hash_file
from reelcraft.tools.deps import Deps

ANALYSIS_RATE = 22_050
HOP = 512
ENERGY_RATE_HZ = 10.0
MAX_USER_TRACK_S = 900.0
USER_TRACK_SAMPLE_RATE = 48_000
LOOP_CROSSFADE_S = 0.5
USER_END_FADE_S = 1.5
MUSIC_VERSION = 3
"""Bump when the composer or synth changes what a given request sounds like."""


class MusicInput(BaseModel):
    """Compose an original instrumental for a video: a mood in a few words (English or Chinese, e.g.
    'calm lo-fi', 'upbeat pop', 'epic', '中国风'), its length, and optionally the scene lengths so cuts
    land on bar lines (scenes may move by up to 10 %)."""

    mood: str = Field(min_length=1, max_length=200)
    duration: float = Field(gt=2.0, le=600.0)
    tempo: float | None = Field(default=None, ge=50, le=200)
    """BPM; None picks one from the mood (and the scene lengths)."""
    seed: int = 0
    """Different seeds give different melodies and arrangements."""
    scene_durations: list[float] | None = None
    scene_minimums: list[float] | None = None
    """Shortest each scene may become (its narration plus breathing room)."""
    fps: int = 30
    energy: float | None = Field(default=None, ge=0.05, le=1.0)
    """Override the mood's energy (0 calm … 1 driving)."""


class MusicAnalysis(BaseModel):
    """What an editor needs from a track: where the beats are and how intense it is over time."""

    duration: float
    tempo: float
    beats: list[float]
    downbeats: list[float]
    onsets: list[float]
    energy: list[float]
    """Loudness envelope, 0–1, sampled at `energy_rate_hz`."""
    energy_rate_hz: float = ENERGY_RATE_HZ
    onset_rate: float
    """Onsets per second."""
    spectral_centroid_hz: float

    def energy_at(self, seconds: float) -> float:
        if not self.energy:
            return 0.0
        index = min(len(self.energy) - 1, max(0, int(seconds * self.energy_rate_hz)))
        return self.energy[index]


class MusicOutput(BaseModel):
    asset: AssetRef
    midi: AssetRef | None = None
    origin: str
    """'generated' or the user's file name."""
    mood: MoodSpec | None = None
    mood_matched: bool = True
    tempo: float
    key: str = ""
    downbeats: list[float]
    scene_durations: list[float] | None = None
    """Scene lengths after fitting the cuts to the music (None when no scenes were given)."""
    grid_beats: int | None = None
    """4: cuts on bar lines; 2: half bars; 1: beats."""
    analysis: MusicAnalysis


def make_music(inp: MusicInput, deps: Deps) -> MusicOutput:
    """Compose and render original music for the mood and length; when scene lengths are given, fit
    them to the bar grid and return the fitted lengths."""
    spec, matched = resolve_mood(inp.mood)
    if inp.energy is not None:
        spec = spec.model_copy(update={"energy": inp.energy})
    if not matched:
        deps.warn("music", f"no known mood in '{inp.mood}': using {spec.profile}")
    fit: BarFit | None = None
    starts: tuple[int, ...] = (0,)
    if inp.scene_durations:
        needs = inp.scene_minimums or [0.5] * len(inp.scene_durations)
        tempo_range = spec.mood.tempo if inp.tempo is None else (inp.tempo * 0.93, inp.tempo * 1.07, inp.tempo)
        fit = fit_bars(inp.scene_durations, needs, inp.duration, tempo_range, fps=inp.fps)
        tempo, starts = fit.tempo, tuple(fit.section_start_beats)
        if fit.grid_beats == 0:
            deps.warn("music", "the narration fills the scenes too tightly to move the cuts onto the beat")
        elif fit.grid_beats < 4:
            deps.warn("music", f"cuts land on {'half bars' if fit.grid_beats == 2 else 'beats'}: scene lengths "
                               "could not fit whole bars")
    else:
        tempo = inp.tempo or _tempo_for_length(spec.mood.tempo, inp.duration)
    request = TrackRequest(mood=spec, duration=inp.duration, tempo=round(tempo, 4), seed=inp.seed,
                           section_start_beats=starts)
    info_holder: dict[str, TrackInfo] = {}

    def make(folder: Path) -> None:
        deps.progress("music", f"composing {spec.profile.replace('_', ' ')} at {tempo:.0f} BPM")
        try:
            info = generate_track(request, folder / "music.wav", out_midi=folder / "music.mid")
        except SynthUnavailable as exc:
            raise MusicError(f"music cannot be played: {exc}", "run `make install` (installs fluidsynth and "
                             "the fluid-soundfont-gm soundfont)") from exc
        except SynthFailed as exc:
            raise MusicError(f"the synthesizer failed: {exc}", "re-run; if it repeats, try another seed") from exc
        (folder / "track.json").write_text(info.model_dump_json(), encoding="utf-8")
        info_holder["info"] = info

    key, folder = deps.cache.get_or_make("music", {"request": request, "v": MUSIC_VERSION}, make)
    info = info_holder.get("info") or TrackInfo.model_validate_json((folder / "track.json").read_text())
    analysis = analyze_music(folder / "music.wav", deps)
    return MusicOutput(
        asset=AssetRef(kind="music", key=key, path=folder / "music.wav", duration=inp.duration),
        midi=AssetRef(kind="midi", key=key, path=folder / "music.mid"),
        origin="generated", mood=spec, mood_matched=matched, tempo=info.tempo, key=info.key,
        downbeats=info.downbeats, scene_durations=fit.durations if fit else None,
        grid_beats=fit.grid_beats if fit else None, analysis=analysis,
    )  # fmt: skip


def _tempo_for_length(tempo_range: tuple[float, float, float], duration: float) -> float:
    """The mood's preferred tempo, nudged (within its range) so whole bars fill the length."""
    low, high, preferred = tempo_range
    bars = bars_for(duration, preferred)
    candidates = [240.0 * b / duration for b in range(max(2, bars - 3), bars + 4)]
    inside = [t for t in candidates if low <= t <= high]
    return min(inside, key=lambda t: abs(t - preferred)) if inside else preferred


class UserTrackInput(BaseModel):
    """Fit the creator's own music file to a video: trimmed or looped to length, resampled, and the
    scene cuts moved to its downbeats."""

    path: Path
    duration: float = Field(gt=2.0, le=600.0)
    scene_durations: list[float] | None = None
    scene_minimums: list[float] | None = None
    fps: int = 30


def fit_user_track(inp: UserTrackInput, deps: Deps) -> MusicOutput:
    """Prepare a user-supplied track (any length, rate or channel count) and snap cuts to its beats."""
    if not inp.path.is_file():
        raise MusicError(f"music file {inp.path} does not exist", "pass an existing audio file with --music")
    digest = hash_file(inp.path)

    def make(folder: Path) -> None:
        deps.progress("music", f"fitting {inp.path.name} to {inp.duration:g} s")
        audio = _load_user_audio(inp.path, inp.duration + LOOP_CROSSFADE_S + 1.0)
        prepared = _loop_to_length(audio, inp.duration, deps, inp.path.name)
        partial = folder / ".music.wav.partial"
        sf.write(str(partial), prepared, USER_TRACK_SAMPLE_RATE, subtype="PCM_24", format="WAV")
        os.replace(partial, folder / "music.wav")

    key, folder = deps.cache.get_or_make("user_music", {"file": digest, "duration": inp.duration, "v": MUSIC_VERSION},
                                         make)
    analysis = analyze_music(folder / "music.wav", deps)
    durations = None
    if inp.scene_durations:
        needs = inp.scene_minimums or [0.5] * len(inp.scene_durations)
        durations, snapped = snap_to_beats(inp.scene_durations, needs, inp.duration, analysis.beats,
                                           analysis.downbeats, fps=inp.fps)
        cuts = len(inp.scene_durations) - 1
        if cuts and snapped < cuts:
            deps.warn("music", f"{cuts - snapped} of {cuts} cuts had no beat of {inp.path.name} within reach")
    return MusicOutput(
        asset=AssetRef(kind="music", key=key, path=folder / "music.wav", duration=inp.duration),
        origin=inp.path.name, tempo=analysis.tempo, downbeats=analysis.downbeats, scene_durations=durations,
        analysis=analysis,
    )  # fmt: skip


def _load_user_audio(path: Path, max_seconds: float) -> np.ndarray:
    """Stereo float32 at 48 kHz, at most `max_seconds` long: a 10-minute file is not read whole."""
    audio = _read(path, USER_TRACK_SAMPLE_RATE, mono=False, max_seconds=max_seconds)
    audio = np.atleast_2d(audio).T.astype(np.float32)
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    audio = audio[:, :2]
    if len(audio) < USER_TRACK_SAMPLE_RATE:
        raise MusicError(f"music file {path.name} is shorter than one second", "pass a longer track")
    if float(np.sqrt(np.mean(audio**2))) < 1e-4:
        raise MusicError(f"music file {path.name} is silent", "pass a track with sound, or leave out --music")
    return audio


def _loop_to_length(audio: np.ndarray, duration: float, deps: Deps, name: str) -> np.ndarray:
    """Trim (with a short fade at the end) or loop with crossfades until the track covers `duration`."""
    length = int(round(duration * USER_TRACK_SAMPLE_RATE))
    fade = int(LOOP_CROSSFADE_S * USER_TRACK_SAMPLE_RATE)
    out = audio
    if len(out) < length:
        deps.warn("music", f"{name} lasts {len(audio) / USER_TRACK_SAMPLE_RATE:.1f} s: looping it to {duration:g} s")
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)[:, None]
        while len(out) < length:
            head = audio.copy()
            head[:fade] *= ramp
            tail = out.copy()
            tail[-fade:] *= 1.0 - ramp
            out = np.concatenate([tail[:-fade], tail[-fade:] + head[:fade], head[fade:]])
    out = out[:length].copy()
    end = min(len(out), int(USER_END_FADE_S * USER_TRACK_SAMPLE_RATE))
    out[len(out) - end :] *= np.linspace(1.0, 0.0, end, dtype=np.float32)[:, None]
    return out


def analyze_music(path: Path, deps: Deps | None = None, max_seconds: float = MAX_USER_TRACK_S) -> MusicAnalysis:
    """Tempo, beats, downbeats (4/4 assumed), onsets and an energy curve of any audio file (cached by
    the file's bytes when `deps` is given)."""
    if deps is None:
        return _analyze(path, max_seconds)
    found: dict[str, MusicAnalysis] = {}

    def make(folder: Path) -> None:
        found["a"] = _analyze(path, max_seconds)
        (folder / "analysis.json").write_text(found["a"].model_dump_json(), encoding="utf-8")

    _, folder = deps.cache.get_or_make("music_analysis", {"file": hash_file(path), "max": max_seconds, "v": 1},
                                       make)
    return found.get("a") or MusicAnalysis.model_validate_json((folder / "analysis.json").read_text())


def _read(path: Path, rate: int, *, mono: bool, max_seconds: float) -> np.ndarray:
    """Decode (any format librosa reads) and resample; every decoder error becomes one MusicError."""
    import librosa

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            audio, _ = librosa.load(str(path), sr=rate, mono=mono, duration=max_seconds)
    except Exception as exc:  # soundfile, audioread and decoder errors all mean "cannot read"
        raise MusicError(f"cannot read music file {path.name}: {type(exc).__name__}: {str(exc)[:200]}",
                         "pass a WAV, FLAC, OGG or MP3 file that plays, or leave out --music") from exc
    return audio


def _analyze(path: Path, max_seconds: float) -> MusicAnalysis:
    import librosa

    sr = ANALYSIS_RATE
    y = _read(path, sr, mono=True, max_seconds=max_seconds)
    if len(y) < sr or float(np.sqrt(np.mean(y**2))) < 1e-4:
        raise MusicError(f"{path.name} is silent or shorter than a second", "pass a track with sound")
    onset_env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP)
    tempo, beat_frames = librosa.beat.beat_track(onset_envelope=onset_env, sr=sr, hop_length=HOP)
    beats = librosa.frames_to_time(beat_frames, sr=sr, hop_length=HOP)
    onsets = librosa.onset.onset_detect(onset_envelope=onset_env, sr=sr, hop_length=HOP, units="time")
    low_env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP, fmax=200.0, n_mels=32)
    downbeats = _downbeats(beat_frames, low_env)
    rms = librosa.feature.rms(y=y, hop_length=HOP)[0]
    step = max(1, int(round(sr / HOP / ENERGY_RATE_HZ)))
    frames = len(rms) // step * step
    energy = rms[:frames].reshape(-1, step).mean(axis=1) if frames else rms
    energy = np.convolve(energy, np.ones(5) / 5, mode="same")
    energy = energy / energy.max() if energy.max() > 0 else energy
    centroid = float(np.mean(librosa.feature.spectral_centroid(y=y, sr=sr, hop_length=HOP)))
    duration = len(y) / sr
    return MusicAnalysis(
        duration=round(duration, 4), tempo=float(np.atleast_1d(tempo)[0]),
        beats=[round(float(b), 4) for b in beats], downbeats=[round(float(b), 4) for b in downbeats],
        onsets=[round(float(o), 4) for o in onsets], energy=[round(float(e), 4) for e in energy],
        energy_rate_hz=sr / HOP / step, onset_rate=len(onsets) / duration, spectral_centroid_hz=centroid,
    )  # fmt: skip


def _downbeats(beat_frames: np.ndarray, low_env: np.ndarray) -> np.ndarray:
    """Bar lines, assuming 4/4: the beat phase whose beats carry the most low-frequency onset energy
    (kicks land on the one)."""
    import librosa

    if len(beat_frames) < 4:
        return librosa.frames_to_time(beat_frames[:1], sr=ANALYSIS_RATE, hop_length=HOP)
    strength = low_env[np.clip(beat_frames, 0, len(low_env) - 1)]
    phase = int(np.argmax([strength[p::4].mean() for p in range(4)]))
    return librosa.frames_to_time(beat_frames[phase::4], sr=ANALYSIS_RATE, hop_length=HOP)


def music_revision(plan: VideoPlan, request: str) -> VideoPlan:
    """The plan with its music changed as asked; a MusicError when the request says nothing usable."""
    words = request.strip()
    candidate = Path(words).expanduser()
    if candidate.suffix.lower() in {".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac"}:
        return plan.model_copy(update={"music_file": candidate})
    if any(w in words.lower() for w in ("different", "another", "new tune", "换一首", "换个")):
        return plan.model_copy(update={"music_seed": plan.music_seed + 1, "music_file": None})
    if words.lower() in {"no music", "none", "without music", "不要音乐", "无音乐"}:
        return plan.model_copy(update={"music_mood": "none", "music_file": None})
    mood, _ = resolve_mood(plan.music_mood)
    if plan.music_energy is not None:
        mood = mood.model_copy(update={"energy": plan.music_energy})
    new = adjust_mood(mood, words)
    if new == mood:
        raise MusicError(f"could not tell how to change the music from '{request}'",
                         "say e.g. 'calmer', 'more energetic', 'epic', '中国风' or 'different music'")
    return plan.model_copy(update={"music_mood": new.profile, "music_energy": new.energy, "music_file": None})
