"""One chat message → one typed action, checked against the current video before anything runs.

The embedded model fills `CHOICE_SCHEMA` under a grammar; providers with reliable tool calling pick an
action tool natively. Either way the result is validated: a malformed answer goes back to the model (a
bounded number of times), while a well-formed request the video cannot take (scene 9 of 4) becomes a
helpful reply to the creator, never an error and never a change.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel

from reelcraft.agent.actions import (
    ACTION_TYPES,
    CHOICE_SCHEMA,
    AddScene,
    AskClarification,
    ChangeMusic,
    ChangeVisualStyle,
    CreateVideo,
    RegenerateVisuals,
    RemoveScene,
    ReorderScenes,
    Reply,
    RewriteScene,
    UseMedia,
    to_action,
    validate_action,
)
from reelcraft.agent.intents import (
    asks_for_help,
    beyond_tools,
    brief_facts,
    is_injection,
    is_plain_question,
    match_intent,
)
from reelcraft.agent.replies import say
from reelcraft.errors import ModelBehaviorError
from reelcraft.plan import Language, VideoPlan, detect_language
from reelcraft.prompts import load_prompt
from reelcraft.tools.deps import Deps
from reelcraft.tools.llm_json import Reader, ask_valid, json_model, json_reader, tool_call_reader

MAX_MESSAGE_CHARS = 4000
"""Longer than any chat instruction; a pasted document is answered, not sent to the model."""
NATIVE_TOOL_PROVIDERS = {"openai", "ollama"}


@dataclass
class Choice:
    action: BaseModel
    attempts: int = 0
    """LLM calls it took (0: decided without the model)."""
    problems: list[str] = field(default_factory=list)
    """What was sent back to the model on the way."""


def describe(plan: VideoPlan | None) -> str:
    """The video as the action chooser sees it: enough to pick a scene number, short enough for 1.5B."""
    if plan is None:
        return "none yet"
    scenes = "; ".join(f"{i}. {s.on_screen_text or s.voiceover[:40]}" for i, s in enumerate(plan.scenes, start=1))
    return (f"'{plan.title}', {plan.target_duration:g} s, {len(plan.scenes)} scenes, language {plan.language.value}, "
            f"{plan.platform.value}, music '{plan.music_mood}'. Scenes: {scenes}")  # fmt: skip


def guard(message: str, language: Language) -> Reply | None:
    """Answers that need no model: nothing said, or a paste far longer than an instruction."""
    text = message.strip()
    if not text:
        return Reply(text=say("empty", language))
    if len(text) > MAX_MESSAGE_CHARS:
        return Reply(text=say("too_long", language, chars=len(text), limit=MAX_MESSAGE_CHARS))
    return None


def check_against(action: BaseModel, plan: VideoPlan | None, language: Language) -> Reply | None:
    """A well-formed action the current video cannot take, answered with what it can."""
    if plan is None and not isinstance(action, CreateVideo | Reply | AskClarification):
        return Reply(text=say("no_video", language))
    if plan is None:
        return None
    count = len(plan.scenes)
    scene = getattr(action, "scene", None)
    if isinstance(action, RewriteScene | RemoveScene | RegenerateVisuals | UseMedia) and not 1 <= (scene or 0) <= count:
        return Reply(text=say("no_scene", language, scene=scene, count=count))
    if isinstance(action, AddScene) and action.after > count:
        return Reply(text=say("add_after", language, count=count))
    if isinstance(action, RemoveScene) and count <= 1:
        return Reply(text=say("last_scene", language))
    if isinstance(action, ReorderScenes) and sorted(action.order) != list(range(1, count + 1)):
        return Reply(text=say("bad_order", language, count=count))
    return None


TOPIC_UNITS = {Language.EN: 3, Language.ZH: 6}
"""A first message this short, that is not small talk or a question, is taken as the video's topic."""
_SMALL_TALK = re.compile(r"^\W*(hi|hello|hey|yo|thanks|thank you|ok|okay|yes|no|sure|cool|great|test|testing"
                         r"|你好|您好|嗨|哈喽|谢谢|好的|好|是|不|行|可以|测试)\W*$", re.I)  # fmt: skip


_EDIT_WORDS = re.compile(r"\b(music|song|calmer|louder|quieter|faster|slower|shorter|longer|funnier|scene|shot|voice"
                         r"|final|render|export|background|colou?rs?|warmer|cooler|brighter|darker|more|less|again"
                         r"|undo|redo|fix|change|make|remove|delete|add)\b|音乐|镜头|配音|导出|更|再|一点|改|换|删|加",
                         re.I)  # fmt: skip
"""Words of an edit ("calmer music", "make it shorter"): before any video these are not a topic."""


def is_topic(message: str, language: Language) -> bool:
    from reelcraft.tools.script import speech_units

    text = message.strip()
    units = speech_units(text, language)
    return (0 < units <= TOPIC_UNITS[language] and not _SMALL_TALK.match(text) and not is_plain_question(text)
            and not _EDIT_WORDS.search(text) and any(ch.isalpha() for ch in text))  # fmt: skip


