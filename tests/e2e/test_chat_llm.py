"""The six chat turns with the real embedded LLM choosing the actions and writing every word: each turn
yields a valid action and a valid, rendered plan. Turn latencies are printed (run with -s to see them).

Slow: about four minutes on two cores. CI runs it once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import EN_BRIEF
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.media.probe import probe
from reelcraft.plan import Language, VideoPlan

pytestmark = [pytest.mark.slow, pytest.mark.embedded_llm]

TURNS = [(EN_BRIEF, "create_video"), ("make scene 2 funnier", "rewrite_scene"),
         ("shorter: 20 seconds", "change_length"), ("calmer music", "change_music"),
         ("in Chinese", "change_language"), ("final", "render_final")]  # fmt: skip


def test_six_turns_with_the_embedded_model(tmp_path: Path, models_home: Path) -> None:
    studio = Studio(Settings(home=tmp_path, models_home=models_home))
    latencies = []
    previous = None
    for number, (message, expected) in enumerate(TURNS, start=1):
        turn = studio.chat("llm-six", message)
        latencies.append(turn.seconds)
        print(f"\nturn {number} {message!r}: {turn.action['action']} in {turn.seconds:.1f} s — {turn.reply[:120]}")
        assert turn.action["action"] == expected, turn.reply
        assert turn.new_version and turn.draft is not None and turn.draft.version == number, turn.reply
        VideoPlan.model_validate(turn.draft.plan.model_dump())
        assert turn.draft.outputs is not None and probe(turn.draft.outputs.video).duration > 5
        if previous is not None and expected == "rewrite_scene":
            assert turn.action["scene"] == 2 and turn.changed and all(p.startswith("scenes[2]") for p in turn.changed)
        previous = turn
    final = previous.draft
    assert final.plan.language == Language.ZH and final.plan.target_duration == 20
    assert (probe(final.outputs.video).width, probe(final.outputs.video).height) == (1080, 1920)
    print(f"\nturn latencies (s): {latencies}")
    nine = studio.chat("llm-six", "make scene 9 funnier")
    assert not nine.new_version and nine.draft.version == 6  # answered, nothing changed
