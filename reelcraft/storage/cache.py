"""Content-addressed asset cache: a step's output is keyed by the hash of its inputs.

A step writes into a private temporary folder which is renamed into place only when the step
succeeded, so a crash never leaves a half-made asset behind and a re-run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from reelcraft.errors import StoreError


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def hash_inputs(step: str, inputs: Any) -> str:
    """Stable key for a step's inputs (file contents must be hashed by the caller via `hash_file`)."""
    payload = json.dumps({"step": step, "inputs": _jsonable(inputs)}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def hash_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class AssetCache:
    """Folders under `root/<step>/<key[:2]>/<key>`; counts hits and misses per step. Every entry made is also
    appended to `root/made.log` ("step key" per line), so across processes (a killed batch and its resume) one
    can see that nothing finished was made twice."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()

    def path_for(self, step: str, key: str) -> Path:
        return self.root / step / key[:2] / key

    def lookup(self, step: str, key: str) -> Path | None:
        folder = self.path_for(step, key)
        return folder if (folder / ".complete").exists() else None

    def get_or_make(self, step: str, inputs: Any, make: Callable[[Path], None]) -> tuple[str, Path]:
        """Return (key, folder) for `inputs`, calling `make(tmp_folder)` only on a miss."""
        key = hash_inputs(step, inputs)
        found = self.lookup(step, key)
        if found is not None:
            self.hits[step] += 1
            return key, found
        self.misses[step] += 1
        final = self.path_for(step, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{key[:12]}."))
        try:
            make(tmp)
            (tmp / ".complete").write_text(json.dumps({"step": step}))
            if final.exists():  # a stale incomplete folder from a crash
                shutil.rmtree(final)
            os.replace(tmp, final)
            self._made(step, [key])
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(f"could not write cache entry for {step}: {exc}", "check free disk space") from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return key, final

    def get_or_make_many(
        self, step: str, inputs: list[Any], make_batch: Callable[[list[tuple[int, Path]]], None]
    ) -> list[tuple[str, Path]]:
        """Like `get_or_make` for a batch: `make_batch([(index, tmp_folder), …])` runs once for all misses,
        so a model is loaded once per batch rather than once per item."""
        keys = [hash_inputs(step, item) for item in inputs]
        results: list[tuple[str, Path] | None] = []
        pending: list[tuple[int, Path]] = []
        for index, key in enumerate(keys):
            found = self.lookup(step, key)
            if found is not None:
                self.hits[step] += 1
                results.append((key, found))
                continue
            self.misses[step] += 1
            results.append(None)
            final = self.path_for(step, key)
            final.parent.mkdir(parents=True, exist_ok=True)
            pending.append((index, Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{key[:12]}."))))
        try:
            if pending:
                make_batch(pending)
            for index, tmp in pending:
                final = self.path_for(step, keys[index])
                (tmp / ".complete").write_text(json.dumps({"step": step}))
                if final.exists():
                    shutil.rmtree(final)
                os.replace(tmp, final)
                results[index] = (keys[index], final)
            self._made(step, [keys[index] for index, _ in pending])
        finally:
            for _, tmp in pending:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
        return [r for r in results if r is not None]

    def _made(self, step: str, keys: list[str]) -> None:
        if keys:  # one short append per make: whole lines even with several processes writing
            with (self.root / "made.log").open("a", encoding="utf-8") as log:
                log.write("".join(f"{step} {key}\n" for key in keys))

    def made(self) -> list[tuple[str, str]]:
        """(step, key) of every entry made in this cache, oldest first."""
        log = self.root / "made.log"
        lines = log.read_text(encoding="utf-8").splitlines() if log.is_file() else []
        return [tuple(line.split(" ", 1)) for line in lines if " " in line]  # type: ignore[misc]

    def stats(self) -> dict[str, dict[str, int]]:
        steps = sorted(set(self.hits) | set(self.misses))
        return {s: {"hits": self.hits[s], "misses": self.misses[s]} for s in steps}
