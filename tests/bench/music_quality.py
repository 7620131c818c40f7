"""Listening proxies for the music (a script, not a test): what can be measured here instead of ears.

1. Melody writers, symbolic: the hand-written rules vs the models learned from music21's folk corpus,
   against held-out real tunes — share of stepwise motion, interval-histogram distance (Jensen–Shannon)
   to the held-out tunes, chord tones on strong beats, range.
2. Rendered tracks per mood, acoustic: does librosa hear the tempo and the beat grid we composed
   (beat F-measure at ±70 ms), the mode (Krumhansl key profiles on chroma), and how busy/bright it is.
3. Soundfonts: FluidR3_GM vs TimGM6mb (when installed) — render time and spectral bandwidth.

    python tests/bench/music_quality.py [--heldout 40]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from reelcraft.models.music import PROFILES, MoodSpec, TrackRequest, generate_track
from reelcraft.models.music.composer import BarPlan, compose
from reelcraft.models.music.melody import default_model
from reelcraft.models.music.synth import SOUNDFONTS, render_midi

MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def _js(p: Counter[int], q: Counter[int]) -> float:
    keys = sorted(set(p) | set(q))
    a = np.array([p[k] for k in keys], float) + 1e-9
    b = np.array([q[k] for k in keys], float) + 1e-9
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2
    return float(0.5 * np.sum(a * np.log2(a / m)) + 0.5 * np.sum(b * np.log2(b / m)))


def heldout_intervals(count: int) -> Counter[int]:
    """Semitone intervals of real tunes the folk model never saw (the last files of ryansMammoth)."""
    from music21 import corpus

    paths = sorted(p for p in corpus.getPaths() if "ryansMammoth" in str(p))[-count:]
    hist: Counter[int] = Counter()
    for path in paths:
        pitches = [n.pitch.midi for n in corpus.parse(path).flatten().notes if n.isNote]
        hist.update(max(-12, min(12, b - a)) for a, b in zip(pitches, pitches[1:], strict=False))
    return hist


def melody_figures(model_on: bool, moods: list[str], seeds: int = 12) -> dict[str, float]:
    hist: Counter[int] = Counter()
    strong_chord = strong = 0
    ranges = []
    for name in moods:
        profile = PROFILES[name]
        model = default_model(profile.pentatonic_melody) if model_on else None
        for seed in range(seeds):
            score = compose(MoodSpec(profile=name, energy=profile.energy), profile.tempo[2], BarPlan(16, (0, 4, 8, 12)),
                            seed, model)
            lead = sorted(next(i for i in score.midi.instruments if i.name == "lead").notes, key=lambda n: n.start)
            pitches = [n.pitch for n in lead]
            hist.update(max(-12, min(12, b - a)) for a, b in zip(pitches, pitches[1:], strict=False))
            ranges.append(max(pitches) - min(pitches))
            bar_s = score.bar_seconds
            for note in lead:
                position = (note.start % bar_s) / bar_s
                if min(abs(position - 0.0), abs(position - 0.5)) < 1e-3:
                    strong += 1
                    bar = min(int(note.start // bar_s), len(score.chords) - 1)
                    strong_chord += note.pitch % 12 in score.chords[bar].pitch_classes(score.key)
    total = sum(hist.values())
    return {"stepwise": sum(c for i, c in hist.items() if abs(i) <= 2) / total,
            "repeats": hist[0] / total, "leaps>5": sum(c for i, c in hist.items() if abs(i) > 5) / total,
            "strong_chord_tone": strong_chord / max(1, strong), "range": float(np.median(ranges)), "_hist": hist}  # type: ignore[dict-item]


def beat_f_measure(reference: np.ndarray, estimated: np.ndarray, window: float = 0.07) -> float:
    if not len(reference) or not len(estimated):
        return 0.0
    used = set()
    hits = 0
    for r in reference:
        candidates = [i for i, e in enumerate(estimated) if abs(e - r) <= window and i not in used]
        if candidates:
            used.add(min(candidates, key=lambda i: abs(estimated[i] - r)))
            hits += 1
    precision, recall = hits / len(estimated), hits / len(reference)
    return 0.0 if hits == 0 else 2 * precision * recall / (precision + recall)


def per_mood(work: Path, seconds: float) -> None:
    import librosa

    print(f"\n{'mood':<16}{'asked':>7}{'heard':>7}{'beat F':>8}{'mode':>8}{'heard':>7}{'onsets/s':>10}{'centroid':>10}")
    for name, profile in PROFILES.items():
        tempo = profile.tempo[2]
        out = work / f"{name}.wav"
        generate_track(TrackRequest(mood=MoodSpec(profile=name, energy=profile.energy), duration=seconds, tempo=tempo,
                                    seed=3), out)
        y, sr = librosa.load(str(out), sr=22_050)
        heard, frames = librosa.beat.beat_track(y=y, sr=sr)
        heard = float(np.atleast_1d(heard)[0])
        beats = librosa.frames_to_time(frames, sr=sr)
        step = 60.0 / tempo * (2 if heard < tempo * 0.75 else 1) / (2 if heard > tempo * 1.5 else 1)
        reference = np.arange(0, seconds - 0.5, step)
        chroma = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
        mode = max((np.corrcoef(chroma, np.roll(p, k))[0, 1], m) for m, p in (("major", MAJOR), ("minor", MINOR))
                   for k in range(12))[1]
        written = "major" if profile.mode in ("major", "mixolydian") else "minor"
        onsets = len(librosa.onset.onset_detect(y=y, sr=sr)) / seconds
        centroid = float(np.mean(librosa.feature.spectral_centroid(y=y, sr=sr)))
        print(f"{name:<16}{tempo:>7.0f}{heard:>7.1f}{beat_f_measure(reference, beats):>8.2f}{written:>8}{mode:>7}"
              f"{onsets:>10.2f}{centroid:>10.0f}")


def soundfonts(work: Path) -> None:
    import librosa

    spec = MoodSpec(profile="upbeat_pop", energy=0.7)
    score = compose(spec, 118.0, BarPlan(15, (0, 4, 8)), 1, duration=30.5)
    midi = work / "sf.mid"
    score.midi.write(str(midi))
    print(f"\n{'soundfont':<26}{'MB':>6}{'render 30 s':>13}{'bandwidth Hz':>14}{'flatness':>10}")
    for font in SOUNDFONTS:
        if not font.exists():
            print(f"{font.name:<26}{'—':>6}  (not installed)")
            continue
        started = time.perf_counter()
        audio = render_midi(midi, 30.5, font)
        seconds = time.perf_counter() - started
        mono = librosa.resample(audio.mean(axis=1), orig_sr=48_000, target_sr=22_050)
        bandwidth = float(np.mean(librosa.feature.spectral_bandwidth(y=mono, sr=22_050)))
        flatness = float(np.mean(librosa.feature.spectral_flatness(y=mono)))
        print(f"{font.name:<26}{font.stat().st_size / 1e6:>6.0f}{seconds:>12.2f}s{bandwidth:>14.0f}{flatness:>10.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", type=int, default=40, help="held-out ryansMammoth files to compare against")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reelcraft-music-quality-"))
    moods = [n for n, p in PROFILES.items() if not p.pentatonic_melody]
    real = heldout_intervals(args.heldout)
    real_total = sum(real.values())
    print(f"{'melody writer':<22}{'stepwise':>9}{'repeats':>9}{'leaps>5':>9}{'JS to real':>11}{'strong=chord':>13}"
          f"{'range':>7}")
    print(f"{'held-out real tunes':<22}{sum(c for i, c in real.items() if abs(i) <= 2) / real_total:>9.2f}"
          f"{real[0] / real_total:>9.2f}{sum(c for i, c in real.items() if abs(i) > 5) / real_total:>9.2f}"
          f"{0.0:>11.3f}{'—':>13}{'—':>7}")
    for label, on in (("rules", False), ("learned (folk corpus)", True)):
        fig = melody_figures(on, moods)
        print(f"{label:<22}{fig['stepwise']:>9.2f}{fig['repeats']:>9.2f}{fig['leaps>5']:>9.2f}"
              f"{_js(fig['_hist'], real):>11.3f}{fig['strong_chord_tone']:>13.2f}{fig['range']:>7.0f}")  # type: ignore[arg-type]
    per_mood(work, args.seconds)
    soundfonts(work)


if __name__ == "__main__":
    main()
