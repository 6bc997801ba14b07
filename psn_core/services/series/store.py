"""Series in the hub: create, find, list, pause / resume / retire, and link a post to a series (the
migration enforces the states and who may change what; this module turns refusals into sentences).
Every function takes a transaction acting as the member (``Hub.transaction``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date, datetime, time
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ValidationError

from psn_core.errors import NotPermitted
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.series import cadence as cadences
from psn_core.services.series.errors import SeriesInputInvalid, SeriesNotFound, SeriesTransitionRefused
from psn_core.services.series.labels import check_pattern, label
from psn_core.services.series.models import (
    STATES,
    TARGET,
    TRANSITIONS,
    Action,
    EpisodeBrief,
    Series,
    SeriesTemplate,
)

Q = Queries.load(__package__)

PLATFORMS = ("x", "linkedin", "instagram", "tiktok")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class SeriesSpec(BaseModel):
    """What a new series is made of (as the CLI and MCP tools pass it)."""

    name: str
    slug: str | None = None
    description: str = ""
    cadence: str = "weekly"
    rrule: str | None = None
    starts_on: date
    time_of_day: time
    timezone: str
    platforms: list[str]
    pillar: str | None = None
    format: str | None = None
    template: SeriesTemplate = SeriesTemplate()
    label_pattern: str = "#{n}"
    season_length: int | None = None
    first_episode: int = 1


class _Row(BaseModel):
    id: UUID
    member_id: UUID
    created_by: str | None
    name: str
    slug: str
    description: str
    cadence: str
    rrule: str
    starts_on: date
    time_of_day: time
    timezone: str
    platforms: list[str]
    pillar: str | None
    format: str | None
    template: dict[str, object]
    label_pattern: str
    season_length: int | None
    first_episode: int
    episodes_published: int
    state: str
    state_changed_at: datetime
    created_at: datetime


def slugify(name: str) -> str:
    """A slug from a name: lower case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-") or "series"


def check_spec(spec: SeriesSpec, pillars: Collection[str] | None, now: datetime) -> tuple[str, str]:
    """The slug and RRULE of a valid ``spec``.

    Raises:
        SeriesInputInvalid: see :func:`create_series`.
    """
    if not spec.name.strip() or len(spec.name.strip()) > 120:
        raise SeriesInputInvalid("A series needs a name (1 to 120 characters).", "Give it a short name.")
    slug = spec.slug or slugify(spec.name)
    if not _SLUG.match(slug):
        raise SeriesInputInvalid(f"{slug!r} is not a slug.", "Use lower case letters, digits and dashes.")
    unknown = [p for p in spec.platforms if p not in PLATFORMS]
    if not spec.platforms or unknown or len(set(spec.platforms)) != len(spec.platforms):
        raise SeriesInputInvalid(
            f"The platforms {spec.platforms!r} are not a set of known platforms.",
            f"Name one or more of {', '.join(PLATFORMS)}, each once.",
        )
    if spec.pillar is not None:
        if not _NAME.match(spec.pillar):
            raise SeriesInputInvalid(f"{spec.pillar!r} is not a pillar name.", "Use lower case, digits, - and _.")
        if pillars is not None and spec.pillar not in pillars:
            known = ", ".join(sorted(pillars)) or "none"
            raise SeriesInputInvalid(
                f"{spec.pillar!r} is not one of your strategy's pillars ({known}); nothing was saved.",
                "Use one of those pillars, or add it to strategy.yaml first (`psn strategy show`).",
            )
    from psn_core.voice.formats import format_names  # the catalog (the same list check_format reads)

    if spec.format is not None and spec.format not in format_names():
        raise SeriesInputInvalid(
            f"{spec.format!r} is not a post format psn knows; the formats are: {', '.join(format_names())}.",
            "Give one of those formats (or none); nothing was saved.",
        )
    if spec.season_length is not None and not 1 <= spec.season_length <= 1000:
        raise SeriesInputInvalid("A season has 1 to 1000 episodes.", "Give --season-length between 1 and 1000.")
    if not 0 <= spec.first_episode <= 100_000:
        raise SeriesInputInvalid("The first episode number is 0 to 100000.", "Give --first-episode N.")
    check_pattern(spec.label_pattern, spec.season_length)
    zone = cadences.zone_of(spec.timezone)
    rule = cadences.rule_text(spec.cadence, spec.starts_on, spec.rrule)
    cadences.check_fires(rule, spec.starts_on, spec.time_of_day, zone, now)
    return slug, rule


def create_series(
    conn: Conn, member_id: UUID, spec: SeriesSpec, now: datetime, *, pillars: Collection[str] | None
) -> Series:
    """Store a new active series. ``pillars``: the strategy's pillar names (None: no strategy, any pillar).

    Raises:
        SeriesInputInvalid: an unknown pillar or platform, a cadence that never fires, a bad rule, label
            pattern or zone, or a slug the member already uses. Nothing is saved then.
    """
    slug, rule = check_spec(spec, pillars, now)
    params = {
        **spec.model_dump(exclude={"template", "rrule", "slug", "name", "label_pattern"}),
        "name": spec.name.strip(),
        "slug": slug,
        "rrule": rule,
        "template": Jsonb(spec.template.model_dump()),
        "label_pattern": spec.label_pattern.strip(),
        "member_id": member_id,
        "now": now,
    }
    try:
        with conn.transaction():
            series_id: UUID = sql.value(conn, Q.insert_series, params)
    except psycopg.errors.UniqueViolation as exc:
        raise SeriesInputInvalid(
            f"You already have a series {slug!r}; nothing was saved.", "Pick another name or give --slug."
        ) from exc
    return get_series(conn, series_id)


