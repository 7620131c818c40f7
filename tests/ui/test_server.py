"""The real team server (`reelcraft ui`, which execs the server), over HTTP, a websocket and a real browser:

- with sign-in required, nothing but the sign-in and the probes answers without the cookie; the cookie is HttpOnly
  and expires; the logs are JSON lines with request ids and no password or key;
- user B cannot open user A's chat by its link;
- SIGTERM stops the server and everything it started within 10 s, even mid-render, and frees the port; the job it
  was running runs again when the server comes back, and finishes once;
- a SIGKILLed server's job is re-run the same way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_server import alive, descendants, free_port, launch_chromium, port_free, start_ui, stop_ui

from helpers import EN_BRIEF, EN_TURNS
from reelcraft.config import Settings

PASSWORD = "correct horse battery"
API_KEY = "sk-test-never-log-this-4242"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _sign_in(base: str, name: str, password: str, next_path: str = "/") -> tuple[int, dict[str, str]]:
    data = urllib.parse.urlencode({"name": name, "password": password, "next": next_path}).encode()
    request = urllib.request.Request(f"{base}/login", data=data, method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as answer:
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> Iterator[tuple[str, Path]]:
    """A server that requires sign-in, with two users, ann and bob."""
    from reelcraft.review.service import ReviewService

    work = tmp_path_factory.mktemp("team-server")
    settings = Settings(home=work / "home", models_home=models_home)
    review = ReviewService.from_settings(settings)
    for name in ("ann", "bob"):
        review.create_user(name, PASSWORD)
    (work / "turns.json").write_text("[]", encoding="utf-8")
    env = {**os.environ, "REELCRAFT_HOME": str(settings.home), "REELCRAFT_MODELS_HOME": str(models_home),
           "REELCRAFT_LLM__PROVIDER": "fake", "REELCRAFT_LLM__FAKE_TURNS": str(work / "turns.json"),
           "REELCRAFT_SERVER__SIGN_IN": "on", "REELCRAFT_LLM__API_KEY": API_KEY,
           "REELCRAFT_SERVER__UPLOAD_MB": "1"}  # fmt: skip
    process, url = start_ui(env, work / "server.log")
    yield url, work
    assert stop_ui(process) < 10


def test_without_sign_in_only_the_sign_in_and_the_probes_answer(team_server: tuple[str, Path]) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url, _ = team_server
    status, headers, _ = _get(f"{url}/?session=abc")
    assert status == 303 and headers["location"] == "/login?next=%2F%3Fsession%3Dabc"
    assert _get(f"{url}/review")[0] == 303
    for path in ("/media/0123456789abcdef.mp4", "/_stcore/upload_file/x/y", "/_stcore/host-config",
                 "/app/static/x.png"):  # fmt: skip
        assert _get(f"{url}{path}")[0] == 401, path
    for path in ("/static/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/media/../../../etc/passwd",
                 "/login/../media/x.mp4", "/healthz/../_stcore/host-config", "/login%2f..%2fmedia/x.mp4"):
        status, _, body = _get(f"{url}{path}")
        assert status in (303, 400, 401, 404) and b"root:" not in body, path
    with pytest.raises(InvalidStatus) as refused:
        connect(url.replace("http", "ws") + "/_stcore/stream", open_timeout=10).close()
    assert refused.value.response.status_code == 403
    assert _get(f"{url}/healthz")[0] == 200 and _get(f"{url}/_stcore/health")[0] == 200
    status, _, body = _get(f"{url}/login")
    assert status == 200 and b'type="password"' in body
    forged = "reelcraft_session=eyJpZCI6MSwibmFtZSI6ImFubiJ9.Zz9xAA.forgedsignature"
    assert _get(f"{url}/", cookie=forged)[0] == 303


def test_sign_in_sets_an_httponly_cookie_that_expires_and_opens_the_pages(team_server: tuple[str, Path]) -> None:
    url, work = team_server
    status, _ = _sign_in(url, "ann", "wrong password")
    assert status == 401
    status, headers = _sign_in(url, "ann", PASSWORD, next_path="//evil.example/steal")
    assert status == 303 and headers["location"] == "/"  # no open redirect
    cookie = headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")}
    assert "httponly" in attributes and attributes["samesite"].lower() == "samesite=lax"
    assert attributes["max-age"] == f"Max-Age={12 * 3600}" and "path" in attributes
    session = cookie.split(";")[0]
    assert _get(f"{url}/", cookie=session)[0] == 200
    status, _, body = _get(f"{url}/readyz", cookie=session)
    assert status == 200 and json.loads(body)["checks"]["ffmpeg"]["ok"]
    logs = [json.loads(line) for line in (work / "home" / "logs" / "server.jsonl").read_text().splitlines()]
    assert any(e["msg"] == "signed in" and e["user"] == "ann" for e in logs)
    assert all(e["request_id"] for e in logs if e["msg"] == "request")
    everything = (work / "home" / "logs" / "server.jsonl").read_text() + (work / "server.log").read_text()
    assert PASSWORD not in everything and "wrong password" not in everything and API_KEY not in everything
    assert session.split("=", 1)[1] not in everything  # nor the cookie itself


def test_user_b_cannot_open_user_as_chat_by_its_link(team_server: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, _ = team_server
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        ann = browser.new_context().new_page()
        ann.goto(f"{url}/?session=ann-private-chat")
        expect(ann.locator("input[name=name]")).to_be_visible(timeout=30_000)  # sent to the sign-in first
        ann.fill("input[name=name]", "ann")
        ann.fill("input[name=password]", PASSWORD)
        ann.click("button[type=submit]")
        expect(ann.get_by_text("Signed in as")).to_be_visible(timeout=60_000)
        assert "session=ann-private-chat" in ann.url  # back where the link pointed
        expect(ann.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=30_000)
        cookies = ann.context.cookies()
        mine = next(c for c in cookies if c["name"] == "reelcraft_session")
        assert mine["httpOnly"] and mine["expires"] > time.time() + 11 * 3600
        assert ann.evaluate("() => document.cookie").find("reelcraft_session") < 0  # scripts cannot read it
        ann.reload()  # the sign-in survives a reload
        expect(ann.get_by_text("Signed in as")).to_be_visible(timeout=60_000)

        bob = browser.new_context().new_page()
        bob.goto(f"{url}/login")
        bob.fill("input[name=name]", "bob")
        bob.fill("input[name=password]", PASSWORD)
        bob.click("button[type=submit]")
        expect(bob.get_by_text("Signed in as")).to_be_visible(timeout=60_000)
        bob.goto(f"{url}/?session=ann-private-chat")
        expect(bob.get_by_text("no chat 'ann-private-chat'")).to_be_visible(timeout=60_000)
        expect(bob.get_by_test_id("stChatInputTextArea")).to_have_count(0)
        bob.screenshot(path=str(tmp_path / "bob-refused.png"))
        browser.close()


def _browser_sign_in(browser, url: str, name: str):  # noqa: ANN001, ANN202
    from playwright.sync_api import expect

    page = browser.new_context().new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=60_000)
    return page


def test_uploads_are_refused_by_content_and_size_and_kept_in_the_users_project(team_server: tuple[str, Path],
                                                                               tmp_path: Path) -> None:  # fmt: skip
    import io
    import zipfile

    from PIL import Image
    from playwright.sync_api import expect, sync_playwright

    url, work = team_server
    html = tmp_path / "clip.mp4"
    html.write_bytes(b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 50_000_000)
    (tmp_path / "bomb.mp4").write_bytes(bomb.getvalue())
    big = tmp_path / "big.jpg"
    Image.effect_noise((1200, 1200), 90).convert("RGB").save(big, quality=100)  # about 1.5 MB, over the 1 MB limit
    assert big.stat().st_size > 2**20
    photo = tmp_path / "photo.png"
    Image.new("RGB", (320, 240), (240, 120, 30)).save(photo, "JPEG")  # a JPEG named .png
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = _browser_sign_in(browser, url, "ann")
        page.goto(f"{url}/?session=ann-uploads")
        picker = page.locator("[data-testid='stFileUploaderDropzoneInput']")
        expect(picker).to_be_attached(timeout=60_000)
        picker.set_input_files([str(html), str(tmp_path / "bomb.mp4"), str(photo)])
        expect(page.get_by_text("its contents are HTML or XML text")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("its contents are a zip archive")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Uploaded: photo.jpg")).to_be_visible(timeout=60_000)
        picker.set_input_files(str(big))
        expect(page.get_by_text("1.0MB", exact=False).first).to_be_visible(timeout=60_000)  # Streamlit's own limit
        page.screenshot(path=str(tmp_path / "uploads.png"))
        browser.close()
    stored = sorted(p.relative_to(work / "home") for p in (work / "home").rglob("*") if p.is_file()
                    and p.name in ("photo.jpg", "clip.mp4", "bomb.mp4", "big.jpg", "photo.png"))  # fmt: skip
    assert len(stored) == 1 and stored[0].name == "photo.jpg" and "uploads/chat-ann-uploads" in str(stored[0])


def test_user_b_cannot_fetch_user_as_files_by_guessing_paths(team_server: tuple[str, Path]) -> None:
    url, work = team_server
    _, headers = _sign_in(url, "bob", PASSWORD)
    bob = headers["set-cookie"].split(";")[0]
    secret = work / "home" / "review" / "review.db"  # the store itself, and a cookie key: never served
    for target in (secret, work / "home" / "secrets" / "cookie.key"):
        for path in (str(target), f"/app/static/{target.name}", f"/media/{target.name}",
                     f"/static/../../../..{target}", f"/_stcore/{target.name}"):  # fmt: skip
            status, _, body = _get(f"{url}/{path.lstrip('/')}", cookie=bob)
            assert target.read_bytes()[:64] not in body and b"SQLite format" not in body, (path, status)
    assert _get(f"{url}/media/{'ab' * 28}.mp4", cookie=bob)[0] == 404


# -- stopping and crashing mid-render ---------------------------------------------------------------------


def _server_env(work: Path, models_home: Path) -> dict[str, str]:
    (work / "turns.json").write_text(json.dumps(EN_TURNS), encoding="utf-8")
    return {**os.environ, "REELCRAFT_HOME": str(work / "home"), "REELCRAFT_MODELS_HOME": str(models_home),
            "REELCRAFT_LLM__PROVIDER": "fake", "REELCRAFT_LLM__FAKE_TURNS": str(work / "turns.json")}  # fmt: skip


def _wait_for_render(server_pid: int, timeout_s: float = 300) -> list[int]:
    """The server's processes once an ffmpeg of the render runs under it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        family = descendants(server_pid)
        for pid in family:
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"ffmpeg" in command and b"segment-" in command:
                return family
        time.sleep(0.2)
    raise AssertionError("no render started")


