"""Errors by pipeline stage and by who must act.

Every error a person can see names the stage that failed and what to do about it. Constructing an
exception never logs; the CLI and UI decide how to show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class ReelcraftError(Exception):
    """Base error: a stage, what went wrong, and the fix."""

    stage: str = "reelcraft"

    def __init__(self, message: str, fix: str = "", *, stage: str | None = None) -> None:
        self.message = message
        self.fix = fix
        if stage is not None:
            self.stage = stage
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"[{self.stage}] {self.message}"
        return f"{text} — fix: {self.fix}" if self.fix else text


def validation_problems(exc: ValidationError, limit: int | None = None) -> list[str]:
    """pydantic's errors as 'field.path: message' lines, for a person or for the model to fix."""
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:limit]]


class ConfigError(ReelcraftError):
    """Settings or installation are wrong; the person must change them."""

    stage = "config"


class BriefError(ReelcraftError):
    """The brief or its options (duration, language, platform) cannot be made into a video."""

    stage = "brief"


class ScriptError(ReelcraftError):
    """The script writer (LLM) could not produce a valid plan within its retry budget."""

    stage = "script"


class ModelBehaviorError(ScriptError):
    """The model answered, but with something that fails validation."""


class VoiceoverError(ReelcraftError):
    """Text-to-speech failed or is not installed."""

    stage = "voiceover"


class CaptionError(ReelcraftError):
    """Captions could not be laid out (e.g. no font covers the script's characters)."""

    stage = "captions"


class BrandError(ReelcraftError):
    """A brand kit (its fonts, logo, intro or outro) cannot be used, or does not exist."""

    stage = "brand"


class VisualsError(ReelcraftError):
    """Media could not be read or a visual could not be generated."""

    stage = "visuals"


class MusicError(ReelcraftError):
    """Music could not be composed, read or fitted to the video."""

    stage = "music"


class TrendsError(ReelcraftError):
    """A trending export, its mapping or the trends store cannot be used."""

    stage = "trends"


class ModerationError(ReelcraftError):
    """A moderation policy file cannot be used (it does not parse, or names what does not exist)."""

    stage = "moderation"


class ModerationBlocked(ModerationError):
    """A text in the plan breaks the policy at `block` severity: nothing is rendered. `flags` holds the findings
    (category, span, scene, reason), so a face can show them beside their scenes."""

    def __init__(self, message: str, fix: str = "", *, flags: list[object] | None = None, policy: str = "") -> None:
        super().__init__(message, fix)
        self.flags = list(flags or [])
        self.policy = policy


class RenderError(ReelcraftError):
    """ffmpeg failed to compose or encode the timeline."""

    stage = "render"


class ProcessKilled(RenderError):
    """A helper process (ffmpeg) was killed by a signal before it finished: worth one more try."""


class StoreError(ReelcraftError):
    """A draft or asset could not be read or written."""

    stage = "store"


class BatchError(ReelcraftError):
    """A batch file or a batch run cannot go on: a file with no brief column, an unknown batch, a cluster that
    does not answer."""

    stage = "batch"


class ReviewError(ReelcraftError):
    """A team-review request the store refuses: who may do what, to which version, in which state."""

    stage = "review"


class AccessDenied(ReviewError):
    """The person's role in the project does not allow this (a reviewer editing, a viewer commenting)."""


class NotFound(ReviewError):
    """No such project, draft or version, or one the person may not see (outsiders get this, never a hint)."""


class Conflict(ReviewError):
    """Someone else saved the draft first; nothing was overwritten."""


class LoginError(ReviewError):
    """Wrong name or password, or too many attempts."""
