"""What X API v2's error responses mean for psn.

Official pages followed (facts only):
- Error bodies (problem type/title/detail; 402 credits): https://docs.x.com/x-api/fundamentals/response-codes-and-errors
- Rate limits, x-rate-limit-* and x-user-limit-24hour-* / x-app-limit-24hour-* headers, 429 body:
  https://docs.x.com/fundamentals/rate-limits
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2

from psn_core.errors import (
    AuthRevoked,
    BillingRequired,
    ContentRejected,
    MediaRejected,
    PlatformError,
    RateLimited,
)
from psn_core.platforms.http import (
    describe_wait,
    generic_error,
    get_str,
    json_body,
    looks_revoked,
    retry_after_seconds,
)


def classify_x_error(response: httpx2.Response, name: str, display_name: str) -> PlatformError:
    """Map X's problem bodies and status codes to the PlatformError tree."""
    status = response.status_code
    body = json_body(response)
    problem = " ".join(filter(None, (get_str(body, "type"), get_str(body, "title"), get_str(body, "reason")))).lower()
    detail = (
        get_str(body, "detail")
        or get_str(body, "errors", 0, "message")
        or get_str(body, "errors", 0, "detail")
        or get_str(body, "title")
        or ""
    )
    raw = response.text
    if status == 402 or "credits" in problem or "payment" in problem:
        return BillingRequired(
            "X needs payment before it accepts more API calls: your developer account has no "
            "credits left (pay-per-use).",
            "Add credits or a payment method in the X developer console, then retry the post.",
            platform=name,
            status_code=status,
            raw=raw,
        )
    if status == 429 or "usage-capped" in problem:
        if "usagecap" in problem.replace(" ", "") or "usage-capped" in problem:
            return BillingRequired(
                "X's usage cap for your developer plan is used up for this period.",
                "Wait for the cap to reset or upgrade the plan in the X developer console.",
                platform=name,
                status_code=status,
                raw=raw,
            )
        wait = x_retry_after(response.headers)
        return RateLimited(
            f"X rate limit reached; it resets in {describe_wait(wait)}.",
            "psn keeps the post queued and retries after the reset.",
            retry_after=wait,
            platform=name,
            status_code=status,
            raw=raw,
        )
    if status == 403 and "scope" in detail.lower():
        # A token granted before psn asked for a scope (media.write): only a new consent adds it.
        return AuthRevoked(
            f"X refused the request: the connection lacks a permission psn needs ({detail})",
            "Reconnect the account with `psn auth x` so X grants every permission psn asks for.",
            platform=name,
            status_code=status,
            raw=raw,
        )
    if status == 403 and any(word in detail.lower() for word in ("duplicate", "not permitted", "too long")):
        return ContentRejected(f"X refused the post: {detail}", platform=name, status_code=status, raw=raw)
    if status == 400 and "media" in detail.lower():
        return MediaRejected(f"X refused the media: {detail}", platform=name, status_code=status, raw=raw)
    if status == 400 and ("text" in detail.lower() or "tweet" in detail.lower()):
        return ContentRejected(f"X refused the post: {detail}", platform=name, status_code=status, raw=raw)
    return generic_error(
        response,
        platform=name,
        display_name=display_name,
        detail=detail,
        retry_after=retry_after_seconds(response.headers),
        revoked=looks_revoked(raw),
    )


def x_retry_after(headers: httpx2.Headers) -> float:
    """The wait from X's headers: the 24-hour user/app post caps win when they are the exhausted ones."""
    now = datetime.now(UTC).timestamp()
    for scope in ("x-user-limit-24hour", "x-app-limit-24hour"):
        if headers.get(f"{scope}-remaining") == "0" and headers.get(f"{scope}-reset"):
            try:
                return max(0.0, float(headers[f"{scope}-reset"]) - now)
            except ValueError:
                pass
    wait = retry_after_seconds(headers, now)
    return 900.0 if wait is None else wait
