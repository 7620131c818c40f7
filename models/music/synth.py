"""Score → audio with FluidSynth and a General MIDI soundfont from Debian, then mastered:
exact length, loudness-normalised, true peak under the ceiling.

FluidSynth runs as a subprocess in fast-render mode with float output (no dither), so the same
score renders to the same bytes every time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from pedalboard import Limiter, Pedalboard
from scipy.signal import resample_poly

from reelcraft.media.loudness import integrated_loudness, true_peak_db

SAMPLE_RATE = 48_000
SOUNDFONTS = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
    Path("/usr/share/sounds/sf3/MuseScore_General.sf3"),
)
TRACK_LUFS = -16.0
TRACK_PEAK_DB = -1.5
ATTACK_LEAD_S = 0.02
"""FluidR3's drum hits peak ~20–35 ms after their note-on (measured on rendered kicks and crashes): the
audio starts this much late so the audible transients, not the note-ons, sit on the beat grid."""
END_FADE_S = 0.04
"""Only a de-click at the very end: the last chord's own decay is the ending."""


class SynthUnavailable(RuntimeError):
    """FluidSynth or a soundfont is missing."""


class SynthFailed(RuntimeError):
    """FluidSynth ran but produced no usable audio."""


def find_soundfont(preferred: Path | None = None) -> Path:
    for candidate in ((preferred,) if preferred else ()) + SOUNDFONTS:
        if candidate and candidate.is_file():
            return candidate
    raise SynthUnavailable("no General MIDI soundfont found (looked for " + ", ".join(map(str, SOUNDFONTS)) + ")")


def fluidsynth_binary() -> str:
    found = shutil.which("fluidsynth")
    if not found:
        raise SynthUnavailable("the fluidsynth program is not installed")
    return found


def render_midi(
    midi_path: Path, duration: float, soundfont: Path | None = None, lead: float = ATTACK_LEAD_S
) -> np.ndarray:
    """Render a MIDI file to stereo float32 at 48 kHz, exactly `duration` seconds long, dropping the
    first `lead` seconds (see ATTACK_LEAD_S)."""
    font = find_soundfont(soundfont)
    with tempfile.TemporaryDirectory(prefix="reelcraft-synth-") as tmp:
        raw = Path(tmp) / "raw.wav"
        cmd = [fluidsynth_binary(), "-n", "-i", "-q", "-F", str(raw), "-T", "wav", "-O", "float",
               "-r", str(SAMPLE_RATE), "-g", "0.5", "-o", "synth.cpu-cores=1", "-o", "synth.polyphony=256",
               str(font), str(midi_path)]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0 or not raw.exists():
            raise SynthFailed(f"fluidsynth exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
        audio, rate = sf.read(str(raw), dtype="float32", always_2d=True)
    if rate != SAMPLE_RATE:
        audio = resample_poly(audio, SAMPLE_RATE, rate, axis=0).astype(np.float32)
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    audio = audio[int(round(lead * SAMPLE_RATE)) :]
    length = int(round(duration * SAMPLE_RATE))
    if len(audio) < length:
        audio = np.concatenate([audio, np.zeros((length - len(audio), audio.shape[1]), np.float32)])
    audio = audio[:length, :2].copy()
    if not np.any(np.abs(audio) > 1e-4):
        raise SynthFailed("fluidsynth rendered silence")
    return audio


def master(audio: np.ndarray, lufs: float = TRACK_LUFS, peak_db: float = TRACK_PEAK_DB) -> np.ndarray:
    """De-click the end, set integrated loudness, and keep the 4× oversampled peak under `peak_db`."""
    fade = min(len(audio), int(END_FADE_S * SAMPLE_RATE))
    audio = audio.copy()
    audio[len(audio) - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
    loudness = integrated_loudness(audio, SAMPLE_RATE)
    if np.isfinite(loudness):
        audio = audio * np.float32(10 ** ((lufs - loudness) / 20))
    limited = Pedalboard([Limiter(threshold_db=peak_db - 0.5, release_ms=60)])(audio.T.copy(), SAMPLE_RATE).T
    peak = true_peak_db(limited)
    if peak > peak_db:
        limited *= np.float32(10 ** ((peak_db - peak) / 20))
    return limited.astype(np.float32)
