"""The one object that carries settings, cache, model and progress to every tool (no globals)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reelcraft.config import Settings
from reelcraft.errors import ConfigError, ReelcraftError
from reelcraft.storage.cache import AssetCache

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from reelcraft.protocols import Embedder
    from reelcraft.trends.store import TrendStore

ProgressFn = Callable[[str, str], None]
"""Called as progress(stage, message) when a stage starts or reports."""


def _no_progress(stage: str, message: str) -> None:
    return None


def _fake_turns(path: Path | None) -> list[object] | None:
    import json

    return json.loads(path.read_text(encoding="utf-8")) if path is not None else None


@dataclass
class Deps:
    settings: Settings
    cache: AssetCache
    llm: BaseChatModel | None = None
    progress: ProgressFn = _no_progress
    warnings: list[str] = field(default_factory=list)
    trends: TrendStore | None = None
    embedding: Embedder | None = None
    loading: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    """Held while a lazy part is made: the chat page warms them in a thread while a turn may ask for them
    (two embedded models loaded at once would double the wait and the memory)."""
    asking: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    """Held for each call to the chat model: a batch writes the next plan while the last one renders (and may
    have a line rewritten by moderation), and llama.cpp contexts are not thread-safe. Copies of these Deps
    (`for_item`) share it."""

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: object) -> Deps:
        settings.ensure_dirs()
        return cls(settings=settings, cache=AssetCache(settings.cache_dir), **kwargs)  # type: ignore[arg-type]

    def chat_model(self) -> BaseChatModel:
        """The configured chat model, created on first use (the embedded one loads lazily)."""
        with self.loading:
            return self._chat_model()

    def _chat_model(self) -> BaseChatModel:
        if self.llm is None:
            from reelcraft.models.llm import LLMConfigError, create_chat_model

            cfg = self.settings.llm
            try:
                self.llm = create_chat_model(
                    cfg.provider,
                    models_dir=self.settings.models_dir,
                    model=cfg.model,
                    base_url=cfg.base_url,
                    api_key=cfg.api_key.get_secret_value(),
                    temperature=cfg.temperature,
                    threads=cfg.threads,
                    prompt_threads=cfg.prompt_threads,
                    context_tokens=cfg.context_tokens,
                    timeout_s=cfg.timeout_s,
                    turns=_fake_turns(cfg.fake_turns) if cfg.provider == "fake" else None,
                    prompt_states=self.settings.cache_dir / "llm-states",
                    prompt_states_bytes=cfg.prompt_cache_mb << 20,
                    prompt_seeds=self.settings.models_dir / "llm-states",
                )
            except LLMConfigError as exc:
                raise ConfigError(str(exc), "set the LLM options in reelcraft.toml or the environment") from exc
            except RuntimeError as exc:  # embedded weights missing or corrupt
                raise ConfigError(str(exc), "run `make install` (installs the embedded model)") from exc
        return self.llm

    def trend_store(self) -> TrendStore:
        """The configured trends store (SQL + chromadb), opened on first use."""
        with self.loading:
            return self._trend_store()

    def _trend_store(self) -> TrendStore:
        if self.trends is None:
            from reelcraft.models.embeddings import embedder_choice
            from reelcraft.trends.store import TrendStore

            cfg = self.settings.trends
            self.trends = TrendStore(self.settings.trends_dir, db_url=cfg.db_url, chroma_url=cfg.chroma_url,
                                     embedder=embedder_choice(cfg.embedder))
        return self.trends

    def embedder(self) -> Embedder:
        """The configured text embedder (the trends' one), loaded on first use: the script critic measures
        how far a scene is from its brief with it."""
        with self.loading:
            return self._embedder()

    def _embedder(self) -> Embedder:
        if self.embedding is None:
            from reelcraft.models.embeddings import get_embedder

            self.embedding = get_embedder(self.settings.trends.embedder)
        return self.embedding

    def for_item(self, progress: ProgressFn | None = None, *, writes: bool = True) -> Deps:
        """These Deps for one piece of work running beside others: the same models, cache and locks (the lazy
        ones are made first, so the copies share them), its own warnings and progress. A render (`writes=False`)
        does not load the chat model: on a Ray render node it would hold a model only a rare moderation rewrite
        asks for, and that rewrite loads it then."""
        for make in (self.chat_model, self.embedder) if writes else (self.embedder,):
            try:
                make()
            except ReelcraftError:  # the stage that needs it says so, with its fix
                continue
        return replace(self, warnings=[], progress=progress or self.progress)

    def warn(self, stage: str, message: str) -> None:
        self.warnings.append(f"[{stage}] {message}")
        self.progress(stage, f"warning: {message}")

    def llm_identity(self) -> str:
        """What makes a cached plan reusable: the provider, model and sampling."""
        llm = self.chat_model()
        params = getattr(llm, "_identifying_params", {})
        return f"{type(llm).__name__}:{sorted((k, str(v)) for k, v in params.items())}"
