"""The layers of DESIGN.md hold: import-linter passes on the code, fails on a copy with one upward import,
and the core's subpackages name no upper layer anywhere (lazy imports and import strings included)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CORE = ["storage", "media", "edit", "render", "trends", "review"]
CORE_MODULES = ["plan.py", "config.py", "errors.py", "language.py", "protocols.py", "__init__.py"]
UPPER = re.compile(r"""(?:\bfrom\s+|\bimport\s+|["'])reelcraft\.(tools|agent|ui|cli|models|studio)\b""")
"""An import statement (lazy ones too) or an import string (importlib, entry-point tables) naming an upper layer."""


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH first: the copy's `reelcraft` wins over the editable install (a meta-path finder after it)
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})  # fmt: skip


def test_the_layers_contracts_pass() -> None:
    done = _lint(REPO)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def test_an_upward_import_from_the_core_breaks_the_layers_contract(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(REPO / "pyproject.toml", copy)
    python_only = shutil.ignore_patterns("*.pt", "*.json", "*.html", "__pycache__", "data")
    for folder in ("reelcraft", "agent", "tools", "models", "ui", "prompts"):
        shutil.copytree(REPO / folder, copy / folder, symlinks=True, ignore=python_only)
    cache = copy / "reelcraft" / "storage" / "cache.py"
    cache.write_text(cache.read_text() + "\n\ndef _upward() -> None:\n    from reelcraft.tools import music  # noqa\n")
    done = _lint(copy)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "reelcraft.storage.cache -> reelcraft.tools.music" in done.stdout


@pytest.mark.parametrize("part", CORE + CORE_MODULES)
def test_the_core_names_no_layer_above_it(part: str) -> None:
    root = REPO / "reelcraft" / part
    files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
             for path in files for number, line in enumerate(path.read_text().splitlines(), start=1)
             if UPPER.search(line) and part != "__init__.py"]  # fmt: skip
    if part == "__init__.py":  # the package's own __getattr__ may hand out Studio, the public API, lazily
        text = root.read_text()
        found = [m.group(0) for m in UPPER.finditer(text) if m.group(1) != "studio"]
    assert not found, "\n".join(found)
