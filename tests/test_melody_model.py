"""The learned melody models: training on real scores works, and the shipped models say what real
folk melodies do (move mostly by step)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reelcraft.models.music.melody import MODEL_PATH, ZH_MODEL_PATH, MelodyModel, default_model
from reelcraft.models.music.train_melody import main as train_main


def _stepwise_share(model: MelodyModel) -> float:
    """Stationary share of moves of at most one scale step, from the transition table."""
    states = sorted(model.transitions)
    matrix = np.array([[model.transitions[a].get(b, 0.0) for b in states] for a in states])
    matrix = matrix / matrix.sum(axis=1, keepdims=True)
    share = np.full(len(states), 1 / len(states))
    for _ in range(200):
        share = share @ matrix
    return float(sum(p for s, p in zip(states, share, strict=True) if abs(s) <= 1))


def test_training_on_a_few_real_tunes_writes_a_usable_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "folk.json"
    monkeypatch.setattr("sys.argv", ["train", "--style", "folk", "--limit", "6", "-o", str(out)])
    train_main()
    data = json.loads(out.read_text())
    assert "ryansMammoth" in data["source"]
    for row in data["transitions"].values():
        assert sum(row.values()) == pytest.approx(1.0, abs=1e-3)
    model = MelodyModel.from_json(out)
    assert _stepwise_share(model) > 0.5
    rng = np.random.default_rng(0)
    assert all(len(model.rhythm(0.5, rng)) == 8 for _ in range(10))
    assert all(-5 <= model.next_interval(1, rng) <= 5 for _ in range(50))


@pytest.mark.parametrize(("path", "pentatonic"), [(MODEL_PATH, False), (ZH_MODEL_PATH, True)])
def test_shipped_models_load_and_move_like_folk_tunes(path: Path, pentatonic: bool) -> None:
    assert path.exists(), "train it: python -m reelcraft.models.music.train_melody"
    model = default_model(pentatonic)
    assert model is not None and "music21 corpus" in model.source
    assert ("han" in model.source) == pentatonic
    assert _stepwise_share(model) > 0.5
    assert len(model.rhythms) >= 10
