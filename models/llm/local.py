"""The embedded chat model: a GGUF instruct model run in-process by llama-cpp-python.

Decoding is constrained by a JSON-schema grammar when a schema is given, so a small model's plan
always parses; semantic checks stay with the caller.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import PrivateAttr

from reelcraft.models.llm.schema import inline_refs, structured_runnable

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


class ChatLocalLlama(BaseChatModel):
    """langchain chat model over `llama_cpp.Llama`, loaded lazily and shared per process."""

    model_path: Path
    n_threads: int = 1
    n_ctx: int = 4096
    temperature: float = 0.7
    top_p: float = 0.8
    top_k: int = 20
    repeat_penalty: float = 1.1
    max_tokens: int = 1200
    seed: int = 1234
    prompt_states: Path | None = None
    """Folder for saved prompt states (models/llm/prompt_cache.py); None keeps them in memory only."""
    prompt_states_bytes: int = 1 << 30
    """Disk for them; 0: no saved states at all."""
    prompt_seeds: Path | None = None
    """Folder of the system prompts' states made at install (shared by every data directory, read only)."""

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _llama: Any = PrivateAttr(default=None)
    _busy: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    """One generation at a time: a llama.cpp context is not thread-safe (Streamlit runs sessions in threads)."""

    @property
    def _llm_type(self) -> str:
        return "reelcraft-local-llama"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model_path.name, "temperature": self.temperature, "seed": self.seed}

    def _load(self) -> Any:
        with self._lock:
            if self._llama is None:
                from llama_cpp import Llama  # heavy import: only when the model is really used

                os.environ.setdefault("OMP_NUM_THREADS", str(self.n_threads))
                self._llama = Llama(
                    model_path=str(self.model_path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    n_batch=256,
                    seed=self.seed,
                    verbose=False,
                )
                from reelcraft.models.llm.prompt_cache import attach, state_folder

                if self.prompt_states_bytes > 0:
                    folder = self.prompt_states and state_folder(self.prompt_states, self.model_path, self.n_ctx)
                    seeds = self.prompt_seeds and state_folder(self.prompt_seeds, self.model_path, self.n_ctx)
                    attach(self._llama, folder, self.prompt_states_bytes, seeds)
        return self._llama

    def warm_prompts(self, system_prompts: list[str]) -> int:
        """Make the shared states of these system prompts (`prompt_seeds`); see prompt_cache.warm."""
        from reelcraft.models.llm.prompt_cache import state_folder, warm

        if self.prompt_seeds is None:
            return 0
        llama = self._load()
        with self._busy:
            return warm(llama, system_prompts, state_folder(self.prompt_seeds, self.model_path, self.n_ctx))

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llama = self._load()
        payload = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        schema = kwargs.pop("json_schema", None)
        extra: dict[str, Any] = {}
        if schema is not None:
            extra["response_format"] = {"type": "json_object", "schema": inline_refs(schema)}
        started = time.perf_counter()
        with self._busy:
            out = llama.create_chat_completion(
                messages=payload,
                temperature=kwargs.get("temperature", self.temperature),
                top_p=self.top_p,
                top_k=self.top_k,
                repeat_penalty=self.repeat_penalty,
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
                seed=kwargs.get("seed", self.seed),
                stop=stop,
                **extra,
            )
        seconds = time.perf_counter() - started
        usage = out.get("usage", {})
        message = AIMessage(
            content=out["choices"][0]["message"].get("content") or "",
            usage_metadata={
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
            response_metadata={"seconds": seconds, "finish_reason": out["choices"][0].get("finish_reason")},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def with_structured_output(  # type: ignore[override]
        self, schema: dict[str, Any], *, method: str = "json_schema", include_raw: bool = False,
        max_tokens: int | None = None, **_: Any,
    ) -> Runnable:
        """Grammar-constrained JSON: the model cannot emit anything the schema forbids. `max_tokens` caps
        one answer (a small model that loops inside a string field stops there instead of after minutes)."""
        bound = {"json_schema": schema, **({"max_tokens": max_tokens} if max_tokens else {})}
        return structured_runnable(self.bind(**bound), include_raw)
