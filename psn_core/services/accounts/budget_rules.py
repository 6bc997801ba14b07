"""Where request budgets come from, per platform: which bucket a request spends from, that bucket's
limit and window, and what a response says about the platform's own count.

Limits start from each platform's declaration (``Limits.requests_per_window`` / ``window_seconds``)
plus the per-endpoint numbers its documentation publishes; headers then correct them:

- X: per-endpoint 15-minute windows; x-rate-limit-limit/-remaining/-reset on every response, and
  x-user-limit-24hour-* when the daily post cap is the one exhausted.
  https://docs.x.com/x-api/fundamentals/rate-limits
- Instagram: one rolling hourly budget per account (200 calls) across every endpoint; usage comes as
  percentages in X-Business-Use-Case-Usage (per business id) and X-App-Usage, with
  estimated_time_to_regain_access (minutes) once throttled.
  https://developers.facebook.com/docs/graph-api/overview/rate-limiting
- LinkedIn: daily per-endpoint limits per member that reset at midnight UTC; no headers, and no
  numbers published except share creation (150 per member per day, the declared limit), which is
  therefore used for every endpoint.
  https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits
- TikTok: per-endpoint one-minute windows per user token, documented per endpoint (600 by default);
  no usage headers, so psn counts.
  https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit

Media bytes sent to LinkedIn's and TikTok's upload URLs (PUT) are not API calls and are not budgeted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from psn_core.platforms.base import Platform
from psn_core.platforms.http import retry_after_seconds
from psn_core.platforms.registry import PLATFORMS

ACCOUNT_BUCKET = "all"
_LONG_ID = re.compile(r"^[A-Za-z0-9_.~-]{16,}$")


class HeaderDialect(StrEnum):
    """How a platform reports its count in responses."""

    X_RATE_LIMIT = "x_rate_limit"  # x-rate-limit-limit / -remaining / -reset per endpoint
    META_USAGE = "meta_usage"  # X-Business-Use-Case-Usage / X-App-Usage percentages
    NONE = "none"  # nothing documented: psn's own count is all there is


class WindowAnchor(StrEnum):
    """When a window opens and closes."""

    FIRST_CALL = "first_call"  # opens with the first call after the last reset, lasts window_seconds
    UTC_MIDNIGHT = "utc_midnight"  # daily windows that close at 00:00 UTC (LinkedIn)


@dataclass(frozen=True)
class BucketLimit:
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Observation:
    """What one response said. ``used`` or ``used_pct`` (of the limit) is the platform's own count."""

    used: int | None = None
    used_pct: int | None = None
    limit: int | None = None
    reset_at: datetime | None = None
    exhausted: bool = False

    @property
    def empty(self) -> bool:
        return self == Observation()


@dataclass(frozen=True)
class BudgetRule:
    """How one platform's requests are budgeted."""

    platform: str
    display_name: str
    default: BucketLimit
    per_endpoint: bool
    anchor: WindowAnchor
    headers: HeaderDialect
    documented: Mapping[str, BucketLimit] = field(default_factory=dict)
    # path segments where the API path starts, so a proxy or emulator prefix is not part of the bucket
    api_roots: tuple[str, ...] = ()
    unmetered_methods: frozenset[str] = frozenset()

    def bucket_for(self, method: str, url: str) -> str | None:
        """The bucket a request spends from; None when it is not budgeted (media byte transfers)."""
        if method.upper() in self.unmetered_methods:
            return None
        if not self.per_endpoint:
            return ACCOUNT_BUCKET
        return endpoint_bucket(method, url, self.api_roots)

    def limit_for(self, bucket: str) -> BucketLimit:
        return self.documented.get(bucket, self.default)

    def window_end(self, bucket: str, now: datetime) -> datetime:
        """When a window opened at ``now`` closes."""
        if self.anchor is WindowAnchor.UTC_MIDNIGHT:
            day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            return day + timedelta(days=1)
        return now + timedelta(seconds=self.limit_for(bucket).window_seconds)

    def read(self, status_code: int, headers: Mapping[str, str], now: datetime) -> Observation:
        """What a response says about this platform's count; a 429 always exhausts the bucket."""
        lowered = {k.lower(): v for k, v in headers.items()}
        if self.headers is HeaderDialect.X_RATE_LIMIT:
            seen = _read_x(lowered, status_code == 429)
        elif self.headers is HeaderDialect.META_USAGE:
            seen = _read_meta(lowered, now)
        else:
            seen = Observation()
        if status_code != 429:
            return seen
        reset = seen.reset_at
        if reset is None:
            wait = retry_after_seconds(lowered, now.timestamp())
            reset = now + timedelta(seconds=wait) if wait is not None else None
        return Observation(used=seen.used, used_pct=seen.used_pct, limit=seen.limit, reset_at=reset, exhausted=True)


def endpoint_bucket(method: str, url: str, roots: tuple[str, ...] = ()) -> str:
    """``METHOD /path/template``: ids and URNs replaced, anything before the API root dropped.

    >>> endpoint_bucket("GET", "http://127.0.0.1:8700/x/2/tweets/1870000000000000001?x=1", ("2",))
    'GET /2/tweets/:id'
    """
    segments = urlsplit(url).path.split("/")[1:]
    start = next((i for i, seg in enumerate(segments) if seg in roots), 0)
    shown = [_template(seg) for seg in segments[start:]]
    return f"{method.upper()} /{'/'.join(shown)}"


