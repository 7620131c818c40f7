"""reelcraft: a short-video idea in, a finished vertical video out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError
from reelcraft.plan import Draft, Language, Platform, Scene, VideoPlan

if TYPE_CHECKING:
    from reelcraft.studio import Studio

__all__ = ["Draft", "Language", "Platform", "ReelcraftError", "Scene", "Settings", "Studio", "VideoPlan"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Studio pulls in the tools, which import this package: load it on first use, not at import.
    if name == "Studio":
        from reelcraft.studio import Studio

        return Studio
    raise AttributeError(name)
