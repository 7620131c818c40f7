"""Media paths that cannot leave their root: no absolute paths, no `..`, no symlinks on the way."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from reelcraft.errors import AccessDenied


def safe_child(root: Path, relative: str | Path) -> Path:
    """`root / relative`, refused when `relative` is absolute, climbs out with `..`, or passes through a
    symlink (which could point anywhere). The path need not exist yet."""
    text = str(relative).replace("\\", "/")
    parts = PurePosixPath(text).parts
    if not parts or text.startswith("/") or (len(text) > 1 and text[1] == ":") or any(p in ("..", "") for p in parts):
        raise AccessDenied(f"the path {str(relative)!r} is not inside the project's folder",
                           "use a plain relative name such as 'clips/intro.mp4'")  # fmt: skip
    base = root.resolve()
    current = base
    for part in parts:
        if part == ".":
            continue
        current = current / part
        if current.is_symlink():
            raise AccessDenied(f"the path {str(relative)!r} goes through a symlink", "store the file itself")
    if not current.resolve().is_relative_to(base):
        raise AccessDenied(f"the path {str(relative)!r} is not inside the project's folder",
                           "use a plain relative name such as 'clips/intro.mp4'")  # fmt: skip
    return current
