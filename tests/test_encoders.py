from __future__ import annotations

import logging
from pathlib import Path

import pytest

from reelcraft.media.encoders import pick_encoder

FAKE_FFMPEG = """#!/bin/sh
case "$*" in
  *-encoders*) echo " V....D h264_nvenc           NVIDIA NVENC H.264 encoder (codec h264)"
               echo " V....D libx264              libx264 H.264 (codec h264)";;
  *h264_nvenc*) echo "[h264_nvenc @ 0x1] No NVENC capable devices found" >&2; exit 1;;
  *) exit 0;;
esac
"""


def _fake(tmp_path: Path, body: str) -> str:
    path = tmp_path / "ffmpeg"
    path.write_text(body)
    path.chmod(0o755)
    return str(path)


def test_listed_but_broken_hardware_falls_back_to_libx264_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="reelcraft.media.encoders"):
        choice = pick_encoder(_fake(tmp_path, FAKE_FFMPEG), "auto")
    assert choice.name == "libx264" and not choice.hardware
    assert choice.fallback_reason and "No NVENC capable devices" in choice.fallback_reason
    assert "using libx264" in caplog.text


def test_working_hardware_encoder_is_used(tmp_path: Path) -> None:
    body = FAKE_FFMPEG.replace('echo "[h264_nvenc @ 0x1] No NVENC capable devices found" >&2; exit 1', "exit 0")
    choice = pick_encoder(_fake(tmp_path, body), "auto")
    assert choice.name == "h264_nvenc" and choice.hardware and choice.fallback_reason is None
    assert choice.video_args("veryfast", 20)[:2] == ["-c:v", "h264_nvenc"]


def test_libx264_on_request_probes_nothing(tmp_path: Path) -> None:
    assert pick_encoder(str(tmp_path / "no-such-ffmpeg"), "libx264").name == "libx264"
