"""The embedded model's engine tricks, on the real model with short answers: grammar checked on the sampled
token first (same answers, less work), a conversation's next step reusing the tokens already in the
context, and system prompt states made once (at install) restored by a fresh data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from llama_cpp import Llama

from reelcraft.models.llm.local import ChatLocalLlama
from reelcraft.models.llm.sampling import CheckedGrammarLlama
from reelcraft.models.llm.weights import ensure_embedded_gguf

pytestmark = pytest.mark.embedded_llm
SCHEMA = {"type": "object", "properties": {"hook": {"type": "string", "maxLength": 60},
                                           "tags": {"type": "array", "items": {"type": "string", "maxLength": 20},
                                                    "minItems": 2, "maxItems": 2}},
          "required": ["hook", "tags"], "additionalProperties": False}  # fmt: skip
MESSAGES = [{"role": "system", "content": "You write short video hooks as JSON."},
            {"role": "user", "content": "A hook and two hashtags for a video about cheap breakfasts."}]  # fmt: skip


@pytest.fixture(scope="module")
def gguf(models_home: Path) -> Path:
    return ensure_embedded_gguf(models_home)


def test_checking_the_grammar_on_the_sampled_token_gives_the_same_greedy_answer(gguf: Path) -> None:
    answers = []
    for cls in (Llama, CheckedGrammarLlama):
        llama = cls(model_path=str(gguf), n_ctx=1024, n_threads=1, verbose=False, seed=1)
        out = llama.create_chat_completion(messages=MESSAGES, max_tokens=60, temperature=0.0,
                                           response_format={"type": "json_object", "schema": SCHEMA})  # fmt: skip
        answers.append(out["choices"][0]["message"]["content"])
        del llama
    assert answers[0] == answers[1]
    parsed = json.loads(answers[1])
    assert len(parsed["tags"]) == 2 and len(parsed["hook"]) <= 60


def test_the_next_step_of_a_conversation_reuses_the_answer_already_in_the_context(gguf: Path, tmp_path: Path) -> None:
    model = ChatLocalLlama(model_path=gguf, n_ctx=1024, prompt_states_bytes=0)
    first = [SystemMessage(MESSAGES[0]["content"]), HumanMessage(MESSAGES[1]["content"])]
    answer = model.invoke(first, json_schema=SCHEMA, max_tokens=60)
    llama = model._llama
    context = [int(t) for t in llama._input_ids[: llama.n_tokens]]
    turns = [*first, AIMessage(answer.content), HumanMessage("Shorter.")]
    payload = [{"role": r, "content": str(m.content)}
               for r, m in zip(("system", "user", "assistant", "user"), turns, strict=True)]  # fmt: skip
    tokens, _ = model._prompt_tokens(llama, payload)
    assert tokens[: len(context)] == context  # nothing the model already read or wrote is read again


def test_system_prompt_states_made_once_are_restored_by_a_fresh_data_directory(gguf: Path, tmp_path: Path) -> None:
    system = MESSAGES[0]["content"] + " A hook is one short sentence that names the topic. " * 8
    seeds = tmp_path / "models" / "llm-states"
    maker = ChatLocalLlama(model_path=gguf, n_ctx=1024, prompt_seeds=seeds, prompt_states=tmp_path / "a")
    assert maker.warm_prompts([system]) == 1
    assert maker.warm_prompts([system]) == 0  # already warm
    user = ChatLocalLlama(model_path=gguf, n_ctx=1024, prompt_seeds=seeds, prompt_states=tmp_path / "b")
    user.invoke([SystemMessage(system), HumanMessage("Another video: saving on rent.")],
                json_schema=SCHEMA, max_tokens=40)  # fmt: skip
    assert user._llama.cache.hits == 1
