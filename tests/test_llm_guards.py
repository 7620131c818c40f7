"""The suite's two LLM guards: a test that did not ask for the embedded model cannot reach it (in-process or
in a CLI it starts), and a scripted model's unused turns fail the test that made it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.models.llm import EMBEDDED_LLM_ENV, EmbeddedLLMForbidden, ScriptedChatModel, create_chat_model
from reelcraft.models.llm.fake import LEDGER_ENV, unused_turns

TESTS = Path(__file__).resolve().parent
SENTENCE = "this test reached the embedded LLM without asking for it: mark it @pytest.mark.embedded_llm"


def test_an_unmarked_test_gets_the_error_before_any_weights_load(tmp_path: Path) -> None:
    assert os.environ.get(EMBEDDED_LLM_ENV) == "forbid"
    started = time.perf_counter()
    with pytest.raises(EmbeddedLLMForbidden, match="mark it @pytest.mark.embedded_llm"):
        create_chat_model("local", models_dir=tmp_path / "no-weights-here")
    with pytest.raises(EmbeddedLLMForbidden, match="llm=ScriptedChatModel"):  # through the API, not swallowed
        Studio(Settings(home=tmp_path / "home")).plan("a budget morning routine for college students", trends=False)
    assert time.perf_counter() - started < 5 and not list(tmp_path.rglob("*.gguf"))


def test_a_cli_the_test_starts_is_guarded_too(tmp_path: Path) -> None:
    env = {**os.environ, "REELCRAFT_HOME": str(tmp_path / "home"), "REELCRAFT_MODELS_HOME": str(tmp_path / "models")}
    done = subprocess.run([sys.executable, "-m", "reelcraft.cli", "make", "a video about cats", "--duration", "10",
                           "--no-trends", "-o", str(tmp_path / "cats.mp4")],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert done.returncode != 0 and SENTENCE in " ".join(done.stderr.split()), done.stderr[-3000:]  # rich wraps
    assert not (tmp_path / "cats.mp4").exists()


@pytest.mark.embedded_llm
def test_a_marked_test_may_build_the_embedded_model() -> None:
    assert EMBEDDED_LLM_ENV not in os.environ  # no weights loaded here: the wiring is what is checked


def test_the_ledger_names_each_model_that_left_turns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LEDGER_ENV, str(tmp_path))  # a ledger of this test's own, not the suite's
    partly = ScriptedChatModel(turns=["first", {"answer": 2}])
    fully = ScriptedChatModel(turns=["only"])
    partly.invoke("hello")
    fully.invoke("hello")
    (problem,) = unused_turns(tmp_path)
    assert "used 1 of its 2 turns" in problem and '{"answer": 2}' in problem and "test_llm_guards.py" in problem
    assert unused_turns(tmp_path) == []  # read records are gone
    partly.invoke("again")  # a model that lives on is checked again once used
    assert unused_turns(tmp_path) == []


@pytest.mark.unused_turns(reason="the opt-out itself is under test: its surplus turn is the point")
def test_a_marked_test_may_leave_turns() -> None:
    ScriptedChatModel(turns=["never asked"])


def test_a_surplus_turn_fails_the_test_that_made_it(tmp_path: Path) -> None:
    """Run in a pytest of its own with this suite's conftest, as a developer's test would be."""
    (tmp_path / "test_inner.py").write_text(textwrap.dedent("""
        import pytest
        from reelcraft.models.llm import ScriptedChatModel

        def test_surplus():
            ScriptedChatModel(turns=["used", "surplus turn"]).invoke("hi")

        def test_exact():
            ScriptedChatModel(turns=["used"]).invoke("hi")

        @pytest.mark.unused_turns
        def test_opt_out_without_a_reason():
            ScriptedChatModel(turns=["surplus"])
    """), encoding="utf-8")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-q", "-p", "no:cacheprovider",
                           "-c", str(TESTS.parent / "pyproject.toml"), "--rootdir", str(tmp_path),
                           str(tmp_path / "test_inner.py")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)  # fmt: skip
    out = done.stdout
    assert "3 passed, 2 errors" in out and "warning" not in out, out[-3000:]  # a teardown error follows a pass
    assert "ERROR at teardown of test_surplus" in out and "used 1 of its 2 turns" in out and "surplus turn" in out
    assert "ERROR at teardown of test_opt_out_without_a_reason" in out and "needs a reason" in out
