"""Symbolic composition: a mood, a tempo and a bar plan → a multi-track MIDI score.

The arrangement follows the video: sections start on the bars where scenes cut (crash on the
downbeat, a drum fill just before), energy builds towards the last scene, and the final bar is a
cadence onto the tonic that rings out exactly at the video's end, so the music ends rather than
fades. Everything random comes from one seeded generator: the same inputs give the same score.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pretty_midi

from reelcraft.models.music.melody import MelodyModel, write_melody
from reelcraft.models.music.moods import MoodProfile, MoodSpec
from reelcraft.models.music.theory import Chord, Key, parse_progression, voice_chord

BEATS_PER_BAR = 4
STEPS_PER_BAR = 16
DRUM = {"kick": 36, "rim": 37, "snare": 38, "clap": 39, "hat": 42, "open_hat": 46, "crash": 49, "ride": 51,
        "tom_low": 41, "tom_mid": 45, "tom_high": 48, "tambourine": 54, "shaker": 70, "wood_high": 76,
        "wood_low": 77, "timpani_like": 43}

# 16-step grooves: instrument → {step: velocity scale}. Level 1 plays only the "base" instruments.
GROOVES: dict[str, dict[str, dict[int, float]]] = {
    "pop": {"kick": {0: 1.0, 7: 0.7, 8: 0.95, 10: 0.6}, "clap": {4: 0.9, 12: 0.95},
            "hat": {s: 0.55 if s % 4 else 0.7 for s in range(0, 16, 2)}},
    "four_on_floor": {"kick": {0: 1.0, 4: 0.95, 8: 1.0, 12: 0.95}, "clap": {4: 0.8, 12: 0.85},
                      "open_hat": {2: 0.5, 6: 0.5, 10: 0.5, 14: 0.55}},
    "lofi": {"kick": {0: 1.0, 7: 0.55, 10: 0.8}, "snare": {4: 0.75, 12: 0.8},
             "hat": {s: 0.45 if s % 4 else 0.6 for s in range(0, 16, 2)}},
    "epic": {"kick": {0: 1.0, 8: 0.95}, "tom_low": {0: 0.85, 4: 0.7, 6: 0.5, 8: 0.85, 12: 0.7, 14: 0.55},
             "snare": {8: 0.85}, "tom_mid": {12: 0.5}},
    "light": {"kick": {0: 0.9, 8: 0.8}, "wood_low": {0: 0.8, 8: 0.7}, "wood_high": {4: 0.7, 12: 0.75, 14: 0.45},
              "shaker": {s: 0.4 if s % 4 else 0.55 for s in range(0, 16, 2)}},
    "pulse": {"kick": {0: 1.0, 4: 0.8, 8: 0.95, 12: 0.8}, "rim": {4: 0.6, 12: 0.65},
              "hat": {s: 0.35 if s % 4 else 0.5 for s in range(16)}},
    "acoustic": {"kick": {0: 1.0, 8: 0.85, 10: 0.5}, "clap": {4: 0.7, 12: 0.75},
                 "shaker": {s: 0.45 if s % 2 else 0.6 for s in range(16)}},
}
GROOVE_BASE = {"kick", "hat", "shaker", "wood_low", "tom_low"}
"""What plays in an intro bar (level 1): a pulse without the backbeat."""


@dataclass(frozen=True)
class BarPlan:
    """How many bars the track has and on which bars scenes begin."""

    bars: int
    section_starts: tuple[int, ...] = (0,)

    def __post_init__(self) -> None:
        if self.bars < 2:
            raise ValueError("a track needs at least 2 bars")
        if any(not 0 <= s < self.bars for s in self.section_starts):
            raise ValueError("section starts must be bars of the track")


@dataclass
class Score:
    midi: pretty_midi.PrettyMIDI
    key: Key
    tempo: float
    bars: int
    chords: list[Chord]
    levels: list[int]
    melody_notes: list[int] = field(default_factory=list)
    total: float = 0.0
    """Seconds, including the final chord's ring."""

    @property
    def bar_seconds(self) -> float:
        return BEATS_PER_BAR * 60.0 / self.tempo


