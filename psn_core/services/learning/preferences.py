"""The preference model: computed from analytics, edits and ideas, stored in the hub, read by drafting.

``refresh_preferences`` computes and stores it (the worker's weekly task, ``psn prefs refresh``,
``refresh_preferences``); ``load_preferences(conn, member_id)`` reads it back (None before the first
refresh) for the drafting context and the weekly plan; ``draft_lines`` is its compact form for the writer.

The model looks at the last ``WEEKS`` weeks. A topic that did clearly worse than the member's other
topics in the last 30 days rests ``REST_DAYS`` days; a rest already running is kept until it ends.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Literal, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg.types.json import Jsonb
from pydantic import BaseModel

from psn_core.errors import NotPermitted
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.learning.models import (
    EditPattern,
    FatiguedTopic,
    FollowerPoint,
    FormatPref,
    HourPref,
    KilledReason,
    LiftPref,
    Preferences,
)
from psn_core.services.learning.posts import (
    DAY_NAMES,
    PostCell,
    hook_pattern,
    lift,
    platform_rates,
    score,
    window_posts,
)
from psn_core.timefmt import utcnow
from psn_core.voice import EditDiff

Q = Queries.load(__package__)
K = TypeVar("K")
WEEKS = 12
REST_DAYS = 14
FATIGUE_LIFT = 0.8  # a topic below 80 % of typical rests
MIN_POSTS = 2  # a group needs this many posts to be ranked
TOP = 5
EDIT_WINDOW = 50


class _Edit(BaseModel):
    edit_ratio: float
    diff: EditDiff


class _Reason(BaseModel):
    reason: str
    n: int


class _Path(BaseModel):
    path: str


class _Model(BaseModel):
    model: Preferences


def _ranked(groups: dict[str, list[PostCell]], rates: dict[str, float]) -> list[LiftPref]:
    out = []
    for key, items in groups.items():
        value = lift(items, rates)
        if len(items) >= MIN_POSTS and value is not None:
            out.append(LiftPref(key=key, posts=len(items), lift=round(value, 3)))
    return sorted(out, key=lambda g: (-g.lift, -g.posts, g.key))


def _scored(posts: list[PostCell], key: Callable[[PostCell], K]) -> Iterator[tuple[str, K, int, float]]:
    """(platform, key, posts, score) of each platform-and-key group with enough posts and a score."""
    groups: dict[tuple[str, K], list[PostCell]] = defaultdict(list)
    for p in posts:
        groups[(p.platform, key(p))].append(p)
    for (platform, value), items in groups.items():
        found = score(items)
        if len(items) >= MIN_POSTS and found is not None:
            yield platform, value, len(items), round(found, 2)


def _formats(posts: list[PostCell]) -> list[FormatPref]:
    out = [FormatPref(platform=pl, format=f, posts=n, score=s) for pl, f, n, s in _scored(posts, lambda p: p.format)]
    return sorted(out, key=lambda f: (f.platform, -f.score, f.format))


def _hours(posts: list[PostCell]) -> list[HourPref]:
    out = [HourPref(platform=pl, hour=h, posts=n, score=s) for pl, h, n, s in _scored(posts, lambda p: p.hour)]
    out.sort(key=lambda h: (h.platform, -h.score, h.hour))
    kept: Counter[str] = Counter()
    best = []
    for h in out:  # the 3 best hours of each platform
        kept[h.platform] += 1
        if kept[h.platform] <= 3:
            best.append(h)
    return best


def _edit_patterns(edits: list[_Edit]) -> list[EditPattern]:
    if not edits:
        return []
    removed: Counter[str] = Counter()
    added_words: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    changes = []
    for e in edits:
        removed.update({w.lower() for w in e.diff.removed_words})
        added_words.update({w.lower() for w in e.diff.added_words})
        phrases.update({p for p in e.diff.added_phrases if len(p.split()) >= 2})
        if e.diff.draft_sentence_words and e.diff.final_sentence_words:
            changes.append(e.diff.sentence_length_change)
    mean_ratio = statistics.fmean(e.edit_ratio for e in edits)
    out = [EditPattern(kind="edit_ratio", value=f"{mean_ratio:.2f}", count=len(edits))]
    for word, n in sorted(removed.items(), key=lambda kv: (-kv[1], kv[0])):
        if n >= MIN_POSTS and added_words[word] == 0 and len(word) >= 4 and len(out) < 1 + TOP:
            out.append(EditPattern(kind="removes", value=word, count=n))
    for phrase, n in sorted(phrases.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]:
        if n >= MIN_POSTS:
            out.append(EditPattern(kind="adds", value=phrase, count=n))
    if len(changes) >= 3 and abs(statistics.fmean(changes)) >= 1:
        out.append(EditPattern(kind="sentence_length", value=f"{statistics.fmean(changes):+.1f}", count=len(changes)))
    return out


def _fatigue(
    posts: list[PostCell], rates: dict[str, float], today: date, previous: Preferences | None, since: datetime
) -> list[FatiguedTopic]:
    groups: dict[str, list[PostCell]] = defaultdict(list)
    for p in posts:
        if p.topic and p.published_at >= since:
            groups[p.topic].append(p)
    ranked = _ranked(groups, rates)
    resting: dict[str, FatiguedTopic] = {}
    if previous is not None:
        resting = {t.topic: t for t in previous.fatigued_topics if t.rest_until > today}
    if len(ranked) >= 2:
        middle = statistics.median(g.lift for g in ranked)
        for g in ranked:
            if g.lift < FATIGUE_LIFT * middle and g.key not in resting:
                resting[g.key] = FatiguedTopic(
                    topic=g.key[:120], posts=g.posts, lift=g.lift, rest_until=today + timedelta(days=REST_DAYS)
                )
    return sorted(resting.values(), key=lambda t: (t.rest_until, t.topic))


def compute_preferences(
    conn: Conn,
    member_id: UUID,
    *,
    zone: ZoneInfo,
    now: datetime,
    scope: Literal["member", "brand"] = "member",
    previous: Preferences | None = None,
) -> Preferences:
    """The model from the last ``WEEKS`` weeks of what the connection can see (nothing is stored)."""
    since = now - timedelta(weeks=WEEKS)
    window = {"member": member_id, "since": since, "until": now}
    posts = window_posts(conn, member_id, zone, since, now)
    rates = platform_rates(posts)
    by_pillar: dict[str, list[PostCell]] = defaultdict(list)
    by_day: dict[str, list[PostCell]] = defaultdict(list)
    by_hook: dict[str, list[PostCell]] = defaultdict(list)
    for p in posts:
        if p.pillar:
            by_pillar[p.pillar].append(p)
        by_day[DAY_NAMES[p.weekday - 1]].append(p)
        by_hook[hook_pattern(p.text)].append(p)
    edits = sql.many(conn, Q.window_edits, {**window, "limit": EDIT_WINDOW}, _Edit)
    reasons = sql.many(conn, Q.killed_reasons, {**window, "limit": 10}, _Reason)
    followers = sql.many(conn, Q.follower_weeks, {**window, "zone": zone.key}, FollowerPoint)
    dropped = [r.path.removeprefix("format.") for r in sql.many(conn, Q.dropped_formats, {"member": member_id}, _Path)]
    return Preferences(
        scope=scope,
        computed_at=now,
        timezone=zone.key,
        weeks=WEEKS,
        posts=len(posts),
        top_formats=_formats(posts),
        pillars=_ranked(by_pillar, rates),
        hours=_hours(posts),
        weekdays=_ranked(by_day, rates),
        hook_patterns=_ranked(by_hook, rates),
        edit_patterns=_edit_patterns(edits),
        fatigued_topics=_fatigue(posts, rates, now.astimezone(zone).date(), previous, now - timedelta(days=30)),
        killed_reasons=[KilledReason(reason=r.reason[:200], count=r.n) for r in reasons],
        followers=followers,
        dropped_formats=dropped,
    )


def load_preferences(conn: Conn, member_id: UUID) -> Preferences | None:
    """The member's stored model, or None before its first refresh."""
    row = sql.one(conn, Q.member_model, {"member": member_id}, _Model)
    return row.model if row is not None else None


