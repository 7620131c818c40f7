"""Character n-gram features for the moderation classifier.

The e5 embeddings carry meaning but blur the words that give a text away (slang, code words, brand names of
challenges: "unalive", "tide pod", "冰糖", "洗衣凝珠"). Hashed character n-grams of the normalised text keep
them, with no vocabulary to ship: scripts/train_moderation.py and the checker build the same features here.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from scipy import sparse

from reelcraft.safety.normalise import normalise

N_FEATURES = 2**17
_DIGITS = re.compile(r"\d")
"""Every digit reads as 0: which digits a number has says nothing about harm (an order number is not a phone
number because of its digits; the patterns judge numbers), and each new number would bring n-grams of its own."""
NGRAM_RANGE = (1, 4)


@lru_cache(maxsize=1)
def _hasher():  # noqa: ANN202 - sklearn's HashingVectorizer, imported late (it costs a second)
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, n_features=N_FEATURES,
                             alternate_sign=False, norm=None, lowercase=True)  # fmt: skip


def counts(texts: list[str]) -> sparse.csr_matrix:
    """Hashed n-gram counts of each text as the lexicons see it (look-alikes mapped, spacing closed)."""
    return _hasher().transform([_DIGITS.sub("0", normalise(text[:2000]).plain.text) for text in texts])


def features(texts: list[str], idf: np.ndarray) -> sparse.csr_matrix:
    """TF-IDF rows of unit length: sublinear term frequency times the idf learnt in training."""
    matrix = counts(texts).astype(np.float64)
    matrix.data = 1.0 + np.log(matrix.data)
    matrix = matrix @ sparse.diags(idf.astype(np.float64))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
    return sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ matrix


def learn_idf(texts: list[str]) -> np.ndarray:
    """Smoothed idf over the training texts, as scikit-learn's TfidfTransformer computes it."""
    present = (counts(texts) > 0).astype(np.int64)
    document_frequency = np.asarray(present.sum(axis=0)).ravel()
    return (np.log((1 + len(texts)) / (1 + document_frequency)) + 1.0).astype(np.float32)
