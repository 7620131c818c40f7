"""Scripted chat models for tests: scripted turns in order, every call recorded.

A test fails on an unexpected extra call (`UnexpectedCall`) and can check that every scripted
turn was used (`assert_all_used`). Never a replacement for testing the real model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import Field

from reelcraft.models.llm.schema import structured_runnable

Turn = str | dict[str, Any] | Callable[[list[BaseMessage], dict[str, Any] | None], str]


class UnexpectedCall(AssertionError):
    """The code under test asked the model more often than the script allows."""


class ScriptedChatModel(BaseChatModel):
    """Returns `turns` in order; a dict turn is sent as JSON, a callable gets (messages, schema)."""

    turns: list[Any] = Field(default_factory=list)
    calls: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "reelcraft-scripted"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        schema = kwargs.get("json_schema")
        index = len(self.calls)
        self.calls.append({"messages": list(messages), "schema": schema})
        if index >= len(self.turns):
            raise UnexpectedCall(f"scripted model got call #{index + 1} but has only {len(self.turns)} turns")
        turn = self.turns[index]
        if callable(turn):
            turn = turn(list(messages), schema)
        text = json.dumps(turn, ensure_ascii=False) if isinstance(turn, dict) else str(turn)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def with_structured_output(  # type: ignore[override]
        self, schema: dict[str, Any], *, method: str = "json_schema", include_raw: bool = False, **_: Any
    ) -> Runnable:
        return structured_runnable(self.bind(json_schema=schema), include_raw)

    def assert_all_used(self) -> None:
        if len(self.calls) != len(self.turns):
            raise AssertionError(f"scripted model used {len(self.calls)} of {len(self.turns)} turns")
