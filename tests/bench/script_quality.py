"""Plan quality with the real embedded model (a script that prints figures, not a test).

tests/data/script_quality_briefs.json holds 44 briefs (22 English, 22 Chinese; lists, how-tos, stories,
myths, routines, one-word briefs), each labelled with the brief's key terms (groups of synonyms: each group
must be named somewhere in the script), and for routines and how-tos the order their steps must come in.
The set was committed before any prompt or check of the stepwise writer was tuned (075b2e6).

Per brief, in a fresh data directory that shares only the model files (as a new user has them):
- fidelity: every key-term group is named in the script, and no scene is off the brief (the critic's
  embedding floor) or wanders off ("speaking of…");
- order: the labelled steps that are named come in order, and the critic finds no contradiction;
- hook: the first sentence is said within 2.5 s and is not a greeting;
- on-screen: every on-screen text keeps the format's rule;
- score: the draft score (tools/score.py).

Prints a row per brief and a last JSON line: {"fidelity_pass", "order_pass", "hook_pass", "onscreen_pass",
"mean_score", "seconds_per_plan_p50", "n"}.

    python tests/bench/script_quality.py [--only ID,ID] [--limit N] [--dump DIR] [--plans DIR]

`--dump DIR` keeps every plan (`ID.json`, with `ID.seconds`); `--plans DIR` scores plans written earlier
instead of writing new ones. "Before" figures: write the plans with the older code (a worktree of 6419fa9,
its own `write_script`, `--dump`), then score them here with `--plans`, so both are judged by the same
checks.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cases import select  # tests/bench/cases.py: run as a script, its folder is on sys.path
from rich.console import Console
from rich.table import Table

from reelcraft.config import Settings
from reelcraft.plan import Language, VideoPlan
from reelcraft.tools.deps import Deps
from reelcraft.tools.script import ScriptInput, write_script

BRIEFS = Path(__file__).resolve().parents[1] / "data" / "script_quality_briefs.json"


def _text(plan: VideoPlan) -> str:
    return " ".join([plan.hook, *(s.voiceover for s in plan.scenes), *(s.on_screen_text for s in plan.scenes)])


def _named(text: str, word: str, language: Language) -> bool:
    if language == Language.ZH or not word.isascii():
        return word in text
    return re.search(rf"\b{re.escape(word.lower())}", text.lower()) is not None


def _fidelity(plan: VideoPlan, case: dict, found: list) -> tuple[bool, str]:
    language = plan.language
    text = _text(plan)
    missing = [group[0] for group in case["key_terms"] if not any(_named(text, w, language) for w in group)]
    drift = [f.reason for f in found if f.check == "fidelity" and "never names" not in f.reason]
    why = (f"missing {missing}" if missing else "") + (f" {drift[0]}" if drift else "")
    return not missing and not drift, why.strip()


def _order(plan: VideoPlan, case: dict, found: list) -> tuple[bool, str]:
    contradiction = [f.reason for f in found if f.check == "contradiction"]
    if contradiction:
        return False, contradiction[0]
    if not case.get("order"):
        return True, ""
    language = plan.language
    firsts: list[tuple[str, int]] = []
    for step in case["order"]:
        words = case["order_words"].get(step, [step])
        scenes = [i for i, s in enumerate(plan.scenes) if any(_named(s.voiceover, w, language) for w in words)]
        if scenes:
            firsts.append((step, scenes[0]))
    for (a, i), (b, j) in zip(firsts, firsts[1:], strict=False):
        if j < i:
            return False, f"{b} (scene {j + 1}) before {a} (scene {i + 1})"
    return True, ""


def main() -> None:
    from reelcraft.tools.score import ScoreInput, score_draft
    from reelcraft.tools.script import review

    cases = json.loads(BRIEFS.read_text(encoding="utf-8"))
    cases = select(cases)
    dump = Path(sys.argv[sys.argv.index("--dump") + 1]) if "--dump" in sys.argv else None
    saved = Path(sys.argv[sys.argv.index("--plans") + 1]) if "--plans" in sys.argv else None
    models = Settings().models_dir
    table = Table("brief", "format", "s", "fidelity", "order", "hook", "on-screen", "score", "why not")
    rows = {"fidelity": 0, "order": 0, "hook": 0, "onscreen": 0}
    seconds, scores = [], []
    console = Console(width=220)
    for case in cases:
        home = Path(tempfile.mkdtemp(prefix="reelcraft-quality-"))
        deps = Deps.from_settings(Settings(home=home, models_home=models))
        language = Language(case["language"])
        started = time.perf_counter()
        try:
            if saved is not None:
                started -= float((saved / f"{case['id']}.seconds").read_text())  # a plan that failed took time too
                plan = VideoPlan.model_validate_json((saved / f"{case['id']}.json").read_text(encoding="utf-8"))
            else:
                plan = write_script(ScriptInput(brief=case["brief"], language=language, duration=case["duration"]),
                                    deps)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - a brief with no plan fails every figure, and says why
            seconds.append(time.perf_counter() - started)
            table.add_row(case["id"], "-", f"{seconds[-1]:.0f}", "NO", "NO", "NO", "NO", "0", f"no plan: {exc}"[:90])
            scores.append(0)
            continue
        seconds.append(time.perf_counter() - started)
        found = review(plan, case["brief"], deps.embedder())
        fidelity, why_f = _fidelity(plan, case, found)
        order, why_o = _order(plan, case, found)
        hook = not any(f.check == "weak_hook" for f in found)
        onscreen = not any(f.check == "onscreen_wall" for f in found)
        score = score_draft(ScoreInput(plan=plan, brief=case["brief"]), deps).total
        scores.append(score)
        for name, ok in (("fidelity", fidelity), ("order", order), ("hook", hook), ("onscreen", onscreen)):
            rows[name] += ok
        rule_faults = [f.reason for f in found if f.check in ("weak_hook", "onscreen_wall")]
        why = "; ".join(x for x in (why_f, why_o, *rule_faults) if x)
        table.add_row(case["id"], plan.format, f"{seconds[-1]:.0f}", *("yes" if ok else "NO" for ok in
                      (fidelity, order, hook, onscreen)), str(score), why[:90])  # fmt: skip
        if dump is not None:
            dump.mkdir(parents=True, exist_ok=True)
            (dump / f"{case['id']}.json").write_text(plan.model_dump_json(indent=1), encoding="utf-8")
            (dump / f"{case['id']}.seconds").write_text(f"{seconds[-1]:.2f}", encoding="utf-8")
        console.print(f"{case['id']}: {seconds[-1]:.0f} s, score {score}", style="dim")
    console.print(table)
    n = len(cases)
    print(json.dumps({"fidelity_pass": round(rows["fidelity"] / n, 3), "order_pass": round(rows["order"] / n, 3),
                      "hook_pass": round(rows["hook"] / n, 3), "onscreen_pass": round(rows["onscreen"] / n, 3),
                      "mean_score": round(statistics.mean(scores), 1),
                      "seconds_per_plan_p50": round(statistics.median(seconds), 1), "n": n}))  # fmt: skip


if __name__ == "__main__":
    main()
