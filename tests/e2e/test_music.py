"""Generated music, heard by librosa: length, tempo, level, mood differences, determinism; and
creators' own tracks that are broken, odd or huge."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf

from reelcraft.config import Settings
from reelcraft.errors import MusicError
from reelcraft.media.loudness import true_peak_db
from reelcraft.tools.deps import Deps
from reelcraft.tools.music import MusicInput, MusicOutput, UserTrackInput, fit_user_track, make_music

MOODS = {  # mood words → the tempo asked for
    "calm lo-fi": 78.0,
    "upbeat pop": 120.0,
    "epic": 90.0,
    "中国风": 84.0,
    "dark suspense": 100.0,
    "warm acoustic": 104.0,
    "corporate tech": 112.0,
}
DURATION = 20.0


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory) -> Deps:
    return Deps.from_settings(Settings(home=tmp_path_factory.mktemp("music-home")))


@pytest.fixture(scope="module")
def tracks(deps: Deps) -> dict[str, MusicOutput]:
    return {mood: make_music(MusicInput(mood=mood, duration=DURATION, tempo=tempo, seed=1), deps)
            for mood, tempo in MOODS.items()}


@pytest.mark.parametrize("mood", list(MOODS))
def test_track_has_the_asked_length_tempo_and_level(tracks: dict[str, MusicOutput], mood: str) -> None:
    track = tracks[mood]
    audio, rate = sf.read(str(track.asset.path), dtype="float32", always_2d=True)
    assert rate == 48_000 and audio.shape[1] == 2
    assert abs(len(audio) / rate - DURATION) <= 0.1
    assert float(np.sqrt(np.mean(audio**2))) > 0.02  # not silent
    assert true_peak_db(audio) <= -1.0  # no clipping, true-peak safe
    heard = track.analysis.tempo  # librosa's estimate of the rendered audio
    asked = MOODS[mood]
    assert any(abs(heard - asked * k) / (asked * k) <= 0.04 for k in (0.5, 1.0, 2.0)), (heard, asked)


def _mode_of(path: Path) -> str:
    """Major or minor by Krumhansl–Kessler key profiles on the track's chroma."""
    y, sr = librosa.load(str(path), sr=22_050)
    chroma = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
    major = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
    minor = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
    best = max(((np.corrcoef(chroma, np.roll(profile, k))[0, 1], name) for name, profile in
                (("major", major), ("minor", minor)) for k in range(12)))
    return best[1]


def test_calm_and_upbeat_differ_in_the_expected_direction(tracks: dict[str, MusicOutput]) -> None:
    calm, upbeat = tracks["calm lo-fi"].analysis, tracks["upbeat pop"].analysis
    assert calm.onset_rate < upbeat.onset_rate
    assert calm.spectral_centroid_hz < upbeat.spectral_centroid_hz
    assert calm.tempo < upbeat.tempo or abs(calm.tempo - 2 * MOODS["calm lo-fi"]) < 8  # double-time reading


def test_minor_moods_sound_minor_and_major_moods_major(tracks: dict[str, MusicOutput]) -> None:
    assert _mode_of(tracks["upbeat pop"].asset.path) == "major"
    assert _mode_of(tracks["warm acoustic"].asset.path) == "major"
    assert _mode_of(tracks["dark suspense"].asset.path) == "minor"
    assert _mode_of(tracks["epic"].asset.path) == "minor"


def test_chinese_mood_is_pentatonic(tracks: dict[str, MusicOutput]) -> None:
    """中国风: the tune uses the five notes of the gong mode; the chroma of the 4th and 7th degrees is weak."""
    y, sr = librosa.load(str(tracks["中国风"].asset.path), sr=22_050)
    chroma = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
    tonic = int(["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"].index(
        tracks["中国风"].key.split()[0]))
    rolled = np.roll(chroma, -tonic)
    pentatonic = rolled[[0, 2, 4, 7, 9]].mean()
    assert rolled[[5, 11]].mean() < 0.7 * pentatonic


def test_same_seed_same_bytes_and_a_new_seed_a_new_tune(tmp_path: Path) -> None:
    digests = []
    for run, seed in enumerate((5, 5, 6)):  # separate caches: every track is really rendered
        deps = Deps.from_settings(Settings(home=tmp_path / f"h{run}"))
        out = make_music(MusicInput(mood="upbeat pop", duration=12.0, seed=seed), deps)
        digests.append(hashlib.sha256(out.asset.path.read_bytes()).hexdigest())
        assert out.midi is not None
    assert digests[0] == digests[1]
    assert digests[2] != digests[0]


def _write(path: Path, audio: np.ndarray, rate: int) -> Path:
    sf.write(str(path), audio, rate)
    return path


def test_mono_8khz_track_is_resampled_and_fitted(deps: Deps, tmp_path: Path) -> None:
    rate = 8000
    t = np.arange(rate * 8) / rate
    clicks = (np.sin(2 * np.pi * 220 * t) * np.exp(-((t % 0.5) * 30))).astype(np.float32)  # 120 BPM pulses
    track = _write(tmp_path / "mono8k.wav", 0.5 * clicks, rate)
    out = fit_user_track(UserTrackInput(path=track, duration=20.0, scene_durations=[5, 5, 5, 5],
                                        scene_minimums=[3, 3, 3, 3]), deps)  # fmt: skip
    audio, out_rate = sf.read(str(out.asset.path), always_2d=True)
    assert out_rate == 48_000 and audio.shape[1] == 2
    assert abs(len(audio) / out_rate - 20.0) <= 0.01  # looped from 8 s to 20 s
    assert any("looping" in w for w in deps.warnings)
    assert abs(out.analysis.tempo - 120) / 120 <= 0.04 or abs(out.analysis.tempo - 240) / 240 <= 0.04
    assert out.scene_durations is not None and sum(out.scene_durations) == pytest.approx(20.0)


def test_ten_minute_track_is_trimmed_without_reading_it_all(deps: Deps, tmp_path: Path) -> None:
    rate = 16_000
    noise = np.random.default_rng(0).normal(0, 0.1, rate * 600).astype(np.float32)
    track = _write(tmp_path / "long.flac", noise, rate)
    out = fit_user_track(UserTrackInput(path=track, duration=30.0), deps)
    info = sf.info(str(out.asset.path))
    assert abs(info.duration - 30.0) <= 0.01


@pytest.mark.parametrize("kind", ["corrupt", "silent", "empty", "missing"])
def test_unusable_user_tracks_fail_clearly(deps: Deps, tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.wav"
    if kind == "corrupt":
        path.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    elif kind == "silent":
        _write(path, np.zeros(48_000 * 5, dtype=np.float32), 48_000)
    elif kind == "empty":
        path.write_bytes(b"")
    with pytest.raises(MusicError) as err:
        fit_user_track(UserTrackInput(path=path, duration=20.0), deps)
    assert err.value.stage == "music" and err.value.fix


def test_music_cli_writes_a_track_and_rejects_bad_options(tmp_path: Path) -> None:
    env = {"REELCRAFT_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "reelcraft.cli", "music"]
    out = tmp_path / "calm.wav"
    done = subprocess.run([*cli, "calm lo-fi", "--duration", "12", "--seed", "3", "-o", str(out)],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert abs(sf.info(str(out)).duration - 12.0) <= 0.1
    bad = subprocess.run([*cli, "calm", "--duration", "1000", "-o", str(tmp_path / "x.wav")],
                         capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert bad.returncode == 2 and "music failed" in bad.stderr and "fix:" in bad.stderr