def _rng(spec: MoodSpec, seed: int, tempo: float, plan: BarPlan) -> np.random.Generator:
    salt = zlib.crc32(f"{spec.profile}|{spec.energy}|{tempo:.4f}|{plan}".encode())
    return np.random.default_rng([seed & 0xFFFFFFFF, salt])


def _pick_key(profile: MoodProfile, rng: np.random.Generator) -> Key:
    tonics = [0, 2, 3, 5, 7, 8, 9, 10] if profile.mode == "major" else [0, 2, 4, 5, 7, 9]
    return Key(int(rng.choice(tonics)), profile.mode)


def _levels(plan: BarPlan, energy: float) -> list[int]:
    """Per-bar intensity 1–3: a short intro, the body at 2, the last scene (or the second half) at 3,
    and 0 for the final ringing bar."""
    levels = [2] * plan.bars
    starts = sorted(set(plan.section_starts) | {0})
    if plan.bars >= 6:
        levels[0] = 1
    lift_from = starts[-1] if len(starts) > 1 and starts[-1] >= plan.bars // 3 else plan.bars // 2
    for bar in range(lift_from, plan.bars):
        levels[bar] = 3 if energy >= 0.3 else 2
    levels[-1] = 0
    return levels


def _chords(profile: MoodProfile, plan: BarPlan, rng: np.random.Generator) -> list[Chord]:
    """One chord per bar: the progression restarts at each section, and the last two bars cadence."""
    progressions = [parse_progression(p) for p in profile.progressions]
    main = progressions[int(rng.integers(len(progressions)))]
    alternate = progressions[int(rng.integers(len(progressions)))]
    starts = sorted(set(plan.section_starts) | {0})
    chords: list[Chord] = []
    for bar in range(plan.bars):
        section = max(i for i, s in enumerate(starts) if s <= bar)
        offset = bar - starts[section]
        progression = alternate if section % 2 and len(progressions) > 1 else main
        chords.append(progression[offset % len(progression)])
    dominant = Chord(5, seventh=True, harmonic=True)  # V7 → I: the cadence that lands, in major and minor
    if plan.bars >= 3:
        chords[-2] = dominant
    chords[-1] = Chord(1)
    return chords


