"""The picture index: one embedding per emoji concept and language, built once per embedder and kept
beside the library in the shared models folder.

Skin-tone variants and the two illustration sets share one concept (the base emoji), so the index holds
about 1,700 rows whichever set a video uses. A missing, stale or corrupt index is rebuilt, with a message.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelcraft.media.illustrations import ILLUSTRATION_SETS, Illustration, load_catalog
from reelcraft.protocols import Embedder

INDEX_VERSION = 1
BATCH = 64


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: it holds arrays
class IllustrationIndex:
    concepts: tuple[Illustration, ...]
    """One picture per concept (its base emoji, no skin tone): what the rows are about."""
    vectors_en: np.ndarray
    """Unit vectors (N × dim) of the English keywords."""
    vectors_zh: np.ndarray
    embedder: str


def concepts(root: Path) -> tuple[Illustration, ...]:
    """The base emoji drawn by any set, each as its first base picture (its keywords, not a skin tone's)."""
    by_emoji: dict[str, Illustration] = {}
    for set_name in ILLUSTRATION_SETS:
        for item in load_catalog(root, set_name):
            if item.emoji == item.base:
                by_emoji.setdefault(item.base, item)
    return tuple(item for _, item in sorted(by_emoji.items()))


def _digest(found: tuple[Illustration, ...], embedder: str) -> str:
    text = "\n".join(f"{c.emoji}\t{c.keywords('en')}\t{c.keywords('zh')}" for c in found)
    return hashlib.sha256(f"{INDEX_VERSION}|{embedder}|{text}".encode()).hexdigest()[:16]


def index_path(root: Path, embedder: Embedder) -> Path:
    return root / f"index-{embedder.name}.npz"


def load_index(root: Path, embedder: Embedder) -> IllustrationIndex | None:
    """The saved index when it matches the installed library and this embedder, else None."""
    path = index_path(root, embedder)
    found = concepts(root)
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["digest"]) != _digest(found, embedder.name):
                return None
            en, zh = data["en"].astype(np.float32), data["zh"].astype(np.float32)
    except (OSError, KeyError, ValueError, EOFError):
        return None
    if en.shape != (len(found), embedder.dim) or zh.shape != en.shape:
        return None
    return IllustrationIndex(concepts=found, vectors_en=en, vectors_zh=zh, embedder=embedder.name)


def build_index(
    root: Path, embedder: Embedder, on_progress: Callable[[int, int], None] | None = None
) -> IllustrationIndex:
    """Embed every concept's keywords in both languages and save them atomically (float16)."""
    found = concepts(root)
    texts = [c.keywords("en") for c in found] + [c.keywords("zh") for c in found]
    vectors: list[np.ndarray] = []
    for start in range(0, len(texts), BATCH):
        vectors.append(embedder.passages(texts[start : start + BATCH]))
        if on_progress:
            on_progress(min(start + BATCH, len(texts)), len(texts))
    every = np.concatenate(vectors).astype(np.float16).astype(np.float32)  # as a reload will see them
    en, zh = every[: len(found)], every[len(found) :]
    path = index_path(root, embedder)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, en=en.astype(np.float16), zh=zh.astype(np.float16),
                     digest=np.array(_digest(found, embedder.name)))  # fmt: skip
        os.chmod(tmp, 0o644)  # the models folder is shared: other users read the index too
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return IllustrationIndex(concepts=found, vectors_en=en, vectors_zh=zh, embedder=embedder.name)


def ensure_index(
    root: Path,
    embedder: Embedder,
    on_progress: Callable[[int, int], None] | None = None,
    on_rebuild: Callable[[str], None] | None = None,
) -> IllustrationIndex:
    """The saved index, or a new one (saying why) when it is missing, stale or unreadable."""
    index = load_index(root, embedder)
    if index is not None:
        return index
    if on_rebuild:
        path = index_path(root, embedder)
        why = "missing" if not path.exists() else "out of date or unreadable"
        on_rebuild(f"the illustration index {path.name} is {why}; building it (about a minute, once)")
    return build_index(root, embedder, on_progress)
