"""Does the draft score rank what a person would rank? (a script that prints figures, not a test)

tests/data/score_pairs.json holds good/flawed script pairs, each flawed one with a named flaw (drift,
contradiction, repetition, weak hook, on-screen wall, narration too fast, stage directions); the pairs were
committed before the score was written (7d869c7). For every pair the score must put the good script higher,
and the flawed script's weakest part must name the flaw.

Prints a row per pair and a last JSON line: {"ranked_right", "reason_right", "scene_right", "n"}.

    python tests/bench/score_pairs.py [--show ID]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from reelcraft.config import Settings
from reelcraft.plan import VideoPlan
from reelcraft.tools.deps import Deps
from reelcraft.tools.score import DraftScore, ScoreInput, score_draft

PAIRS = Path(__file__).resolve().parents[1] / "data" / "score_pairs.json"
FLAW_CHECKS = {"drift": {"off_topic", "tangent"}, "contradiction": {"contradiction"},
               "repetition": {"repetition"}, "weak_hook": {"weak_hook"}, "onscreen_wall": {"onscreen_wall"},
               "too_fast": {"too_fast"}, "stage_directions": {"stage_directions"}}  # fmt: skip
"""The critic's check names that count as naming each labelled flaw."""


def _plan(script: dict, pair: dict) -> VideoPlan:
    fields = {"music_mood": "upbeat", "call_to_action": "", "hashtags": [], **script}
    return VideoPlan.model_validate({**fields, "language": pair["language"], "target_duration": pair["duration"]})


def _named(score: DraftScore, flaw: str) -> tuple[bool, bool]:
    """Whether the weakest part names the flaw, and the right scene."""
    if score.weakest is None:
        return False, False
    weakest = score.part(score.weakest)
    return bool(FLAW_CHECKS[flaw] & set(weakest.checks)), weakest.scene is not None


def main() -> None:
    pairs = json.loads(PAIRS.read_text(encoding="utf-8"))
    show = sys.argv[sys.argv.index("--show") + 1] if "--show" in sys.argv else None
    deps = Deps.from_settings(Settings(home=Path(tempfile.mkdtemp(prefix="reelcraft-score-"))))
    table = Table("pair", "flaw", "good", "flawed", "ranked", "weakest part of the flawed: reason", "named")
    ranked = named = scene_right = 0
    for pair in pairs:
        good = score_draft(ScoreInput(plan=_plan(pair["good"], pair), brief=pair["brief"]), deps)
        flawed = score_draft(ScoreInput(plan=_plan(pair["flawed"], pair), brief=pair["brief"]), deps)
        right = good.total > flawed.total
        says_flaw, _ = _named(flawed, pair["flaw"])
        weakest = flawed.part(flawed.weakest) if flawed.weakest else None
        on_scene = says_flaw and weakest is not None and weakest.scene is not None and (
            weakest.scene == pair["flaw_scene"] or pair["flaw"] == "drift" and weakest.scene >= pair["flaw_scene"])
        ranked, named, scene_right = ranked + right, named + says_flaw, scene_right + on_scene
        reason = f"{weakest.name}: {weakest.reason}" if weakest else "-"
        table.add_row(pair["id"], pair["flaw"], str(good.total), str(flawed.total), "yes" if right else "NO",
                      reason[:90], "yes" if says_flaw else "NO")  # fmt: skip
        if show == pair["id"]:
            for side, score in (("good", good), ("flawed", flawed)):
                print(side, score.model_dump_json(indent=1))
    Console(width=200).print(table)
    n = len(pairs)
    print(json.dumps({"ranked_right": round(ranked / n, 3), "reason_right": round(named / n, 3),
                      "scene_right": round(scene_right / n, 3), "n": n}))  # fmt: skip


if __name__ == "__main__":
    main()
