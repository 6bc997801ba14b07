"""What the weekly plan takes from the preference model and the trend intake.

From the member's preference model (``psn_core.services.learning.preferences``, refreshed weekly):

- times: its best local hours per platform come first (before the analytics' best hours of the last
  90 days and the strategy's times), and among equally empty days its best weekdays come first;
- resting topics: a topic it marks fatigued is not planned before its rest ends (nor asked for in an
  open slot when it names a pillar); the plan's notes say so, with the day it may come back;
- formats: per platform, its best formats to suggest, without those the user agreed to drop.

From the trend intake: the week's best trends (fitting a pillar, not made an idea yet, not about an
avoid-topic or a resting topic) are offered with the plan, never put in a slot: a trend is planned only
once the user makes it an idea (``trend_to_idea``, ``psn trends spark``), as an idea to rate.

Everything here is read from the hub and a function of it: the same hub and clock give the same plan.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from psn_core.hub.database import Conn
from psn_core.services.learning.models import Preferences
from psn_core.services.plan.allocate import WeekInput, hours_of, resting_on
from psn_core.services.plan.models import Resting
from psn_core.strategy.model import PLATFORMS, Strategy

TRENDS = 5  # trends offered with a plan
FORMATS = 3  # formats suggested per platform


def load(conn: Conn, member_id: UUID) -> Preferences | None:
    from psn_core.services.learning.preferences import load_preferences

    return load_preferences(conn, member_id)


def apply(week: WeekInput, prefs: Preferences | None) -> WeekInput:
    """The week with the model's hours, weekdays and the rests still running on its first day."""
    if prefs is None:
        return week
    for hour in prefs.hours:  # best first per platform
        week.pref_hours.setdefault(hour.platform, []).append(hour.hour)
    week.pref_days = [d.key for d in prefs.weekdays]
    week.resting = [
        Resting(topic=t.topic, until=t.rest_until, lift=t.lift)
        for t in prefs.fatigued_topics
        if t.rest_until > week.week_start
    ]
    return week


def _hhmm(hours: list[int]) -> str:
    return ", ".join(f"{h:02d}:00" for h in hours[:2])


def _platforms(strategy: Strategy | None) -> list[str]:
    if strategy is None:
        return list(PLATFORMS)
    return [p for p in PLATFORMS if strategy.frequency.get(p, 0) > 0]


def extras(
    conn: Conn,
    member_id: UUID,
    strategy: Strategy | None,
    monday: date,
    zone: str,
    now: datetime,
    *,
    offer_trends: bool = True,
) -> dict[str, Any]:
    """The plan's notes, resting topics, formats, dropped formats and offered trends (WeeklyPlan fields;
    no trends for a week that is over)."""
    from psn_core.services.plan.candidates import best_hours

    prefs = load(conn, member_id)
    week = apply(WeekInput(week_start=monday, zone=zone, now=now, strategy=strategy), prefs)  # type: ignore[arg-type]
    week.best_hours = best_hours(conn, member_id, zone, now)
    notes: list[str] = []
    for platform in _platforms(strategy):
        source, hours = hours_of(week, platform)
        if source == "model":
            notes.append(f"{platform}: at your best hours by the preference model ({_hhmm(hours)} {zone}).")
        elif source == "analytics":
            notes.append(f"{platform}: at the best hours of your posts of the last 90 days ({_hhmm(hours)} {zone}).")
    if week.pref_days:
        best = ", ".join(week.pref_days)
        notes.append(f"Days: the emptiest first, then your best weekdays by the preference model: {best}.")
    for rest in week.resting:
        notes.append(
            f"Resting until {rest.until:%a %d %b}: {rest.topic!r} did x{rest.lift:.2f} of your typical post; "
            "it is not planned before then."
        )
    dropped = sorted(prefs.dropped_formats) if prefs else []
    formats: dict[str, list[str]] = {}
    for fmt in prefs.top_formats if prefs else []:
        if fmt.platform in _platforms(strategy) and f"{fmt.platform}.{fmt.format}" not in dropped:
            chosen = formats.setdefault(fmt.platform, [])
            if len(chosen) < FORMATS:
                chosen.append(fmt.format)
    if dropped:
        notes.append("Formats you agreed to drop are not suggested: " + ", ".join(dropped) + ".")
    trends = offered_trends(conn, week, strategy, now) if offer_trends else []
    if trends:
        notes.append(
            f"{len(trends)} trend(s) fit your pillars: offered, not planned; make one an idea (trend_to_idea, "
            "`psn trends spark ID`) and rate it to plan it."
        )
    return {"notes": notes, "resting": week.resting, "formats": formats, "dropped_formats": dropped, "trends": trends}


def offered_trends(conn: Conn, week: WeekInput, strategy: Strategy | None, now: datetime) -> list[Any]:
    """The best live trends not made an idea yet, leaving out avoid-topics and topics resting today."""
    from psn_core.services.trends.store import top_trends

    avoid = [a.lower() for a in (strategy.avoid_topics if strategy else [])]
    today = now.astimezone(ZoneInfo(week.zone)).date()
    out = []
    for trend in top_trends(conn, now=now, limit=TRENDS * 3):
        words = f"{trend.title} {trend.summary}".lower()
        if any(a in words for a in avoid) or resting_on(week, trend.title, trend.pillar, today) is not None:
            continue
        out.append(trend)
    return out[:TRENDS]


def resting_today(prefs: Preferences | None, zone: str, now: datetime, strategy: Strategy | None) -> WeekInput:
    """A week from today holding the model's rests (none without a model), for "what should I post?"."""
    today = now.astimezone(ZoneInfo(zone)).date()
    week = WeekInput(week_start=today, zone=zone, now=now, strategy=strategy)  # type: ignore[arg-type]
    return apply(week, prefs)
