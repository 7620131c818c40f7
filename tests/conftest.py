"""Shared fixtures and three guards: any unplanned network call fails (only loopback is allowed); a test
that reaches the embedded LLM without `@pytest.mark.embedded_llm` fails at once; a scripted model that
leaves turns unused fails its test (unless `@pytest.mark.unused_turns(reason=...)` says why)."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from reelcraft.config import Settings

if TYPE_CHECKING:
    from reelcraft.review.service import Actor, ReviewService
from reelcraft.models.llm import EMBEDDED_LLM_ENV
from reelcraft.models.llm.fake import LEDGER_ENV, unused_turns

_LEDGER = pytest.StashKey[Path]()
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if isinstance(host, str):
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise AssertionError(f"test tried to reach the network: {address}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


def pytest_configure(config: pytest.Config) -> None:
    """One ledger folder for the run, in the environment so the CLI and UI processes tests start use it too."""
    ledger = Path(tempfile.mkdtemp(prefix="reelcraft-scripted-"))
    config.stash[_LEDGER] = ledger
    os.environ[LEDGER_ENV] = str(ledger)


SERVER_MARKS = (b"reelcraft.ui.server", b"streamlit")


def servers_left(ledger: Path) -> list[tuple[int, str]]:
    """UI servers still alive that this run started (they carry its ledger in their environment)."""
    marker = f"{LEDGER_ENV}={ledger}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            if not any(mark in command for mark in SERVER_MARKS) or marker not in (entry / "environ").read_bytes():
                continue
        except OSError:
            continue
        found.append((int(entry.name), command.replace(b"\0", b" ").decode(errors="replace")[:200]))
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No UI server a test started may outlive the suite: name and kill any, and fail the run."""
    ledger = session.config.stash.get(_LEDGER, None)
    left = servers_left(ledger) if ledger is not None else []
    for pid, _ in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if left:
        lines = "\n".join(f"  pid {pid}: {command}" for pid, command in left)
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"UI servers outlived the tests (killed now):\n{lines}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    ledger = config.stash.get(_LEDGER, None)
    if ledger is not None:
        shutil.rmtree(ledger, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    """The embedded LLM is forbidden unless the test is marked `embedded_llm`. Set around the whole protocol
    (not in a fixture) so fixtures of every scope, and the processes they start, see it too."""
    before = os.environ.get(EMBEDDED_LLM_ENV)
    if item.get_closest_marker("embedded_llm") is None:
        os.environ[EMBEDDED_LLM_ENV] = "forbid"
    else:
        os.environ.pop(EMBEDDED_LLM_ENV, None)
    try:
        return (yield)
    finally:
        if before is None:
            os.environ.pop(EMBEDDED_LLM_ENV, None)
        else:
            os.environ[EMBEDDED_LLM_ENV] = before


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, object, object]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[call.when] = report  # type: ignore[assignment]
    return report


@pytest.fixture(autouse=True)
def _scripted_turns_all_used(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every scripted model that lived during the test (its fixtures' too) used its whole script: a turn
    nobody asked for means the code made fewer LLM calls than the test believes."""
    yield
    problems = unused_turns(request.config.stash[_LEDGER])
    reports = request.node.stash.get(_REPORTS, {})
    if not problems or any(r.failed for r in reports.values()):  # a failed test stops early: no extra noise
        return
    opt_out = request.node.get_closest_marker("unused_turns")
    if opt_out is not None:
        if not (opt_out.kwargs.get("reason") or opt_out.args):
            pytest.fail("@pytest.mark.unused_turns needs a reason: say why the surplus turns are the point",
                        pytrace=False)  # fmt: skip
        return
    advice = "remove the surplus turns, or mark the test @pytest.mark.unused_turns(reason=...) saying why they stay"
    pytest.fail("\n".join([*problems, advice]), pytrace=False)


@pytest.fixture(scope="session")
def models_home() -> Path:
    """Joined embedded-model weights are shared by all tests (1 GB: join once)."""
    path = Path(os.environ.get("REELCRAFT_TEST_MODELS", Path.home() / ".reelcraft" / "models"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def settings(tmp_path: Path, models_home: Path) -> Settings:
    return Settings(home=tmp_path / "home", models_home=models_home)


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-home")


# -- the review store on SQLite and on a real Postgres (shared by the review and brand tests) -------------------------

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    from postgres_server import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def review(request: pytest.FixtureRequest, tmp_path: Path) -> ReviewService:
    from sqlalchemy import text

    from reelcraft.review.db import open_engine
    from reelcraft.review.service import ReviewService

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'review.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = open_engine(url)
        with engine.begin() as connection:  # a clean schema for every test
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    return ReviewService.open(url, tmp_path / "media")


@pytest.fixture
def team(review: ReviewService) -> dict[str, Actor]:
    from reelcraft.review.tables import Role

    people = {name: review.create_user(name, PASSWORD) for name in ("olivia", "eddie", "erin", "rita", "vic", "otto")}
    project = review.create_project(people["olivia"], "spring campaign")
    for name, role in (("eddie", Role.EDITOR), ("erin", Role.EDITOR), ("rita", Role.REVIEWER), ("vic", Role.VIEWER)):
        review.add_member(people["olivia"], project, name, role)
    people["project"] = project  # type: ignore[assignment]
    return people


