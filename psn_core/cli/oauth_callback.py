"""A one-shot HTTP server on 127.0.0.1 that catches the OAuth redirect for `psn auth`.

It serves only ``/callback``, only on the loopback interface, and only until the first redirect
arrives (or the caller gives up and offers the paste-the-URL fallback for SSH/headless machines).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

_PAGE = (
    "<!doctype html><meta charset=utf-8><title>psn</title>"
    "<body style='font-family:sans-serif;margin:3em'><h1>psn: {headline}</h1><p>{detail}</p></body>"
)


class CallbackServer:
    """Listens on ``127.0.0.1:port`` for one request to ``path``."""

    def __init__(self, port: int, path: str = "/callback") -> None:
        self.port = port
        self.path = path
        self._event = threading.Event()
        self._url: str | None = None
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind and serve in a background thread.

        Raises:
            OSError: the port is taken (the caller falls back to pasting the URL).
        """
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?", 1)[0] != owner.path or owner._event.is_set():
                    self.send_error(404)
                    return
                owner._url = f"http://127.0.0.1:{owner.port}{self.path}"
                declined = "error=" in self.path
                page = _PAGE.format(
                    headline="sign-in declined" if declined else "account connected",
                    detail="You can close this tab and return to the terminal.",
                )
                body = page.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                owner._event.set()

            def log_message(self, format: str, *args: object) -> None:
                return  # the query holds the authorization code: never log it

        self._server = HTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="psn-oauth-callback", daemon=True)
        self._thread.start()

    def wait(self, timeout: float) -> str | None:
        """The redirect URL the browser came back with, or None after ``timeout`` seconds."""
        self._event.wait(timeout)
        return self._url

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> CallbackServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
