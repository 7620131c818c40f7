"""ffmpeg/ffprobe location and small probes shared by tools and the renderer."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from reelcraft.errors import ConfigError, ProcessKilled, ReelcraftError, RenderError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"}


def ffmpeg_binary(configured: str = "") -> str:
    """The configured ffmpeg, else PATH, else the one inside the imageio-ffmpeg wheel."""
    if configured:
        return configured
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # pragma: no cover - only on a broken install
        raise ConfigError("no ffmpeg found", "install Debian's ffmpeg or `pip install imageio-ffmpeg`") from exc


def ffprobe_binary() -> str:
    found = shutil.which("ffprobe")
    if not found:
        raise ConfigError("ffprobe is not installed", "apt-get install ffmpeg (or run `make install`)")
    return found


class MediaInfo(BaseModel):
    duration: float
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    has_video: bool = False
    has_audio: bool = False
    video_codec: str | None = None
    pix_fmt: str | None = None
    audio_codec: str | None = None
    sample_rate: int | None = None
    profile: str | None = None


def probe(path: Path) -> MediaInfo:
    """ffprobe a file; raises RenderError naming the file when it is not readable media."""
    cmd = [ffprobe_binary(), "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RenderError(f"{path.name} is not readable media: {proc.stderr.strip()[:200]}", "check the file")
    data = json.loads(proc.stdout or "{}")
    streams = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    fps = None
    if video and video.get("avg_frame_rate", "0/0") != "0/0":
        num, den = video["avg_frame_rate"].split("/")
        fps = float(num) / float(den) if float(den) else None
    return MediaInfo(
        duration=float(data.get("format", {}).get("duration") or 0.0),
        width=video.get("width") if video else None,
        height=video.get("height") if video else None,
        fps=fps,
        has_video=video is not None,
        has_audio=audio is not None,
        video_codec=video.get("codec_name") if video else None,
        pix_fmt=video.get("pix_fmt") if video else None,
        profile=video.get("profile") if video else None,
        audio_codec=audio.get("codec_name") if audio else None,
        sample_rate=int(audio["sample_rate"]) if audio and audio.get("sample_rate") else None,
    )


@functools.cache
def _setpriv() -> str | None:
    return shutil.which("setpriv")


def dies_with_parent(cmd: list[str]) -> list[str]:
    """`cmd` run so the kernel kills it when the thread that started it dies (util-linux's `setpriv --pdeathsig`,
    which then execs `cmd`): a server killed with SIGKILL leaves no ffmpeg blocked on a pipe nobody will open."""
    setpriv = _setpriv()
    return [setpriv, "--pdeathsig", "KILL", *cmd] if setpriv and sys.platform == "linux" else cmd


def run_ffmpeg(
    args: list[str],
    *,
    stage: str,
    total_s: float | None = None,
    on_progress: Callable[[float], None] | None = None,
    ffmpeg: str = "",
    timeout_s: float = 3600,
) -> str:
    """Run ffmpeg, reporting the fraction done; raise a stage error with ffmpeg's own last words."""
    cmd = [ffmpeg_binary(ffmpeg), "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats", *args]
    proc = subprocess.Popen(dies_with_parent(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    err_lines: list[str] = []
    reader = threading.Thread(target=lambda: err_lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        for line in proc.stdout:
            if on_progress and total_s and line.startswith("out_time_us="):
                value = line.split("=", 1)[1].strip()
                if value.isdigit():
                    on_progress(min(1.0, int(value) / 1e6 / total_s))
    except BaseException:  # the progress callback stopped the work (a cancelled job, a stopping server)
        proc.kill()
        proc.wait()
        raise
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise RenderError(f"ffmpeg ran longer than {timeout_s:g} s", "try the preview profile") from None
    reader.join(timeout=5)
    stderr = "".join(err_lines)
    if proc.returncode < 0:
        raise ProcessKilled(f"ffmpeg was stopped by signal {-proc.returncode} before it finished",
                            "run it again; if it keeps happening, check the machine's memory (dmesg)",
                            stage=stage)  # fmt: skip
    if proc.returncode != 0:
        lines = stderr.strip().splitlines()
        if full := next((line.strip() for line in lines if "No space left on device" in line), None):
            raise ReelcraftError(f"the disk is full: ffmpeg could not write ({full[-160:]})",
                                 "free space on the data directory's disk, then run it again", stage=stage)  # fmt: skip
        tail = " | ".join(line.strip() for line in lines[-4:])
        raise ReelcraftError(f"ffmpeg failed: {tail}", "see the message above", stage=stage)
    return stderr
