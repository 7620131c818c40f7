"""Frame sources come from the `reelcraft.frame_sources` entry point group: ours (drift, the GAN) and a
third-party package's, with no table in the renderer to edit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelcraft.edit.frames import ENTRY_POINT_GROUP, frame_source, frame_source_names
from reelcraft.errors import RenderError

PLUGIN = '''
import numpy as np
from reelcraft.edit.frames import FrameSource


def sparkle(params):
    def frames(count, fps):
        for index in range(count):
            yield np.full((8, 4, 3), index % 256, dtype=np.uint8)
    return FrameSource(width=4, height=8, frames=frames)


def broken(params):
    raise AssertionError("never called")
'''


def test_our_sources_are_installed_entry_points() -> None:
    assert {"drift", "gan"} <= set(frame_source_names())
    drift = frame_source("drift", {"width": 27, "height": 48, "seed": 1})
    first = next(drift.frames(1, 30))
    assert first.shape == (48, 27, 3) and first.dtype == np.uint8 and first.std() > 0


def test_a_third_party_package_adds_a_source_by_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sparkle_frames.py").write_text(PLUGIN)
    info = tmp_path / "sparkle_frames-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sparkle-frames\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nsparkle = sparkle_frames:sparkle\n"
                                           "missing = sparkle_frames:no_such_factory\n")  # fmt: skip
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "sparkle" in frame_source_names()
    source = frame_source("sparkle", {})
    assert [int(f[0, 0, 0]) for f in source.frames(3, 30)] == [0, 1, 2]
    with pytest.raises(RenderError, match="failed to load") as broken:
        frame_source("missing", {})
    assert "reinstall" in broken.value.fix


def test_an_unknown_source_names_the_ones_there_are() -> None:
    with pytest.raises(RenderError, match="no frame generator named 'nope'") as caught:
        frame_source("nope", {})
    assert "drift" in caught.value.fix and "gan" in caught.value.fix
