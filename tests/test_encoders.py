from __future__ import annotations

import logging
from pathlib import Path

import pytest

from reelcraft.media import encoders
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


@pytest.fixture(autouse=True)
def _fresh_process() -> None:
    """Each test starts as a new process would: nothing picked, nothing said yet."""
    pick_encoder.cache_clear()
    encoders._announced.clear()


def test_no_usable_gpu_is_one_quiet_info_line_per_process(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="reelcraft.media.encoders"):
        choice = pick_encoder(_fake(tmp_path, FAKE_FFMPEG), "auto")
        (tmp_path / "other").mkdir()
        again = pick_encoder(_fake(tmp_path / "other", FAKE_FFMPEG), "auto")  # another render, another binary
    assert choice.name == again.name == "libx264" and not choice.hardware and not choice.asked
    assert choice.fallback_reason and "No NVENC capable devices" in choice.fallback_reason
    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert len(said) == 1 and said[0][0] == "INFO"
    assert said[0][1].startswith("video encoder: libx264 (no hardware encoder: h264_nvenc failed a test encode")


def test_an_asked_for_hardware_encoder_that_fails_is_a_warning(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="reelcraft.media.encoders"):
        choice = pick_encoder(_fake(tmp_path, FAKE_FFMPEG), "h264_nvenc")
        missing = pick_encoder(_fake(tmp_path, FAKE_FFMPEG), "h264_qsv")
    assert choice.name == "libx264" and choice.asked and "No NVENC capable devices" in str(choice.fallback_reason)
    assert missing.asked and "h264_qsv is not in this ffmpeg build" in str(missing.fallback_reason)
    assert [r.levelno for r in caplog.records] == [logging.WARNING] * 2
    assert "h264_nvenc was asked for but is unavailable, using libx264" in caplog.text


def test_working_hardware_encoder_is_used(tmp_path: Path) -> None:
    body = FAKE_FFMPEG.replace('echo "[h264_nvenc @ 0x1] No NVENC capable devices found" >&2; exit 1', "exit 0")
    choice = pick_encoder(_fake(tmp_path, body), "auto")
    assert choice.name == "h264_nvenc" and choice.hardware and choice.fallback_reason is None
    assert choice.video_args("veryfast", 20)[:2] == ["-c:v", "h264_nvenc"]


def test_libx264_on_request_probes_nothing(tmp_path: Path) -> None:
    assert pick_encoder(str(tmp_path / "no-such-ffmpeg"), "libx264").name == "libx264"
