"""Just enough music theory to write idiomatic parts: modes, diatonic chords, voicings.

Pitches are MIDI numbers; scale degrees are 1-based as musicians write them (I, ii, V…).
"""

from __future__ import annotations

from dataclasses import dataclass

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
}
PENTATONIC_DEGREES = (1, 2, 3, 5, 6)
"""The gong-mode pentatonic (宫调式) inside a major scale: no 4th, no 7th."""


@dataclass(frozen=True)
class Key:
    tonic: int
    """Pitch class of the tonic, 0 = C."""
    mode: str

    @property
    def intervals(self) -> tuple[int, ...]:
        return MODES[self.mode]

    def name(self) -> str:
        names = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
        return f"{names[self.tonic]} {self.mode.replace('_', ' ')}"

    def degree_pitch(self, degree: int, octave: int = 4) -> int:
        """MIDI pitch of a 1-based scale degree (may run past 7 or below 1) around `octave`."""
        index = degree - 1
        octave_shift, step = divmod(index, 7)
        return 12 * (octave + 1 + octave_shift) + self.tonic + self.intervals[step]

    def pitch_classes(self, degrees: tuple[int, ...] | None = None) -> set[int]:
        chosen = degrees or tuple(range(1, 8))
        return {(self.tonic + self.intervals[d - 1]) % 12 for d in chosen}

    def scale_pitches(self, low: int, high: int, degrees: tuple[int, ...] | None = None) -> list[int]:
        """Every pitch of the scale (or of some of its degrees) in [low, high], ascending."""
        classes = self.pitch_classes(degrees)
        return [p for p in range(low, high + 1) if p % 12 in classes]


@dataclass(frozen=True)
class Chord:
    root_degree: int
    seventh: bool = False
    harmonic: bool = False
    """In a minor key, build the chord from harmonic minor (the major V whose leading tone says 'minor')."""

    def pitch_classes(self, key: Key) -> list[int]:
        """Root, third, fifth (and seventh) as pitch classes, stacked in thirds within the mode."""
        count = 4 if self.seventh else 3
        source = Key(key.tonic, "harmonic_minor") if self.harmonic and key.mode in ("minor", "dorian") else key
        return [source.degree_pitch(self.root_degree + 2 * i, 0) % 12 for i in range(count)]

    def root(self, key: Key, octave: int) -> int:
        return key.degree_pitch(self.root_degree, octave)


def parse_progression(text: str) -> list[Chord]:
    """'1 5 6 4', '2-7 5-7 1-7 6-7' or '1 6 4 5M' (degree; '-7' a seventh chord; 'M' the harmonic-minor
    major dominant) → chords."""
    chords = []
    for token in text.split():
        degree, _, extension = token.partition("-")
        chords.append(Chord(int(degree.rstrip("M")), seventh=extension == "7", harmonic=degree.endswith("M")))
    return chords


def voice_chord(classes: list[int], low: int, high: int, previous: list[int] | None = None) -> list[int]:
    """Close voicing of the chord's pitch classes in [low, high], moving as little as possible from
    the previous voicing (voice leading), so chords glide instead of jumping."""
    candidates = [
        sorted({bass} | {_above(bass, pc) for pc in classes})
        for bass in range(low, min(high, low + 12) + 1)
        if bass % 12 in classes
    ]
    candidates = [v for v in candidates if v[-1] <= high]
    if not candidates:
        return [low + (pc - low) % 12 for pc in classes]
    if previous is None:
        return candidates[len(candidates) // 2]
    centre = sum(previous) / len(previous)
    return min(candidates, key=lambda v: abs(sum(v) / len(v) - centre))


def _above(base: int, pitch_class: int) -> int:
    return base + (pitch_class - base) % 12


def nearest_in(pitches: list[int], target: float) -> int:
    return min(pitches, key=lambda p: (abs(p - target), p))
