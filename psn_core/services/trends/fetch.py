"""Polite HTTP for trend sources: conditional requests (ETag / Last-Modified), one deadline per request,
a size cap, a User-Agent naming psn and where it lives, and every failure as one clear sentence
(TrendSourceFailed), never a traceback.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import httpx2

from psn_core.services.trends.errors import TrendSourceFailed

HOME = "https://github.com/psn"
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5


def _version() -> str:
    try:
        return version("psn")
    except PackageNotFoundError:  # a source checkout without metadata
        return "0"


USER_AGENT = f"psn/{_version()} (trend intake; +{HOME})"
# Reddit asks for <platform>:<app id>:<version> (by ...): a unique, descriptive agent, never a browser's.
REDDIT_USER_AGENT = f"python:psn-trend-intake:v{_version()} (by psn, +{HOME})"


@dataclass(frozen=True)
class Fetched:
    """A source's answer: its body, or ``not_modified`` (HTTP 304: nothing new since the last fetch)."""

    not_modified: bool
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


def make_client(timeout: float) -> httpx2.Client:
    return httpx2.Client(
        timeout=httpx2.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
    )


def fetch(
    client: httpx2.Client,
    url: str,
    *,
    timeout: float,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: str = "*/*",
    user_agent: str | None = None,
) -> Fetched:
    """GET ``url``, conditionally when a validator is known, within ``timeout`` seconds in all.

    Raises:
        TrendSourceFailed: no answer in time, unreachable, an HTTP error, or a body over 5 MB.
    """
    headers = {"Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    if user_agent:
        headers["User-Agent"] = user_agent
    deadline = time.monotonic() + timeout
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Fetched(True, b"", "", etag, last_modified)
            if response.status_code >= 400:
                wait = response.headers.get("Retry-After")
                later = f", asked to wait {wait} s" if response.status_code == 429 and wait else ""
                raise TrendSourceFailed(f"answered HTTP {response.status_code}{later}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise TrendSourceFailed(f"sent more than {MAX_BYTES // (1024 * 1024)} MB")
                if time.monotonic() > deadline:
                    raise TrendSourceFailed(f"did not finish answering within {timeout:g} s")
                chunks.append(chunk)
            return Fetched(
                False,
                b"".join(chunks),
                response.headers.get("Content-Type", ""),
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
            )
    except httpx2.TimeoutException as exc:
        raise TrendSourceFailed(f"did not answer within {timeout:g} s") from exc
    except httpx2.TooManyRedirects as exc:
        raise TrendSourceFailed(f"redirected more than {MAX_REDIRECTS} times") from exc
    except httpx2.RequestError as exc:
        raise TrendSourceFailed(f"could not be reached ({type(exc).__name__}: {exc})"[:300]) from exc


def looks_like_html(fetched: Fetched) -> bool:
    head = fetched.body[:512].lstrip().lower()
    return "html" in fetched.content_type.lower() or head.startswith((b"<!doctype html", b"<html"))
