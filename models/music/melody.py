"""The lead line: motif-based phrases that fit the chords.

A phrase is four bars (A B A' cadence): the A bar's rhythm and scale-step intervals come back in
the third bar over a different chord, which is what makes a tune sound composed rather than random.
Strong beats land on chord tones; phrase ends rest on the root or third; the final bar is the tonic.
Intervals and rhythms come from a `MelodyModel` learned from folk-tune scores (see `train_melody`),
or from a hand-written step/leap distribution when no model is given.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from reelcraft.models.music.moods import MoodProfile
from reelcraft.models.music.theory import PENTATONIC_DEGREES, Chord, Key, nearest_in

MODEL_PATH = Path(__file__).with_name("data") / "melody_folk.json"
ZH_MODEL_PATH = Path(__file__).with_name("data") / "melody_han.json"
RULE_INTERVALS = {-4: 0.02, -3: 0.05, -2: 0.14, -1: 0.24, 0: 0.08, 1: 0.24, 2: 0.14, 3: 0.06, 4: 0.03}
SLOT_WEIGHTS = (1.0, 0.45, 0.85, 0.5, 0.95, 0.45, 0.8, 0.4)
"""Chance that each 8th-note slot of a bar starts a note, before density: downbeats most."""


@dataclass(frozen=True)
class MelodyNote:
    bar: int
    step: float
    """16th-note step within the bar where the note starts."""
    length: float
    """In 16th-note steps."""
    pitch: int
    accent: float = 1.0


@dataclass(frozen=True)
class MelodyModel:
    """Learned statistics of melodies: P(next scale-step interval | previous interval) and bar rhythms
    on the 8th-note grid (8 bits, one per slot) with their frequencies."""

    transitions: dict[int, dict[int, float]]
    rhythms: list[tuple[tuple[int, ...], float]]
    source: str = ""

    def next_interval(self, previous: int, rng: np.random.Generator) -> int:
        table = self.transitions.get(max(-5, min(5, previous))) or RULE_INTERVALS
        values = list(table)
        weights = np.array([table[v] for v in values], dtype=float)
        return int(values[int(rng.choice(len(values), p=weights / weights.sum()))])

    def rhythm(self, density: float, rng: np.random.Generator) -> tuple[int, ...]:
        """A bar's onset slots, drawn from learned rhythms, favouring ones near the wanted density."""
        patterns = [p for p, _ in self.rhythms]
        weights = np.array([w * np.exp(-((sum(p) / 8 - density) ** 2) / 0.02) for p, w in self.rhythms])
        if weights.sum() <= 0:
            return _rule_rhythm(density, rng)
        return patterns[int(rng.choice(len(patterns), p=weights / weights.sum()))]

    @classmethod
    def from_json(cls, path: Path) -> MelodyModel:
        data = json.loads(path.read_text())
        transitions = {int(k): {int(i): float(p) for i, p in row.items()} for k, row in data["transitions"].items()}
        rhythms = [(tuple(int(c) for c in bits), float(w)) for bits, w in data["rhythms"].items()]
        return cls(transitions=transitions, rhythms=rhythms, source=data.get("source", ""))


@lru_cache(maxsize=2)
def default_model(pentatonic: bool = False) -> MelodyModel | None:
    """The model trained from music21's folk corpus (Han folk songs for pentatonic moods) that ships
    with the package; None when it is missing, which falls back to the hand-written rules."""
    path = ZH_MODEL_PATH if pentatonic else MODEL_PATH
    return MelodyModel.from_json(path) if path.exists() else None


def _rule_rhythm(density: float, rng: np.random.Generator) -> tuple[int, ...]:
    slots = tuple(int(rng.random() < min(0.95, density * 1.6 * w)) for w in SLOT_WEIGHTS)
    return slots if sum(slots) >= 2 else (1, 0, 0, 0, 1, 0, 0, 0)


def _rule_interval(previous: int, rng: np.random.Generator) -> int:
    if abs(previous) >= 3:  # after a leap, step back the other way (gap fill)
        return int(-np.sign(previous) * rng.choice([1, 2], p=[0.7, 0.3]))
    values = list(RULE_INTERVALS)
    weights = np.array(list(RULE_INTERVALS.values()))
    return int(values[int(rng.choice(len(values), p=weights / weights.sum()))])


