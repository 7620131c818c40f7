"""Helpers shared by the chat models that decode against a JSON schema."""

from __future__ import annotations

import copy
import json
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable, RunnableLambda


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Resolve local `$ref`s so grammar compilers that ignore `$defs` see the whole shape."""
    defs = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"].startswith("#/$defs/"):
                target = copy.deepcopy(defs[node["$ref"].split("/")[-1]])
                extra = {k: v for k, v in node.items() if k != "$ref"}
                return resolve({**target, **extra})
            return {k: resolve(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


def parse_json_message(message: BaseMessage) -> Any:
    """The first JSON value in a message; raises ValueError with the text when there is none."""
    text = message.content if isinstance(message.content, str) else json.dumps(message.content)
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("\n") + 1 :] if "\n" in text else text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
        if start >= 0:
            try:
                return json.JSONDecoder().raw_decode(text[start:])[0]
            except json.JSONDecodeError:
                pass
        raise ValueError(f"not JSON: {text[:200]!r}") from None


def structured_runnable(bound: Runnable, include_raw: bool) -> Runnable:
    """Wrap a model already bound to a schema so it returns parsed dicts, like langchain's own."""

    def run(message: AIMessage) -> Any:
        try:
            parsed = parse_json_message(message)
            error = None
        except ValueError as exc:
            if not include_raw:
                raise
            parsed, error = None, exc
        if include_raw:
            return {"raw": message, "parsed": parsed, "parsing_error": error}
        return parsed

    return bound | RunnableLambda(run)
