"""Train the moderation classifier that ships in reelcraft/safety/data/classifier.npz (a minute on two cores).

Logistic-regression heads over multilingual e5 embeddings (the embedder the trends and the critic already load):
one head per category and one for `block`. Training texts: reelcraft/safety/data/train.en.jsonl and
train.zh.jsonl (840 texts written for training only), train.titles.jsonl (420 harmless titles of news,
entertainment and sport videos that mention hard topics neutrally) and tests/data/moderation/labelled.jsonl (the
set the lexicons were tuned on). Never the held-out sets: tests/bench/moderation.py measures on those.

Thresholds come from 5-fold cross-validation on the training texts: per category, at one common false-alarm
level, the highest level at which all blocking categories together block at most `--block-fpr` of the harmless
texts, and all categories together flag at most `--flag-fpr` of them.

    python scripts/train_moderation.py [--block-fpr 0.015] [--flag-fpr 0.03] [--c 8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "reelcraft" / "safety" / "data"
SOURCES = [DATA / "train.en.jsonl", DATA / "train.zh.jsonl", DATA / "train.titles.jsonl",
           ROOT / "tests" / "data" / "moderation" / "labelled.jsonl"]
CATEGORIES = ["violence", "sexual", "minors", "hate", "self_harm", "dangerous", "drugs_weapons", "claims",
              "personal_data", "spam"]  # fmt: skip


def load() -> list[dict]:
    rows = []
    for path in SOURCES:
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


BLOCKING = ["violence", "sexual", "minors", "hate", "self_harm", "dangerous", "drugs_weapons"]
"""Categories the classifier may block, each only with the block head's agreement."""


def block_evidence(probabilities: np.ndarray, names: list[str]) -> np.ndarray:
    """Per text and blocking category, the evidence for a block: the geometric mean of the category's probability
    and the block head's (both must agree: one head alone blocked 'Free stretching' as an offer of sex)."""
    block = probabilities[:, names.index("block")]
    return np.stack([np.sqrt(probabilities[:, names.index(c)] * block) for c in BLOCKING], axis=1)


def common_thresholds(scores: np.ndarray, harmless: np.ndarray, union_fpr: float) -> tuple[list[float], float]:
    """One threshold per column, each at the same false-alarm level on harmless texts, that level as high as it can
    be while all columns together flag at most `union_fpr` of the harmless texts."""
    best: tuple[list[float], float] = ([1.0] * scores.shape[1], 0.0)
    for level in np.linspace(0.001, union_fpr, 60):
        cut = [float(np.quantile(scores[harmless, c], 1 - level)) + 1e-6 for c in range(scores.shape[1])]
        if (scores[harmless] >= np.array(cut)).any(axis=1).mean() <= union_fpr:
            best = (cut, float(level))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--block-fpr", type=float, default=0.015)
    parser.add_argument("--flag-fpr", type=float, default=0.03)
    parser.add_argument("--c", type=float, default=8.0, help="inverse regularisation of every head")
    args = parser.parse_args()

    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from reelcraft.models.embeddings import E5Embedder

    rows = load()
    embedder = E5Embedder()
    print(f"embedding {len(rows)} training texts with {embedder.name}…", flush=True)
    x = np.stack([embedder.query(r["text"][:512]) for r in rows])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    harmless = np.array([not r["categories"] for r in rows])
    heads = {"block": np.array([r["severity"] == "block" for r in rows])}
    for category in CATEGORIES:
        heads[category] = np.array([category in r["categories"] for r in rows])

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    names = list(heads)
    out_of_fold = np.zeros((len(rows), len(names)))
    weights, biases = [], []
    for column, name in enumerate(names):
        y = heads[name]
        for train, test in folds.split(x, y):
            model = LogisticRegression(C=args.c, max_iter=4000, class_weight="balanced").fit(x[train], y[train])
            out_of_fold[test, column] = model.predict_proba(x[test])[:, 1]
        final = LogisticRegression(C=args.c, max_iter=4000, class_weight="balanced").fit(x, y)
        weights.append(final.coef_[0].astype(np.float32))
        biases.append(float(final.intercept_[0]))

    block_scores = block_evidence(out_of_fold, names)
    block_t, block_level = common_thresholds(block_scores, harmless, args.block_fpr)
    flag_scores = out_of_fold[:, [names.index(c) for c in CATEGORIES]]
    flag_t, flag_level = common_thresholds(flag_scores, harmless, args.flag_fpr)
    is_block = np.array([r["severity"] == "block" for r in rows])
    blocked = (block_scores >= block_t).any(axis=1)
    flagged = blocked | (flag_scores >= flag_t).any(axis=1)
    report = {
        "block": {"per_head_fpr": round(block_level, 4), "cv_recall_block": round(float(blocked[is_block].mean()), 3),
                  "cv_fpr": round(float(blocked[harmless].mean()), 4)},
        "flag": {"per_head_fpr": round(flag_level, 4), "cv_recall": round(float(flagged[~harmless].mean()), 3),
                 "cv_fpr": round(float(flagged[harmless].mean()), 4)},
    }  # fmt: skip
    print(json.dumps(report))

    np.savez_compressed(DATA / "classifier.npz", weights=np.stack(weights), biases=np.array(biases, dtype=np.float32),
                        block_thresholds=np.array(block_t, dtype=np.float32),
                        flag_thresholds=np.array(flag_t, dtype=np.float32))  # fmt: skip
    meta = {
        "embedder": embedder.name, "heads": names, "block_categories": BLOCKING, "flag_categories": CATEGORIES,
        "c": args.c, "block_fpr": args.block_fpr, "flag_fpr": args.flag_fpr, "texts": len(rows),
        "sources": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in SOURCES},
        "cross_validation": report,
    }  # fmt: skip
    (DATA / "classifier.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {DATA / 'classifier.npz'} and classifier.json")


if __name__ == "__main__":
    main()
