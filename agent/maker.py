"""What the agent needs from the API layer, as a protocol: `Studio` satisfies it, and the agent never
imports the layer above it (DESIGN.md, layers)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from reelcraft.config import Settings
from reelcraft.plan import Draft, Platform, VideoPlan
from reelcraft.storage.drafts import DraftStore
from reelcraft.tools.deps import Deps


class VideoMaker(Protocol):
    """Plans and renders drafts: the chat and review comments turn messages into calls on it."""

    settings: Settings
    deps: Deps
    store: DraftStore

    def plan(self, brief: str, *, duration: float = 30, language: str | None = None,
             platform: str | Platform = "tiktok", trends: bool = True) -> VideoPlan: ...  # fmt: skip

    def render(self, plan: VideoPlan, *, media_dir: Path | str | None = None, brief: str = "",
               draft_id: str | None = None, voice: str | None = None, profile: str = "final") -> Draft: ...  # fmt: skip

    def cache_stats(self) -> dict[str, dict[str, int]]: ...

    def apply_brand(self, plan: VideoPlan, name: str | None = None) -> VideoPlan: ...
