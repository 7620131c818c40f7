"""How well the chat's action chooser understands creators (a script, not a test): every labelled message
in tests/data/chat_actions.json goes through `choose_action` with the configured LLM (the embedded model by
default) against a 4-scene video, and the chosen action and its slots are compared with the label.

Last line: {"accuracy", "slot_accuracy", "n", "median_seconds"}.

    python tests/bench/agent_actions.py [--llm local|openai|ollama] [--model-only] [--data FILE]

tests/data/chat_actions_heldout.json holds phrasings written before the rules that handle them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from reelcraft.agent.planner import choose_action
from reelcraft.config import Settings
from reelcraft.plan import VideoPlan
from reelcraft.tools.deps import Deps

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from helpers import EN_PLAN  # noqa: E402


def slots_match(label: dict, action: dict) -> bool:
    if "scene" in label and action.get("scene", action.get("after")) != label["scene"]:
        return False
    if "number" in label and action.get("seconds") != label["number"]:
        return False
    return "text_slot" not in label or action.get("language") == label["text_slot"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm", default=None)
    parser.add_argument("--model-only", action="store_true", help="skip agent/intents.py: the model picks every action")
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "chat_actions.json")
    args = parser.parse_args()
    # a scratch home for the run, sharing the joined model weights of the usual one
    settings = Settings(home=Path(tempfile.mkdtemp(prefix="reelcraft-actions-")), models_home=Settings().models_dir)
    if args.llm:
        settings.llm.provider = args.llm
    deps = Deps.from_settings(settings)
    plan = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
    labelled = json.loads(args.data.read_text(encoding="utf-8"))["messages"]
    right = slots_right = 0
    seconds = []
    for item in labelled:
        started = time.perf_counter()
        try:
            chosen = choose_action(item["text"], plan if item["video"] else None, deps, intents=not args.model_only)
            action = chosen.action.model_dump()
        except Exception as exc:  # noqa: BLE001 - a bench counts failures, it does not stop on them
            action = {"action": f"error: {exc}"[:80]}
        seconds.append(time.perf_counter() - started)
        ok = action["action"] == item["action"]
        right += ok
        slots_right += ok and slots_match(item, action)
        chosen = json.dumps(action, ensure_ascii=False)[:110]
        print(f"{'✓' if ok else '✗'} {seconds[-1]:5.1f}s {item['text'][:50]!r:54} → {chosen}", flush=True)
    print(json.dumps({"accuracy": round(right / len(labelled), 3),
                      "slot_accuracy": round(slots_right / len(labelled), 3), "n": len(labelled),
                      "median_seconds": round(statistics.median(seconds), 1)}))


if __name__ == "__main__":
    main()