def load_brand_preferences(conn: Conn) -> Preferences | None:
    """A company hub's brand model (None in a personal hub, or before its first refresh)."""
    row = sql.one(conn, Q.brand_model, None, _Model)
    return row.model if row is not None else None


def refresh_preferences(
    conn: Conn,
    member_id: UUID,
    *,
    zone: ZoneInfo,
    now: datetime,
    scope: Literal["member", "brand"] = "member",
) -> Preferences:
    """Compute the model and store it (replacing the one before; topics still resting keep resting).

    ``scope="brand"`` (a company hub; editors, admins and the owner) stores the brand's model, computed from
    the measured posts the caller can see there (those of the accounts they connected, the ones their
    worker measures). A caller who sees none leaves a brand model made from measured posts as it is.

    Raises:
        NotPermitted: the brand's model outside a company hub, or by a contributor.
    """
    if scope == "brand":
        _may_write_brand(conn)
    previous = load_preferences(conn, member_id) if scope == "member" else load_brand_preferences(conn)
    model = compute_preferences(conn, member_id, zone=zone, now=now, scope=scope, previous=previous)
    if scope == "brand" and model.posts == 0 and previous is not None and previous.posts > 0:
        return previous  # an editor with no accounts of their own never blanks the brand's model
    params = {"member": member_id, "model": Jsonb(model.model_dump(mode="json")), "at": now}
    sql.run(conn, Q.save_member_model if scope == "member" else Q.save_brand_model, params)
    return model


