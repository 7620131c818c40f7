"""The public Python API: everything the chat can do, as plain method calls."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reelcraft.config import Settings
from reelcraft.deps import Deps, ProgressFn
from reelcraft.plan import (
    Draft,
    Platform,
    VideoPlan,
    check_brief,
    check_duration,
    detect_language,
    parse_language,
    parse_platform,
)
from reelcraft.store import DraftStore

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class Studio:
    """`Studio().create("brief", duration=30, language="zh", platform="tiktok")` → a rendered `Draft`."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        llm: BaseChatModel | None = None,
        progress: ProgressFn | None = None,
    ) -> None:
        self.settings = settings or Settings()
        kwargs: dict[str, object] = {"llm": llm}
        if progress is not None:
            kwargs["progress"] = progress
        self.deps = Deps.from_settings(self.settings, **kwargs)
        self.store = DraftStore(self.settings.drafts_dir)

    def plan(
        self, brief: str, *, duration: float = 30, language: str | None = None, platform: str | Platform = "tiktok"
    ) -> VideoPlan:
        """Write a plan for a brief (validated, in the brief's language unless one is given)."""
        from reelcraft.tools.script import ScriptInput, write_script

        text = check_brief(brief)
        lang = parse_language(language) if language else detect_language(text)
        inp = ScriptInput(brief=text, language=lang, platform=parse_platform(platform),
                          duration=check_duration(duration))
        return write_script(inp, self.deps)

    def render(
        self,
        plan: VideoPlan,
        *,
        media_dir: Path | str | None = None,
        brief: str = "",
        draft_id: str | None = None,
        voice: str | None = None,
        profile: str = "final",
    ) -> Draft:
        """Render a plan into a new draft (or a new version of `draft_id`); `preview` is half size and fast."""
        from reelcraft.pipeline import render_plan
        from reelcraft.render import profile_named

        profile_named(profile)
        return render_plan(plan, self.deps, self.store, brief=brief, draft_id=draft_id, voice=voice,
                           media_dir=Path(media_dir) if media_dir else None, profile=profile)

    def create(
        self,
        brief: str,
        *,
        duration: float = 30,
        language: str | None = None,
        platform: str | Platform = "tiktok",
        media_dir: Path | str | None = None,
        voice: str | None = None,
        profile: str = "final",
    ) -> Draft:
        """Brief → plan → voiced, captioned MP4 with SRT/VTT, plan JSON and thumbnail."""
        if media_dir is not None and not Path(media_dir).is_dir():
            from reelcraft.errors import VisualsError

            raise VisualsError(f"media folder {media_dir} does not exist", "pass an existing folder")
        plan = self.plan(brief, duration=duration, language=language, platform=platform)
        return self.render(plan, media_dir=media_dir, brief=brief, voice=voice, profile=profile)

    def draft(self, draft_id: str, version: int | None = None) -> Draft:
        return self.store.load(draft_id, version)

    def cache_stats(self) -> dict[str, dict[str, int]]:
        """Cache hits and misses per step since this Studio was made."""
        return self.deps.cache.stats()
