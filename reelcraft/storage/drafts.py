"""Draft storage: `drafts/<id>/v<N>/` holds a version's files and its `draft.json`.

Versions are never overwritten: an edit makes a new version, so any one can be replayed or compared.
(The team-review issue moves the index to SQL; media stays in folders.)
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from pydantic import ValidationError

from reelcraft.errors import StoreError
from reelcraft.plan import Draft, VideoPlan
from reelcraft.storage.cache import atomic_write_text

_ID = re.compile(r"^[a-z0-9-]{4,64}$")


class DraftStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def version_dir(self, draft_id: str, version: int) -> Path:
        return self.root / draft_id / f"v{version}"

    def versions(self, draft_id: str) -> list[int]:
        folder = self.root / draft_id
        if not folder.is_dir():
            return []
        found = (int(p.name[1:]) for p in folder.iterdir() if p.name[1:].isdigit() and (p / "draft.json").exists())
        return sorted(found)

    def new_version(self, draft_id: str | None, *, plan: VideoPlan, brief: str) -> Draft:
        """Reserve the next version folder of a draft (a new draft when `draft_id` is None)."""
        if draft_id is None:
            draft_id = uuid.uuid4().hex[:12]
        elif not _ID.match(draft_id):
            raise StoreError(f"invalid draft id {draft_id!r}", "use the id printed when the draft was made")
        version = max(self.versions(draft_id), default=0) + 1
        folder = self.version_dir(draft_id, version)
        folder.mkdir(parents=True, exist_ok=True)
        return Draft(id=draft_id, version=version, plan=plan, brief=brief)

    def save(self, draft: Draft) -> Path:
        path = self.version_dir(draft.id, draft.version) / "draft.json"
        atomic_write_text(path, draft.model_dump_json(indent=2))
        return path

    def load(self, draft_id: str, version: int | None = None) -> Draft:
        versions = self.versions(draft_id)
        if not versions:
            raise StoreError(f"no draft {draft_id!r} in {self.root}", "list drafts with `reelcraft drafts`")
        chosen = version or versions[-1]
        path = self.version_dir(draft_id, chosen) / "draft.json"
        try:
            return Draft.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(f"draft {draft_id} has no version {chosen}", f"versions: {versions}") from None
        except ValidationError as exc:
            raise StoreError(f"{path} is corrupt: {exc.error_count()} errors", "re-render the draft") from exc

    def list(self) -> list[Draft]:
        if not self.root.is_dir():
            return []
        return [self.load(p.name) for p in sorted(self.root.iterdir()) if self.versions(p.name)]