@pytest.mark.slow
@pytest.mark.unused_turns(reason="the restarted server reads the script afresh, and the plan the first one wrote "
                                  "comes from the asset cache: no turn of it is needed (the cache is the point)")
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_server_stopped_mid_render_runs_the_job_again_and_finishes_it_once(how: str, tmp_path: Path,
                                                                             models_home: Path) -> None:  # fmt: skip
    from reelcraft.review.jobs import JobStatus, JobStore
    from reelcraft.studio import Studio

    env = _server_env(tmp_path, models_home)
    settings = Settings(home=tmp_path / "home", models_home=models_home)
    job = JobStore(settings.review_db_url).submit(user="local", session_id="stopped-chat",
                                                  request={"text": EN_BRIEF})  # fmt: skip
    port = free_port()
    process, _ = start_ui(env, tmp_path / "server.log", port=port)
    family = _wait_for_render(process.pid)
    if how == "SIGTERM":
        assert stop_ui(process) < 10  # the server, its ffmpeg and its workers, all gone
    else:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 30  # orphans end on their own: their pipes close with the server
        while time.monotonic() < deadline and any(alive(p) for p in family):
            time.sleep(0.2)
    assert not [p for p in family if alive(p)], "a process of the stopped server lives on"
    assert port_free(port)
    assert JobStore(settings.review_db_url).get(job.id).status == JobStatus.RUNNING  # left as it was

    process, url = start_ui(env, tmp_path / "server.log", port=port)  # the same port: it was freed
    try:
        deadline = time.monotonic() + 600
        while (info := JobStore(settings.review_db_url).get(job.id)).status != JobStatus.DONE:
            assert info.status in (JobStatus.QUEUED, JobStatus.RUNNING), info
            assert time.monotonic() < deadline
            time.sleep(1)
        from playwright.sync_api import expect, sync_playwright

        with sync_playwright() as playwright:  # the user's page, reloaded, shows the result
            browser = launch_chromium(playwright)
            page = browser.new_page()
            page.goto(f"{url}/?session=stopped-chat")
            expect(page.get_by_text(" · v1").first).to_be_visible(timeout=120_000)
            expect(page.locator("video")).to_be_attached(timeout=60_000)
            browser.close()
    finally:
        assert stop_ui(process) < 10
    assert info.attempts == 2 and info.result and info.result["version"] == 1
    studio = Studio(settings)
    session = studio.sessions.load("stopped-chat")

    assert [m.role for m in session.messages] == ["user", "assistant"]  # the turn once, not twice
    drafts = studio.drafts()
    assert len(drafts) == 1 and drafts[0].version == 1 and Path(drafts[0].outputs.video).is_file()
    left = subprocess.run(["pgrep", "-f", f"--port {port}"], capture_output=True, text=True).stdout.split()
    assert not left


def test_sigterm_stops_an_idle_server_within_10_s_and_frees_its_port(tmp_path: Path, models_home: Path) -> None:
    env = {**os.environ, "REELCRAFT_HOME": str(tmp_path / "home"), "REELCRAFT_MODELS_HOME": str(models_home),
           "REELCRAFT_LLM__PROVIDER": "fake"}  # fmt: skip
    port = free_port()
    process, url = start_ui(env, tmp_path / "server.log", port=port)
    assert _get(f"{url}/healthz")[0] == 200
    family = [process.pid, *descendants(process.pid)]
    seconds = stop_ui(process)
    assert seconds < 10, (tmp_path / "server.log").read_text()[-2000:]
    assert not [p for p in family if alive(p)] and port_free(port)
    stopped = [json.loads(line) for line in (tmp_path / "home" / "logs" / "server.jsonl").read_text().splitlines()]
    assert stopped[-1]["msg"] == "server stopped"
