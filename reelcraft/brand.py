"""A brand kit: what makes every draft of a team look like theirs (fonts, colours, logo, intro and outro, caption
style, voice and music mood). Kits are stored per project in the review store (reelcraft/review/service.py) so a
team shares them; `brand.toml` is the same data as a file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reelcraft.errors import BrandError

LogoCorner = Literal["top_left", "top_right", "bottom_left", "bottom_right"]
BRAND_NAME = re.compile(r"^[\w][\w .-]{0,39}$")


class BrandKit(BaseModel):
    """One brand. File paths point at the checked copies the store keeps (or, before saving, the creator's files)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    font: Path | None = None
    """The brand's TTF/OTF for captions, headlines and covers; Chinese it lacks falls back to Noto Sans CJK."""
    palette: list[str] = Field(default_factory=list, max_length=6)
    """'#RRGGBB' colours, the brand colour first: it highlights the spoken word when it reads on the outline."""
    logo: Path | None = None
    """A PNG with transparency, drawn in a corner of the safe area on every frame."""
    logo_position: LogoCorner = "top_right"
    logo_opacity: float = Field(default=0.9, ge=0.1, le=1.0)
    logo_size: float = Field(default=0.13, ge=0.04, le=0.3)
    """Width of the logo as a share of the frame's short side."""
    intro: Path | None = None
    """A clip (MP4/MOV/WebM) or a card (PNG/JPG) played before the video."""
    outro: Path | None = None
    """A clip or a card that closes the video."""
    card_seconds: float = Field(default=2.0, ge=0.5, le=6.0)
    """How long an intro or outro card (a still) is shown."""
    caption_style: str = "pop"
    voice: str | None = None
    music_mood: str | None = None
    policy: str | None = None
    """The team's moderation policy file, as TOML text (docs/moderation.md); None uses the platform's preset."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not BRAND_NAME.match(value):
            raise ValueError("a brand name is 1–40 letters, digits, spaces, '.', '_' or '-'")
        return value

    @field_validator("palette")
    @classmethod
    def _colours(cls, value: list[str]) -> list[str]:
        for colour in value:
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
                raise ValueError(f"colour {colour!r} is not #RRGGBB")
        return [c.upper() for c in value]

    def files(self) -> dict[str, Path]:
        """The kit's files by role (font, logo, intro, outro)."""
        return {role: path for role in ("font", "logo", "intro", "outro")
                if (path := getattr(self, role)) is not None}  # fmt: skip


def read_brand_toml(path: Path) -> BrandKit:
    """A kit from `brand.toml`; its file paths are relative to the TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BrandError(f"{path} cannot be read as TOML: {exc}", "fix the file (see docs/looks.md for an example)") \
            from exc
    for role in ("font", "logo", "intro", "outro"):
        if isinstance(data.get(role), str):
            data[role] = (path.parent / data[role]).expanduser()
    if isinstance(data.get("policy"), str):  # the moderation policy's file, kept in the kit as its text
        policy = (path.parent / str(data["policy"])).expanduser()
        try:
            data["policy"] = policy.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BrandError(f"the policy file {policy} cannot be read: {exc}",
                             "point `policy` at a TOML file") from exc
    return make_kit(data)


def make_kit(data: dict[str, object]) -> BrandKit:
    try:
        return BrandKit.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'kit'}: {e['msg']}" for e in exc.errors()[:4])
        raise BrandError(f"the brand kit is not valid: {problems}", "fix those fields (docs/looks.md)") from exc
