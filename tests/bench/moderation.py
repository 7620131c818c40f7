"""Moderation benchmark (a script, not a test): the labelled set, the real trending titles, and the time to check
a 30 s script.

1. tests/data/moderation/labelled.jsonl (402 short texts, en/zh; written and committed before the checker was
   tuned): each text is checked under the default (TikTok) policy, once with the lexicons and personal-data
   patterns alone and once with the classifier (e5 embeddings, scripts/train_moderation.py) too. The same for
   heldout.jsonl … heldout4.jsonl (written apart, never trained on; tests/data/moderation/README.md says how
   often each was looked at): the honest estimate for texts the checker has not seen. Per item:
   - a harmful item is found when a finding's category is one of its labels (minors also counts as sexual);
   - precision = found / (found + harmless items flagged + harmful items flagged only under other categories);
   - recall = found / harmful items; recall_block = share of `block` items that get a `block` finding;
   - false_positive_rate = share of harmless items (traps included) with any finding.
2. Ordinary creator lines (the test plans, the scripts below, the real briefs): how many are flagged at all.
   The real YouTube trending titles in ../shared/data/trends (GB and CA, 1,546 rows): the share flagged `block`,
   with every such title listed.
3. Speed: a 30 s script (title, hook, 6 scenes of narration and on-screen text, hashtags, call to action), checked
   with the embedder warm, in English and in Chinese: the median of 5 runs.

The classifier's own cross-validation (on its training texts) is in reelcraft/safety/data/classifier.json.
Last line JSON: {"precision", "recall", "recall_block", "false_positive_rate", "n"} (with the embedder).

    python tests/bench/moderation.py
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

LABELLED = ROOT / "tests" / "data" / "moderation" / "labelled.jsonl"
HELDOUT_SETS = [ROOT / "tests" / "data" / "moderation" / f"heldout{n}.jsonl" for n in ("", "2", "3", "4")]

SCRIPT_EN = {
    "title": "Budget morning routine for college students",
    "hook": "My whole morning costs less than a coffee",
    "scenes": [
        ("Alarm at 7. I drink a glass of water before I touch my phone.", "Water first"),
        ("Breakfast is overnight oats: oats, milk and a banana, about 60 cents.", "60-cent oats"),
        ("I brew coffee in the dorm with a 15 dollar French press instead of buying one.", "Dorm coffee"),
        ("Ten minutes of stretching on the floor, no gym membership needed.", "Free stretching"),
        ("I pack lunch from last night's leftovers so I skip the campus café.", "Leftover lunch"),
        ("Then a bike ride to class: free, fast, and it wakes me up.", "Bike to class"),
    ],
    "hashtags": ["#college", "#budget", "#morningroutine", "#studenttips"],
    "cta": "Follow for more budget student tips",
}
SCRIPT_ZH = {
    "title": "大学生省钱早晨日常",
    "hook": "我整个早上花的钱还不到一杯咖啡",
    "scenes": [
        ("七点起床，先喝一杯温水，再看手机。", "先喝水"),
        ("早餐是隔夜燕麦：燕麦、牛奶加一根香蕉，不到五块钱。", "五块钱早餐"),
        ("在宿舍用法压壶自己冲咖啡，不用每天去咖啡店。", "宿舍咖啡"),
        ("在地板上拉伸十分钟，不用办健身卡。", "免费拉伸"),
        ("午饭带昨晚的剩菜，省下食堂的钱。", "剩菜午饭"),
        ("骑车去上课，免费又快，还能让我清醒。", "骑车上课"),
    ],
    "hashtags": ["#大学生", "#省钱", "#早晨日常"],
    "cta": "关注我，看更多学生省钱技巧",
}


def _plan_texts(script: dict) -> list:
    from reelcraft.tools.moderation import TextToCheck

    texts = [TextToCheck(text=script["title"], field="title"), TextToCheck(text=script["hook"], field="hook", scene=1)]
    for number, (voice, screen) in enumerate(script["scenes"], start=1):
        texts += [TextToCheck(text=voice, field="voiceover", scene=number),
                  TextToCheck(text=screen, field="on_screen_text", scene=number)]  # fmt: skip
    texts += [TextToCheck(text=" ".join(script["hashtags"]), field="hashtags"),
              TextToCheck(text=script["cta"], field="call_to_action")]  # fmt: skip
    return texts


def score(rows: list[dict], results: list[list]) -> dict:
    found = wrong = missed = harmless = false_pos = blocks = blocks_found = 0
    for row, flags in zip(rows, results, strict=True):
        gold = set(row["categories"]) | ({"sexual"} if "minors" in row["categories"] else set())
        got = {f.category.value for f in flags}
        if not gold:
            harmless += 1
            false_pos += bool(flags)
            continue
        if got & gold:
            found += 1
        elif got:
            wrong += 1
        else:
            missed += 1
        if row["severity"] == "block":
            blocks += 1
            blocks_found += any(f.severity.value == "block" for f in flags)
    return {
        "precision": round(found / max(1, found + false_pos + wrong), 3),
        "recall": round(found / max(1, found + wrong + missed), 3),
        "recall_block": round(blocks_found / max(1, blocks), 3),
        "false_positive_rate": round(false_pos / max(1, harmless), 3),
        "n": len(rows),
    }


def ordinary_lines() -> list[str]:
    """Harmless creator texts no moderation data was written from: the test plans, the scripts above, the briefs."""
    from helpers import EN_PLAN, ZH_PLAN

    texts = [t.text for script in (SCRIPT_EN, SCRIPT_ZH) for t in _plan_texts(script)]
    for plan in (EN_PLAN, ZH_PLAN):
        texts += [plan["title"], plan["hook"], plan["call_to_action"], *(s["voiceover"] for s in plan["scenes"])]
    for name in ("real_briefs.json", "real_briefs_heldout.json", "script_quality_briefs.json"):
        data = json.loads((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))
        items = data if isinstance(data, list) else data.get("briefs", data.get("cases", []))
        texts += [item if isinstance(item, str) else item.get("brief", "") for item in items]
    return [t for t in texts if t.strip()]


def trending_titles() -> list[str]:
    from helpers import shared_dir

    titles: list[str] = []
    for path in sorted((shared_dir() / "data" / "trends").glob("*.csv")):
        with path.open(encoding="utf-8", errors="replace") as handle:
            titles += [row["title"] for row in csv.DictReader(handle) if row.get("title")]
    return titles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()

    from reelcraft.config import Settings
    from reelcraft.tools.deps import Deps
    from reelcraft.tools.moderation import ModerationInput, TextToCheck, check_texts, classifier_scores

    deps = Deps.from_settings(Settings())
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"labelled set: {len(rows)} texts ({Counter(r['language'] for r in rows)}), "
          f"{Counter(r['kind'] for r in rows)}")  # fmt: skip

    started = time.perf_counter()
    lexicon = [check_texts(ModerationInput(texts=[TextToCheck(text=r["text"])], semantic=False)).findings
               for r in rows]  # fmt: skip
    lexicon_s = time.perf_counter() - started
    started = time.perf_counter()
    classifier_scores(["warm up"], deps)
    warm_s = time.perf_counter() - started
    started = time.perf_counter()
    combined = [check_texts(ModerationInput(texts=[TextToCheck(text=r["text"])]), deps).findings for r in rows]
    combined_s = time.perf_counter() - started

    print(f"\n{'checker':<28}{'precision':>10}{'recall':>8}{'recall_block':>14}{'FPR':>7}{'s/text':>9}")
    for name, results, seconds in (("lexicons + patterns", lexicon, lexicon_s),
                                   ("+ classifier", combined, combined_s)):  # fmt: skip
        s = score(rows, results)
        print(f"{name:<28}{s['precision']:>10}{s['recall']:>8}{s['recall_block']:>14}{s['false_positive_rate']:>7}"
              f"{seconds / len(rows):>9.4f}")  # fmt: skip
    print(f"(loading the embedder and its category descriptions: {warm_s:.1f} s)")

    print(f"\n{'language':<10}{'precision':>10}{'recall':>8}{'recall_block':>14}{'FPR':>7}")
    for language in ("en", "zh"):
        pick = [i for i, r in enumerate(rows) if r["language"] == language]
        s = score([rows[i] for i in pick], [combined[i] for i in pick])
        print(f"{language:<10}{s['precision']:>10}{s['recall']:>8}{s['recall_block']:>14}{s['false_positive_rate']:>7}")

    print(f"\n{'category':<16}{'items':>6}{'found':>7}{'block items':>13}{'blocked':>9}")
    categories = sorted({c for r in rows for c in r["categories"]})
    for category in categories:
        pick = [i for i, r in enumerate(rows) if category in r["categories"]]
        accepted = {category} | ({"minors"} if category == "sexual" else set())
        hit = sum(any(f.category.value in accepted for f in combined[i]) for i in pick)
        block_items = [i for i in pick if rows[i]["severity"] == "block"]
        blocked = sum(any(f.severity.value == "block" for f in combined[i]) for i in block_items)
        print(f"{category:<16}{len(pick):>6}{hit:>7}{len(block_items):>13}{blocked:>9}")

    print("\nmissed or wrong:")
    for row, flags in zip(rows, combined, strict=True):
        gold = set(row["categories"])
        got = {f.category.value for f in flags}
        if (gold and not got & (gold | ({"sexual"} if "minors" in gold else set()))) or (not gold and flags):
            print(f"  {row['id']} {row['severity']:<5} {sorted(gold) or 'harmless'} → "
                  f"{[(f.category.value, f.severity.value) for f in flags]}: {row['text'][:80]}")  # fmt: skip

    for path in HELDOUT_SETS:
        held = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        held_lexicon = [check_texts(ModerationInput(texts=[TextToCheck(text=r["text"])], semantic=False)).findings
                        for r in held]  # fmt: skip
        held_combined = [check_texts(ModerationInput(texts=[TextToCheck(text=r["text"])]), deps).findings
                         for r in held]  # fmt: skip
        print(f"\nheld-out {path.name} ({len(held)} texts, written apart, never trained on):")
        print(f"{'checker':<28}{'precision':>10}{'recall':>8}{'recall_block':>14}{'FPR':>7}")
        for name, results in (("lexicons + patterns", held_lexicon), ("+ classifier", held_combined)):
            s = score(held, results)
            print(f"{name:<28}{s['precision']:>10}{s['recall']:>8}{s['recall_block']:>14}"
                  f"{s['false_positive_rate']:>7}")  # fmt: skip
        for language in ("en", "zh"):
            pick = [i for i, r in enumerate(held) if r["language"] == language]
            print(f"  {language}: {score([held[i] for i in pick], [held_combined[i] for i in pick])}")
        print("  misses and false alarms:")
        for row, flags in zip(held, held_combined, strict=True):
            gold = set(row["categories"])
            got = {f.category.value for f in flags}
            missed = bool(gold) and not got & (gold | ({"sexual"} if "minors" in gold else set()))
            unblocked = row["severity"] == "block" and not any(f.severity.value == "block" for f in flags)
            if missed or unblocked or (not gold and flags):
                print(f"    {row['id']} {row['severity']:<5} {sorted(gold) or 'harmless'} → "
                      f"{[(f.category.value, f.severity.value) for f in flags]}: {row['text'][:80]}")  # fmt: skip
        print(f"{path.stem}: {json.dumps(score(held, held_combined))}")

    ordinary = ordinary_lines()
    found = [check_texts(ModerationInput(texts=[TextToCheck(text=t)]), deps).findings for t in ordinary]
    print(f"\nordinary creator lines (the test plans, the bench's scripts and the real briefs): {len(ordinary)}; "
          f"flagged {sum(map(bool, found))}, blocked {sum(any(f.severity.value == 'block' for f in x) for x in found)}")
    for text, flags in zip(ordinary, found, strict=True):
        if flags:
            print(f"  {[(f.category.value, f.severity.value) for f in flags]}: {text[:80]}")

    titles = trending_titles()
    started = time.perf_counter()
    outcomes = [check_texts(ModerationInput(texts=[TextToCheck(text=t, field="title")]), deps) for t in titles]
    titles_s = time.perf_counter() - started
    blocked_titles = [(t, o) for t, o in zip(titles, outcomes, strict=True) if o.blocked]
    warned = sum(bool(o.findings) and not o.blocked for o in outcomes)
    print(f"\nreal trending titles: {len(titles)} ({len(set(titles))} distinct), {titles_s:.1f} s; "
          f"block {len(blocked_titles)} ({len(blocked_titles) / len(titles):.2%}), warn {warned} "
          f"({warned / len(titles):.2%})")  # fmt: skip
    for title, outcome in blocked_titles:
        print(f"  BLOCK {title} — {[(f.category.value, f.span) for f in outcome.blocked]}")

    for name, script in (("en", SCRIPT_EN), ("zh", SCRIPT_ZH)):
        texts = _plan_texts(script)
        check_texts(ModerationInput(texts=texts), deps)
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            out = check_texts(ModerationInput(texts=texts), deps)
            runs.append(time.perf_counter() - started)
        print(f"30 s script ({name}, {len(texts)} texts): {statistics.median(runs):.3f} s median of 5 "
              f"(embedder warm); findings: {len(out.findings)}")  # fmt: skip

    print(json.dumps(score(rows, combined)))


if __name__ == "__main__":
    main()
