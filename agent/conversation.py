"""The chat agent: a langgraph graph whose state is the session and its current `Draft`.

    choose ──▶ apply ──▶ respond        (an edit: a new preview version of the draft)
       └────────────────▶ respond        (an answer or one clarifying question: nothing changes)

`choose` turns the message into one typed action (agent/planner.py); `apply` runs it through the tools'
typed interfaces and renders a new version, so only what changed is re-made (every asset is cached by
its inputs); `respond` reports what was done in the video's language. A failure in `apply` is answered
with the stage and the fix, and the draft stays as it was: versions are never overwritten.
"""

from __future__ import annotations

import difflib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel, Field

from reelcraft.agent import replies
from reelcraft.agent.actions import (
    AddAspectVersion,
    AskClarification,
    ChangeLook,
    ChangeVoice,
    CreateVideo,
    FixWeakest,
    RenderFinal,
    Reply,
)
from reelcraft.agent.edits import edited_plan, fix_weakest
from reelcraft.agent.planner import choose_action, is_topic
from reelcraft.agent.session import ChatMessage, ChatSession, SessionStore
from reelcraft.errors import ModerationBlocked, ReelcraftError
from reelcraft.plan import Draft, Language, VideoPlan, detect_language, plan_diff
from reelcraft.prompts import load_prompt
from reelcraft.tools.score import ScorePart

if TYPE_CHECKING:
    from reelcraft.agent.maker import VideoMaker

LEAK_CHARS = 40
"""A reply sharing this many consecutive characters with the system prompt is the prompt leaking."""
STORED_MESSAGE_CHARS = 4000


