"""A local fake of the stock and image-generation APIs (loopback only): routes answer canned JSON or bytes,
or misbehave on purpose (a status, a delay, malformed JSON), and every request is recorded."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Route:
    status: int = 200
    body: bytes | dict | list = b""
    content_type: str = "application/json"
    delay_s: float = 0.0


@dataclass
class FakeProviders:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    url: str = ""

    def add(self, path: str, route: Route) -> None:
        self.routes[path] = route


@contextmanager
def fake_providers() -> Iterator[FakeProviders]:
    fake = FakeProviders()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parsed = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fake.requests.append({"method": self.command, "path": parsed.path, "query": parse_qs(parsed.query),
                                  "headers": dict(self.headers), "body": body})  # fmt: skip
            route = fake.routes.get(parsed.path)
            if route is None:
                self.send_response(404)
                self.end_headers()
                return
            if route.delay_s:
                time.sleep(route.delay_s)
            payload = route.body if isinstance(route.body, bytes) else json.dumps(route.body).encode()
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                self.wfile.write(payload)

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
