"""Scripted chat models for tests: scripted turns in order, every call recorded.

A test fails on an unexpected extra call (`UnexpectedCall`) and on turns it never used: with
`REELCRAFT_SCRIPTED_LEDGER` set (the test suite sets it), every model keeps a record of its script in that
folder, in-process or in a CLI or UI process a test started, and the suite checks them after each test
(`unused_turns`). Never a replacement for testing the real model.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import Field, PrivateAttr

from reelcraft.models.llm.schema import structured_runnable
from reelcraft.storage.cache import atomic_write_text

Turn = str | dict[str, Any] | Callable[[list[BaseMessage], dict[str, Any] | None], str]
LEDGER_ENV = "REELCRAFT_SCRIPTED_LEDGER"
"""A folder: each scripted model writes `<id>.json` there (turns, used) when made and after every call."""


class UnexpectedCall(AssertionError):
    """The code under test asked the model more often than the script allows."""


class ScriptedChatModel(BaseChatModel):
    """Returns `turns` in order; a dict turn is sent as JSON, a callable gets (messages, schema)."""

    turns: list[Any] = Field(default_factory=list)
    calls: list[dict[str, Any]] = Field(default_factory=list)

    _ledger: Path | None = PrivateAttr(default=None)
    _made_in: str = PrivateAttr(default="")
    _ledger_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        folder = os.environ.get(LEDGER_ENV)
        if folder:
            self._ledger = Path(folder) / f"{uuid.uuid4().hex}.json"
            self._made_in = os.environ.get("PYTEST_CURRENT_TEST", "")
            self._record()

    def _record(self) -> None:
        """The script's state on disk, so a test can check a model that lived in another process."""
        if self._ledger is None:
            return
        with self._ledger_lock:
            used = min(len(self.calls), len(self.turns))
            atomic_write_text(self._ledger, json.dumps({
                "turns": len(self.turns), "used": used, "pid": os.getpid(),
                "made_in": self._made_in,
                "unused": [_preview(turn) for turn in self.turns[used:]],
            }, ensure_ascii=False))  # fmt: skip

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
        self._record()
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


def _preview(turn: Any, limit: int = 80) -> str:
    if callable(turn):
        text = getattr(turn, "__name__", repr(turn))
    elif isinstance(turn, dict):
        text = json.dumps(turn, ensure_ascii=False)
    else:
        text = str(turn)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unused_turns(folder: Path) -> list[str]:
    """One sentence per scripted model in the ledger `folder` that left turns unused; the records read are
    removed, so each test sees only the models that lived (or were used) since the last check."""
    problems = []
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # removed or being replaced right now: the next check reads it
            continue
        path.unlink(missing_ok=True)
        if record["used"] < record["turns"]:
            where = f" (made in {record['made_in']}, pid {record['pid']})" if record["made_in"] else ""
            problems.append(f"a ScriptedChatModel used {record['used']} of its {record['turns']} turns{where}; "
                            f"unused: {record['unused']}")  # fmt: skip
    return problems
