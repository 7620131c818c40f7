"""Asking an LLM for JSON that must pass checks: schema-constrained where the provider allows, every
problem sent back for a fix, a bounded number of attempts, then a clear error. Shared by the tools that
write text (script, script edits, trend titles)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from reelcraft.errors import ModelBehaviorError, ReelcraftError, ScriptError
from reelcraft.tools.deps import Deps

T = TypeVar("T")
Check = Callable[[Any], tuple[T | None, list[str]]]
"""Parsed JSON → (the value, []) or (None, problems phrased for the model to fix)."""
Salvage = Callable[[Any], tuple[T, str] | None]
"""A rejected answer → (a mended value, the warning to show), or None when it cannot be mended."""


def ask_valid_json(deps: Deps, schema: dict[str, Any], messages: list[BaseMessage], check: Check[T], *,
                   stage: str, what: str, fix: str, attempts: int | None = None,
                   salvage: Salvage[T] | None = None, salvage_from: int = 2,
                   error: type[ReelcraftError] | None = None) -> T:  # fmt: skip
    """The first answer that passes `check`, within `attempts` (default `settings.llm.max_retries`).

    `salvage` mends an answer whose only fault is one the code can fix better than a small model (a
    script too long by some words), from attempt `salvage_from` on, with a warning on the draft.
    `error` is the class raised on failure (default: ScriptError, ModelBehaviorError when out of attempts)."""
    model = deps.chat_model().with_structured_output(schema, method="json_schema", include_raw=True)
    attempts = min(attempts or deps.settings.llm.max_retries, deps.settings.llm.max_retries)
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            result = model.invoke(messages)
        except AssertionError:  # a test's scripted model ran out of turns: let the test see it
            raise
        except Exception as exc:  # provider/network failure: not the model's fault, do not loop
            raise (error or ScriptError)(f"the LLM call failed (asking for the {what}): {type(exc).__name__}: {exc}",
                                         "check the LLM provider settings (--llm local works offline)",
                                         stage=stage) from exc  # fmt: skip
        parsed = result["parsed"]
        if parsed is None:
            value, problems = None, [f"the answer was not valid JSON ({result['parsing_error']})"]
        else:
            value, problems = check(parsed)
        if value is not None and not problems:
            return value
        last = "; ".join(problems)
        if salvage is not None and parsed is not None and attempt >= salvage_from and (mended := salvage(parsed)):
            deps.warn(stage, mended[1])
            return mended[0]
        deps.progress(stage, f"attempt {attempt}/{attempts} rejected: {last[:160]}")
        raw: AIMessage = result["raw"]
        messages = [*messages,
                    AIMessage(content=raw.content if isinstance(raw.content, str) else json.dumps(raw.content)),
                    HumanMessage(f"That answer has problems: {last}. Answer again with the whole corrected JSON.")]
    raise (error or ModelBehaviorError)(f"the LLM gave no valid {what} in {attempts} attempts; last problem: "
                                        f"{last[:300]}", fix, stage=stage)  # fmt: skip