def _may_write_brand(conn: Conn) -> None:
    if sql.value(conn, Q.hub_kind) != "company":
        raise NotPermitted(
            "A brand's preference model lives in a company hub; this is your personal hub.",
            "Add --company NAME (or refresh your own model without --brand).",
        )
    if sql.value(conn, Q.member_role) not in ("owner", "admin", "editor"):
        raise NotPermitted(
            "Only the company's editors, admins and owner refresh the brand's preference model.",
            "Ask an editor or admin; the brand model is refreshed weekly by their worker.",
        )


def draft_lines(prefs: Preferences | None, platform: str, today: date | None = None) -> list[str]:
    """The model in a few lines for the writer drafting one post on ``platform`` (empty without a model);
    topics rest until their day (``today``, by default the date in the model's zone now)."""
    if prefs is None or (prefs.posts == 0 and not prefs.edit_patterns):
        return []
    if today is None:
        today = utcnow().astimezone(ZoneInfo(prefs.timezone)).date()
    out = []
    formats = [f"{f.format} ({f.score:.1f})" for f in prefs.top_formats if f.platform == platform][:3]
    if formats:
        out.append(f"Best formats on {platform}: {', '.join(formats)}.")
    dropped = [d.split(".", 1)[1] for d in prefs.dropped_formats if d.startswith(f"{platform}.")]
    if dropped:
        out.append(f"The user dropped these formats on {platform}: {', '.join(dropped)}.")
    if prefs.pillars:
        out.append("Pillars that land: " + ", ".join(f"{p.key} (x{p.lift:.2f})" for p in prefs.pillars[:3]) + ".")
    hooks = [h for h in prefs.hook_patterns if h.key != "none"][:3]
    if hooks:
        out.append("Openings that work: " + ", ".join(f"{h.key} (x{h.lift:.2f})" for h in hooks) + ".")
    edits = [e for e in prefs.edit_patterns if e.kind != "edit_ratio"]
    if edits:
        described = {"removes": "removes {}", "adds": "adds {}", "sentence_length": "sentence length {} words"}
        out.append("The user's edits: " + "; ".join(described[e.kind].format(repr(e.value)) for e in edits[:4]) + ".")
    resting = [t.topic for t in prefs.fatigued_topics if t.rest_until > today]
    if resting:
        out.append("Resting topics (do not use): " + "; ".join(resting[:5]) + ".")
    return out