def _template(segment: str) -> str:
    text = unquote(segment)
    if text.lower().startswith("urn:"):
        return ":urn"
    if (text.isdigit() and len(text) >= 3) or (_LONG_ID.match(text) and any(c.isdigit() for c in text)):
        return ":id"
    return segment


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def _epoch(value: str | None) -> datetime | None:
    number = _int(value)
    return datetime.fromtimestamp(number, UTC) if number is not None else None


def _read_x(headers: Mapping[str, str], throttled: bool) -> Observation:
    limit = _int(headers.get("x-rate-limit-limit"))
    remaining = _int(headers.get("x-rate-limit-remaining"))
    reset = _epoch(headers.get("x-rate-limit-reset"))
    if throttled:
        # the 24-hour post caps win when they are the exhausted ones
        for scope in ("x-user-limit-24hour", "x-app-limit-24hour"):
            if headers.get(f"{scope}-remaining") == "0" and (day_reset := _epoch(headers.get(f"{scope}-reset"))):
                return Observation(reset_at=day_reset, exhausted=True)
    used = limit - remaining if limit is not None and remaining is not None else None
    return Observation(used=used, limit=limit, reset_at=reset)


def _read_meta(headers: Mapping[str, str], now: datetime) -> Observation:
    percents: list[int] = []
    regain_minutes = 0
    for name in ("x-business-use-case-usage", "x-app-usage"):
        try:
            usage = json.loads(headers.get(name) or "null")
        except ValueError:
            continue
        if isinstance(usage, dict) and name == "x-app-usage":
            entries = [usage]
        elif isinstance(usage, dict):
            entries = [e for v in usage.values() if isinstance(v, list) for e in v if isinstance(e, dict)]
        else:
            entries = []
        for entry in entries:
            # Meta throttles when any of the three reaches 100
            percents += [
                p for k in ("call_count", "total_cputime", "total_time") if (p := _int(entry.get(k))) is not None
            ]
            regain_minutes = max(regain_minutes, _int(entry.get("estimated_time_to_regain_access")) or 0)
    if not percents and not regain_minutes:
        return Observation()
    pct = max(percents, default=0)
    if regain_minutes > 0 or pct >= 100:
        reset = now + timedelta(minutes=regain_minutes) if regain_minutes > 0 else None
        return Observation(used_pct=min(pct, 100), reset_at=reset, exhausted=True)
    return Observation(used_pct=pct)


def _declared(platform: type[Platform]) -> BucketLimit:
    limits = platform.limits
    if limits.requests_per_window is None or limits.window_seconds is None:
        raise ValueError(f"{platform.display_name} declares no request window; budgets need one")
    return BucketLimit(limits.requests_per_window, limits.window_seconds)


def _tiktok_documented(declared: BucketLimit) -> dict[str, BucketLimit]:
    minute = declared.window_seconds
    per_minute = {
        "GET /v2/user/info/": 600,
        "POST /v2/video/list/": 600,
        "POST /v2/video/query/": 600,
        "POST /v2/post/publish/creator_info/query/": 20,
        "POST /v2/post/publish/status/fetch/": 30,
    }
    documented = {bucket: BucketLimit(n, minute) for bucket, n in per_minute.items()}
    for init in ("video/init/", "inbox/video/init/", "content/init/"):
        documented[f"POST /v2/post/publish/{init}"] = declared  # the declared 6 per minute is post init's
    return documented


def _build() -> dict[str, BudgetRule]:
    x, linkedin, instagram, tiktok = (PLATFORMS[n] for n in ("x", "linkedin", "instagram", "tiktok"))
    x_window = _declared(x).window_seconds
    return {
        "x": BudgetRule(
            "x",
            x.display_name,
            default=_declared(x),  # POST /2/tweets' number; headers give each endpoint's real one
            per_endpoint=True,
            anchor=WindowAnchor.FIRST_CALL,
            headers=HeaderDialect.X_RATE_LIMIT,
            documented={"GET /2/users/me": BucketLimit(75, x_window)},
            api_roots=("2",),
        ),
        "instagram": BudgetRule(
            "instagram",
            instagram.display_name,
            default=_declared(instagram),
            per_endpoint=False,
            anchor=WindowAnchor.FIRST_CALL,
            headers=HeaderDialect.META_USAGE,
        ),
        "linkedin": BudgetRule(
            "linkedin",
            linkedin.display_name,
            default=_declared(linkedin),
            per_endpoint=True,
            anchor=WindowAnchor.UTC_MIDNIGHT,
            headers=HeaderDialect.NONE,
            api_roots=("rest", "v2", "oauth"),
            unmetered_methods=frozenset({"PUT"}),
        ),
        "tiktok": BudgetRule(
            "tiktok",
            tiktok.display_name,
            default=BucketLimit(600, _declared(tiktok).window_seconds),  # the documented default
            per_endpoint=True,
            anchor=WindowAnchor.FIRST_CALL,
            headers=HeaderDialect.NONE,
            documented=_tiktok_documented(_declared(tiktok)),
            api_roots=("v2",),
            unmetered_methods=frozenset({"PUT"}),
        ),
    }


RULES: dict[str, BudgetRule] = _build()


def rule_for(platform: str) -> BudgetRule:
    """The budget rule of one platform.

    Raises:
        ValueError: psn has no platform of that name.
    """
    try:
        return RULES[platform]
    except KeyError:
        raise ValueError(f"no request budget rule for platform {platform!r}") from None
