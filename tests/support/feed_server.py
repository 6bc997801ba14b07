"""Trend sources and web pages on 127.0.0.1 for tests: a threaded HTTP server serving recorded fixtures
(tests/data/trends) with their dates rendered relative to the test's own clock, ETag / Last-Modified
with real 304 answers, redirects, and the ways a source goes wrong (an HTML page, a 500, a body of no
declared length, no answer at all).

Placeholders in a fixture: ``{{rfc822:-2h}}`` (an RSS date 2 hours before the clock), ``{{iso:-3h}}``
(Atom), ``{{epoch:-1h}}`` (Hacker News / Reddit seconds); units m, h, d.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).resolve().parent.parent / "data" / "trends"
_PLACEHOLDER = re.compile(r"\{\{(rfc822|iso|epoch):([+-]\d+)([mhd])\}\}")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def render(text: str, now: datetime) -> str:
    """A fixture with its date placeholders filled in from ``now``."""

    def one(match: re.Match[str]) -> str:
        when = now + timedelta(**{_UNITS[match[3]]: int(match[2])})
        if match[1] == "rfc822":
            return format_datetime(when)
        if match[1] == "iso":
            return when.isoformat()
        return str(int(when.timestamp()))

    return _PLACEHOLDER.sub(one, text)


@dataclass
class Route:
    """What a path answers. ``etag``/``last_modified``: sent, and a matching conditional request gets 304."""

    body: bytes | Callable[[], bytes] = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    hang: bool = False  # never answers (until the server stops)
    headers: dict[str, str] = field(default_factory=dict)  # more, e.g. Location; {"Content-Length": ""}: none


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int


@dataclass
class FeedServer:
    """Routes by path; every request kept in ``requests`` (with the status it got)."""

    now: datetime
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def fixture(self, name: str, path: str, **route: object) -> Route:
        """Serve tests/data/trends/<name> at ``path``, dates rendered from the server's ``now`` at each request."""
        text = (DATA / name).read_text("utf-8")
        made = Route(body=lambda: render(text, self.now).encode("utf-8"), **route)  # type: ignore[arg-type]
        self.routes[path] = made
        return made

    def seen(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        route = self.routes.get(parts.path, Route(status=404, body=b"not found", content_type="text/plain"))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        conditional = (route.etag is not None and headers.get("if-none-match") == route.etag) or (
            route.last_modified is not None and headers.get("if-modified-since") == route.last_modified
        )
        status = 304 if conditional and route.status == 200 else route.status
        with self._lock:
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            self.requests.append(Seen(parts.path, query, headers, status))
        if route.hang:
            self._stop.wait(30)
            return
        body = b"" if status == 304 else route.body() if callable(route.body) else route.body
        handler.send_response(status)
        if status != 304:
            handler.send_header("Content-Type", route.content_type)
        for name, value in (("ETag", route.etag), ("Last-Modified", route.last_modified)):
            if value is not None:
                handler.send_header(name, value)
        extra = {name.lower(): value for name, value in route.headers.items()}
        for name, value in route.headers.items():
            if value:
                handler.send_header(name, value)
        if "content-length" not in extra:
            handler.send_header("Content-Length", str(len(body)))
        elif not extra["content-length"]:  # no declared length: the body ends when the connection closes
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.write(body)

    def __enter__(self) -> FeedServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server._answer(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