BRIEF_UNITS = 6
"""Words (en) or Han characters (zh) from which a first message is an idea, not a stray edit."""


def looks_like_brief(message: str, language: Language) -> bool:
    from reelcraft.tools.script import speech_units

    return speech_units(message, language) >= (BRIEF_UNITS if language == Language.EN else BRIEF_UNITS + 2)


def in_their_words(action: BaseModel, message: str) -> BaseModel:
    """The creator's own words as the brief, instruction or request: the model's job is to pick the action
    and its numbers; small models paraphrase (or copy the scene's text) when asked to restate the rest."""
    if isinstance(action, CreateVideo):
        seconds, platform = brief_facts(message)
        return action.model_copy(update={"brief": message[:2000], "duration": action.duration or seconds,
                                         "platform": action.platform or platform})
    if isinstance(action, RewriteScene | AddScene):
        return action.model_copy(update={"instruction": message[:500]})
    if isinstance(action, ChangeMusic | ChangeVisualStyle):
        return action.model_copy(update={"request": message[:200]})
    return action


def choose_action(message: str, plan: VideoPlan | None, deps: Deps, *, intents: bool = True) -> Choice:
    """The one action this message asks for, checked against the current video. `intents=False` sends
    even unambiguous edits to the model (to measure it)."""
    language = plan.language if plan is not None else detect_language(message)
    if (answer := guard(message, language)) is not None:
        return Choice(answer)
    if is_injection(message):
        return Choice(Reply(text=say("private", language)))
    if intents and asks_for_help(message):
        return Choice(Reply(text=say("help", language)))
    brief = plan is None and looks_like_brief(message, language) and not is_plain_question(message)
    if intents and not brief and (beyond := beyond_tools(message)) is not None:
        return Choice(Reply(text=say(beyond, language)))  # no tool draws a 3D dragon: say what can be done
    if intents and plan is None and not brief and is_topic(message, language):
        brief = True  # "cats": a topic is enough for a first draft; the reply says what was assumed
    if intents and brief:  # no video yet and a whole idea: the brief itself, no model call (~25 s saved)
        return Choice(in_their_words(CreateVideo(brief=message.strip()[:2000]), message.strip()))
    if intents and plan is not None and (obvious := match_intent(message, len(plan.scenes))) is not None:
        return Choice(obvious)  # an unambiguous edit (agent/intents.py): no model call, no misreading
    system, user = load_prompt("agent_action", language.value).render(video=describe(plan), message=message.strip())
    messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(user)]
    if deps.settings.llm.provider in NATIVE_TOOL_PROVIDERS:
        choice = _by_tool_call(messages, deps)
    else:
        choice = _by_schema(messages, deps)
    if plan is None and not isinstance(choice.action, CreateVideo | Reply | AskClarification) \
            and looks_like_brief(message, language):
        choice.action = CreateVideo(brief=message.strip()[:2000])  # no video yet: a whole idea is a brief
    choice.action = in_their_words(choice.action, message.strip())
    if (answer := check_against(choice.action, plan, language)) is not None:
        return Choice(answer, choice.attempts, choice.problems)
    return choice


def _by_schema(messages: list[BaseMessage], deps: Deps) -> Choice:
    return _ask(deps, json_model(deps, CHOICE_SCHEMA), messages, json_reader(_read_choice),
                "say it again more simply, or use a stronger model (--llm openai / ollama)")


def _by_tool_call(messages: list[BaseMessage], deps: Deps) -> Choice:
    model = deps.chat_model().bind_tools(list(ACTION_TYPES), tool_choice="any")
    return _ask(deps, model, messages, tool_call_reader(_read_tool_call),
                "say it again more simply, or check the provider's tool-calling support")


def _ask(deps: Deps, model: Runnable[Any, Any], messages: list[BaseMessage], read: Reader[BaseModel],
         fix: str) -> Choice:  # fmt: skip
    answer = ask_valid(deps, model, messages, read, stage="agent", what="action", fix=fix, error=ModelBehaviorError)
    return Choice(answer.value, answer.attempts, answer.problems)


def _read_choice(parsed: Any) -> tuple[BaseModel | None, list[str]]:
    if not isinstance(parsed, dict):
        return None, [f"the answer was not one JSON object ({type(parsed).__name__})"]
    return to_action(parsed)


def _read_tool_call(answer: AIMessage) -> tuple[BaseModel | None, list[str]]:
    if not answer.tool_calls:
        if isinstance(answer.content, str) and answer.content.strip():  # plain words: a reply
            return Reply(text=answer.content.strip()[:1000]), []
        return None, ["no tool was called"]
    call = answer.tool_calls[0]
    name = _tool_action_name(call["name"])
    return validate_action(name, call["args"])


def _tool_action_name(tool: str) -> str:
    """bind_tools names a pydantic tool after its class (RewriteScene); actions are snake_case."""
    for kind in ACTION_TYPES:
        if tool == kind.__name__:
            return str(kind.model_fields["action"].default)
    return tool


def as_json(action: BaseModel) -> str:
    return json.dumps(action.model_dump(mode="json"), ensure_ascii=False)