def _to_series(row: _Row) -> Series:
    try:
        template = SeriesTemplate.model_validate(row.template)
    except ValidationError:
        template = SeriesTemplate()  # written by raw SQL outside psn: shown empty rather than failing
    upcoming = row.first_episode + row.episodes_published
    return Series(
        **row.model_dump(exclude={"template"}),
        template=template,
        next_episode=upcoming,
        next_label=label(row.label_pattern, upcoming, row.season_length),
    )


def load(conn: Conn, ids: Sequence[UUID] | None, states: Collection[str] = STATES) -> list[Series]:
    """Series by ids (None: every visible one) in ``states``."""
    rows = sql.many(conn, Q.series_rows, {"ids": list(ids) if ids is not None else None, "states": list(states)}, _Row)
    return [_to_series(r) for r in rows]


def resolve_id(conn: Conn, ref: str | UUID) -> UUID:
    """A series' id from its slug, id, or id prefix (6+ characters).

    Raises:
        SeriesNotFound: no visible series matches, or several do.
    """
    whole = sql.whole_id(ref)
    if whole is not None:
        return whole
    text = str(ref).strip().lower()
    prefix = text + "%" if len(text) >= 6 and re.fullmatch(r"[0-9a-f-]+", text) else "-"
    found = sql.many(conn, Q.series_ids_by_ref, {"ref": text, "prefix": prefix}, _Match)
    named = [m for m in found if m.by_slug] or found
    if not named:
        raise SeriesNotFound(f"No series {str(ref)!r} that you can see.")
    if len(named) > 1:  # two members' "tips" in a company hub: never pick one silently
        matches = ", ".join(f"{m.name!r} ({str(m.id)[:8]})" for m in named)
        raise SeriesNotFound(
            f"{str(ref)!r} names several series: {matches}; nothing was changed.",
            "Name the series by its id (or its first 8 characters), as shown above.",
        )
    return named[0].id


class _Match(BaseModel):
    id: UUID
    slug: str
    name: str
    by_slug: bool


def get_series(conn: Conn, ref: str | UUID) -> Series:
    """One series by slug, id or id prefix.

    Raises:
        SeriesNotFound: see :func:`resolve_id`.
    """
    found = load(conn, [resolve_id(conn, ref)])
    if not found:
        raise SeriesNotFound(f"No series {ref} that you can see.")
    return found[0]


def list_series(conn: Conn, *, states: Collection[str] | None = None) -> list[Series]:
    """Visible series in ``states`` (default: active and paused), own ones first.

    Raises:
        SeriesInputInvalid: an unknown state.
    """
    chosen = list(states) if states else ["active", "paused"]
    if unknown := [s for s in chosen if s not in STATES]:
        raise SeriesInputInvalid(f"{unknown[0]!r} is not a series state.", f"Use one of: {', '.join(STATES)}.")
    return load(conn, None, chosen)


def move(conn: Conn, ref: str | UUID, action: Action, now: datetime) -> Series:
    """Pause, resume or retire a series.

    Raises:
        SeriesNotFound; SeriesTransitionRefused: the move is not allowed from its state (retired is final);
        NotPermitted: in a company hub, it is another member's series and the caller is no editor.
    """
    series = get_series(conn, ref)
    to_state = TARGET[action]
    if (series.state, to_state) not in TRANSITIONS:
        raise SeriesTransitionRefused(f"Series {series.slug!r} is {series.state}: it cannot be {to_state}.")
    params = {"id": series.id, "from_state": series.state, "to_state": to_state, "now": now}
    try:
        with conn.transaction():
            changed = sql.run(conn, Q.move_series, params)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise NotPermitted(
            f"The hub refused to change series {series.slug!r}: {reason(exc)}.",
            "Ask whoever created it, or an editor or admin of the hub.",
        ) from exc
    except psycopg.errors.CheckViolation as exc:
        raise SeriesTransitionRefused(f"The hub refused the change of series {series.slug!r}: {reason(exc)}.") from exc
    if changed == 0:
        current = get_series(conn, series.id)
        raise SeriesTransitionRefused(f"Series {series.slug!r} changed meanwhile: it is {current.state} now.")
    return get_series(conn, series.id)


def reason(exc: psycopg.Error) -> str:
    return (exc.diag.message_primary or "not allowed").rstrip(".")


def link_post(conn: Conn, ref: str | UUID, post_id: UUID, *, occurrence_at: datetime | None = None) -> Series:
    """A post was drafted for a series (optionally for one occurrence): when it is published it becomes the
    series' next episode, once. A post already linked keeps its first series.

    Raises:
        SeriesNotFound; SeriesTransitionRefused: the series is retired (paused is fine: catching up).
    """
    series = get_series(conn, ref)
    if series.state == "retired":
        raise SeriesTransitionRefused(
            f"Series {series.slug!r} is retired: no new episodes.", "Resume is not possible; create a new series."
        )
    params = {"post_id": post_id, "series_id": series.id, "occurrence_at": occurrence_at}
    with conn.transaction():
        sql.run(conn, Q.link_series_post, params)
    return series


def _fill(text: str, series: Series) -> str:
    return text.replace("{label}", series.next_label).replace("{n}", str(series.next_episode))


def episode_brief(series: Series) -> EpisodeBrief:
    """The next episode of ``series`` as drafting needs it: template, number and label."""
    return EpisodeBrief(
        series_id=series.id,
        name=series.name,
        slug=series.slug,
        pillar=series.pillar,
        format=series.format,
        episode_number=series.next_episode,
        label=series.next_label,
        structure=list(series.template.structure),
        intro=_fill(series.template.intro, series),
        outro=_fill(series.template.outro, series),
        hashtags=list(series.template.hashtags),
    )
