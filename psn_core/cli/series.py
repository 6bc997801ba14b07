"""`psn series create|list|show|edit|pause|resume|retire|due|detect`: recurring formats with a cadence."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.timefmt import local, utcnow

if TYPE_CHECKING:
    from psn_core.services.series.models import DueEpisode, Series

COMPANY_HELP = "A company hub's series (shared by its members) instead of your own hub's."
PLATFORMS = ("x", "linkedin", "instagram", "tiktok")


def _common(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(f)
    return click.option("--company", "company_name", default=None, help=COMPANY_HELP)(f)


def _line(s: Series) -> str:
    pillar = f" #pillar:{s.pillar}" if s.pillar else ""
    when = f"{s.cadence} at {s.time_of_day:%H:%M} ({s.timezone})"
    if s.cadence == "rrule":
        when = f"{s.rrule} at {s.time_of_day:%H:%M} ({s.timezone})"
    return (
        f"{s.slug} [{s.state}] {json.dumps(s.name, ensure_ascii=False)} {when} on {', '.join(s.platforms)}{pillar}; "
        f"{s.episodes_published} published, next {s.next_label}"
    )


def _due_line(e: DueEpisode) -> str:
    mark = "scheduled" if e.already_scheduled else "draft saved" if e.post_id else "to write"
    return f"{e.local_time}  {e.slug} {e.label} [{mark}] on {', '.join(e.platforms)}"


def _day(text: str, obj: Ctx) -> date:
    from psn_core.services.posting.schedule_time import parse_day

    return parse_day(text, obj.settings.timezone, utcnow())


@click.group()
def series() -> None:
    """Series: recurring formats with a cadence, a template and episode labels: create, list, show, edit, pause,
    resume, retire, due, detect (each with --json)."""


@series.command("create")
@click.argument("name")
@click.option(
    "--cadence",
    type=click.Choice(("weekly", "biweekly", "monthly", "rrule")),
    default="weekly",
    show_default=True,
    help="How often; weekly and biweekly fire on the first day's weekday, monthly on its day.",
)
@click.option("--rrule", default=None, help="With --cadence rrule: an RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=TU,TH.")
@click.option("--start", default="today", show_default=True, help="The first day (YYYY-MM-DD, or 'next tuesday').")
@click.option("--at", "at", default="09:00", show_default=True, help="The time of day, HH:MM in your zone.")
@click.option("--platform", "platforms", multiple=True, type=click.Choice(PLATFORMS), required=True, help="Repeat.")
@click.option("--pillar", default=None, help="Its content pillar (one of strategy.yaml's, when there is one).")
@click.option("--format", "format_name", default=None, help="Its post format (thread, short_take, carousel ...).")
@click.option("--structure", multiple=True, help="A section of every episode, in order (repeat).")
@click.option("--intro", default="", help="How episodes open; {label} becomes the episode's label.")
@click.option("--outro", default="", help="How episodes close.")
@click.option("--hashtag", "hashtags", multiple=True, help="A hashtag every episode carries (repeat).")
@click.option("--label", "label_pattern", default="#{n}", show_default=True, help="{n}, {season}, {episode}.")
@click.option("--season-length", type=click.IntRange(1, 1000), default=None, help="Episodes per season.")
@click.option("--first-episode", type=click.IntRange(0, 100000), default=1, show_default=True)
@click.option("--slug", default=None, help="Its short name (default: from the name).")
@click.option("--description", default="", help="What the series is.")
@_common
@pass_ctx
def series_create(obj: Ctx, /, name: str, **opts: Any) -> None:
    """Create a series. A cadence that never fires or an unknown pillar is refused; nothing is saved then."""
    from psn_core.services.ideas.pillars import strategy_pillars
    from psn_core.services.series import store
    from psn_core.services.series.errors import SeriesInputInvalid
    from psn_core.services.series.models import SeriesTemplate

    try:
        at = time.fromisoformat(str(opts["at"]))
    except ValueError as exc:
        raise SeriesInputInvalid(f"{opts['at']!r} is not a time of day.", "Give --at HH:MM, e.g. 09:30.") from exc
    template = {k: list(opts[k]) for k in ("structure", "hashtags")} | {k: opts[k] for k in ("intro", "outro")}
    spec = store.SeriesSpec.model_validate(
        {
            **{k: opts[k] for k in ("slug", "description", "cadence", "rrule", "pillar", "label_pattern")},
            **{k: opts[k] for k in ("season_length", "first_episode")},
            "name": name,
            "format": opts["format_name"],
            "starts_on": _day(str(opts["start"]), obj),
            "time_of_day": at,
            "timezone": obj.settings.timezone,
            "platforms": list(opts["platforms"]),
            "template": SeriesTemplate.model_validate(template),
        }
    )
    pillars = strategy_pillars(obj.workspace)
    company_name = opts["company_name"]
    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        made = store.create_series(conn, member, spec, utcnow(), pillars=pillars)
    if opts["as_json"]:
        click.echo(made.model_dump_json(indent=2))
        return
    click.echo(f"Created series {made.slug}: {_line(made)}")


@series.command("list")
@click.option("--state", type=click.Choice(("active", "paused", "retired", "all")), default=None, help="Which states.")
@_common
@pass_ctx
def series_list(obj: Ctx, state: str | None, company_name: str | None, as_json: bool) -> None:
    """Your series (active and paused unless --state), your own first."""
    from psn_core.services.series import store
    from psn_core.services.series.models import STATES

    states = list(STATES) if state == "all" else [state] if state else None
    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        found = store.list_series(conn, states=states)
    if as_json:
        click.echo(json.dumps([s.model_dump(mode="json") for s in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No series. Create one with `psn series create NAME --platform x`.")
    for s in found:
        click.echo(_line(s))


@series.command("show")
@click.argument("ref")
@_common
@pass_ctx
def series_show(obj: Ctx, ref: str, company_name: str | None, as_json: bool) -> None:
    """One series (slug or id): its cadence, template, next episode and analytics."""
    from psn_core.services.series import store
    from psn_core.services.series.analytics import series_analytics

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        found = store.get_series(conn, ref)
        stats = series_analytics(conn, found.id)
    if as_json:
        click.echo(json.dumps({"series": found.model_dump(mode="json"), "analytics": stats.model_dump(mode="json")}))
        return
    zone = obj.settings.zone
    click.echo(_line(found))
    t = found.template
    click.echo(f"  template: {' > '.join(t.structure) or '(free)'}; intro {t.intro!r}; outro {t.outro!r}")
    click.echo(f"  hashtags: {' '.join(t.hashtags) or '(none)'}; labels {found.label_pattern!r}")
    rate = f"{stats.engagement_rate:.1%}" if stats.engagement_rate is not None else "n/a"
    last = local(stats.last_published_at, zone) if stats.last_published_at else "never"
    click.echo(
        f"  {stats.posts} posts, {stats.episodes} episodes published (last {last}), {stats.scheduled} scheduled; "
        f"exposure {stats.exposure}, engagements {stats.engagements}, rate {rate}"
    )
    for ep in stats.per_episode[-10:]:
        click.echo(
            f"    {ep.label}: {local(ep.published_at, zone)} exposure {ep.exposure}, engagements {ep.engagements}"
        )


@series.command("edit")
@click.argument("ref")
@click.option("--name", default=None, help="A new name.")
@click.option("--description", default=None, help="A new description.")
@click.option(
    "--cadence",
    type=click.Choice(("weekly", "biweekly", "monthly", "rrule")),
    default=None,
    help="A new cadence (weekly and biweekly on the first day's weekday, monthly on its day).",
)
@click.option("--rrule", default=None, help="A new RFC 5545 rule (implies --cadence rrule), e.g. FREQ=WEEKLY;BYDAY=TH.")
@click.option("--start", default=None, help="A new first day (YYYY-MM-DD, or 'next tuesday').")
@click.option("--at", "at", default=None, help="A new time of day, HH:MM in the series' zone.")
@click.option("--structure", multiple=True, help="The template's sections, in order (repeat; replaces them all).")
@click.option("--intro", default=None, help="How episodes open; {label} becomes the episode's label.")
@click.option("--outro", default=None, help="How episodes close.")
@click.option("--hashtag", "hashtags", multiple=True, help="The template's hashtags (repeat; replaces them all).")
@click.option("--label", "label_pattern", default=None, help="A new label pattern: {n}, {season}, {episode}.")
@click.option("--season-length", type=click.IntRange(1, 1000), default=None, help="Episodes per season.")
@_common
@pass_ctx
def series_edit(obj: Ctx, /, ref: str, **opts: Any) -> None:
    """Edit a series (its creator, or an editor): only what you give changes. A cadence that never fires, or a
    retired series, is refused; nothing changes then."""
    from psn_core.services.series import store
    from psn_core.services.series.edit import SeriesEdit, edit_series
    from psn_core.services.series.errors import SeriesInputInvalid

    at = None
    if opts["at"] is not None:
        try:
            at = time.fromisoformat(str(opts["at"]))
        except ValueError as exc:
            raise SeriesInputInvalid(f"{opts['at']!r} is not a time of day.", "Give --at HH:MM, e.g. 09:30.") from exc
    template_parts = {k: list(opts[k]) for k in ("structure", "hashtags") if opts[k]}
    template_parts |= {k: opts[k] for k in ("intro", "outro") if opts[k] is not None}
    company_name = opts["company_name"]
    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        template = None
        if template_parts:
            current = store.get_series(conn, ref).template
            template = current.model_validate(current.model_dump() | template_parts)
        change = SeriesEdit(
            **{k: opts[k] for k in ("name", "description", "cadence", "rrule", "label_pattern", "season_length")},
            starts_on=_day(str(opts["start"]), obj) if opts["start"] is not None else None,
            time_of_day=at,
            template=template,
        )
        edited = edit_series(conn, ref, change, utcnow())
    if opts["as_json"]:
        click.echo(edited.model_dump_json(indent=2))
        return
    click.echo(f"Edited series {edited.slug}: {_line(edited)}")


def _move(obj: Ctx, ref: str, action: str, company_name: str | None, as_json: bool) -> None:
    from psn_core.services.series import store

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        moved = store.move(conn, ref, action, utcnow())  # type: ignore[arg-type]
    click.echo(moved.model_dump_json(indent=2) if as_json else f"Series {moved.slug} is {moved.state} now.")


@series.command("pause")
@click.argument("ref")
@_common
@pass_ctx
def series_pause(obj: Ctx, ref: str, company_name: str | None, as_json: bool) -> None:
    """Pause a series: no episodes are due until it is resumed."""
    _move(obj, ref, "pause", company_name, as_json)


@series.command("resume")
@click.argument("ref")
@_common
@pass_ctx
def series_resume(obj: Ctx, ref: str, company_name: str | None, as_json: bool) -> None:
    """Resume a paused series."""
    _move(obj, ref, "resume", company_name, as_json)


@series.command("retire")
@click.argument("ref")
@_common
@pass_ctx
def series_retire(obj: Ctx, ref: str, company_name: str | None, as_json: bool) -> None:
    """Retire a series for good (its episodes stay; it cannot be resumed)."""
    _move(obj, ref, "retire", company_name, as_json)


@series.command("due")
@click.option("--from", "start", default="today", show_default=True, help="The first day (YYYY-MM-DD or words).")
@click.option("--days", type=click.IntRange(1, 92), default=7, show_default=True, help="How many days.")
@_common
@pass_ctx
def series_due(obj: Ctx, start: str, days: int, company_name: str | None, as_json: bool) -> None:
    """Episodes due from a day on (your zone's midnight), numbered and labelled, scheduled ones marked."""
    from psn_core.services.series import due_episodes

    zone = obj.settings.zone
    first = datetime.combine(_day(start, obj), time(0, 0), tzinfo=zone)
    end = datetime.combine(first.date() + timedelta(days=days), time(0, 0), tzinfo=zone)
    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        found = due_episodes(conn, start=first, end=end, zone=zone)
    if as_json:
        click.echo(json.dumps([e.model_dump(mode="json") for e in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(f"No episodes due from {first:%Y-%m-%d} for {days} days.")
    for e in found:
        click.echo(_due_line(e))


@series.command("detect")
@_common
@pass_ctx
def series_detect(obj: Ctx, company_name: str | None, as_json: bool) -> None:
    """Pillar and format pairs posted 3+ times in the last 30 days outside any series: perhaps a series."""
    from psn_core.services.series.topics import detect

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        found = detect(conn, utcnow())
    if as_json:
        click.echo(json.dumps([s.model_dump(mode="json") for s in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("Nothing repeats enough yet (the same pillar and format 3+ times in 30 days).")
    for s in found:
        click.echo(
            f"{s.pillar} / {s.format}: {s.posts} posts in 30 days, about {s.suggested_cadence}. Make it a series: "
            f"psn series create NAME --pillar {s.pillar} --format {s.format} --cadence {s.suggested_cadence} "
            "--platform x"
        )


COMMANDS = (series,)
