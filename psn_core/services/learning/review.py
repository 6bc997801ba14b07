"""The review's learning part: what changed in the strategy and why (from the changelog), the proposals
waiting for the user, and once a month voice drift and audience shifts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.learning.models import (
    ChangeLine,
    FollowerPoint,
    LearningSection,
    MonthlyLearning,
    MonthlyShift,
)
from psn_core.services.learning.posts import window_posts
from psn_core.services.learning.proposals import list_proposals
from psn_core.services.strategy import recent_changes
from psn_core.timefmt import local

Q = Queries.load(__package__)


@dataclass(frozen=True)
class _EditMonth:
    edits: int
    ratio: float | None
    naturalness: float | None
    sentence_words: float | None


def changes_since(workspace: Path, since: datetime, until: datetime | None = None) -> list[ChangeLine]:
    """Strategy changelog entries at or after ``since`` (and before ``until`` when given), oldest first."""
    out = []
    for entry in recent_changes(workspace, limit=500):
        try:
            at = datetime.fromisoformat(str(entry.get("at")))
        except ValueError:
            continue
        if at.tzinfo is None:
            continue
        if at >= since and (until is None or at < until):
            path = str(entry.get("path") or entry.get("action") or "")
            new = entry.get("new", entry.get("locked") or entry.get("unlocked"))
            line = ChangeLine(
                at=at,
                actor=str(entry.get("actor", "")),
                path=path,
                old=entry.get("old"),
                new=new,
                evidence=str(entry.get("evidence", "")),
            )
            out.append(line)
    return out


def month_bounds(month: date, zone: ZoneInfo) -> tuple[datetime, datetime, datetime]:
    """(start of the month before, start of ``month``, start of the month after), in ``zone``."""
    start = month.replace(day=1)
    before = start.replace(year=start.year - 1, month=12) if start.month == 1 else start.replace(month=start.month - 1)
    after = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return tuple(datetime.combine(d, time(), zone) for d in (before, start, after))  # type: ignore[return-value]


def _shift(key: str, before: float | None, now: float | None) -> MonthlyShift | None:
    if before is None or now is None:
        return None
    return MonthlyShift(key=key, before=round(before, 3), now=round(now, 3))


def _shares(posts: list[tuple[str, int]]) -> dict[str, float]:
    total = sum(n for _, n in posts)
    counts: dict[str, int] = defaultdict(int)
    for key, n in posts:
        counts[key] += n
    return {k: v / total for k, v in counts.items()} if total else {}


def monthly_learning(conn: Conn, member_id: UUID, *, zone: ZoneInfo, month: date) -> MonthlyLearning:
    """Voice drift (edits) and audience shifts (post shares, followers) of ``month`` against the month before."""
    before, start, after = month_bounds(month, zone)
    member = {"member": member_id}
    prev = sql.one(conn, Q.edit_months, {**member, "since": before, "until": start}, _EditMonth)
    this = sql.one(conn, Q.edit_months, {**member, "since": start, "until": after}, _EditMonth)
    assert prev is not None and this is not None  # aggregates always return a row
    ratio = _shift("edit ratio", prev.ratio, this.ratio)
    natural = _shift("naturalness", prev.naturalness, this.naturalness)
    words = _shift("words per sentence", prev.sentence_words, this.sentence_words)
    posts_before = window_posts(conn, member_id, zone, before, start)
    posts_now = window_posts(conn, member_id, zone, start, after)
    shifts = []
    for dim in ("platform", "language"):
        old = _shares([(getattr(p, dim), 1) for p in posts_before])
        new = _shares([(getattr(p, dim), 1) for p in posts_now])
        for key in sorted(set(old) | set(new)):
            shifts.append(
                MonthlyShift(key=f"{dim} {key}", before=round(old.get(key, 0.0), 3), now=round(new.get(key, 0.0), 3))
            )
    params = {**member, "zone": zone.key, "since": before, "until": after}
    points = sql.many(conn, Q.follower_weeks, params, FollowerPoint)
    last: dict[tuple[str, bool], int] = {}
    for p in points:  # ordered by account and week: the last week of each month wins
        last[(f"{p.platform} @{p.handle}", p.week >= start.date())] = p.followers
    followers = [
        MonthlyShift(key=k, before=float(last[(k, False)]), now=float(last[(k, True)]))
        for k in sorted({k for k, _ in last})
        if (k, False) in last and (k, True) in last
    ]
    notes = []
    if ratio is not None:
        trend = "less" if ratio.now < ratio.before else "more"
        notes.append(f"You rewrote {trend} of psn's drafts: {ratio.before:.0%} -> {ratio.now:.0%} of the words.")
    if words is not None and abs(words.now - words.before) >= 1:
        notes.append(f"Your posted sentences went from {words.before:.1f} to {words.now:.1f} words on average.")
    for s in shifts:
        if abs(s.now - s.before) >= 0.15:
            notes.append(f"{s.key}: {s.before:.0%} of posts the month before, {s.now:.0%} this month.")
    for f in followers:
        notes.append(f"{f.key}: {f.before:,.0f} -> {f.now:,.0f} followers ({f.now - f.before:+,.0f}).")
    return MonthlyLearning(
        month=f"{start:%Y-%m}",
        edits=this.edits,
        edit_ratio=ratio,
        naturalness=natural,
        sentence_words=words,
        exposure_share=shifts,
        followers=followers,
        notes=notes or ["No drift or shift to report this month."],
    )


def learning_section(
    conn: Conn,
    member_id: UUID,
    *,
    workspace: Path,
    since: datetime,
    until: datetime | None = None,
    zone: ZoneInfo,
    month: date | None = None,
) -> LearningSection:
    """The review's learning part: changes in [``since``, ``until``), pending proposals, and ``month``'s
    drift if given."""
    monthly = monthly_learning(conn, member_id, zone=zone, month=month) if month is not None else None
    return LearningSection(
        changes=changes_since(workspace, since, until), proposals=list_proposals(conn, member_id), monthly=monthly
    )


def render_learning(section: LearningSection, zone: ZoneInfo) -> list[str]:
    """The learning part as Markdown lines for the saved review (times in ``zone``, named)."""
    lines = ["## What changed this week and why", ""]
    for c in section.changes:
        who = "psn (from evidence)" if c.actor == "psn" else "you"
        lines.append(f"- {local(c.at, zone)}, {who}: `{c.path}` {c.old!r} -> {c.new!r}: {c.evidence}")
    if not section.changes:
        lines.append("- Nothing changed in your strategy.")
    lines += ["", "## Proposals waiting for you", ""]
    for p in section.proposals:
        lines.append(f"- #{p.id} {p.summary} Why: {p.evidence}. (`psn review --approve {p.id}` / `--reject {p.id}`)")
    if not section.proposals:
        lines.append("- None.")
    lines.append("")
    if section.monthly is not None:
        lines += [f"## This month ({section.monthly.month}): voice drift and audience", ""]
        lines += [f"- {n}" for n in section.monthly.notes]
        lines.append("")
    return lines
