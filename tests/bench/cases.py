"""Case selection shared by the bench scripts: `--only ID,ID` and `--limit N` over a labelled set."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def option(name: str, argv: Sequence[str] | None = None) -> str | None:
    """The value after `--name`, or None when the option is absent."""
    args = list(sys.argv if argv is None else argv)
    if name not in args:
        return None
    at = args.index(name)
    if at + 1 >= len(args):
        raise SystemExit(f"{name} needs a value")
    return args[at + 1]


def select(cases: list[dict], argv: Sequence[str] | None = None) -> list[dict]:
    """The cases `--only` and `--limit` pick; exits with the known ids when the selection is empty, since
    figures over no case would mean nothing (and a median of nothing crashes)."""
    chosen = cases
    only = option("--only", argv)
    if only is not None:
        wanted = {w.strip() for w in only.split(",") if w.strip()}
        unknown = sorted(wanted - {c["id"] for c in cases})
        if unknown:
            raise SystemExit(f"--only: no case {', '.join(unknown)}; known: {', '.join(c['id'] for c in cases)}")
        chosen = [c for c in chosen if c["id"] in wanted]
    limit = option("--limit", argv)
    if limit is not None:
        if not limit.isdigit() or int(limit) < 1:
            raise SystemExit(f"--limit needs a whole number of cases ≥ 1, not {limit!r}")
        chosen = chosen[: int(limit)]
    if not chosen:
        raise SystemExit("no case selected: the set is empty")
    return chosen
