"""Any exception a piece of work raised, as the stage and a message a person can act on.

A full disk is named as such whatever layer noticed it: an OSError (ENOSPC, EDQUOT), one behind a library's own
error, or a failure while the data directory has almost no space left (libraries that fail to write say so in
their own words, such as 'LibsndfileError: System error.').
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from reelcraft.errors import ReelcraftError

LOW_DISK_BYTES = 64 * 2**20
"""Free space under which a failure is put down to a full disk."""


def explain_failure(exc: BaseException, stage: str, data_dir: Path | None, retry: str) -> tuple[str, str]:
    """(stage, message); `retry` says how to run the work again once the cause is fixed."""
    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
    cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else None
    full = full or (cause is not None and cause.errno in (errno.ENOSPC, errno.EDQUOT))
    free = free_bytes(data_dir)
    if full or (free is not None and free < LOW_DISK_BYTES and "disk is full" not in str(exc)):
        where = f" ({free / 2**20:.0f} MiB free under {data_dir})" if free is not None else ""
        what = exc.message if isinstance(exc, ReelcraftError) else f"{type(exc).__name__}: {exc}"
        return (exc.stage if isinstance(exc, ReelcraftError) else stage,
                f"the disk is full{where}: {what} — fix: free space, then {retry}")
    if isinstance(exc, ReelcraftError):
        return exc.stage, f"{exc.message} — fix: {exc.fix}" if exc.fix else exc.message
    return stage, f"{type(exc).__name__}: {exc}"


def free_bytes(folder: Path | None) -> int | None:
    try:
        return shutil.disk_usage(folder).free if folder is not None and folder.exists() else None
    except OSError:
        return None
