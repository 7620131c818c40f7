"""A chat session: the conversation and which draft it is editing, saved after every turn so a page
reload, a crash or another process picks it up where it was (state lives in the project store, not in
the UI). One JSON file per session under `<home>/sessions/`, written atomically.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from reelcraft.errors import StoreError
from reelcraft.plan import Look
from reelcraft.storage.cache import atomic_write_text

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ChatMessage(BaseModel):
    role: Literal["user", "assistant"]
    text: str
    action: dict[str, Any] | None = None
    """The action the assistant took for this turn (assistant messages)."""
    draft_id: str | None = None
    version: int | None = None
    """The draft version this turn produced, if any."""
    changed: list[str] = Field(default_factory=list)
    """What differs from the previous version's plan."""
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class ChatSession(BaseModel):
    id: str
    draft_id: str | None = None
    """The draft being edited; None until the first video is made."""
    voice: str | None = None
    """The narrator the creator picked ('change the voice'); None: the language's default."""
    platform: str | None = None
    """Platform for a new video unless the message names one (the UI's sidebar sets it)."""
    language: str | None = None
    """Language for a new video unless the message names one; None: the brief's."""
    look: Look | None = None
    """Frame shape, caption style and brand for a new video (the UI's sidebar sets them); None: the defaults."""
    messages: list[ChatMessage] = Field(default_factory=list)
    owner: str | None = None
    """Who started it on a shared server (None: a single-user install, open to whoever runs it)."""
    project: str | None = None
    """The owner's project: its members may open the chat too."""
    media_dir: str | None = None
    """The folder of the photos and clips uploaded to this chat: its videos show them first."""
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class SessionStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, session_id: str) -> Path:
        if not _ID.match(session_id):
            raise StoreError(f"invalid session id {session_id!r}", "use letters, digits, '-' or '_' (≤ 64)")
        return self.root / f"{session_id}.json"

    def exists(self, session_id: str) -> bool:
        return self.path(session_id).is_file()

    def new_id(self) -> str:
        return uuid.uuid4().hex[:12]

    def load(self, session_id: str) -> ChatSession:
        """The saved session, or a fresh one under that id."""
        path = self.path(session_id)
        if not path.exists():
            return ChatSession(id=session_id)
        try:
            return ChatSession.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise StoreError(f"session file {path} is corrupt ({exc.error_count()} errors)",
                             "start a new chat; the drafts themselves are unharmed") from exc  # fmt: skip

    def save(self, session: ChatSession) -> None:
        atomic_write_text(self.path(session.id), session.model_dump_json(indent=2))

    def list(self) -> list[ChatSession]:
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
            try:
                found.append(ChatSession.model_validate_json(path.read_text(encoding="utf-8")))
            except ValidationError:
                continue
        return found
