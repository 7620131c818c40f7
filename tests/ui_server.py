"""Start `reelcraft ui` on a free localhost port and wait until it answers (browser tests and benches)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from reelcraft.ui.server import descendants


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_ui(env: dict[str, str], log: Path, timeout_s: float = 120, port: int | None = None,
             host: str = "127.0.0.1") -> tuple[subprocess.Popen[bytes], str]:  # fmt: skip
    """`reelcraft ui` (it execs the server, so this process is the server). Stop it with `stop_ui`."""
    port = port or free_port()
    handle = log.open("a")
    process = subprocess.Popen([sys.executable, "-m", "reelcraft.cli", "ui", "--port", str(port), "--host", host],
                               env=env, stdout=handle, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return process, url
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the UI server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.5)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def stop_ui(process: subprocess.Popen[bytes], timeout_s: float = 10) -> float:
    """SIGTERM, as systemd or Docker stop a service; the seconds until the server and all it started are gone.
    Kills what is left (and fails the caller's check) after `timeout_s`."""
    started = time.monotonic()
    family = [process.pid, *descendants(process.pid)]
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout_s)
    while time.monotonic() - started < timeout_s and any(alive(p) for p in family):
        time.sleep(0.1)
    seconds = time.monotonic() - started
    for pid in family:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=10)
    return seconds if not any(alive(p) for p in family[1:]) and seconds < timeout_s else float("inf")


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium (installed by scripts/sysdeps.sh), never a downloaded browser, sandbox off for CI."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "no chromium on PATH: `make install` installs Debian's (scripts/sysdeps.sh)"
    return playwright.chromium.launch(executable_path=executable,
                                      args=["--no-sandbox", "--disable-background-networking"])  # fmt: skip
