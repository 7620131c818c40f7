"""Cut points that follow the music.

Two cases. Generated music: choose a tempo and a whole number of bars per scene so every cut lands
on a bar line and the last bar ends with the video (scene lengths may move by a small share).
User music: the beats are fixed, so move each cut to the nearest downbeat (or beat) within reach.
Either way every scene keeps room for its narration.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

BEATS_PER_BAR = 4
MAX_NUDGE = 0.10
"""A scene may grow or shrink by this share of its planned length to meet the grid."""


@dataclass(frozen=True)
class BarFit:
    tempo: float
    beats_per_scene: list[int]
    """Scene lengths in beats; each a multiple of `grid_beats`."""
    grid_beats: int
    """4 when every cut is on a bar line; 2 (half bars) or 1 (beats) when bars could not fit; 0 when the
    narration left no room to move any cut (the cuts stay, the music keeps its own tempo)."""
    durations: list[float]
    worst_nudge: float
    """Largest relative change of a scene's length."""

    @property
    def bars(self) -> float:
        return sum(self.beats_per_scene) / BEATS_PER_BAR

    @property
    def section_start_beats(self) -> list[int]:
        starts, acc = [], 0
        for beats in self.beats_per_scene:
            starts.append(acc)
            acc += beats
        return starts


def _assign(planned: list[float], need: list[float], unit: float, units_total: int) -> list[int] | None:
    """Whole units per scene, summing to `units_total`, each ≥ its need, close to the plan (largest remainder)."""
    minimum = [max(1, math.ceil(n / unit - 1e-6)) for n in need]
    if sum(minimum) > units_total:
        return None
    exact = [p / unit for p in planned]
    counts = [max(m, math.floor(e)) for m, e in zip(minimum, exact, strict=True)]
    while sum(counts) > units_total:
        candidates = [i for i in range(len(counts)) if counts[i] > minimum[i]]
        if not candidates:
            return None
        worst = max(candidates, key=lambda i: counts[i] - exact[i])
        counts[worst] -= 1
    while sum(counts) < units_total:
        best = max(range(len(counts)), key=lambda i: exact[i] - counts[i])
        counts[best] += 1
    return counts


def fit_bars(
    planned: list[float],
    need: list[float],
    total: float,
    tempo_range: tuple[float, float, float],
    *,
    fps: int = 30,
) -> BarFit:
    """Pick tempo and beats per scene so cuts land on bar lines (then half bars, then beats) and the
    track ends with the video. `planned` sums to `total`; `need` is each scene's minimum length.
    Ties go to the smaller nudge, then to the tempo nearest the mood's preferred one."""
    low, high, preferred = tempo_range
    best: tuple[float, float, BarFit] | None = None
    # whole bars in the mood's range, then in a range stretched by 10 %, then half bars, then beats
    for grid, stretch in ((4, 1.0), (4, 1.1), (2, 1.0), (1, 1.0)):
        for tempo_units in range(1, 400):
            unit = total / tempo_units
            tempo = 60.0 * grid / unit
            if tempo > high * stretch + 1e-9:
                break
            if tempo < low / stretch - 1e-9:
                continue
            counts = _assign(planned, need, unit, tempo_units)
            if counts is None:
                continue
            durations = [c * unit for c in counts]
            nudge = max(abs(d - p) / p for d, p in zip(durations, planned, strict=True))
            fit = BarFit(tempo=tempo, beats_per_scene=[c * grid for c in counts], grid_beats=grid,
                         durations=_frame_round(durations, total, fps), worst_nudge=nudge)
            score = (round(nudge, 3) if nudge > MAX_NUDGE else 0.0, abs(tempo - preferred))
            if best is None or score < best[:2]:
                best = (score[0], score[1], fit)
        if best is not None and best[2].worst_nudge <= MAX_NUDGE:
            return best[2]
    if best is None:
        # the narration fills the scenes too tightly for any grid: keep the cuts where they are and let
        # the music run at its own tempo (sections still start on the bars nearest the cuts)
        beat = 60.0 / preferred
        starts, acc = [], 0.0
        for d in planned:
            starts.append(acc)
            acc += d
        beats = [max(0, round(a / beat)) for a in starts] + [round(total / beat)]
        return BarFit(tempo=preferred, beats_per_scene=[b - a for a, b in itertools.pairwise(beats)], grid_beats=0,
                      durations=_frame_round(planned, total, fps), worst_nudge=0.0)
    return best[2]


def _frame_round(durations: list[float], total: float, fps: int) -> list[float]:
    """Cut on frames: each boundary moves to the first frame at or after it (the new picture appears
    with the downbeat, never before it), and lengths still sum to `total`."""
    bounds, acc = [0], 0.0
    for d in durations[:-1]:
        acc += d
        bounds.append(math.ceil(acc * fps - 1e-6))
    bounds.append(round(total * fps))
    return [(b - a) / fps for a, b in zip(bounds, bounds[1:], strict=False)]


def snap_to_beats(
    planned: list[float],
    need: list[float],
    total: float,
    beats: list[float],
    downbeats: list[float],
    *,
    fps: int = 30,
) -> tuple[list[float], int]:
    """Move each cut of a user-supplied track's edit to the nearest downbeat, else beat, within the
    nudge allowance and keeping every scene's need. Returns the new durations and how many cuts snapped."""
    cuts, acc = [], 0.0
    for d in planned[:-1]:
        acc += d
        cuts.append(acc)
    snapped_count = 0
    new_cuts: list[float] = []
    previous = 0.0
    for index, cut in enumerate(cuts):
        reach = MAX_NUDGE * min(planned[index], planned[index + 1])
        earliest = max(previous + need[index], cut - reach)
        remaining_need = sum(need[index + 1 :])
        latest = min(total - remaining_need, cut + reach)
        chosen = cut
        for grid in (downbeats, beats):
            options = [b for b in grid if earliest <= b <= latest]
            if options:
                chosen = min(options, key=lambda b: abs(b - cut))
                snapped_count += 1
                break
        new_cuts.append(chosen)
        previous = chosen
    bounds = [0.0, *new_cuts, total]
    durations = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    return _frame_round(durations, total, fps), snapped_count
