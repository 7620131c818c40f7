"""`reelcraft review …` end to end in a subprocess: accounts, a project, a reviewer's comment and approval,
a viewer refused, the JSON list, an export of a really rendered draft, and the audit log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EN_PLAN, EN_TURNS
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.models.llm import ScriptedChatModel

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("review-cli-home")
    studio = Studio(Settings(home=home, models_home=models_home), llm=ScriptedChatModel(turns=EN_TURNS))
    draft = studio.create("a budget morning routine for college students", duration=30, profile="preview",
                          trends=False)  # fmt: skip
    return home, draft.id


def review(home: Path, user: str | None, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REELCRAFT_HOME": str(home), "REELCRAFT_PASSWORD": password}
    command = [sys.executable, "-m", "reelcraft.cli", "review", *args, *(["--user", user] if user else [])]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_a_review_round_from_the_command_line(home: tuple[Path, str], tmp_path: Path) -> None:
    folder, draft_id = home
    for name in ("olivia", "rita", "vic"):
        assert review(folder, None, "user", "add", name).returncode == 0
    created = review(folder, "olivia", "project", "create", "spring campaign")
    project = created.stdout.strip()
    assert created.returncode == 0 and len(project) == 12
    assert review(folder, "olivia", "project", "member", project, "rita", "reviewer").returncode == 0
    assert review(folder, "olivia", "project", "member", project, "vic", "viewer").returncode == 0
    saved = review(folder, "olivia", "save", draft_id, "--project", project)
    assert saved.returncode == 0 and f"{draft_id}@1 saved (draft)" in saved.stderr

    listed = json.loads(review(folder, "rita", "list", "--json").stdout)
    assert listed == [{"id": draft_id, "version": 1, "status": "draft", "title": EN_PLAN["title"], "project": project}]
    assert json.loads(review(folder, "vic", "list", "--json").stdout)[0]["id"] == draft_id  # viewers see it

    refused = review(folder, "vic", "comment", draft_id, "love it")
    assert refused.returncode == 2 and "review failed" in refused.stderr and "a viewer cannot comment" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert review(folder, "rita", "comment", f"{draft_id}@1", "funnier, please", "--scene", "2").returncode == 0
    assert review(folder, "olivia", "submit", draft_id).returncode == 0
    approved = review(folder, "rita", "approve", f"{draft_id}@1")
    assert approved.returncode == 0 and "is approved" in approved.stderr
    shown = review(folder, "vic", "show", draft_id).stdout
    assert "approved" in shown and "rita on scene 2: funnier, please" in shown

    exported = review(folder, "rita", "export", f"{draft_id}@1", "-o", str(tmp_path / "bundles"))
    assert exported.returncode == 0, exported.stderr
    bundle = Path(exported.stdout.strip())
    assert bundle == tmp_path / "bundles" / f"{draft_id}-v1" and (bundle / "timeline.otio").is_file()
    assert json.loads(review(folder, "rita", "list", "--json").stdout)[0]["status"] == "exported"

    wrong = review(folder, "rita", "list", password="guess guess guess")
    assert wrong.returncode == 2 and "wrong user name or password" in wrong.stderr
    log = json.loads(review(folder, "olivia", "audit", project, "--json").stdout)
    assert [e["action"] for e in log if e["action"].startswith("status.")] == [
        "status.in_review", "status.approved", "status.exported"]
    assert PASSWORD not in (folder / "review" / "review.db").read_bytes().decode("latin-1")