def compose(
    spec: MoodSpec, tempo: float, plan: BarPlan, seed: int, melody_model: MelodyModel | None = None,
    *, duration: float | None = None,
) -> Score:
    """Write the score for `plan.bars` bars of 4/4 at `tempo` BPM in the mood `spec`; the last bar
    (the final chord) rings until `duration` when given."""
    profile = spec.mood
    rng = _rng(spec, seed, tempo, plan)
    key = _pick_key(profile, rng)
    beat = 60.0 / tempo
    step = beat / 4
    bar_s = beat * BEATS_PER_BAR
    total = duration if duration is not None else plan.bars * bar_s
    levels = _levels(plan, spec.energy)
    chords = _chords(profile, plan, rng)
    energy = spec.energy
    velocity = 58 + 42 * energy

    midi = pretty_midi.PrettyMIDI(initial_tempo=tempo, resolution=960)
    pen = _Pen(bar_s=bar_s, swing_steps=profile.swing * 4, end=total)

    def instrument(program: int, name: str, *, drum: bool = False, reverb: int | None = None) -> pretty_midi.Instrument:
        inst = pretty_midi.Instrument(program=program, is_drum=drum, name=name)
        send = reverb if reverb is not None else profile.reverb
        inst.control_changes += [pretty_midi.ControlChange(91, send, 0.0), pretty_midi.ControlChange(7, 100, 0.0)]
        midi.instruments.append(inst)
        return inst

    t, add = pen.at, pen.note
    starts = set(plan.section_starts) - {0}
    last = plan.bars - 1
    final_hit = last * bar_s
    # sustained parts let go of the final chord here, so its natural release is the ending
    release = final_hit + max(0.5, 0.6 * (total - final_hit))

    # --- drums -------------------------------------------------------------------------------------------
    drums = instrument(0, "drums", drum=True, reverb=min(profile.reverb, 40))
    groove = GROOVES[profile.drums]
    for bar, level in enumerate(levels):
        if bar == last:
            add(drums, DRUM["kick"], t(bar, 0), t(bar, 2), velocity * 1.05)
            add(drums, DRUM["crash"], t(bar, 0), total, velocity * 1.0)
            continue
        fill = (bar + 1 in starts or bar + 1 == last) and level >= 2
        for name, hits in groove.items():
            if level == 1 and name not in GROOVE_BASE:
                continue
            for s, scale in hits.items():
                if fill and s >= 12 and name not in ("kick",):
                    continue
                accent = 1.0 + 0.08 * (level - 2)
                jitter = float(rng.normal(0, 0.04))
                add(drums, DRUM[name], t(bar, s), t(bar, s) + step, velocity * scale * (accent + jitter))
        if level >= 3 and profile.drums in ("pop", "acoustic", "four_on_floor", "pulse"):
            for s in range(1, 16, 2):  # extra 16th shimmer in the lifted sections
                add(drums, DRUM["hat"] if profile.drums != "acoustic" else DRUM["tambourine"],
                    t(bar, s), t(bar, s) + step, velocity * 0.32)
        if fill:
            fill_drum = DRUM["tom_high"] if profile.drums in ("epic", "light") else DRUM["snare"]
            for i, s in enumerate(range(12, 16)):
                pitch = fill_drum if profile.drums not in ("epic", "light") else [48, 45, 43, 41][i]
                add(drums, pitch, t(bar, s), t(bar, s) + step, velocity * (0.6 + 0.12 * i))
        if bar in starts or (bar == 0 and levels[0] >= 2):
            add(drums, DRUM["crash"], t(bar, 0), t(bar, 4), velocity * 0.85)

    # --- bass --------------------------------------------------------------------------------------------
    bass = instrument(profile.bass_program, "bass", reverb=20)
    for bar, (chord, level) in enumerate(zip(chords, levels, strict=True)):
        root = chord.root(key, 2)
        if root < 36:
            root += 12
        fifth = key.degree_pitch(chord.root_degree + 4, 2)
        fifth = fifth + 12 if fifth < root else fifth
        if bar == last or level == 1 or profile.bass_style == "sustain":
            add(bass, root, t(bar, 0), release if bar == last else t(bar, 16) - 0.05, velocity * 0.95)
            continue
        style = profile.bass_style
        if style == "eighths":
            for s in range(0, 16, 2):
                add(bass, root, t(bar, s), t(bar, s + 1.6), velocity * (0.95 if s % 4 == 0 else 0.8))
        elif style == "octaves":
            for s in range(0, 16, 2):
                add(bass, root + (12 if s % 4 else 0), t(bar, s), t(bar, s + 1.7), velocity * 0.85)
        elif style == "root_fifth":
            for s, pitch, length in ((0, root, 5.5), (6, root, 1.8), (8, fifth, 3.5), (12, root, 3.5)):
                add(bass, pitch, t(bar, s), t(bar, s + length), velocity * (0.95 if s in (0, 8) else 0.75))
        else:  # root
            add(bass, root, t(bar, 0), t(bar, 7.5), velocity * 0.95)
            add(bass, root, t(bar, 8), t(bar, 15.5), velocity * 0.85)

    # --- chords and pad ----------------------------------------------------------------------------------
    comp = instrument(profile.chord_program, "chords")
    pad = instrument(profile.pad_program, "pad") if profile.pad_program is not None else None
    previous: list[int] | None = None
    for bar, (chord, level) in enumerate(zip(chords, levels, strict=True)):
        classes = chord.pitch_classes(key)
        voicing = voice_chord(classes, 55, 76, previous)
        previous = voicing
        vel = velocity * (0.7 if level == 1 else 0.78 + 0.06 * level)
        if pad is not None and level >= 2 or (pad is not None and bar == last):
            for pitch in voice_chord(classes[:3], 60, 79, None):
                add(pad, pitch, t(bar, 0), release if bar == last else t(bar, 16), velocity * 0.45)
        if bar == last:
            for pitch in voicing:
                add(comp, pitch, t(bar, 0), release, vel)
            continue
        _comp_bar(pen, profile, comp, voicing, bar, level, vel)

    # --- melody ------------------------------------------------------------------------------------------
    lead = instrument(profile.lead_program, "lead")
    melody = write_melody(key=key, chords=chords, levels=levels, profile=profile, energy=energy, rng=rng,
                          section_starts=sorted(set(plan.section_starts) | {0}), model=melody_model)
    for note in melody:
        end = t(note.bar, note.step + note.length) - 0.01
        add(lead, note.pitch, t(note.bar, note.step), min(end, release) if note.bar == last else end,
            velocity * 0.9 * note.accent)
    return Score(midi=midi, key=key, tempo=tempo, bars=plan.bars, chords=chords, levels=levels,
                 melody_notes=[n.pitch for n in melody], total=total)


