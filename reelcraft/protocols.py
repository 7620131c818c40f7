"""What the core needs from models, as protocols: the API layer wires real models in, so the core never
imports `reelcraft.models` (DESIGN.md, layers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Text → unit vectors, the same space for stored texts and search texts."""

    name: str
    dim: int

    def relevance_floor(self, query_language: str, item_language: str) -> float:
        """Cosine similarity from which a stored title is about the same thing as the query; below it a
        neighbour is merely the least far. Calibrated per model and language pair (docs/models.md)."""
        ...

    def passages(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (N × dim) for stored texts."""
        ...

    def query(self, text: str) -> np.ndarray:
        """A unit vector (dim,) for a search text."""
        ...


@dataclass(frozen=True)
class EmbedderChoice:
    """An embedder by its configured key, loaded on first use (loading a model takes a second or more,
    and opening a store to count its rows should not pay for it)."""

    key: str
    """Recorded with the vectors: a store built with one embedder refuses another."""
    load: Callable[[], Embedder]
