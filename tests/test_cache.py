from __future__ import annotations

from pathlib import Path

import pytest

from reelcraft.storage.cache import AssetCache, atomic_write_text, hash_inputs


def test_same_inputs_reuse_and_different_inputs_remake(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)
    calls: list[Path] = []

    def make(folder: Path) -> None:
        calls.append(folder)
        (folder / "out.txt").write_text("made")

    key1, folder1 = cache.get_or_make("step", {"a": 1, "b": [1, 2]}, make)
    key2, folder2 = cache.get_or_make("step", {"b": [1, 2], "a": 1}, make)
    key3, _ = cache.get_or_make("step", {"a": 2, "b": [1, 2]}, make)
    assert (key1, folder1) == (key2, folder2) and key3 != key1
    assert len(calls) == 2 and cache.stats()["step"] == {"hits": 1, "misses": 2}
    assert (folder1 / "out.txt").read_text() == "made"


def test_a_crashed_step_leaves_nothing_and_reruns(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)

    def crash(folder: Path) -> None:
        (folder / "half.txt").write_text("half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.get_or_make("step", {"x": 1}, crash)
    assert cache.lookup("step", hash_inputs("step", {"x": 1})) is None
    assert not list(tmp_path.rglob("half.txt"))
    _, folder = cache.get_or_make("step", {"x": 1}, lambda f: (f / "ok").write_text("1"))
    assert (folder / "ok").exists()


def test_batch_makes_only_misses_in_one_call(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)
    cache.get_or_make("tts", {"t": "b"}, lambda f: (f / "v").write_text("b"))
    batches: list[list[int]] = []

    def make_batch(pending: list[tuple[int, Path]]) -> None:
        batches.append([i for i, _ in pending])
        for i, folder in pending:
            (folder / "v").write_text(str(i))

    results = cache.get_or_make_many("tts", [{"t": "a"}, {"t": "b"}, {"t": "c"}], make_batch)
    assert batches == [[0, 2]]
    assert [(folder / "v").read_text() for _, folder in results] == ["0", "b", "2"]


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "d" / "draft.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two" and [p.name for p in target.parent.iterdir()] == ["draft.json"]
