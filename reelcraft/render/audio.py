"""The audio of a render: every clip placed, the music bed levelled against the voice and ducked while
it speaks, then normalised to the target loudness and true peak, and AAC-encoded with that peak checked.
It is numpy work that runs beside the picture (see `render_timeline`), so it sits apart from the graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from pedalboard import Limiter, Pedalboard
from scipy.signal import resample_poly

from reelcraft.edit.timeline import AudioClip, Timeline
from reelcraft.errors import RenderError
from reelcraft.media.loudness import integrated_loudness, true_peak_db
from reelcraft.media.probe import run_ffmpeg

SAMPLE_RATE = 48_000
DUCK_DB = -11.0
ENCODER_HEADROOM_DB = 1.0
"""AAC encoding overshoots the PCM peak by up to ~1 dB: the mix keeps that much below the target."""


def _load_audio(path: Path) -> np.ndarray:
    """Stereo float32 at 48 kHz."""
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise RenderError(f"cannot read audio {path.name}: {exc}", "re-run to regenerate the asset") from exc
    if rate != SAMPLE_RATE:
        divisor = np.gcd(rate, SAMPLE_RATE)
        data = resample_poly(data, SAMPLE_RATE // divisor, rate // divisor, axis=0).astype(np.float32)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    return data[:, :2]


def voice_activity_gain(voice: np.ndarray, duck_db: float = DUCK_DB) -> np.ndarray:
    """Per-sample music gain: `duck_db` while the voice speaks, 1 elsewhere.

    Activity is judged on 10 ms frames against the voice's own loudest frame (TTS engines differ in
    level), held 150 ms over the gaps between words, with a 40 ms look-ahead so the music is already
    down when a word starts; the gain moves with 40 ms attack and 250 ms release."""
    hop = SAMPLE_RATE // 100
    frames = len(voice) // hop
    if frames == 0:
        return np.ones(len(voice), dtype=np.float32)
    power = (voice[: frames * hop] ** 2).mean(axis=1).reshape(frames, hop).mean(axis=1)
    rms_db = 10 * np.log10(power + 1e-12)
    active = rms_db > max(rms_db.max() - 40.0, -70.0)
    hold, lead = 15, 4
    padded = np.convolve(active.astype(np.float32), np.ones(hold + lead + 1, dtype=np.float32), mode="full")
    active = padded[lead : lead + frames] > 0  # frame i is on if any of [i - hold, i + lead] is
    attack, release = np.exp(-1 / 4.0), np.exp(-1 / 25.0)  # per 10 ms frame
    level, smooth = 0.0, np.empty(frames, dtype=np.float32)
    for i, target in enumerate(active):
        coef = attack if target > level else release
        level = coef * level + (1 - coef) * float(target)
        smooth[i] = level
    centres = (np.arange(frames) + 0.5) * hop
    curve = np.interp(np.arange(len(voice)), centres, smooth).astype(np.float32)
    return (1.0 + (10 ** (duck_db / 20) - 1.0) * curve).astype(np.float32)


def _limited(mix: np.ndarray, gain_db: float, threshold_db: float, out: np.ndarray, block: int) -> None:
    """out = limiter(mix × gain), streamed through the limiter block by block (state carried)."""
    limiter = Pedalboard([Limiter(threshold_db=threshold_db, release_ms=80)])
    gain = np.float32(10 ** (gain_db / 20))
    for start in range(0, len(mix), block):
        chunk = (mix[start : start + block] * gain).T.copy()
        out[start : start + block] = limiter(chunk, SAMPLE_RATE, reset=start == 0).T


def mix_audio(
    timeline: Timeline, out_wav: Path, block_s: float = 10.0, stems_dir: Path | None = None
) -> dict[str, float]:
    """Place every clip, level the music bed against the voice, duck it while the voice speaks, then
    normalise to the target loudness and true peak.

    Memory is three float32 stereo buffers of the video's length (≈ 0.4 MB/s each); loudness,
    limiting and true peak all run in blocks. With `stems_dir`, the voice and the (ducked) music buses
    are written there at the master gain, so the ducking can be measured on its own."""
    length = int(round(timeline.duration * SAMPLE_RATE))
    mix = np.zeros((length, 2), dtype=np.float32)
    for clip in (c for c in timeline.audio if c.role == "voice"):
        _place(mix, clip)
    others = [c for c in timeline.audio if c.role != "voice"]
    music = np.zeros_like(mix) if others else None
    stats: dict[str, float] = {}
    if music is not None:
        for clip in others:
            _place(music, clip)
        voice_lufs = integrated_loudness(mix, SAMPLE_RATE)
        music_lufs = integrated_loudness(music, SAMPLE_RATE)
        if timeline.music_level_db is not None and np.isfinite(voice_lufs) and np.isfinite(music_lufs):
            music *= np.float32(10 ** ((voice_lufs + timeline.music_level_db - music_lufs) / 20))
            stats["music_gain_db"] = voice_lufs + timeline.music_level_db - music_lufs
        if any(c.duck_under_voice for c in others) and np.isfinite(voice_lufs):
            music *= voice_activity_gain(mix)[:, None]
        mix += music
        if stems_dir is None:
            music = None
    loudness = integrated_loudness(mix, SAMPLE_RATE)
    if not np.isfinite(loudness):
        raise RenderError("the audio mix is silent", "check that the voiceover was generated")
    ceiling = timeline.true_peak_db - ENCODER_HEADROOM_DB
    block = int(block_s * SAMPLE_RATE)
    out = np.empty_like(mix)
    measured = peak = loudness
    gain_db = 0.0
    for _ in range(4):  # gain, limit, re-measure: converges in one or two passes
        gain_db = timeline.loudness_lufs - loudness
        _limited(mix, gain_db, ceiling - 0.5, out, block)
        peak = true_peak_db(out)
        if peak > ceiling:
            out *= np.float32(10 ** ((ceiling - peak) / 20))
            gain_db += ceiling - peak
            peak = ceiling
        measured = integrated_loudness(out, SAMPLE_RATE)
        if abs(measured - timeline.loudness_lufs) <= 0.3:
            break
        loudness += measured - timeline.loudness_lufs
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(out_wav), out, SAMPLE_RATE, subtype="PCM_24")
    if stems_dir is not None:
        stems_dir.mkdir(parents=True, exist_ok=True)
        gain = np.float32(10 ** (gain_db / 20))
        if music is not None:
            sf.write(str(stems_dir / "music.wav"), music * gain, SAMPLE_RATE, subtype="FLOAT")
            mix -= music
        sf.write(str(stems_dir / "voice.wav"), mix * gain, SAMPLE_RATE, subtype="FLOAT")
    return {**stats, "lufs": measured, "true_peak_db": peak}


def _place(target: np.ndarray, clip: AudioClip, curve: np.ndarray | None = None) -> None:
    """Add a clip at its start, with its gain and an optional per-sample gain curve (ducking)."""
    data = _load_audio(clip.source)
    begin = int(round(clip.start * SAMPLE_RATE))
    end = min(len(target), begin + len(data))
    if end <= begin:
        return
    segment = data[: end - begin] * np.float32(10 ** (clip.gain_db / 20))
    if curve is not None:
        segment *= curve[begin:end, None]
    target[begin:end] += segment


def encode_audio(wav: Path, out: Path, bitrate: str, ceiling_db: float, ffmpeg: str = "") -> float:
    """AAC-encode the mix and check the true peak of what a player will decode: AAC can overshoot the
    PCM peak by more than the mix's headroom (low bitrates, dense low end), and then the encode is
    redone that much quieter. Returns the decoded true peak."""
    gain_db = 0.0
    peak = 0.0
    for _ in range(3):
        volume = ["-af", f"volume={gain_db:.2f}dB"] if gain_db else []
        run_ffmpeg(["-i", str(wav), *volume, "-c:a", "aac", "-b:a", bitrate, "-ar", str(SAMPLE_RATE), "-ac", "2",
                    str(out)], stage="render", ffmpeg=ffmpeg)  # fmt: skip
        decoded = out.with_suffix(".check.wav")
        run_ffmpeg(["-i", str(out), "-c:a", "pcm_f32le", str(decoded)], stage="render", ffmpeg=ffmpeg)
        data, _ = sf.read(str(decoded), dtype="float32", always_2d=True)
        decoded.unlink(missing_ok=True)
        peak = true_peak_db(data)
        if peak <= ceiling_db - 0.1:
            break
        gain_db += ceiling_db - 0.3 - peak
    return peak
