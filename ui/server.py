"""The team server: the Streamlit pages inside one ASGI app (`st.App` on uvicorn), with sign-in, health and logs.

`reelcraft ui` execs this module, so the server is the process systemd, Docker or a test signals: SIGTERM stops
uvicorn gracefully, the work queue stops taking jobs, and every process the server started (renders, TTS
workers) is ended before it exits. Routes of our own:

- `/login` (form), `/logout`: a signed, expiring, HttpOnly cookie (`reelcraft.review.signin`);
- `/healthz`: liveness (the process answers); `/readyz`: the model loads and ffmpeg encodes a frame.

Every request passes the sign-in gate: when sign-in is required (any bind beyond loopback, or `server.sign_in =
"on"`), nothing but those routes answers without a valid cookie: pages redirect to `/login`, the websocket is
refused, media and uploads get 401. Logs are JSON lines (`<home>/logs/server.jsonl`) with a request id, and never
carry a password, key or cookie.

    python -m reelcraft.ui.server --host 127.0.0.1 --port 8501
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError
from reelcraft.review.service import ReviewService
from reelcraft.review.signin import COOKIE, SignIn, sign_in_required

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PAGE = Path(__file__).with_name("app.py")
PUBLIC = frozenset({"/login", "/logout", "/healthz", "/readyz", "/_stcore/health", "/favicon.ico"})
"""What answers without sign-in: the sign-in itself and the probes (exact paths: '/login/../media' is not public)."""

request_id: ContextVar[str] = ContextVar("request_id", default="-")
log = logging.getLogger("reelcraft.server")

# ---------------------------------------------------------------------------------------------- logging


SECRET_WORDS = ("password", "passwd", "secret", "api_key", "apikey", "token", "cookie", "authorization")


def redact(value: Any) -> Any:
    """Values under a secret-sounding key become '***', at any depth."""
    if isinstance(value, dict):
        return {k: "***" if any(w in str(k).lower() for w in SECRET_WORDS) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request or job id, and `extra` fields."""

    STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"ts": round(record.created, 3), "level": record.levelname.lower(),
                                 "logger": record.name, "msg": record.getMessage(), "request_id": request_id.get()}
        entry |= redact({k: v for k, v in record.__dict__.items() if k not in self.STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(settings: Settings) -> Path:
    folder = settings.home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "server.jsonl"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonLines())
    console = logging.StreamHandler()
    console.setFormatter(JsonLines())
    for name in ("reelcraft", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.handlers = [handler, console]
        logger.propagate = False
    return path


# ---------------------------------------------------------------------------------------------- middleware


def _cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is no cookie
                return None
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


class Gate:
    """Request ids, access logs, and the sign-in rule for every HTTP request and websocket."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.settings = Settings()
        self.required = os.environ.get("REELCRAFT_SERVER__SIGN_IN") == "on"
        self.sign_in = SignIn.from_settings(self.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex[:16]
        token = request_id.set(rid)
        started, path = time.perf_counter(), scope.get("path", "")
        user = self.sign_in.read(_cookie(scope))
        status: list[int] = [0]

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            if self.required and user is None and path.rstrip("/") not in PUBLIC:
                await self._refuse(scope, receive, tagged)
            else:
                scope.setdefault("state", {})["user"] = user
                await self.app(scope, receive, tagged)
        finally:
            if not path.startswith(("/_stcore/health", "/static/")):
                log.info("request", extra={"method": scope.get("method", "WS"), "path": path,
                                           "status": status[0] or (101 if scope["type"] == "websocket" else 0),
                                           "ms": round((time.perf_counter() - started) * 1000, 1),
                                           "user": user.name if user else None})  # fmt: skip
            request_id.reset(token)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401, "reason": "sign in first"})
            return
        path = scope.get("path", "/")
        wants_page = scope.get("method") == "GET" and "." not in path.rsplit("/", 1)[-1] and not path.startswith(
            ("/_stcore", "/media", "/component"))
        response: Response
        if wants_page:
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            response = RedirectResponse(f"/login?next={_quote(target)}", status_code=303)
        else:
            response = JSONResponse({"error": "sign in first", "fix": "open /login"}, status_code=401)
        await response(scope, receive, send)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _safe_next(target: str) -> str:
    """Only a path on this server (no scheme, no //host): an open redirect would make phishing easy."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


# ---------------------------------------------------------------------------------------------- routes

LOGIN_FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · reelcraft</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;background:#0e1117;color:#fafafa;display:grid;place-items:center;
min-height:100vh;margin:0}}form{{background:#262730;padding:2rem;border-radius:12px;width:18rem}}
input{{width:100%;box-sizing:border-box;margin:.3rem 0 1rem;padding:.5rem;border-radius:6px;border:1px solid #555;
background:#0e1117;color:#fafafa}}button{{width:100%;padding:.6rem;border:0;border-radius:6px;background:#ff4b4b;
color:#fff;font-weight:600}}.error{{color:#ff8c8c}}</style></head><body>
<form method="post" action="/login"><h2>🎬 reelcraft</h2><p>Sign in to make and review videos.</p>{error}
<label>User name<input name="name" autocomplete="username" autofocus required maxlength="40"></label>
<label>Password<input name="password" type="password" autocomplete="current-password" required></label>
<input type="hidden" name="next" value="{next}"><button type="submit">Sign in</button></form></body></html>"""


def _review() -> ReviewService:
    global _REVIEW
    if _REVIEW is None:
        _REVIEW = ReviewService.from_settings(Settings())
    return _REVIEW


_REVIEW: ReviewService | None = None


async def login_page(request: Request) -> Response:
    target = _safe_next(request.query_params.get("next", "/"))
    return HTMLResponse(LOGIN_FORM.format(error="", next=html.escape(target)))


async def login_submit(request: Request) -> Response:
    form = await request.form()
    name, password = str(form.get("name", "")).strip()[:40], str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    try:
        actor = await asyncio.to_thread(_review().login, name, password)
    except ReelcraftError as exc:
        log.info("sign-in refused", extra={"user": name, "reason": exc.message})
        error = f'<p class="error">{html.escape(exc.message)}. {html.escape(exc.fix)}.</p>'
        return HTMLResponse(LOGIN_FORM.format(error=error, next=html.escape(target)), status_code=401)
    sign_in = SignIn.from_settings(Settings())
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, sign_in.issue(actor), max_age=sign_in.max_age_s, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")  # fmt: skip
    log.info("signed in", extra={"user": actor.name})
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when ffmpeg encodes a frame and the configured model answers (loaded once, then cached)."""
    checks = await asyncio.to_thread(readiness)
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503)


_READY: dict[str, dict[str, Any]] = {}


def readiness() -> dict[str, dict[str, Any]]:
    from reelcraft.media.probe import ffmpeg_binary

    checks: dict[str, dict[str, Any]] = {}
    try:
        subprocess.run([ffmpeg_binary(""), "-v", "error", "-f", "lavfi", "-i", "color=black:s=64x64:d=0.04",
                        "-c:v", "libx264", "-f", "null", "-"], check=True, capture_output=True, timeout=20)  # fmt: skip
        checks["ffmpeg"] = {"ok": True}
    except (OSError, subprocess.SubprocessError) as exc:
        checks["ffmpeg"] = {"ok": False, "error": str(exc)[:200]}
    if "model" not in _READY:
        from reelcraft.studio.jobs import shared_studio

        try:
            studio = shared_studio()
            studio.warm_up()
            _READY["model"] = {"ok": True, "provider": studio.settings.llm.provider}
        except Exception as exc:  # noqa: BLE001 - reported, and tried again on the next probe
            return {**checks, "model": {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}}
    return {**checks, "model": _READY["model"]}


# ---------------------------------------------------------------------------------------------- lifecycle


def descendants(pid: int) -> list[int]:
    """Every process under `pid` (from /proc), children before their own children."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop(0)
        found.append(child)
        todo += children.get(child, [])
    return found


def end_children(grace_s: float = 3.0) -> int:
    """SIGTERM every process this server started (renders, TTS workers), SIGKILL what is left after `grace_s`."""
    pids = descendants(os.getpid())
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids):
        time.sleep(0.05)
    for pid in descendants(os.getpid()):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(pids)


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    from reelcraft.studio.jobs import shared_queue

    queue = shared_queue()
    queue.start()
    log.info("server started", extra={"pid": os.getpid(), "workers": queue.workers})
    try:
        yield {}
    finally:
        await asyncio.to_thread(queue.stop)
        ended = await asyncio.to_thread(end_children)
        log.info("server stopped", extra={"children_ended": ended})


def build_app() -> Any:
    import streamlit as st
    from starlette.middleware import Middleware

    routes = [Route("/login", login_page, methods=["GET"]), Route("/login", login_submit, methods=["POST"]),
              Route("/logout", logout, methods=["GET", "POST"]), Route("/healthz", healthz),
              Route("/readyz", readyz)]  # fmt: skip
    return st.App(str(PAGE), routes=routes, middleware=[Middleware(Gate)], lifespan=lifespan)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="reelcraft ui")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8501)
    args = parser.parse_args(argv)
    settings = Settings()
    required = sign_in_required(settings, args.host)
    os.environ["REELCRAFT_SERVER__SIGN_IN"] = "on" if required else "off"  # the pages and the gate read it
    setup_logging(settings)
    log.info("starting", extra={"host": args.host, "port": args.port, "sign_in": required})
    build_app().run(config={"server.port": args.port, "server.address": args.host, "server.headless": True,
                            "browser.gatherUsageStats": False, "client.toolbarMode": "minimal",
                            "server.maxUploadSize": settings.server.upload_mb,
                            # a shared server: no watching of source files, and no full garbage collection after
                            # every script run (with the models loaded, each took the GIL for a long moment, and
                            # four open pages polling their jobs starved the renders' frame feeders)
                            "server.fileWatcherType": "none", "runner.postScriptGC": False})  # fmt: skip


if __name__ == "__main__":
    main()
