"""`psn calendar`: a day, week or month across the personal hub and every connected company hub, with
badges, claimed and empty slots and overlap warnings; `psn calendar claim|release` for company slots.
Thin edges over psn_core.services.company.calendars and .slots. Times are in the user's zone, named."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.timefmt import utcnow

if TYPE_CHECKING:
    from psn_core.services.posting.calendar import Calendar

PERIODS = ("day", "week", "month")
TODAY = "today"
DATE_HELP = "YYYY-MM-DD, a day inside it; alone: this one, in your zone"


class CalendarGroup(click.Group):
    """`psn calendar [day|week|month]` as before, beside the `claim` and `release` subcommands: a leading
    period word becomes the hidden --period option (a group cannot take an optional argument)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] in PERIODS:
            args = ["--period", args[0], *args[1:]]
        elif args and not args[0].startswith("-") and args[0] not in self.commands:
            periods = ", ".join(repr(p) for p in PERIODS)
            raise click.UsageError(f"{args[0]!r} is not one of {periods}, nor claim or release.", ctx)
        return super().parse_args(ctx, args)


def _day(value: str | None) -> date | None:
    if value in (None, "", TODAY):
        return None
    try:
        return datetime.strptime(str(value), "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2027-03-22.") from None


@click.group("calendar", cls=CalendarGroup, invoke_without_command=True)
@click.option("--period", type=click.Choice(PERIODS), default=None, hidden=True)
@click.option("--week", "week", is_flag=False, flag_value=TODAY, default=None, help=f"The week (Mon-Sun): {DATE_HELP}.")
@click.option("--month", "month", is_flag=False, flag_value=TODAY, default=None, help=f"The month: {DATE_HELP}.")
@click.option("--from", "start", default=None, help="A date (YYYY-MM-DD) inside the period; default: today.")
@click.option("--json", "as_json", is_flag=True, help="Print the calendar as JSON.")
@click.pass_context
def calendar(
    click_ctx: click.Context,
    period: str | None,
    week: str | None,
    month: str | None,
    start: str | None,
    as_json: bool,
) -> None:
    """A day, a week (Monday to Sunday, the default) or a month in your zone: your personal hub and every
    connected company hub side by side, by day, each post with its badge (scheduled, publishing, published,
    failed, pending approval), claimed company slots, empty slots at your strategy's preferred times, and
    warnings (two posts on one platform within 2 hours on the same account or from different hubs; a post
    next to someone's claimed slot). `psn calendar claim` / `release` hold a company slot."""
    if click_ctx.invoked_subcommand is not None:
        return
    if week is not None and month is not None:
        raise click.UsageError("Give --week or --month, not both.")
    chosen = "month" if month is not None else "week" if week is not None else (period or "week")
    first = _day(month if month is not None else week) or _day(start)
    obj = click_ctx.find_object(Ctx)
    assert obj is not None
    from psn_core.hub.database import Hub
    from psn_core.services.company.calendars import get_calendar
    from psn_core.services.posting.calendar import Period

    with Hub.open(obj.settings) as hub:
        cal = get_calendar(hub, obj.settings, obj.member_id, cast(Period, chosen), first, utcnow())
    if as_json:
        click.echo(cal.model_dump_json(indent=2))
        return
    _print_calendar(obj, cal)


def _slot_rows(obj: Ctx, cal: Calendar, day: Any, many_hubs: bool) -> list[tuple[datetime, list[object]]]:
    from psn_core.cli import output
    from psn_core.platforms.registry import PLATFORMS

    rows = []
    for s in day.slots:
        account = f"{PLATFORMS[s.platform].display_name} @{s.handle}" + (f"\n{s.hub_name}" if many_hubs else "")
        if s.badge == "claimed slot":
            who = "you" if s.mine else (s.claimer or "a removed member")
            text = f"held by {who}" + (f": {s.note}" if s.note else "")
            cells = [str(s.claim_id)[:8], account, output.styled("claimed slot", "magenta"), text]
        else:
            hint = f"psn calendar claim {s.account} --company {s.hub}" if s.claimable else "free at your preferred time"
            cells = ["", account, output.styled("empty slot", "dim"), output.styled(hint, "dim")]
        at = s.at.astimezone(obj.settings.zone)
        rows.append((s.at, [f"{at:%H:%M}", *cells]))
    return rows


