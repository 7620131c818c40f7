"""Music logic without audio: beat-grid fitting, cut snapping, moods and chat edits, score determinism,
and the ducking curve."""

from __future__ import annotations

import numpy as np
import pytest

from reelcraft.edit.beatgrid import MAX_NUDGE, fit_bars, snap_to_beats
from reelcraft.models.music import PROFILES, MoodSpec, adjust_mood, resolve_mood
from reelcraft.models.music.composer import BarPlan, compose
from reelcraft.render.audio import DUCK_DB, SAMPLE_RATE, voice_activity_gain


def _cuts(durations: list[float]) -> list[float]:
    return list(np.cumsum(durations)[:-1])


@pytest.mark.parametrize(
    ("planned", "tempo_range"),
    [
        ([6.0, 7.0, 8.0, 9.0], (108, 128, 118)),
        ([7.5, 7.5, 7.5, 7.5], (70, 88, 80)),
        ([5.0, 7.4, 5.2, 7.3, 5.1], (92, 112, 100)),
        ([12.0, 18.0, 30.0], (84, 100, 92)),
    ],
)
def test_cuts_land_on_bar_lines_and_the_track_ends_with_the_video(
    planned: list[float], tempo_range: tuple[float, float, float]
) -> None:
    total = sum(planned)
    need = [0.6 * p for p in planned]
    fit = fit_bars(planned, need, total, tempo_range, fps=30)
    bar = 240.0 / fit.tempo
    assert fit.grid_beats == 4
    assert tempo_range[0] / 1.1 <= fit.tempo <= tempo_range[1] * 1.1
    assert sum(fit.durations) == pytest.approx(total, abs=1e-9)
    assert fit.worst_nudge <= MAX_NUDGE
    for cut in _cuts(fit.durations):
        offset = (cut / bar - round(cut / bar)) * bar
        assert offset + 1e-9 >= 0 and offset <= 1 / 30 + 1e-9  # on the first frame at or after a bar line
    assert total / bar == pytest.approx(round(total / bar), abs=1e-6)  # whole bars: the music ends with the video
    for duration, minimum in zip(fit.durations, need, strict=True):
        assert duration >= minimum - 1 / 30


def test_scenes_that_cannot_take_whole_bars_fall_back_to_a_finer_grid() -> None:
    planned = [2.9, 3.1, 3.4, 2.6, 3.0]  # short scenes: whole 2.4 s bars would move them ~20 %
    fit = fit_bars(planned, [2.5, 2.7, 3.0, 2.3, 2.6], 15.0, (95, 105, 100), fps=30)
    assert fit.grid_beats < 4
    beat = 60.0 / fit.tempo
    for cut in _cuts(fit.durations):
        assert -1e-9 <= (cut / beat - round(cut / beat)) * beat <= 1 / 30 + 1e-9


def test_narration_is_never_cut_to_meet_the_grid() -> None:
    planned = [5.0, 5.0, 5.0, 5.0, 10.0]
    need = [4.9, 5.0, 4.95, 5.0, 3.0]  # almost no slack in the first four scenes
    fit = fit_bars(planned, need, 30.0, (100, 130, 120), fps=30)
    for duration, minimum in zip(fit.durations, need, strict=True):
        assert duration >= minimum - 1 / 30


def test_narration_that_fills_every_scene_keeps_the_cuts_and_still_gets_music() -> None:
    planned = [5.2, 4.9, 5.3, 4.6]  # a 20 s video whose voice (sped up) fills every scene to the frame
    fit = fit_bars(planned, planned, 20.0, (108, 128, 118), fps=30)
    assert fit.grid_beats == 0 and fit.tempo == 118
    assert fit.durations == pytest.approx(planned, abs=1 / 30)
    assert sum(fit.beats_per_scene) == round(20.0 / (60 / 118))


def test_user_track_cuts_snap_to_the_nearest_downbeat_within_reach() -> None:
    beats = [i * 0.5 for i in range(61)]  # 120 BPM
    downbeats = beats[::4]
    planned = [6.3, 7.1, 8.4, 8.2]
    durations, snapped = snap_to_beats(planned, [3.0] * 4, 30.0, beats, downbeats, fps=30)
    assert snapped == 3
    assert sum(durations) == pytest.approx(30.0)
    for cut in _cuts(durations):
        assert min(abs(cut - d) for d in downbeats) <= 1 / 30 + 1e-9
    for new, old in zip(durations, planned, strict=True):
        assert abs(new - old) <= 2 * MAX_NUDGE * old


