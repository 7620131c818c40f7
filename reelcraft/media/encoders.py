"""Pick the H.264 encoder: a hardware one when it really works on this machine, else libx264.

An encoder listed by `ffmpeg -encoders` may still fail (no GPU, no driver), so each candidate is tried
on one tiny frame. Most machines have no GPU: there libx264 is the normal case, said once per process as
an info line; only a hardware encoder the user asked for by name and cannot get is worth a warning.
"""

from __future__ import annotations

import logging
import subprocess
from functools import lru_cache

from pydantic import BaseModel

log = logging.getLogger(__name__)

HARDWARE_ENCODERS = ("h264_nvenc", "h264_qsv", "h264_vaapi")
_announced: set[str] = set()


class EncoderChoice(BaseModel):
    name: str
    hardware: bool
    fallback_reason: str | None = None
    """Why no hardware encoder is used, when one was listed or asked for."""
    asked: bool = False
    """A hardware encoder was asked for by name (not `auto`): falling back from it deserves a warning."""

    def video_args(self, preset: str, crf: int) -> list[str]:
        if self.name == "h264_nvenc":
            return ["-c:v", "h264_nvenc", "-preset", "p4", "-rc", "vbr", "-cq", str(crf + 3), "-profile:v", "high"]
        if self.name == "h264_qsv":
            return ["-c:v", "h264_qsv", "-global_quality", str(crf + 3), "-profile:v", "high"]
        if self.name == "h264_vaapi":
            return ["-c:v", "h264_vaapi", "-qp", str(crf + 3), "-profile:v", "high"]
        return ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-profile:v", "high"]


def _listed(ffmpeg: str) -> set[str]:
    out = subprocess.run([ffmpeg, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30).stdout
    return {line.split()[1] for line in out.splitlines() if line.startswith(" V") and len(line.split()) > 1}


def _works(ffmpeg: str, encoder: str) -> tuple[bool, str]:
    cmd = [ffmpeg, "-hide_banner", "-v", "error", "-f", "lavfi", "-i", "color=black:s=256x256:r=30:d=0.1"]
    if encoder == "h264_vaapi":
        cmd += ["-vaapi_device", "/dev/dri/renderD128", "-vf", "format=nv12,hwupload"]
    cmd += ["-c:v", encoder, "-f", "null", "-"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    last = (proc.stderr.strip().splitlines() or ["exit code " + str(proc.returncode)])[-1]
    return proc.returncode == 0, last


@lru_cache(maxsize=8)
def pick_encoder(ffmpeg: str, preference: str = "auto") -> EncoderChoice:
    """`auto` tries the hardware encoders ffmpeg lists; `libx264` skips them; a named one is tried alone."""
    if preference == "libx264":
        return EncoderChoice(name="libx264", hardware=False)
    listed = _listed(ffmpeg)
    candidates = HARDWARE_ENCODERS if preference == "auto" else (preference,)
    reasons = []
    for name in candidates:
        if name not in listed:
            if preference != "auto":
                reasons.append(f"{name} is not in this ffmpeg build")
            continue
        ok, why = _works(ffmpeg, name)
        if ok:
            _announce(f"video encoder: {name} (hardware)")
            return EncoderChoice(name=name, hardware=True)
        reasons.append(f"{name} failed a test encode ({why[:60]})")
    reason = "; ".join(reasons) or "no hardware H.264 encoder in this ffmpeg build"
    if preference != "auto":
        log.warning("%s was asked for but is unavailable, using libx264: %s", preference, reason)
    else:
        _announce(f"video encoder: libx264 (no hardware encoder: {reason})")
    return EncoderChoice(name="libx264", hardware=False, fallback_reason=reason, asked=preference != "auto")


def _announce(line: str) -> None:
    """An info line once per process, however many renders (and ffmpeg binaries) follow."""
    if not _announced:
        _announced.add(line)
        log.info(line)
