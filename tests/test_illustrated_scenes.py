"""Illustrated scenes: the key figure, the layout inside the safe area, beat-timed pops, and which pictures a
scene gets (the real library and index, no rendering)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelcraft.config import Settings
from reelcraft.edit.layout import picture_slots
from reelcraft.errors import VisualsError
from reelcraft.media.illustration_index import IllustrationIndex, ensure_index
from reelcraft.media.illustrations import DEFAULT_SET, library_dir, load_catalog
from reelcraft.models.embeddings import E5Embedder
from reelcraft.plan import PRESETS, Platform
from reelcraft.tools.deps import Deps
from reelcraft.tools.visual_match import rank_logits, scene_logits
from reelcraft.tools.visuals import (
    RELEVANCE_FLOOR,
    SceneVisualSpec,
    VisualsInput,
    _pop_times,
    choose_pictures,
    key_figure,
    pick_visuals,
)


@pytest.mark.parametrize(("text", "figure"), [
    ("Mornings for under $1", "$1"),
    ("Skip the $5 latte", "$5"),
    ("Oats for 50 cents", "50 cents"),
    ("Wake up at 7:00 am sharp", "7:00 AM"),
    ("Breakfast at 8 a.m", "8 AM"),
    ("Dinner at 5 p.m.", "5 PM"),
    ("Stretch for 10 minutes", "10 min"),
    ("Save 30% on groceries", "30%"),
    ("燕麦三块钱", "三块钱"),
    ("每天练20分钟钢琴", "20分钟"),
    ("早上7点起床", "7点"),
    ("Day 3 in Tokyo", "Day 3"),
    ("Water before your phone", None),
    ("早一点睡觉", None),  # 一点 here is "a little", not one o'clock
])  # fmt: skip
def test_the_key_figure_is_the_number_a_viewer_should_see(text: str, figure: str | None) -> None:
    assert key_figure(text) == figure


@pytest.mark.parametrize("platform", [Platform.TIKTOK, Platform.SQUARE, Platform.LANDSCAPE])
@pytest.mark.parametrize(("count", "figure"), [(1, None), (2, None), (3, None), (1, 0.4), (2, 0.4)])
def test_slots_stay_in_the_safe_area_below_the_headline_and_above_the_captions(
    platform: Platform, count: int, figure: float | None
) -> None:
    preset = PRESETS[platform]
    left, top, right, bottom = preset.safe_box()
    bob = 0.012
    slots = picture_slots(count, preset.safe_box(), preset.width, preset.height, figure_aspect=figure, bob=bob)
    assert len(slots) == count + (1 if figure else 0)
    for slot in slots:
        w = slot.width * preset.width
        h = w * slot.aspect
        assert left - 1 <= slot.x * preset.width - w / 2 and slot.x * preset.width + w / 2 <= right + 1
        assert top - 1 <= slot.y * preset.height - h / 2 - bob * preset.height
        assert slot.y * preset.height + h / 2 + bob * preset.height <= bottom + 1
    assert slots[0].width == max(s.width for s in slots[:count])  # the lead picture is the biggest


def test_pictures_pop_on_beats_and_a_figure_when_it_is_said() -> None:
    spec = SceneVisualSpec(description="", duration=6.0, word_times=[("Skip", 0.2), ("the", 0.5), ("$5", 2.31)])
    beats = [10.0 + 0.5 * k for k in range(12)]  # the scene starts at 10 s
    times = _pop_times(spec, beats, 10.0, 2, "$5")
    assert times[:2] == [0.5, 1.0]  # the first beat after the crossfade, then the next one ≥ 0.45 s later
    assert times[2] == 2.5  # said at 2.31 s: the nearest beat is close enough
    opening = _pop_times(spec, [b - 10 for b in beats], 0.0, 1, None)
    assert opening == [0.05]  # the opening scene's lead is there from the start


@pytest.fixture(scope="module")
def library(models_home: Path) -> tuple[IllustrationIndex, E5Embedder, dict]:
    e5 = E5Embedder()
    root = library_dir(models_home)
    return ensure_index(root, e5), e5, {c.emoji: c for c in load_catalog(root, DEFAULT_SET)}


def test_a_scene_gets_fitting_pictures_and_the_next_scene_does_not_repeat_them(library: tuple) -> None:
    index, e5, catalog = library
    ranked = rank_logits(scene_logits(["Brew coffee in your room instead of buying a latte.", "", "Skip the $5 latte"],
                                      index, e5), index, top=8)  # fmt: skip
    picks = choose_pictures(ranked, catalog, set())
    assert picks[0].emoji == "☕" and picks[0].score >= RELEVANCE_FLOOR
    assert all(p.score >= RELEVANCE_FLOOR for p in picks[1:]) and len(picks) <= 3
    again = choose_pictures(ranked, catalog, {"☕"})
    assert "☕" not in [p.emoji for p in again[1:]]
    another = choose_pictures(ranked, catalog, set(), variant=1)
    assert another[0].emoji != "☕"  # 'another picture for this scene'


def test_without_the_library_a_draft_keeps_its_backgrounds_and_says_how_to_fix_it(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", models_home=tmp_path / "empty-models", backgrounds="cards")
    deps = Deps.from_settings(settings)
    out = pick_visuals(VisualsInput(scenes=[SceneVisualSpec(description="coffee", duration=3, narration="Coffee")],
                                    preset=PRESETS[Platform.TIKTOK]), deps)  # fmt: skip
    assert out.scenes[0].pictures == [] and out.scenes[0].relevance is None and out.credits == []
    assert any("make install" in w or "setup_illustrations" in w for w in deps.warnings), deps.warnings


def test_a_scene_shows_the_creators_chosen_file_and_a_missing_one_names_the_scene(tmp_path: Path) -> None:
    from PIL import Image

    settings = Settings(home=tmp_path / "home", models_home=tmp_path / "empty-models", backgrounds="cards")
    deps = Deps.from_settings(settings)
    photo = tmp_path / "beach.jpg"
    Image.new("RGB", (64, 48), (200, 180, 90)).save(photo)
    scenes = [SceneVisualSpec(description="coffee", duration=3), SceneVisualSpec(description="sea", duration=3,
                                                                                 media=photo)]  # fmt: skip
    out = pick_visuals(VisualsInput(scenes=scenes, preset=PRESETS[Platform.TIKTOK], illustrate=False), deps)
    assert [v.origin for v in out.scenes] == ["generated", "media"] and out.scenes[1].source_name == "beach.jpg"
    scenes[1] = scenes[1].model_copy(update={"media": tmp_path / "nope.jpg"})
    with pytest.raises(VisualsError, match="scene 2 should show nope.jpg"):
        pick_visuals(VisualsInput(scenes=scenes, preset=PRESETS[Platform.TIKTOK], illustrate=False), deps)


def test_a_picture_that_fails_to_render_is_skipped_and_the_scene_keeps_the_others(
    tmp_path: Path, models_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reelcraft.tools.visuals as visuals

    real = visuals.svg_of
    monkeypatch.setattr(visuals, "svg_of", lambda root, picture: "<svg><broken" if picture.emoji == "☕" else
                        real(root, picture))  # fmt: skip
    deps = Deps.from_settings(Settings(home=tmp_path / "home", models_home=models_home, backgrounds="cards"))
    spec = SceneVisualSpec(description="", duration=4, narration="Brew coffee and count your savings in the jar")
    out = pick_visuals(VisualsInput(scenes=[spec], preset=PRESETS[Platform.TIKTOK]), deps)
    shown = out.scenes[0]
    assert "☕" not in [p.emoji for p in shown.pictures] and shown.pictures and shown.sprites
    assert any("skipped" in w and "☕" in w and "failed to render" in w for w in deps.warnings), deps.warnings
