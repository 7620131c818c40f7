"""The `reelcraft` command line, a face over `Studio`: one module per command group."""

from reelcraft.cli.main import app

__all__ = ["app"]
