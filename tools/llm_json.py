"""The one bounded retry loop every structured LLM call goes through: a JSON-schema answer (script,
script edits, trend titles, the embedded model's chat actions) or a native tool call (chat actions on
providers that have it). Every problem goes back to the model for a fix, a bounded number of times,
then a clear error: a small model must never loop forever, and a provider failure is not its fault."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.runnables import Runnable

from reelcraft.errors import ModelBehaviorError, ReelcraftError, ScriptError
from reelcraft.tools.deps import Deps

T = TypeVar("T")
Check = Callable[[Any], tuple[T | None, list[str]]]
"""Parsed JSON → (the value, []) or (None, problems phrased for the model to fix)."""
ToolCheck = Callable[[AIMessage], tuple[T | None, list[str]]]
"""A `bind_tools` answer → (the value, []) or (None, problems phrased for the model to fix)."""
Salvage = Callable[[Any], tuple[T, str] | None]
"""A rejected answer's readable part → (a mended value, the warning to show), or None when it cannot be mended."""
Settle = Callable[[Any], tuple[T, list[str]] | None]
"""A rejected answer's readable part → (a usable value, the problems it still has), or None when it is unusable.
When no answer passes, the one with the fewest problems left is kept instead of failing."""


@dataclass(frozen=True)
class Reading(Generic[T]):
    """One answer, read: the value, or the problems and the messages that send them back."""

    value: T | None
    problems: list[str] = field(default_factory=list)
    follow_up: list[BaseMessage] = field(default_factory=list)
    """Appended to the conversation before the next attempt (the answer itself, then the feedback)."""
    readable: Any = None
    """What the salvage hook may mend (parsed JSON), when the answer could be read at all."""


Reader = Callable[[Any], Reading[T]]
"""The model's raw result (whatever the bound runnable returns) → a reading."""


@dataclass(frozen=True)
class Answer(Generic[T]):
    value: T
    attempts: int
    """LLM calls it took."""
    problems: list[str]
    """Everything sent back to the model on the way."""
    unresolved: list[str] = field(default_factory=list)
    """What the kept answer still gets wrong, when it was settled for (`settle`) rather than accepted."""
    raw: str = ""
    """The model's own text of the kept answer, so a conversation can continue from its exact tokens."""
    asked: list[BaseMessage] = field(default_factory=list)
    """The messages the kept answer replied to (earlier attempts and the problems sent back included): a
    conversation continued from them finds every token already in the local model's context."""


def ask_valid(deps: Deps, model: Runnable[Any, Any], messages: list[BaseMessage], read: Reader[T], *, stage: str,
              what: str, fix: str, attempts: int | None = None, salvage: Salvage[T] | None = None,
              salvage_from: int = 2, error: type[ReelcraftError] | None = None, settle: Settle[T] | None = None,
              deadline: float | None = None) -> Answer[T]:  # fmt: skip
    """The first answer `read` accepts, within `attempts` (default and cap: `settings.llm.max_retries`).

    `model` is a bound runnable (`with_structured_output`, `bind_tools`). `salvage` mends an answer whose
    only fault is one the code can fix better than a small model (a script too long by some words), from
    attempt `salvage_from` on, with a warning on the draft. `error` is the class raised on failure
    (default: ScriptError for a provider failure, ModelBehaviorError when out of attempts). With `settle`,
    running out of attempts (or past `deadline`, a `time.monotonic()` value) keeps the least-bad usable
    answer, with a warning that names what it still gets wrong."""
    attempts = min(attempts or deps.settings.llm.max_retries, deps.settings.llm.max_retries)
    history: list[str] = []
    last = ""
    best: tuple[T, list[str], str, list[BaseMessage]] | None = None
    attempt = 0
    for attempt in range(1, attempts + 1):
        try:
            with deps.asking:
                result = model.invoke(messages)
        except AssertionError:  # a test's scripted model ran out of turns: let the test see it
            raise
        except Exception as exc:  # provider/network failure: not the model's fault, do not loop
            raise (error or ScriptError)(f"the LLM call failed (asking for the {what}): {type(exc).__name__}: {exc}",
                                         "check the LLM provider settings (--llm local works offline)",
                                         stage=stage) from exc  # fmt: skip
        reading = read(result)
        raw = _raw_text(result)
        if reading.value is not None and not reading.problems:
            return Answer(reading.value, attempt, history, raw=raw, asked=messages)
        last = "; ".join(reading.problems) or "the answer could not be used"
        history += reading.problems
        if salvage is not None and reading.readable is not None and attempt >= salvage_from \
                and (mended := salvage(reading.readable)):  # fmt: skip
            deps.warn(stage, mended[1])
            return Answer(mended[0], attempt, history, raw=raw, asked=messages)
        usable = settle(reading.readable) if settle is not None and reading.readable is not None else None
        if usable is not None and (best is None or len(usable[1]) < len(best[1])):
            best = (usable[0], usable[1], raw, messages)
        deps.progress(stage, f"attempt {attempt}/{attempts} rejected: {last[:160]}")
        if deadline is not None and best is not None and time.monotonic() > deadline:
            break
        messages = [*messages, *reading.follow_up]
    if best is not None:
        deps.warn(stage, f"kept the best {what} after {attempt} attempt(s); still failing: {'; '.join(best[1])[:300]}")
        return Answer(best[0], attempt, history, unresolved=best[1], raw=best[2], asked=best[3])
    raise (error or ModelBehaviorError)(f"the LLM gave no valid {what} in {attempts} attempts; last problem: "
                                        f"{last[:300]}", fix, stage=stage)  # fmt: skip


