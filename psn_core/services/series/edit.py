"""Edit a series: its name, description, template, label pattern, cadence, first day or time of day.

Only what is given changes; the rest stays. The result is checked like a new series (a cadence that never
fires from now on, a bad rule, label pattern or template is refused and nothing changes). A retired series
does not change any more. The hub enforces who may edit (its creator, or an editor / admin of a company
hub) and refuses a retired series too; this module turns those refusals into sentences.
"""

from __future__ import annotations

from datetime import date, datetime, time
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from psn_core.errors import NotPermitted
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.series import store
from psn_core.services.series.errors import SeriesInputInvalid, SeriesTransitionRefused
from psn_core.services.series.models import Cadence, Series, SeriesTemplate

Q = Queries.load(__package__)


class SeriesEdit(BaseModel):
    """The changes to a series; None keeps the field as it is."""

    name: str | None = None
    description: str | None = Field(default=None, max_length=2000)
    cadence: Cadence | None = None
    rrule: str | None = None
    starts_on: date | None = None
    time_of_day: time | None = None
    template: SeriesTemplate | None = None
    label_pattern: str | None = None
    season_length: int | None = None

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_none=True)


def _cadence(current: Series, change: SeriesEdit) -> tuple[str, str | None]:
    """The cadence and rule the series gets: an rrule alone means cadence rrule; a named cadence drops the
    rule (it is derived from the first day); neither keeps the current one (rederived if the day moves)."""
    if change.cadence is None and change.rrule is not None:
        return "rrule", change.rrule
    if change.cadence is not None:
        return change.cadence, change.rrule
    return current.cadence, current.rrule if current.cadence == "rrule" else None


def edit_series(conn: Conn, ref: str | UUID, change: SeriesEdit, now: datetime) -> Series:
    """Apply ``change`` to the series ``ref`` (slug, id or id prefix) and return it as the hub has it.

    Raises:
        SeriesNotFound; SeriesInputInvalid: nothing to change, or the result is not a valid series (a cadence
        that never fires, a bad rule, label pattern or name): nothing changes then;
        SeriesTransitionRefused: the series is retired; NotPermitted: in a company hub, another member's
        series and the caller is no editor.
    """
    if change.is_empty():
        raise SeriesInputInvalid(
            "Nothing to change: no new name, description, template, label, cadence, first day or time was given.",
            "Give at least one of them (`psn series edit --help`).",
        )
    current = store.get_series(conn, ref)
    if current.state == "retired":
        raise SeriesTransitionRefused(
            f"Series {current.slug!r} is retired: it does not change any more; nothing was changed.",
            "Create a new series instead (`psn series create`).",
        )
    cadence, rule = _cadence(current, change)
    spec = store.SeriesSpec(
        name=change.name if change.name is not None else current.name,
        slug=current.slug,
        description=change.description if change.description is not None else current.description,
        cadence=cadence,
        rrule=rule,
        starts_on=change.starts_on or current.starts_on,
        time_of_day=change.time_of_day or current.time_of_day,
        timezone=current.timezone,
        platforms=current.platforms,
        pillar=current.pillar,
        format=current.format,
        template=change.template or current.template,
        label_pattern=change.label_pattern if change.label_pattern is not None else current.label_pattern,
        season_length=change.season_length if change.season_length is not None else current.season_length,
        first_episode=current.first_episode,
    )
    _slug, rule_text = store.check_spec(spec, None, now)  # the pillar does not change: it is not rechecked
    params = {
        "id": current.id,
        "name": spec.name.strip(),
        "description": spec.description,
        "cadence": spec.cadence,
        "rrule": rule_text,
        "starts_on": spec.starts_on,
        "time_of_day": spec.time_of_day,
        "template": Jsonb(spec.template.model_dump()),
        "label_pattern": spec.label_pattern.strip(),
        "season_length": spec.season_length,
    }
    try:
        with conn.transaction():
            changed = sql.run(conn, Q.edit_series, params)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise NotPermitted(
            f"The hub refused to change series {current.slug!r}: {store.reason(exc)}; nothing was changed.",
            "Ask whoever created it, or an editor or admin of the hub.",
        ) from exc
    except psycopg.errors.CheckViolation as exc:
        raise SeriesTransitionRefused(
            f"The hub refused the change of series {current.slug!r}: {store.reason(exc)}; nothing was changed."
        ) from exc
    if changed == 0:
        raise SeriesTransitionRefused(f"Series {current.slug!r} was retired meanwhile; nothing was changed.")
    return store.get_series(conn, current.id)
