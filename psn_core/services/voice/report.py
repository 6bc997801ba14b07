"""`psn voice report`: how much the user still edits psn's drafts, over time and per voice.

After :data:`REPORT_MIN_EDITS` recorded approvals the report shows the edit-ratio trend by week
(weeks start on Monday in the user's time zone) and per persona and language. How voice-matched
posts perform comes from the analytics sweep (see :mod:`psn_core.services.analytics.signals` for
what "voice-matched" means); until both groups have measured posts that part is ``None`` and the
report says so; it is never estimated. Posts flagged for possible suppression are listed too.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.analytics.signals import flagged_notes, voice_matched_performance

Q = Queries.load(__package__)
REPORT_MIN_EDITS = 10
# Trend: the first few edits of a voice against its latest few.
TREND_SPAN = 5
# A change in mean edit ratio smaller than this is noise, not a trend.
TREND_THRESHOLD = 0.05

PERFORMANCE_PENDING = (
    "Post performance by voice match: not available yet (needs analytics for posts both drafted through psn "
    "and not; psn shows no estimate)."
)


@dataclass(frozen=True)
class EditRow:
    """One stored edit, with the Monday of its week in the member's zone."""

    persona: str
    language: str
    edit_ratio: float
    naturalness_before: int | None
    naturalness_after: int | None
    week: date


class WeekPoint(BaseModel):
    week_start: date = Field(description="Monday of the week, in the user's time zone.")
    edits: int
    mean_edit_ratio: float


class VoiceTrend(BaseModel):
    """Edit ratio for one persona and language."""

    persona: str
    language: str
    edits: int
    mean_edit_ratio: float
    first_edit_ratio: float = Field(description=f"Mean over the first {TREND_SPAN} edits.")
    recent_edit_ratio: float = Field(description=f"Mean over the latest {TREND_SPAN} edits.")
    direction: Literal["falling", "flat", "rising"]
    naturalness_before: float | None = Field(description="Mean naturalness of psn's drafts (0-100).")
    naturalness_after: float | None = Field(description="Mean naturalness of what was approved.")
    weeks: list[WeekPoint]


class VoicePerformance(BaseModel):
    """How voice-matched posts perform against the rest over 90 days (engagement rate = engagements/exposure)."""

    matched_posts: int
    other_posts: int
    matched_engagement_rate: float
    other_engagement_rate: float


class VoiceReport(BaseModel):
    edits: int
    required: int = REPORT_MIN_EDITS
    ready: bool
    summary: str
    timezone: str
    weeks: list[WeekPoint] = Field(default_factory=list)
    voices: list[VoiceTrend] = Field(default_factory=list)
    performance: VoicePerformance | None = Field(default=None, description="None until analytics exist.")
    performance_note: str = PERFORMANCE_PENDING
    flagged: list[str] = Field(default_factory=list, description="Posts of the last 30 days flagged for review.")


def _mean(values: list[float]) -> float:
    return round(statistics.fmean(values), 3) if values else 0.0


def _mean_or_none(values: list[int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.fmean(known), 1) if known else None


def _weeks(rows: list[tuple[date, float]]) -> list[WeekPoint]:
    by_week: dict[date, list[float]] = {}
    for week, ratio in rows:
        by_week.setdefault(week, []).append(ratio)
    return [
        WeekPoint(week_start=week, edits=len(ratios), mean_edit_ratio=_mean(ratios))
        for week, ratios in sorted(by_week.items())
    ]


def _direction(first: float, recent: float) -> Literal["falling", "flat", "rising"]:
    if recent <= first - TREND_THRESHOLD:
        return "falling"
    if recent >= first + TREND_THRESHOLD:
        return "rising"
    return "flat"


def _voice_performance(conn: Conn, member_id: UUID) -> VoicePerformance | None:
    """Engagement of voice-matched posts against the rest, from the analytics the sweep collected.

    None (and the report prints PERFORMANCE_PENDING) until both groups have measured posts; never an estimate.
    """
    measured = voice_matched_performance(conn, member_id)
    return None if measured is None else VoicePerformance(**measured.model_dump())


def voice_report(conn: Conn, member_id: UUID, *, timezone: str = "UTC") -> VoiceReport:
    """How much the user edits psn's drafts: by week and per persona and language.

    Before :data:`REPORT_MIN_EDITS` recorded edits it returns ``ready=False`` and says
    "not enough data yet (N of 10)".

    Raises:
        ZoneInfoNotFoundError: ``timezone`` is not an IANA zone (Settings validates it first).
    """
    ZoneInfo(timezone)
    rows = sql.many(conn, Q.edit_history, {"zone": timezone, "member": member_id}, EditRow)
    total = len(rows)
    if total < REPORT_MIN_EDITS:
        return VoiceReport(
            edits=total,
            ready=False,
            summary=f"not enough data yet ({total} of {REPORT_MIN_EDITS})",
            timezone=timezone,
            flagged=flagged_notes(conn, member_id),
        )
    groups: dict[tuple[str, str], list[EditRow]] = {}
    for row in rows:
        groups.setdefault((row.persona, row.language), []).append(row)
    voices = []
    for (persona, language), items in sorted(groups.items()):
        ratios = [float(r.edit_ratio) for r in items]
        first, recent = _mean(ratios[:TREND_SPAN]), _mean(ratios[-TREND_SPAN:])
        voices.append(
            VoiceTrend(
                persona=persona,
                language=language,
                edits=len(items),
                mean_edit_ratio=_mean(ratios),
                first_edit_ratio=first,
                recent_edit_ratio=recent,
                direction=_direction(first, recent),
                naturalness_before=_mean_or_none([r.naturalness_before for r in items]),
                naturalness_after=_mean_or_none([r.naturalness_after for r in items]),
                weeks=_weeks([(r.week, float(r.edit_ratio)) for r in items]),
            )
        )
    weeks = _weeks([(r.week, float(r.edit_ratio)) for r in rows])
    ratios = [float(r.edit_ratio) for r in rows]
    first, recent = _mean(ratios[:TREND_SPAN]), _mean(ratios[-TREND_SPAN:])
    moved = {"falling": "down", "rising": "up", "flat": "about the same"}[_direction(first, recent)]
    summary = f"{total} edits: you change {recent:.0%} of a draft lately, against {first:.0%} at first ({moved})."
    return VoiceReport(
        edits=total,
        ready=True,
        summary=summary,
        timezone=timezone,
        weeks=weeks,
        voices=voices,
        performance=_voice_performance(conn, member_id),
        flagged=flagged_notes(conn, member_id),
    )