def _print_calendar(obj: Ctx, cal: Calendar) -> None:
    """Hubs, then one table row per post and slot (a day with none says so), then the warnings."""
    from psn_core.cli import output
    from psn_core.platforms.registry import PLATFORMS

    click.echo(f"{cal.days[0].label} to {cal.days[-1].label}, times in {cal.timezone}")
    for status in cal.hubs:
        if status.reachable:
            click.echo(f"  {status.name}: {status.entries} post(s)")
        else:
            click.echo(f"  {status.name}: not reachable: {status.problem} (what to do: {status.what_to_do})")
    many_hubs = len(cal.hubs) > 1
    rows: list[list[object]] = []
    for day in cal.days:
        label = day.label.rsplit(" ", 1)[0] if cal.period != "month" else day.label[:6]
        lines: list[tuple[datetime, list[object]]] = []
        for e in day.entries:
            text = e.text + (f" (+{e.parts - 1} parts)" if e.parts > 1 else "")
            if e.error:
                text += f"\n{e.error} (what to do: {e.what_to_do})"
            account = f"{PLATFORMS[e.platform].display_name} @{e.handle}" + (f"\n{e.hub_name}" if many_hubs else "")
            at = e.at.astimezone(obj.settings.zone)
            badge = output.styled(e.badge, output.STATUS_STYLES.get(e.status, ""))
            lines.append((e.at, [f"{at:%H:%M}", str(e.target_id)[:8], account, badge, text]))
        lines += _slot_rows(obj, cal, day, many_hubs)
        lines.sort(key=lambda line: line[0])
        if not lines:
            rows.append([label, "", "", "", "", output.styled("nothing", "dim")])
        rows += [[label if not number else "", *cells] for number, (_at, cells) in enumerate(lines)]
    nowrap = {"no_wrap": True, "overflow": "ellipsis"}
    output.print_table(
        [
            ("DAY", nowrap),
            ("TIME", nowrap),
            ("ID", {**nowrap, "style": "bold"}),
            ("ACCOUNT", {"max_width": 22}),
            ("STATUS", {"max_width": 16}),
            "TEXT",
        ],
        rows,
    )
    for overlap in cal.overlaps:
        output.echo(f"! {overlap.message}", style="yellow")
    if cal.slots_note:
        output.echo(cal.slots_note, style="dim")


@calendar.command("claim")
@click.argument("account")
@click.argument("when", nargs=-1, required=True)
@click.option("--company", "name", default=None, help="Which company (default: the only one connected).")
@click.option("--note", default="", help="What you mean to post there (others see it), up to 200 characters.")
@click.option("--json", "as_json", is_flag=True, help="Print the claim as JSON.")
@pass_ctx
def claim(obj: Ctx, account: str, when: tuple[str, ...], name: str | None, note: str, as_json: bool) -> None:
    """Claim a company slot before drafting for it: ACCOUNT (x, x:@handle) at WHEN in your zone ('tomorrow
    9am', YYYY-MM-DD HH:MM). Nobody else can claim it; a slot someone holds is refused, naming them."""
    from psn_core.services.company import hubs as company
    from psn_core.services.company import slots
    from psn_core.services.posting.schedule_time import resolve

    now = utcnow()
    at = resolve(" ".join(when), obj.settings.timezone, now)
    slug = company.pick_company(obj.workspace, name)
    with company.CompanyHub.open(obj.settings, slug) as hub, hub.transaction() as conn:
        done = slots.claim(conn, account, at.utc, now, obj.settings.zone, note)
    if as_json:
        click.echo(done.model_dump_json(indent=2))
        return
    click.echo(f"{done.message} (slot {done.claim.short_id} in {hub.name}'s hub)")
    if not done.already_yours:
        click.echo(f"Draft for it at that time (`psn company post {slug} ... --to {account} --at ...`): it is linked.")


@calendar.command("release")
@click.argument("slot")
@click.option("--company", "name", default=None, help="Which company (default: the only one connected).")
@click.option("--json", "as_json", is_flag=True, help="Print the released claim as JSON.")
@pass_ctx
def release(obj: Ctx, slot: str, name: str | None, as_json: bool) -> None:
    """Release a claimed company slot (its id or first 6+ characters, from `psn calendar`): your own, or
    anyone's if you are an editor or admin."""
    from psn_core.services.company import hubs as company
    from psn_core.services.company import slots

    slug = company.pick_company(obj.workspace, name)
    with company.CompanyHub.open(obj.settings, slug) as hub, hub.transaction() as conn:
        gone = slots.release(conn, slot, obj.settings.zone)
    if as_json:
        click.echo(gone.model_dump_json(indent=2))
        return
    click.echo(f"Released {slots.describe(gone)} in {hub.name}'s hub; it is free to claim again.")


COMMANDS = (calendar,)
