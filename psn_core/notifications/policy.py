"""Delivery policy: whether a stored notification goes to the phone now, later, or not at all.

Pure functions of the notification, the member's preferences, their IANA zone and the time, so every
rule is tested without a transport. The rules, in order:

1. CRITICAL is always sent (token expiry or re-auth, failed or expired posts, approval requests).
2. A tier below the member's threshold is held: stored and listed by `psn notifications`, never pushed.
3. During quiet hours (wall-clock times in the member's zone) it waits until they end.
4. Past the daily cap of non-critical messages (per local day) it is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from psn_core.notifications.models import Notification, Prefs, Tier

Verdict = Literal["send", "wait", "hold"]


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str = ""
    until: datetime | None = None
    """For ``wait``: the instant the quiet hours end."""


def in_quiet_hours(prefs: Prefs, local: time) -> bool:
    """Whether the local wall-clock time falls inside the quiet hours (which may wrap midnight)."""
    start, end = prefs.quiet_start, prefs.quiet_end
    if start is None or end is None:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant of a local wall-clock time. In a DST gap (02:30 on a spring-forward day) zoneinfo
    reads the time with the offset before the change, which lands just after the gap: what a person
    means by "02:30" on that day."""
    return datetime.combine(day, wall, tzinfo=zone)


def quiet_hours_end(prefs: Prefs, now: datetime, zone: ZoneInfo) -> datetime:
    """The next instant the quiet hours end, as seen from ``now`` (which is inside them)."""
    assert prefs.quiet_end is not None
    local = now.astimezone(zone)
    day = local.date() if local.time() < prefs.quiet_end else local.date() + timedelta(days=1)
    return local_instant(day, prefs.quiet_end, zone)


def local_day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight of the member's current local day, as an instant."""
    return local_instant(now.astimezone(zone).date(), time(0), zone)


def decide(notification: Notification, prefs: Prefs, zone: ZoneInfo, now: datetime, sent_today: int) -> Decision:
    """What to do with a queued notification now. ``sent_today`` counts non-critical messages
    already delivered since the member's local midnight."""
    if notification.tier is Tier.CRITICAL:
        return Decision("send")
    if notification.tier.rank > prefs.threshold.rank:
        return Decision("hold", "below_threshold")
    if in_quiet_hours(prefs, now.astimezone(zone).time()):
        return Decision("wait", "quiet_hours", quiet_hours_end(prefs, now, zone))
    if sent_today >= prefs.daily_cap:
        return Decision("hold", "daily_cap")
    return Decision("send")


def digest_due(prefs: Prefs, now: datetime, zone: ZoneInfo) -> date | None:
    """The local day whose digest is due at ``now``, or None before the digest hour.

    Comparing the local hour (not a computed instant) keeps a digest hour that falls in a DST gap
    working: on a spring-forward day with digest hour 2 the digest goes at 03:00 local.
    """
    local = now.astimezone(zone)
    return local.date() if local.hour >= prefs.digest_hour else None
