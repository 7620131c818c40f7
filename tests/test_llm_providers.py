"""The OpenAI-compatible and Ollama paths, against local fake servers (never the network)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from helpers import EN_BRIEF, EN_PLAN, EN_TURNS
from reelcraft.config import Settings
from reelcraft.errors import ConfigError, ScriptError
from reelcraft.models.llm import LLMConfigError, create_chat_model
from reelcraft.plan import Language
from reelcraft.tools.deps import Deps
from reelcraft.tools.script import ScriptInput, write_script


class FakeLLMServer:
    """Answers OpenAI `/v1/chat/completions` and Ollama `/api/chat` with queued contents."""

    def __init__(self, answers: list[Any], status: int = 200) -> None:
        """An answer is the message content, or {"tool": name, "args": {...}} for a native tool call."""
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []
        self.status = status
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append({"path": self.path, "headers": headers, "body": body})
                if server.status != 200:
                    self.send_response(server.status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "overloaded"}}')
                    return
                content = server.answers.pop(0)
                message: dict[str, Any] = {"role": "assistant", "content": content}
                if isinstance(content, dict):
                    message = {"role": "assistant", "content": None, "tool_calls": [{
                        "id": "call_1", "type": "function",
                        "function": {"name": content["tool"], "arguments": json.dumps(content["args"])}}]}
                if self.path.endswith("/chat/completions"):
                    payload = {
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": "tool_calls" if isinstance(content, dict)
                                     else "stop", "message": message}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
                    }  # fmt: skip
                    data, kind = json.dumps(payload).encode(), "application/json"
                else:  # ollama streams NDJSON
                    line = {"model": body["model"], "created_at": "2026-11-23T00:00:00Z",
                            "message": {"role": "assistant", "content": content}, "done": True,
                            "done_reason": "stop", "prompt_eval_count": 10, "eval_count": 20}
                    data, kind = (json.dumps(line) + "\n").encode(), "application/x-ndjson"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def server_factory() -> Iterator[Any]:
    servers: list[FakeLLMServer] = []

    def make(answers: list[Any], status: int = 200) -> FakeLLMServer:
        servers.append(FakeLLMServer(answers, status))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def test_openai_compatible_server_gets_schema_and_key(settings: Settings, server_factory: Any) -> None:
    server = server_factory([json.dumps(turn) for turn in EN_TURNS])
    model = create_chat_model("openai", models_dir=settings.models_dir, model="qwen-plus",
                              base_url=server.url + "/v1", api_key="sk-test-123")
    plan = write_script(ScriptInput(brief=EN_BRIEF, language=Language.EN), Deps.from_settings(settings, llm=model))
    assert plan.title == EN_PLAN["title"]
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer sk-test-123"
    assert request["body"]["model"] == "qwen-plus"
    fmt = request["body"]["response_format"]
    assert fmt["type"] == "json_schema" and "beats" in fmt["json_schema"]["schema"]["properties"]  # the outline
    scenes = server.requests[1]["body"]["response_format"]["json_schema"]["schema"]["properties"]["scenes"]
    assert [item["properties"]["beat"]["const"] for item in scenes["prefixItems"]] == EN_TURNS[0]["beats"]


def test_openai_garbage_then_valid_is_retried(settings: Settings, server_factory: Any) -> None:
    server = server_factory(["not json at all", *(json.dumps(turn) for turn in EN_TURNS)])
    model = create_chat_model("openai", models_dir=settings.models_dir, base_url=server.url + "/v1",
                              api_key="k")
    write_script(ScriptInput(brief=EN_BRIEF, language=Language.EN), Deps.from_settings(settings, llm=model))
    assert len(server.requests) == 3  # the outline twice, then the scenes
    assert "not valid JSON" in server.requests[1]["body"]["messages"][-1]["content"]


def test_openai_server_error_is_a_script_error_not_a_loop(settings: Settings, server_factory: Any) -> None:
    server = server_factory([], status=503)
    model = create_chat_model("openai", models_dir=settings.models_dir, base_url=server.url + "/v1",
                              api_key="k")
    with pytest.raises(ScriptError, match="LLM call failed"):
        write_script(ScriptInput(brief=EN_BRIEF, language=Language.EN), Deps.from_settings(settings, llm=model))
    assert len(server.requests) <= 2  # the client's single retry at most


def test_ollama_server_gets_the_schema_as_format(settings: Settings, server_factory: Any) -> None:
    server = server_factory([json.dumps(turn) for turn in EN_TURNS])
    model = create_chat_model("ollama", models_dir=settings.models_dir, model="qwen2.5:3b", base_url=server.url)
    plan = write_script(ScriptInput(brief=EN_BRIEF, language=Language.EN), Deps.from_settings(settings, llm=model))
    assert len(plan.scenes) == 4
    body = server.requests[0]["body"]
    assert server.requests[0]["path"] == "/api/chat" and body["model"] == "qwen2.5:3b"
    assert body["format"]["properties"]["beats"]["minItems"] == 4


def test_misconfigured_providers_say_what_to_set(settings: Settings) -> None:
    with pytest.raises(LLMConfigError, match="API_KEY"):
        create_chat_model("openai", models_dir=settings.models_dir)
    with pytest.raises(LLMConfigError, match="unknown LLM provider"):
        create_chat_model("gpt5", models_dir=settings.models_dir)
    settings.llm.provider = "openai"
    with pytest.raises(ConfigError) as err:
        Deps.from_settings(settings).chat_model()
    assert err.value.stage == "config"


def test_capable_providers_pick_chat_actions_by_native_tool_calls(settings: Settings, server_factory: Any) -> None:
    from reelcraft.agent.actions import Reply, RewriteScene
    from reelcraft.agent.planner import choose_action
    from reelcraft.plan import VideoPlan

    plan = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
    server = server_factory([{"tool": "RewriteScene", "args": {"scene": "two"}},  # invalid: sent back
                             {"tool": "RewriteScene", "args": {"scene": 2, "instruction": "funnier"}},
                             "Happy to help: tell me what to change."])  # fmt: skip
    settings.llm.provider = "openai"
    model = create_chat_model("openai", models_dir=settings.models_dir, model="gpt-test", base_url=server.url + "/v1",
                              api_key="sk-test")  # fmt: skip
    deps = Deps.from_settings(settings, llm=model)
    choice = choose_action("make scene 2 funnier", plan, deps)
    assert choice.action == RewriteScene(scene=2, instruction="make scene 2 funnier") and choice.attempts == 2
    tools = {t["function"]["name"] for t in server.requests[0]["body"]["tools"]}
    assert {"RewriteScene", "ChangeLength", "RenderFinal", "Reply"} <= tools and "response_format" not in \
        server.requests[0]["body"]
    retry = server.requests[1]["body"]["messages"][-1]
    assert retry["role"] == "tool" and retry["tool_call_id"] == "call_1" and "scene" in retry["content"]
    answer = choose_action("is the music royalty free?", plan, deps)  # a plain-words answer is a reply
    assert isinstance(answer.action, Reply) and answer.action.text.startswith("Happy to help")