def test_moods_resolve_from_english_and_chinese_words() -> None:
    assert resolve_mood("calm lo-fi")[0].profile == "calm_lofi"
    assert resolve_mood("upbeat pop")[0].profile == "upbeat_pop"
    assert resolve_mood("epic trailer")[0].profile == "epic"
    assert resolve_mood("中国风")[0].profile == "chinese"
    assert resolve_mood("轻快 流行")[0].profile == "upbeat_pop"
    assert resolve_mood("悬疑 紧张")[0].profile == "dark_suspense"
    assert resolve_mood("calm_lofi")[0].profile == "calm_lofi"  # a profile's own name
    spec, matched = resolve_mood("zxqv")
    assert not matched and spec.profile == "upbeat_pop"


@pytest.mark.parametrize("start", ["upbeat pop", "epic", "calm lo-fi", "中国风"])
def test_calmer_is_calmer_and_livelier_is_livelier(start: str) -> None:
    current, _ = resolve_mood(start)

    def calmness(spec: MoodSpec) -> tuple[int, float]:
        return spec.mood.calmness_rank, spec.energy

    calmer = adjust_mood(current, "calmer music")
    livelier = adjust_mood(current, "more energetic")
    assert calmness(calmer) < calmness(current) or calmer.energy < current.energy
    assert calmness(livelier) > calmness(current) or livelier.energy > current.energy
    assert adjust_mood(current, "换成中国风").profile == "chinese"
    assert adjust_mood(current, "make it epic").profile == "epic"


def _melody(seed: int, mood: str = "upbeat pop") -> list[tuple[int, float]]:
    spec, _ = resolve_mood(mood)
    score = compose(spec, 120.0, BarPlan(12, (0, 4, 8)), seed, duration=24.0)
    lead = next(i for i in score.midi.instruments if i.name == "lead")
    return [(n.pitch, round(n.start, 4)) for n in lead.notes]


def test_same_seed_same_score_and_different_seeds_different_melodies() -> None:
    assert _melody(7) == _melody(7)
    melodies = {tuple(_melody(seed)) for seed in range(5)}
    assert len(melodies) == 5


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_mood_writes_a_full_arrangement_in_key(name: str) -> None:
    spec = MoodSpec(profile=name, energy=PROFILES[name].energy)
    score = compose(spec, sum(PROFILES[name].tempo[:2]) / 2, BarPlan(10, (0, 3, 6)), 1, duration=None)
    parts = {i.name: i for i in score.midi.instruments}
    assert {"drums", "bass", "chords", "lead"} <= set(parts)
    assert all(parts[p].notes for p in ("drums", "bass", "chords", "lead"))
    scale = score.key.pitch_classes()
    lead = [n.pitch for n in parts["lead"].notes]
    assert sum(p % 12 in scale for p in lead) / len(lead) >= 0.95
    if PROFILES[name].pentatonic_melody:  # no 4th or 7th degree in a 中国风 tune
        assert all(p % 12 in score.key.pitch_classes((1, 2, 3, 5, 6)) for p in lead)
    ending = [n for n in parts["lead"].notes if n.start >= score.bar_seconds * 9 - 1e-6]
    assert ending and ending[-1].pitch % 12 == score.key.tonic  # the tune ends on the tonic


def test_music_ducks_while_the_voice_speaks_and_recovers_in_gaps() -> None:
    voice = np.zeros((SAMPLE_RATE * 6, 2), dtype=np.float32)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    speech = (0.2 * np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 3 * t) > -0.3)).astype(np.float32)
    voice[SAMPLE_RATE : 2 * SAMPLE_RATE] = speech[:, None]
    voice[4 * SAMPLE_RATE : 5 * SAMPLE_RATE] = speech[:, None]
    gain_db = 20 * np.log10(voice_activity_gain(voice))
    assert gain_db[int(1.5 * SAMPLE_RATE)] == pytest.approx(DUCK_DB, abs=0.5)
    assert gain_db[int(4.5 * SAMPLE_RATE)] == pytest.approx(DUCK_DB, abs=0.5)
    assert gain_db[int(3.3 * SAMPLE_RATE)] > -0.5  # recovered in the gap
    assert gain_db[int(0.5 * SAMPLE_RATE)] > -0.1  # untouched before the voice
    assert gain_db[int(0.985 * SAMPLE_RATE)] < -3  # already going down before the first word (look-ahead)
