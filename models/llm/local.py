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


def _seed_for(seed: int, payload: list[dict[str, str]]) -> int:
    """The same prompt always samples the same answer (plans are reproducible and cacheable), but a retry,
    whose prompt is longer by the answer and the problems sent back, samples afresh: with one seed for every
    call the small model answered a retry with the very answer it was told was wrong."""
    import zlib

    text = "\x1e".join(m["content"] for m in payload)
    return (seed + zlib.crc32(text.encode("utf-8"))) % (1 << 31)


class ChatLocalLlama(BaseChatModel):
    """langchain chat model over `llama_cpp.Llama`, loaded lazily and shared per process."""

    model_path: Path
    n_threads: int = 1
    n_threads_batch: int | None = None
    """Threads for reading prompts; None: as many as for generating."""
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
    _formatter: Any = PrivateAttr(default=None)
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
                # heavy import: only when the model is really used
                from reelcraft.models.llm.sampling import CheckedGrammarLlama

                os.environ.setdefault("OMP_NUM_THREADS", str(self.n_threads))
                self._llama = CheckedGrammarLlama(
                    model_path=str(self.model_path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads_batch or self.n_threads,
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

    def _prompt_tokens(self, llama: Any, payload: list[dict[str, str]]) -> tuple[list[int], list[str]]:
        """The chat prompt's tokens, reusing the tokens already in the context where they spell the same
        text. A step of a conversation repeats the model's earlier answer; the answer's tokens in the
        context (sampled under a grammar) are often not how the same text tokenizes again, so without
        this every step re-read the previous answer (~100–200 tokens, 5–10 s on two cores)."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        if self._formatter is None:
            eos, bos = llama.token_eos(), llama.token_bos()
            self._formatter = Jinja2ChatFormatter(
                template=llama.metadata["tokenizer.chat_template"],
                eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
                bos_token=llama._model.token_get_text(bos) if bos != -1 else "",
                stop_token_ids=[eos],
            )
        result = self._formatter(messages=payload)
        text = result.prompt.encode("utf-8")
        context = [int(t) for t in llama._input_ids[: llama.n_tokens]]
        kept, used = 0, 0
        for token in context:
            piece = llama.detokenize([token], special=True)
            if not piece or text[used : used + len(piece)] != piece:
                break
            kept, used = kept + 1, used + len(piece)
        if used >= len(text) and kept:  # the whole prompt is in the context: read its last token again
            kept -= 1
            used -= len(llama.detokenize([context[kept]], special=True))
        rest = llama.tokenize(text[used:], add_bos=kept == 0 and not result.added_special, special=True)
        stops = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return context[:kept] + rest, stops

    def load(self) -> None:
        """Load the weights now (the chat page does it while the user types their first brief)."""
        self._load()

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
        from llama_cpp.llama_chat_format import _grammar_for_response_format

        llama = self._load()
        payload = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        schema = kwargs.pop("json_schema", None)
        grammar = None
        if schema is not None:
            grammar = _grammar_for_response_format({"type": "json_object", "schema": inline_refs(schema)})
        started = time.perf_counter()
        with self._busy:
            prompt, template_stop = self._prompt_tokens(llama, payload)
            out = llama.create_completion(
                prompt=prompt,
                temperature=kwargs.get("temperature", self.temperature),
                top_p=self.top_p,
                top_k=self.top_k,
                min_p=0.05,
                repeat_penalty=self.repeat_penalty,
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
                seed=kwargs.get("seed", _seed_for(self.seed, payload)),
                stop=[*(stop or []), *template_stop],
                grammar=grammar,
            )
        seconds = time.perf_counter() - started
        usage = out.get("usage", {})
        message = AIMessage(
            content=out["choices"][0].get("text") or "",
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