def _onsets(slots: tuple[int, ...], cadence: bool) -> list[tuple[float, float]]:
    """(step, length) in 16ths for each onset: notes last until the next one, at most two beats."""
    starts = [i * 2 for i, on in enumerate(slots) if on]
    if cadence:  # land: keep the first half's notes, then one long note on beat 3
        starts = [s for s in starts if s < 8] + [8]
    notes = []
    for i, start in enumerate(starts):
        following = starts[i + 1] if i + 1 < len(starts) else 16
        length = min(following - start, 8)
        notes.append((float(start), float(length if not (cadence and start == 8) else 7.5)))
    return notes


def write_melody(
    *,
    key: Key,
    chords: list[Chord],
    levels: list[int],
    profile: MoodProfile,
    energy: float,
    rng: np.random.Generator,
    section_starts: list[int],
    model: MelodyModel | None,
) -> list[MelodyNote]:
    low, high = profile.lead_register
    degrees = PENTATONIC_DEGREES if profile.pentatonic_melody else None
    scale = key.scale_pitches(low, high, degrees)
    bars = len(chords)
    notes: list[MelodyNote] = []
    previous_pitch = float(nearest_in(scale, (low + high) / 2))
    last_interval = 0
    bounds = [*section_starts, bars - 1]

    def draw_rhythm(density: float) -> tuple[int, ...]:
        return model.rhythm(density, rng) if model else _rule_rhythm(density, rng)

    def draw_interval(previous: int) -> int:
        return model.next_interval(previous, rng) if model else _rule_interval(previous, rng)

    for start, end in itertools.pairwise(bounds):
        for phrase_start in range(start, end, 4):
            phrase = list(range(phrase_start, min(phrase_start + 4, end)))
            density = min(0.95, profile.lead_density * (0.6 + 0.8 * energy))
            motif_rhythm, answer_rhythm = draw_rhythm(density), draw_rhythm(density)
            motif_steps: list[int] = []
            for position, bar in enumerate(phrase):
                if levels[bar] <= 1:
                    continue
                cadence = position == len(phrase) - 1 and len(phrase) > 1
                rhythm = motif_rhythm if position % 2 == 0 else answer_rhythm
                onsets = _onsets(rhythm, cadence)
                classes = chords[bar].pitch_classes(key)
                chord_tones = [p for p in scale if p % 12 in classes] or scale
                landing = [p for p in chord_tones if p % 12 in classes[:2]] or chord_tones  # root or third
                reuse = position == 2 and motif_steps and not cadence
                steps: list[int] = []
                index = scale.index(nearest_in(scale, previous_pitch))
                for i, (step, length) in enumerate(onsets):
                    if i and reuse and i - 1 < len(motif_steps):
                        interval = motif_steps[i - 1]  # the motif again, over this bar's chord
                    elif notes or i:
                        interval = draw_interval(last_interval)
                        if step in (0.0, 8.0):  # a strong beat: redraw (a few times) for a chord tone
                            for _ in range(6):
                                landed = scale[max(0, min(len(scale) - 1, index + interval))]
                                if landed in chord_tones:
                                    break
                                interval = draw_interval(last_interval)
                    else:
                        interval = 0
                    if i:
                        steps.append(interval)
                    index += interval
                    if not 0 <= index < len(scale):
                        index -= 2 * interval  # bounce off the register's edge
                        index = max(0, min(len(scale) - 1, index))
                    last_interval = interval
                    pitch = scale[index]
                    strong = step in (0.0, 8.0)
                    final_note = cadence and i == len(onsets) - 1
                    targets = landing if final_note else chord_tones if strong else None
                    if targets is not None and pitch not in targets:
                        # snap to the chord, but keep moving the way the line was going
                        moving = [p for p in targets if p != previous_pitch] if interval else targets
                        pitch = nearest_in(moving or targets, pitch)
                    index = scale.index(nearest_in(scale, pitch))
                    accent = 1.0 if strong else 0.85
                    if profile.pentatonic_melody and length >= 4 and rng.random() < 0.35 and step >= 1:
                        grace = scale[min(len(scale) - 1, index + 1)]  # 装饰音: a quick upper neighbour
                        notes.append(MelodyNote(bar, step - 0.5, 0.5, grace, 0.7))
                    notes.append(MelodyNote(bar, step, length * 0.92, pitch, accent))
                    previous_pitch = float(pitch)
                if position == 0:
                    motif_steps = steps
    tonic = nearest_in([p for p in scale if p % 12 == key.tonic] or scale, previous_pitch)
    notes.append(MelodyNote(bars - 1, 0.0, 64.0, tonic, 1.0))
    return notes
