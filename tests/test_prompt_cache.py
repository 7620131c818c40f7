"""The embedded model's saved prompt states: longest-prefix lookup, persistence, eviction, torn files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from llama_cpp.llama import LlamaState

from reelcraft.models.llm.prompt_cache import MIN_USEFUL_PREFIX, PromptStateCache, state_folder

N_CTX = 512


def _state(tokens: list[int], blob_bytes: int = 1000) -> LlamaState:
    ids = np.zeros(N_CTX, dtype=np.intc)
    ids[: len(tokens)] = tokens
    blob = bytes((len(tokens) + i) % 251 for i in range(blob_bytes))
    return LlamaState(input_ids=ids, scores=np.ones((min(len(tokens), 8), 16), dtype=np.single),
                      n_tokens=len(tokens), llama_state=blob, llama_state_size=len(blob), seed=7)  # fmt: skip


SYSTEM = list(range(100, 100 + 2 * MIN_USEFUL_PREFIX))


def test_the_state_sharing_the_longest_prefix_is_returned(tmp_path: Path) -> None:
    cache = PromptStateCache(tmp_path)
    cache[SYSTEM + [1, 2, 3]] = _state(SYSTEM + [1, 2, 3])
    cache[SYSTEM[:40] + [9]] = _state(SYSTEM[:40] + [9])
    found = cache[SYSTEM + [5, 6]]
    assert found.n_tokens == len(SYSTEM) + 3 and cache.hits == 1
    with pytest.raises(KeyError):  # a shared chat-template header is not worth a restore
        _ = cache[SYSTEM[: MIN_USEFUL_PREFIX - 1] + [0]]
    assert (SYSTEM + [7]) in cache and [1, 2, 3] not in cache


def test_states_survive_a_restart_with_a_full_length_token_array(tmp_path: Path) -> None:
    first = PromptStateCache(tmp_path)
    first[SYSTEM + [1]] = _state(SYSTEM + [1])
    again = PromptStateCache(tmp_path)  # a new process: only the disk
    state = again[SYSTEM + [2]]
    original = _state(SYSTEM + [1])
    assert state.llama_state == original.llama_state and state.n_tokens == original.n_tokens
    assert len(state.input_ids) == N_CTX  # llama-cpp writes later tokens into this array in place
    assert state.input_ids[: state.n_tokens].tolist() == SYSTEM + [1]
    assert state.scores.shape == original.scores.shape and not state.scores.any()  # logits are never reused


def test_a_torn_or_foreign_file_is_dropped_not_fatal(tmp_path: Path) -> None:
    cache = PromptStateCache(tmp_path)
    cache[SYSTEM + [1]] = _state(SYSTEM + [1])
    (entry,) = tmp_path.glob("*.npz")
    entry.write_bytes(entry.read_bytes()[:200])  # killed mid-copy
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    again = PromptStateCache(tmp_path)
    assert SYSTEM + [2] not in again and list(tmp_path.glob("*.npz")) == []


def test_least_recently_used_states_go_first_past_the_capacity(tmp_path: Path) -> None:
    cache = PromptStateCache(tmp_path)
    cache[SYSTEM + [1] * 40] = _state(SYSTEM + [1] * 40)
    cache.capacity_bytes = int(2.5 * cache.cache_size)  # room for two entries
    for tail in (2, 3):
        cache[SYSTEM + [tail] * 40] = _state(SYSTEM + [tail] * 40)
    assert len(list(tmp_path.glob("*.npz"))) == 2 and cache.cache_size <= cache.capacity_bytes
    assert PromptStateCache(tmp_path)[SYSTEM + [3] * 40].input_ids[len(SYSTEM)] == 3


def test_each_model_file_and_context_size_gets_its_own_folder(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"x" * 10)
    one, other_ctx = state_folder(tmp_path, model, 4096), state_folder(tmp_path, model, 2048)
    model.write_bytes(b"y" * 11)
    assert len({one, other_ctx, state_folder(tmp_path, model, 4096)}) == 3
