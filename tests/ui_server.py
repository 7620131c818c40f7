"""Start `reelcraft ui` on a free localhost port and wait until it answers (browser tests and benches)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_ui(env: dict[str, str], log: Path, timeout_s: float = 120) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    handle = log.open("w")
    process = subprocess.Popen([sys.executable, "-m", "reelcraft.cli", "ui", "--port", str(port)], env=env,
                               stdout=handle, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
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


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium (installed by scripts/sysdeps.sh), never a downloaded browser, sandbox off for CI."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "no chromium on PATH: `make install` installs Debian's (scripts/sysdeps.sh)"
    return playwright.chromium.launch(executable_path=executable,
                                      args=["--no-sandbox", "--disable-background-networking"])  # fmt: skip