@dataclass(frozen=True)
class _Pen:
    """Writes notes on the bar/16th grid: swing on off-beat 16ths, nothing past the track's end."""

    bar_s: float
    swing_steps: float
    end: float

    def at(self, bar: int, step: float) -> float:
        swung = step + (self.swing_steps if float(step).is_integer() and int(step) % 2 == 1 else 0.0)
        return bar * self.bar_s + swung * self.bar_s / STEPS_PER_BAR

    def note(self, inst: pretty_midi.Instrument, pitch: int, start: float, end: float, velocity: float) -> None:
        end = min(end, self.end - 0.03)
        if end - start >= 0.02:
            inst.notes.append(pretty_midi.Note(velocity=int(np.clip(velocity, 1, 127)), pitch=int(pitch),
                                               start=start, end=end))


def _comp_bar(
    pen: _Pen, profile: MoodProfile, inst: pretty_midi.Instrument, voicing: list[int], bar: int, level: int,
    vel: float,
) -> None:
    """One bar of chord accompaniment in the profile's style."""
    t, add = pen.at, pen.note
    style = profile.chord_style
    if level == 1 or style == "sustain":
        for pitch in voicing:
            add(inst, pitch, t(bar, 0), t(bar, 16) - 0.03, vel * 0.9)
        return
    if style == "stabs":
        for s in (0, 3, 6, 10, 12, 14) if level >= 3 else (0, 6, 10, 14):
            for pitch in voicing:
                add(inst, pitch, t(bar, s), t(bar, s + 1.5), vel * (1.0 if s in (0, 6) else 0.85))
    elif style == "rhodes":
        for s, length in ((0, 5.5), (6, 9.5)):
            for pitch in voicing:
                add(inst, pitch, t(bar, s), t(bar, s + length), vel * (0.95 if s == 0 else 0.8))
    elif style == "arpeggio":
        tones = voicing + [voicing[0] + 12, voicing[1] + 12]
        order = tones + tones[-2:0:-1]
        hop = 1 if level >= 3 else 2
        for i, s in enumerate(range(0, 16, hop)):
            pitch = order[i % len(order)]
            add(inst, pitch, t(bar, s), t(bar, s + hop * 1.8), vel * (0.9 if s % 4 == 0 else 0.72))
    elif style == "strum":
        pattern = ((0, 1.0, 1), (4, 0.8, 1), (6, 0.7, -1), (10, 0.7, -1), (12, 0.85, 1), (14, 0.7, -1))
        for s, scale, direction in pattern:
            ordered = voicing + [voicing[0] + 12] if direction > 0 else [voicing[0] + 12, *reversed(voicing)]
            for i, pitch in enumerate(ordered):
                start = t(bar, s) + i * 0.012
                add(inst, pitch, start, t(bar, s + 2) - 0.02, vel * scale)
    elif style == "ostinato":
        root, fifth, octave = voicing[0], voicing[min(2, len(voicing) - 1)], voicing[0] + 12
        cells = (root, octave, fifth, octave)
        hop = 1 if level >= 3 else 2
        for i, s in enumerate(range(0, 16, hop)):
            add(inst, cells[i % 4], t(bar, s), t(bar, s + hop * 0.9), vel * (0.95 if s % 4 == 0 else 0.7))