def _raw_text(result: Any) -> str:
    raw = result.get("raw") if isinstance(result, dict) else result
    content = getattr(raw, "content", "")
    return content if isinstance(content, str) else json.dumps(content)


def json_reader(check: Check[T]) -> Reader[T]:
    """Reads a `with_structured_output(..., include_raw=True)` result through `check`; problems go back
    with the model's own answer so it can correct rather than restart."""

    def read(result: dict[str, Any]) -> Reading[T]:
        parsed = result["parsed"]
        if parsed is None:
            value, problems = None, [f"the answer was not valid JSON ({result.get('parsing_error')})"]
        else:
            value, problems = check(parsed)
        if value is not None and not problems:
            return Reading(value)
        raw: AIMessage = result["raw"]
        content = raw.content if isinstance(raw.content, str) else json.dumps(raw.content)
        feedback = f"That answer has problems: {'; '.join(problems)}. Answer again with the whole corrected JSON."
        return Reading(None, problems, [AIMessage(content=content), HumanMessage(feedback)], parsed)

    return read


def tool_call_reader(check: ToolCheck[T]) -> Reader[T]:
    """Reads a `bind_tools` answer through `check`; problems go back as the answer to each tool call
    (providers reject a conversation with an unanswered tool call), or as a user turn when none was made."""

    def read(answer: AIMessage) -> Reading[T]:
        value, problems = check(answer)
        if value is not None and not problems:
            return Reading(value)
        problems = problems or ["no tool was called"]
        feedback = f"Call exactly one tool with valid arguments ({problems[-1]})."
        replies: list[BaseMessage] = [ToolMessage(content=feedback, tool_call_id=str(call.get("id") or ""))
                                      for call in answer.tool_calls] or [HumanMessage(feedback)]  # fmt: skip
        return Reading(None, problems, [answer, *replies])

    return read


def ask_valid_json(deps: Deps, schema: dict[str, Any], messages: list[BaseMessage], check: Check[T], *,
                   stage: str, what: str, fix: str, attempts: int | None = None,
                   salvage: Salvage[T] | None = None, salvage_from: int = 2,
                   error: type[ReelcraftError] | None = None) -> T:  # fmt: skip
    """The first JSON answer (schema-constrained where the provider allows) that passes `check`; see `ask_valid`."""
    return ask_valid(deps, json_model(deps, schema), messages, json_reader(check), stage=stage, what=what, fix=fix,
                     attempts=attempts, salvage=salvage, salvage_from=salvage_from, error=error).value  # fmt: skip


def json_model(deps: Deps, schema: dict[str, Any], max_tokens: int | None = None) -> Runnable[Any, Any]:
    """The chat model bound to answer `schema` (grammar-constrained where the provider allows), raw answer kept.
    `max_tokens` caps the embedded model's answer; remote providers keep their own limits."""
    model = deps.chat_model()
    if max_tokens and getattr(model, "_llm_type", "") == "reelcraft-local-llama":
        return model.with_structured_output(schema, method="json_schema", include_raw=True, max_tokens=max_tokens)
    return model.with_structured_output(schema, method="json_schema", include_raw=True)