class ChatTurn(BaseModel):
    session_id: str
    reply: str
    action: dict[str, Any] | None = None
    draft: Draft | None = None
    """The session's draft after this turn (the new version when one was made)."""
    new_version: bool = False
    changed: list[str] = Field(default_factory=list)
    """Plan paths that differ from the previous version ('scenes[2].voiceover')."""
    error: dict[str, str] | None = None
    """When the turn could not do what was asked: the stage that failed and why (the reply says it too)."""
    cache: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Cache hits and misses per step during this turn: what was re-made and what was reused."""
    seconds: float = 0.0


class TurnState(TypedDict, total=False):
    message: str
    session: ChatSession
    draft: Draft | None
    action: BaseModel
    new_draft: Draft | None
    reply: str
    changed: list[str]
    fixed: ScorePart | None
    """For "fix the weakest part": the part that was fixed (None when nothing was weak)."""
    error: dict[str, str]
    """The stage and message of an error the reply explains."""


class Conversation:
    def __init__(self, studio: VideoMaker) -> None:
        self.studio = studio
        self.sessions = SessionStore(studio.settings.sessions_dir)
        graph = StateGraph(TurnState)
        graph.add_node("choose", self._choose)
        graph.add_node("apply", self._apply)
        graph.add_node("respond", self._respond)
        graph.add_edge(START, "choose")
        graph.add_conditional_edges("choose", self._route, {"apply": "apply", "respond": "respond"})
        graph.add_edge("apply", "respond")
        graph.add_edge("respond", END)
        self.graph = graph.compile()
        self._stats_before: dict[str, dict[str, int]] = {}

    def turn(self, session_id: str, message: str) -> ChatTurn:
        started = time.perf_counter()
        before = self._stats_before = self.studio.cache_stats()
        session = self.sessions.load(session_id)
        draft = self.studio.store.load(session.draft_id) if session.draft_id else None
        said = ChatMessage(role="user", text=message[:STORED_MESSAGE_CHARS])
        if not (session.messages and session.messages[-1].role == "user" and session.messages[-1].text == said.text):
            session.messages.append(said)  # (a turn run again after a crash finds its message already there)
            self.sessions.save(session)  # the message survives even if the turn crashes
        state: TurnState = self.graph.invoke({"message": message, "session": session, "draft": draft})
        session = state["session"]  # as the nodes left it (a voice choice, say)
        new = state.get("new_draft")
        current = new or draft
        if new is not None:
            session.draft_id = new.id
        session.messages.append(ChatMessage(
            role="assistant", text=state["reply"], action=state["action"].model_dump(mode="json"),
            draft_id=current.id if current else None, version=current.version if current else None,
            changed=state.get("changed", []),
        ))  # fmt: skip
        self.sessions.save(session)
        return ChatTurn(session_id=session.id, reply=state["reply"], action=state["action"].model_dump(mode="json"),
                        draft=current, new_version=new is not None, changed=state.get("changed", []),
                        error=state.get("error"),
                        cache=_delta(before, self.studio.cache_stats()),
                        seconds=round(time.perf_counter() - started, 2))  # fmt: skip

    # -- nodes -----------------------------------------------------------------------------------------
    def _choose(self, state: TurnState) -> TurnState:
        draft = state.get("draft")
        plan = draft.plan if draft else None
        try:
            action = choose_action(state["message"], plan, self.studio.deps).action
        except ReelcraftError as exc:
            return {"action": Reply(text=self._failed(exc, plan, state["message"])), "error": _error(exc)}
        if isinstance(action, AskClarification) and _asked_last_turn(state["session"]):
            # at most one question: the second time, go ahead with what was said and sensible defaults
            action = CreateVideo(brief=" ".join(_recent_user_texts(state["session"], 2))[:2000])
        if isinstance(action, Reply) and _leaks(action.text, self._system_prompt(plan, state["message"])):
            action = Reply(text=replies.say("private", _language(plan, state["message"])))
        return {"action": action}

    def _route(self, state: TurnState) -> str:
        return "respond" if isinstance(state["action"], Reply | AskClarification) else "apply"

    def _apply(self, state: TurnState) -> TurnState:
        action, draft, session = state["action"], state.get("draft"), state["session"]
        try:
            if isinstance(action, CreateVideo):
                return self._create(action, session)
            assert draft is not None  # choose_action answers edits before any video
            if isinstance(action, ChangeVoice):
                session.voice = action.voice
            if isinstance(action, FixWeakest):
                plan, fixed = fix_weakest(draft.plan, draft.brief, self.studio.deps)
                if fixed is None:
                    return {"reply": replies.say("nothing_weak", draft.plan.language)}
            else:
                plan, fixed = edited_plan(action, draft.plan, self.studio.deps, brief=draft.brief), None
                if isinstance(action, ChangeLook) and plan.look.brand is not None \
                        and plan.look.brand != draft.plan.look.brand:  # 'use our brand': its style and mood too
                    plan = self.studio.apply_brand(plan, plan.look.brand)
            profile = "final" if isinstance(action, RenderFinal) else "preview"
            sibling = isinstance(action, AddAspectVersion)  # a second video: the first one stays as it is
            new = self.studio.render(plan, brief=draft.brief, draft_id=None if sibling else draft.id,
                                     voice=session.voice, profile=profile, media_dir=_media(session))  # fmt: skip
        except ReelcraftError as exc:
            if isinstance(action, ChangeVoice):
                session.voice = None
            return {"reply": self._failed(exc, draft.plan if draft else None, state["message"]), "error": _error(exc)}
        return {"new_draft": new, "changed": plan_diff(draft.plan, new.plan), "fixed": fixed}

    def _respond(self, state: TurnState) -> TurnState:
        """The reply, with what moderation rewrote or flags in a new version (what was there before is not
        repeated)."""
        result = self._reply(state)
        new, old = state.get("new_draft"), state.get("draft")
        if new is None or not new.flags:
            return result
        seen = {(f.field, f.scene, f.span, f.status) for f in (old.flags if old is not None else [])}
        fresh = [f for f in new.flags if (f.field, f.scene, f.span, f.status) not in seen]
        if not fresh:
            return result
        return {"reply": f"{result.get('reply', state.get('reply', ''))}\n\n"
                         f"{replies.moderation_lines(fresh, new.plan.language)}"}  # fmt: skip

    def _reply(self, state: TurnState) -> TurnState:
        if "reply" in state:
            return {}
        action = state["action"]
        if isinstance(action, Reply):
            return {"reply": action.text}
        if isinstance(action, AskClarification):
            return {"reply": action.question}
        new = state["new_draft"]
        assert new is not None
        language = new.plan.language
        if isinstance(action, CreateVideo):
            return {"reply": self._created_text(action, new, state["session"])}
        if isinstance(action, RenderFinal):
            preset = new.plan.preset
            return {"reply": replies.say("final", language, width=preset.width, height=preset.height,
                                         version=new.version)}  # fmt: skip
        if isinstance(action, AddAspectVersion):
            hits = sum(v.get("hits", 0) for v in _delta(self._stats_before, self.studio.cache_stats()).values())
            preset, old = new.plan.preset, state["draft"]
            return {"reply": replies.say("aspect_version", language, aspect=action.aspect, width=preset.width,
                                         height=preset.height, hits=hits,
                                         old=old.plan.aspect.value if old else "")}  # fmt: skip
        if not state.get("changed"):
            return {"reply": replies.say("unchanged", language, version=new.version)}
        if (fixed := state.get("fixed")) is not None:
            return {"reply": replies.say("fixed_weakest", language, part=fixed.name, reason=fixed.reason,
                                         version=new.version,
                                         changed=replies.describe_changes(state["changed"], language))}
        hits = sum(v.get("hits", 0) for v in _delta(self._stats_before, self.studio.cache_stats()).values())
        return {"reply": replies.say("edited" if hits else "edited_all", language, version=new.version, hits=hits,
                                     changed=replies.describe_changes(state["changed"], language))}  # fmt: skip

    # -- actions -----------------------------------------------------------------------------------------
    def _create(self, action: CreateVideo, session: ChatSession) -> TurnState:
        plan = self.studio.plan(action.brief, duration=action.duration or 30,
                                language=action.language or session.language,
                                platform=action.platform or session.platform or "tiktok")  # fmt: skip
        if session.look is not None:
            plan = plan.model_copy(update={"look": session.look})
            if session.look.brand is not None:
                plan = self.studio.apply_brand(plan, session.look.brand)
        draft = self.studio.render(plan, brief=action.brief, voice=session.voice, profile="preview",
                                   media_dir=_media(session))  # fmt: skip
        return {"new_draft": draft, "changed": []}

    def _created_text(self, action: CreateVideo, draft: Draft, session: ChatSession) -> str:
        language = draft.plan.language
        chosen = []
        if action.duration is None:
            chosen.append("30 秒" if language == Language.ZH else "30 seconds")
        if action.platform is None and session.platform is None:
            chosen.append("竖屏 TikTok/抖音格式" if language == Language.ZH else "vertical TikTok format")
        defaults = replies.say("defaults", language, what="、".join(chosen) if language == Language.ZH
                               else " and ".join(chosen)) if chosen else ""  # fmt: skip
        if is_topic(action.brief, language) and draft.plan.format:  # one word: say what was made of it
            from reelcraft.tools.formats import formats

            fmt = formats()[draft.plan.format]
            mood = draft.plan.music_mood.replace("_", " ")
            defaults = replies.say("assumed", language, brief=action.brief.strip(), format=fmt.label[language],
                                   summary=fmt.summary[language], mood=mood) + defaults  # fmt: skip
        return replies.say("created", language, defaults=defaults, **replies.summary(draft))

    # -- helpers -----------------------------------------------------------------------------------------
    def _failed(self, exc: ReelcraftError, plan: VideoPlan | None, message: str) -> str:
        if isinstance(exc, ModerationBlocked):
            return replies.blocked(exc.flags, exc.policy, _language(plan, message))  # type: ignore[arg-type]
        fix = f"{exc.fix[0].upper()}{exc.fix[1:]}." if exc.fix else ""
        return replies.say("failed", _language(plan, message), message=f"[{exc.stage}] {exc.message}", fix=fix)

    def _system_prompt(self, plan: VideoPlan | None, message: str) -> str:
        return load_prompt("agent_action", _language(plan, message).value).system


def _language(plan: VideoPlan | None, message: str) -> Language:
    return plan.language if plan is not None else detect_language(message)


def _leaks(text: str, system: str) -> bool:
    match = difflib.SequenceMatcher(None, text, system, autojunk=False).find_longest_match()
    return match.size >= LEAK_CHARS


def _asked_last_turn(session: ChatSession) -> bool:
    answers = [m for m in session.messages if m.role == "assistant"]
    return bool(answers) and (answers[-1].action or {}).get("action") == "ask_clarification"


def _recent_user_texts(session: ChatSession, count: int) -> list[str]:
    return [m.text for m in session.messages if m.role == "user"][-count:]


def _delta(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {step: {k: v - before.get(step, {}).get(k, 0) for k, v in counts.items()}
            for step, counts in after.items()
            if any(v - before.get(step, {}).get(k, 0) for k, v in counts.items())}  # fmt: skip


def _media(session: ChatSession) -> Path | None:
    """The chat's uploads, when there are any left on disk."""
    folder = Path(session.media_dir) if session.media_dir else None
    return folder if folder is not None and folder.is_dir() and any(folder.iterdir()) else None


def _error(exc: ReelcraftError) -> dict[str, str]:
    return {"stage": exc.stage, "message": exc.message, "fix": exc.fix}
