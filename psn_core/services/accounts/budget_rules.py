"""Where request budgets come from: which bucket a request spends from, that bucket's limit and window,
and what a response says about the platform's own count.

Every number is the platform's declaration (``Limits.requests_per_window`` / ``window_seconds`` and its
``RateLimits``: per-endpoint numbers its documentation publishes, when windows close, which headers report
usage); this module only interprets them. Headers then correct psn's own count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

from psn_core.platforms.base import Platform
from psn_core.platforms.http import retry_after_seconds
from psn_core.platforms.models import HeaderDialect, WindowAnchor
from psn_core.platforms.registry import PLATFORMS

ACCOUNT_BUCKET = "all"
_LONG_ID = re.compile(r"^[A-Za-z0-9_.~-]{16,}$")


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
            seen = _read_x_rate_limit(lowered, status_code == 429)
        elif self.headers is HeaderDialect.META_USAGE:
            seen = _read_meta_usage(lowered, now)
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

    >>> endpoint_bucket("GET", "http://127.0.0.1:8700/proxy/v1/items/1870000000000000001?q=1", ("v1",))
    'GET /v1/items/:id'
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


def _read_x_rate_limit(headers: Mapping[str, str], throttled: bool) -> Observation:
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


def _read_meta_usage(headers: Mapping[str, str], now: datetime) -> Observation:
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


def _rule(platform: type[Platform]) -> BudgetRule:
    """A platform's budget rule, from its declared limits and rate limits."""
    limits, declared = platform.limits, platform.rate_limits
    if limits.requests_per_window is None or limits.window_seconds is None:
        raise ValueError(f"{platform.display_name} declares no request window; budgets need one")
    window = limits.window_seconds
    default = declared.default_requests if declared.default_requests is not None else limits.requests_per_window
    return BudgetRule(
        platform.name,
        platform.display_name,
        default=BucketLimit(default, window),
        per_endpoint=declared.per_endpoint,
        anchor=declared.anchor,
        headers=declared.headers,
        documented={bucket: BucketLimit(n, window) for bucket, n in declared.endpoint_requests.items()},
        api_roots=declared.api_roots,
        unmetered_methods=declared.unmetered_methods,
    )


RULES: dict[str, BudgetRule] = {name: _rule(platform) for name, platform in PLATFORMS.items()}


def rule_for(platform: str) -> BudgetRule:
    """The budget rule of one platform.

    Raises:
        ValueError: psn has no platform of that name.
    """
    try:
        return RULES[platform]
    except KeyError:
        raise ValueError(f"no request budget rule for platform {platform!r}") from None
