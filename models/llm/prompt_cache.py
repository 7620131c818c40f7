"""llama.cpp states of earlier prompts, found by their longest shared token prefix, in memory and on disk.

Every chat turn and every script call starts with the same long system prompt (the action list, the
script rules). On 2 cores the embedded model reads prompts at ~31 tokens/s, so the agent's 800-token
prompt alone costs ~25 s per turn; restoring the state of an earlier call that shared the prefix leaves
only the new part to read (~4 s a turn, docs/agent.md). States persist on disk so a restarted app is fast
from its first turn; the folder is per model file, context size and llama.cpp version, because a state
is only valid for the exact model that made it.

Only the KV state and the token ids are stored, never the logits: llama-cpp-python re-evaluates at least
one token after a restore, so the logits it samples from are always fresh.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from llama_cpp.llama import Llama, LlamaState
from llama_cpp.llama_cache import BaseLlamaCache

MIN_USEFUL_PREFIX = 32
"""Shorter shared prefixes are not worth restoring a state for (a chat template's header is ~20)."""
MEMORY_ENTRIES = 6


def state_folder(root: Path, model_path: Path, n_ctx: int) -> Path:
    """One folder per (model file, context size, llama.cpp version): a state from any other is garbage."""
    import llama_cpp

    stat = model_path.stat()
    tag = hashlib.sha256(f"{model_path.name}|{stat.st_size}|{n_ctx}|{llama_cpp.__version__}".encode()).hexdigest()
    return root / f"{model_path.stem}-{tag[:12]}"


class PromptStateCache(BaseLlamaCache):
    """A `llama_cpp` cache (`Llama.set_cache`): keys are token sequences, lookups return the state whose
    tokens share the longest prefix with the prompt. Disk entries are least-recently-used evicted past
    `capacity_bytes`; writes are atomic, and an unreadable entry is dropped, never fatal."""

    def __init__(self, folder: Path | None, capacity_bytes: int = 1 << 30, seeds: Path | None = None) -> None:
        super().__init__(capacity_bytes)
        self.folder = folder
        self._memory: OrderedDict[tuple[int, ...], LlamaState] = OrderedDict()
        self._disk: dict[tuple[int, ...], Path] = {}
        self._seeds: dict[tuple[int, ...], Path] = {}
        """States of the fixed system prompts, made once at install (`warm`) and shared by every data
        directory: read only, never evicted."""
        self._lock = threading.Lock()
        self.hits = 0
        """States restored (a prompt that did not have to be read from its start)."""
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self._disk = _index(folder, drop_broken=True)
        if seeds is not None and seeds.is_dir():
            self._seeds = _index(seeds, drop_broken=False)

    @property
    def cache_size(self) -> int:
        return sum(p.stat().st_size for p in self._disk.values() if p.exists())

    def _longest(self, key: tuple[int, ...]) -> tuple[int, ...] | None:
        best, best_len = None, MIN_USEFUL_PREFIX - 1
        for candidate in (*self._memory, *self._disk, *self._seeds):
            shared = Llama.longest_token_prefix(candidate, key)
            if shared > best_len:
                best, best_len = candidate, shared
        return best

    def __contains__(self, key: Sequence[int]) -> bool:
        with self._lock:
            return self._longest(tuple(key)) is not None

    def __getitem__(self, key: Sequence[int]) -> LlamaState:
        with self._lock:
            found = self._longest(tuple(key))
            if found is None:
                raise KeyError("no cached prompt shares a prefix with this one")
            if found in self._memory:
                self._memory.move_to_end(found)
                self.hits += 1
                return self._memory[found]
            seeded = found not in self._disk
            path = self._seeds[found] if seeded else self._disk[found]
            try:
                state = _read(path)
            except Exception:  # noqa: BLE001 - corrupt entry: evaluate the prompt instead
                if seeded:
                    del self._seeds[found]
                else:
                    path.unlink(missing_ok=True)
                    del self._disk[found]
                raise KeyError("the cached state could not be read") from None
            if not seeded:
                os.utime(path)
            self._remember(found, state)
            self.hits += 1
            return state

    def __setitem__(self, key: Sequence[int], value: LlamaState) -> None:
        tokens = tuple(int(t) for t in key)
        with self._lock:
            self._remember(tokens, value)
            if self.folder is None:
                return
            path = self.folder / f"{hashlib.sha256(np.asarray(tokens, dtype=np.int32).tobytes()).hexdigest()[:24]}.npz"
            _write(path, value)
            self._disk[tokens] = path
            self._evict()

    def _remember(self, tokens: tuple[int, ...], state: LlamaState) -> None:
        self._memory[tokens] = state
        self._memory.move_to_end(tokens)
        while len(self._memory) > MEMORY_ENTRIES:
            self._memory.popitem(last=False)

    def _evict(self) -> None:
        entries = sorted(((p.stat().st_mtime, k, p) for k, p in self._disk.items() if p.exists()),
                         key=lambda e: e[0])  # fmt: skip
        total = sum(p.stat().st_size for _, _, p in entries)
        for _, tokens, path in entries:
            if total <= self.capacity_bytes:
                break
            total -= path.stat().st_size
            path.unlink(missing_ok=True)
            del self._disk[tokens]


def _index(folder: Path, *, drop_broken: bool) -> dict[tuple[int, ...], Path]:
    found: dict[tuple[int, ...], Path] = {}
    for path in folder.glob("*.npz"):
        try:
            with np.load(path, allow_pickle=False) as entry:
                found[tuple(int(t) for t in entry["input_ids"])] = path
        except Exception:  # noqa: BLE001 - a torn or foreign file: forget it
            if drop_broken:
                path.unlink(missing_ok=True)
    return found


def _write(path: Path, state: LlamaState) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        np.savez(handle, input_ids=np.asarray(state.input_ids, dtype=np.int32)[: state.n_tokens],
                 llama_state=np.frombuffer(state.llama_state, dtype=np.uint8),
                 meta=np.array([state.n_tokens, state.llama_state_size, state.seed, state.scores.shape[0],
                                state.scores.shape[1], len(state.input_ids)], dtype=np.int64))  # fmt: skip
    os.replace(tmp, path)


def _read(path: Path) -> LlamaState:
    with np.load(path, allow_pickle=False) as entry:
        n_tokens, size, seed, rows, vocab, n_ctx = (int(x) for x in entry["meta"])
        blob = entry["llama_state"].tobytes()
        used = entry["input_ids"].astype(np.intc)
    if len(blob) != size or len(used) != n_tokens:
        raise ValueError(f"{path.name}: truncated state")
    ids = np.zeros(n_ctx, dtype=np.intc)  # llama-cpp writes later tokens into this array in place
    ids[:n_tokens] = used
    # logits are never sampled from a restored state (llama-cpp re-evaluates a token first)
    return LlamaState(input_ids=ids, scores=np.zeros((rows, vocab), dtype=np.single), n_tokens=n_tokens,
                      llama_state=blob, llama_state_size=size, seed=seed)  # fmt: skip


def attach(llama: Any, folder: Path | None, capacity_bytes: int, seeds: Path | None = None) -> PromptStateCache:
    cache = PromptStateCache(folder, capacity_bytes, seeds)
    llama.set_cache(cache)
    return cache


def warm(llama: Any, system_prompts: Sequence[str], seeds: Path) -> int:
    """Save the state of each system prompt into `seeds` (at install: `reelcraft doctor`), so a user's first
    plan and first chat turn start from it instead of reading ~500–800 tokens (~20 s each on two cores).
    Prompts already warmed (listed in `warmed.json`) are skipped; returns how many were made."""
    import json

    seeds.mkdir(parents=True, exist_ok=True)
    manifest = seeds / "warmed.json"
    try:
        done = set(json.loads(manifest.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        done = set()
    store = PromptStateCache(seeds, capacity_bytes=1 << 40)
    before = llama.cache
    made = 0
    try:
        llama.set_cache(store)
        for system in system_prompts:
            digest = hashlib.sha256(system.encode("utf-8")).hexdigest()
            if digest in done and store._disk:
                continue
            messages = [{"role": "system", "content": system}, {"role": "user", "content": "-"}]
            llama.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0)
            done.add(digest)
            made += 1
    finally:
        llama.set_cache(before)
    tmp = manifest.with_suffix(".tmp")
    tmp.write_text(json.dumps(sorted(done)), encoding="utf-8")
    os.replace(tmp, manifest)
    return made
