"""`psn plan [--week DATE] [--json]` (make the week's plan), `psn plan show`, `psn plan abandon`,
`psn plan rate IDEA love|maybe|kill` and `psn plan skip SLOT`: thin edges over psn_core.services.plan."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.timefmt import utcnow

if TYPE_CHECKING:
    from psn_core.services.plan.models import WeeklyPlan

WEEK_HELP = (
    "Any day of the week (YYYY-MM-DD) or an ISO week (YYYY-Www); default the week ahead in your zone (this week;"
    " next week on a Sunday)."
)


def _print_plan(plan: WeeklyPlan, as_json: bool) -> None:
    from psn_core.cli.output import echo, notice, print_json, print_table

    if as_json:
        print_json(plan)
        return
    p = plan.progress
    echo(
        f"Plan {plan.week} ({plan.week_start:%a %d %b} - {plan.timezone}): {plan.state}, "
        f"{p.done}/{p.planned} slots done, {p.published} published, {p.skipped} skipped; "
        f"capacity {plan.capacity} posts, {plan.already_scheduled} already scheduled outside the plan."
    )
    rows = [
        [
            s.short_id,
            s.local_time,
            s.platform,
            s.kind + (f" {s.episode_label}" if s.episode_label else ""),
            s.pillar or "-",
            s.language,
            json.dumps(s.topic, ensure_ascii=False) if s.topic else "(open: propose an idea)",
            s.state + (f" {str(s.post_id)[:8]}" if s.post_id else ""),
        ]
        for s in plan.slots
    ]
    if rows:
        columns: list[str | tuple[str, dict[str, Any]]] = [
            ("slot", {"no_wrap": True}),
            ("when", {"no_wrap": True}),
            "platform",
            "kind",
            "pillar",
            "lang",
            "topic",
            "state",
        ]
        print_table(columns, rows)
    else:
        echo("No slots: the strategy asks for no posts this week, or every time has passed.")
    if plan.empty_days:
        echo("Empty days: " + ", ".join(f"{d:%a %d %b}" for d in plan.empty_days))
    for need in plan.need_ideas:
        echo(f"{need.open_slots} open slot(s) want an idea for pillar {need.pillar or 'any'} in {need.language}.")
    for note in plan.notes:
        echo(note)
    for platform, formats in plan.formats.items():
        echo(f"Formats to use on {platform}: {', '.join(formats)}.")
    if plan.trends:
        echo("Trends this week (offered, not planned: `psn trends spark ID` makes one an idea, then rate it):")
        trend_rows = [
            [t.short_id, f"{t.score:.2f}", t.pillar or "-", json.dumps(t.title, ensure_ascii=False)]
            for t in plan.trends
        ]
        print_table([("trend", {"no_wrap": True}), "score", "pillar", "title"], trend_rows)
    for warning in plan.warnings:
        notice(warning)
    echo("Draft a slot: /psn:post (or save_draft with its plan_slot_id). Rate ideas: psn plan rate IDEA love.")


@click.group(invoke_without_command=True)
@click.option("--week", default=None, help=WEEK_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_context
def plan(click_ctx: click.Context, week: str | None, as_json: bool) -> None:
    """Make (or make again) the week's plan: series first, then ready ideas, remix, recycle, at your best times.

    Slots already drafted stay; the rest is allocated again. `psn plan show` reads the plan without changing it."""
    if click_ctx.invoked_subcommand is not None:
        return
    from psn_core.hub.database import Hub
    from psn_core.services.plan import store
    from psn_core.services.strategy import strategy_state

    obj: Ctx = click_ctx.find_object(Ctx)  # type: ignore[assignment]
    settings = obj.settings
    state = strategy_state(obj.workspace)  # a broken file: its last valid copy, and the plan says so
    with Hub.open(settings) as hub, hub.transaction(obj.member_id) as conn:
        made = store.build_plan(conn, obj.member_id, state.strategy, settings.timezone, utcnow(), week=week)
    if state.warning:
        made.warnings.insert(0, state.warning)
    _print_plan(made, as_json)


@plan.command("show")
@click.option("--week", default=None, help=WEEK_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@pass_ctx
def plan_show(obj: Ctx, week: str | None, as_json: bool) -> None:
    """The week's plan with each slot's state and the progress (slots done / planned)."""
    from psn_core.hub.database import Hub
    from psn_core.services.plan import store
    from psn_core.services.strategy import load_strategy

    settings = obj.settings
    with Hub.open(settings) as hub, hub.transaction(obj.member_id) as conn:
        found = store.get_plan(
            conn, obj.member_id, settings.timezone, utcnow(), week=week, strategy=load_strategy(obj.workspace)
        )
    _print_plan(found, as_json)


@plan.command("rate")
@click.argument("idea_id")
@click.argument("rating", type=click.Choice(["love", "maybe", "kill"]))
@click.option("--reason", default=None, help="Why (required to kill).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_ctx
def plan_rate(obj: Ctx, idea_id: str, rating: str, reason: str | None, as_json: bool) -> None:
    """Rate an idea: love (ready: the next plan uses it), maybe (a seed, not planned), kill (dropped, --reason)."""
    from psn_core.cli.output import echo, print_json
    from psn_core.hub.database import Hub
    from psn_core.services.plan.rating import rate_idea

    with Hub.open(obj.settings) as hub, hub.transaction(obj.member_id) as conn:
        rated = rate_idea(conn, idea_id, rating, utcnow(), reason=reason)
    if as_json:
        print_json(rated)
        return
    echo(f"Idea {str(rated.idea_id)[:8]} rated {rated.rating}: it is {rated.state} now.")


@plan.command("skip")
@click.argument("slot_id")
@click.option("--undo", is_flag=True, help="Plan a skipped slot again.")
@click.option("--json", "as_json", is_flag=True, help="Print the slot as JSON.")
@pass_ctx
def plan_skip(obj: Ctx, slot_id: str, undo: bool, as_json: bool) -> None:
    """Skip a planned slot (or --undo: plan it again)."""
    from psn_core.cli.output import echo, print_json
    from psn_core.hub.database import Hub
    from psn_core.services.plan import store

    with Hub.open(obj.settings) as hub, hub.transaction(obj.member_id) as conn:
        slot = store.set_skipped(conn, slot_id, not undo)
    if as_json:
        print_json(slot)
        return
    echo(f"Slot {slot.short_id} is {slot.state}.")


@plan.command("abandon")
@click.option("--week", default=None, help=WEEK_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@pass_ctx
def plan_abandon(obj: Ctx, week: str | None, as_json: bool) -> None:
    """Give up the week's plan: it does not change any more; posts drafted from it still go out."""
    from psn_core.hub.database import Hub
    from psn_core.services.plan import store

    settings = obj.settings
    with Hub.open(settings) as hub, hub.transaction(obj.member_id) as conn:
        found = store.abandon_plan(conn, obj.member_id, settings.timezone, utcnow(), week=week)
    _print_plan(found, as_json)


COMMANDS = (plan,)
