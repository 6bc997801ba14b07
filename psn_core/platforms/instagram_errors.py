"""What the Instagram Graph API's error codes mean for psn (https://developers.facebook.com/docs/
instagram-platform/instagram-graph-api/reference/error-codes, and the Graph API rate-limiting page)."""

from __future__ import annotations

import json

import httpx2

from psn_core.errors import (
    AuthExpired,
    AuthRevoked,
    ContentRejected,
    MediaRejected,
    PlatformError,
    PlatformUnavailable,
    RateLimited,
)
from psn_core.platforms.http import (
    describe_wait,
    generic_error,
    get_int,
    get_obj,
    get_str,
    json_body,
    retry_after_seconds,
)

_RATE_CODES = {4, 17, 32, 613, 80002}
_AUTH_REVOKED_SUBCODES = {458, 459, 460, 464, 467, 492}
NOT_READY = {9007, 2207027}
_PUBLISH_LIMIT = 2207042


def classify_graph_error(response: httpx2.Response, name: str, display_name: str) -> PlatformError:
    """Map Graph API {error: {code, error_subcode, message}} bodies to the PlatformError tree."""
    status = response.status_code
    error = get_obj(json_body(response), "error")
    code = get_int(error, "code")
    subcode = get_int(error, "error_subcode")
    message = get_str(error, "error_user_msg") or get_str(error, "message") or ""
    raw = response.text

    def make(cls: type[PlatformError], text: str, action: str | None = None) -> PlatformError:
        return cls(text, action, platform=name, status_code=status, raw=raw)

    if code == 190 or status == 401:
        if subcode in _AUTH_REVOKED_SUBCODES or "revoked" in message.lower():
            return make(AuthRevoked, f"Instagram no longer accepts psn's access: {message}")
        return make(AuthExpired, f"The Instagram access token is not valid any more: {message}")
    if code in _RATE_CODES or subcode == _PUBLISH_LIMIT or status == 429:
        wait = _usage_wait(response.headers)
        what = "publishing limit (posts per 24 hours)" if subcode == _PUBLISH_LIMIT else "rate limit"
        return RateLimited(
            f"Instagram {what} reached; it resets in {describe_wait(wait)}.",
            "psn keeps the post queued and retries after the reset.",
            retry_after=wait,
            platform=name,
            status_code=status,
            raw=raw,
        )
    if code in NOT_READY or subcode in NOT_READY:
        return make(PlatformUnavailable, f"Instagram has not finished processing the media: {message}")
    if subcode is not None and 2207000 <= subcode < 2208000:
        return make(MediaRejected, f"Instagram refused the media: {message}")
    if code in {10, 200} or (code is not None and 200 <= code < 300):
        return make(
            AuthRevoked,
            f"Instagram says psn lacks a permission: {message}",
            "Reconnect with `psn auth instagram` and grant every permission asked.",
        )
    if get_str(error, "is_transient") == "true" or code in {1, 2}:
        return make(PlatformUnavailable, f"Instagram had a temporary problem: {message}")
    if code == 100 and "caption" in message.lower():
        return make(ContentRejected, f"Instagram refused the caption: {message}")
    return generic_error(response, platform=name, display_name=display_name, detail=message)


def _usage_wait(headers: httpx2.Headers) -> float:
    """Seconds to wait, from Retry-After or X-Business-Use-Case-Usage (minutes); one hour otherwise."""
    explicit = retry_after_seconds(headers)
    if explicit is not None:
        return explicit
    raw = headers.get("x-business-use-case-usage")
    if raw:
        try:
            usage = json.loads(raw)
        except json.JSONDecodeError:
            usage = {}
        minutes = [
            entry.get("estimated_time_to_regain_access", 0)
            for entries in (usage.values() if isinstance(usage, dict) else [])
            if isinstance(entries, list)
            for entry in entries
            if isinstance(entry, dict)
        ]
        longest = max((float(m) for m in minutes if isinstance(m, int | float)), default=0.0)
        if longest > 0:
            return longest * 60
    return 3600.0
