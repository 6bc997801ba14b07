"""`psn trends list|status|refresh|spark`: what the user's field is talking about, from the sources
strategy.yaml's `trends:` section lists (the worker collects daily and polls every four hours)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.timefmt import local, utcnow

if TYPE_CHECKING:
    from psn_core.services.trends.models import SourceStatus, Trend

JSON_HELP = "Print JSON."


@click.group()
def trends() -> None:
    """Trends from your feeds, Hacker News, Google Trends and subreddits: list, status, refresh, spark."""


def _trend_rows(found: list[Trend]) -> list[list[object]]:
    return [[t.short_id, f"{t.score:.2f}", t.pillar or "-", t.title, t.url, ", ".join(t.sources)] for t in found]


@trends.command("list")
@click.option("--pillar", default=None, help="Only trends that fit this pillar.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True, help="At most this many.")
@click.option("--all", "show_all", is_flag=True, help="Also trends that fit no pillar (score 0).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def trends_list(obj: Ctx, pillar: str | None, limit: int, show_all: bool, as_json: bool) -> None:
    """Live trends (the last 30 days), best fit with your pillars first."""
    from psn_core.cli.output import echo, print_json, print_table
    from psn_core.services.trends import store

    with obj.member_hub() as (hub, member), hub.transaction(member) as conn:
        found = store.list_trends(conn, now=utcnow(), limit=limit, pillar=pillar, min_score=0.0 if show_all else 1e-9)
    if as_json:
        print_json(found)
        return
    if not found:
        echo("No trends yet. List sources under `trends:` in strategy.yaml, then run `psn trends refresh`.")
        return
    print_table(["id", "score", "pillar", "title", "url", "from"], _trend_rows(found))


def _status_row(s: SourceStatus, obj: Ctx) -> list[object]:
    from psn_core.cli.output import status_cell

    zone = obj.settings.zone
    shown: str = "failing" if s.failing else (s.last_outcome or "never fetched")
    if not s.configured:
        shown = "no longer listed"
    return [
        s.name,
        status_cell(shown),
        local(s.last_success_at, zone),
        local(s.last_failure_at, zone) if s.last_failure_at else "-",
        s.last_error or "-",
    ]


@trends.command("status")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def trends_status(obj: Ctx, as_json: bool) -> None:
    """Every source: its last fetch, last success, last failure and why."""
    from psn_core.cli.output import echo, print_json, print_table
    from psn_core.services.strategy import load_strategy
    from psn_core.services.trends import store

    strategy = load_strategy(obj.workspace)
    with obj.member_hub() as (hub, member), hub.transaction(member) as conn:
        found = store.source_statuses(conn, strategy)
    if as_json:
        print_json(found)
        return
    if not found:
        echo("No trend sources. Add a `trends:` section to strategy.yaml (feeds, hacker_news, google_trends, reddit).")
        return
    print_table(["source", "state", "last success", "last failure", "error"], [_status_row(s, obj) for s in found])
    failing = sum(s.failing for s in found)
    if failing:
        echo(f"{failing} source(s) failing: the others still run. Fix or remove them in strategy.yaml.")


@trends.command("refresh")
@click.option("--source", "only", default=None, help="Only this source (its name or key, as `status` shows).")
@click.option("--poll", is_flag=True, help="The lighter poll (fewer Hacker News and Reddit items), no expiry.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def trends_refresh(obj: Ctx, only: str | None, poll: bool, as_json: bool) -> None:
    """Collect now, instead of waiting for the worker (each source on its own; failures are listed)."""
    from psn_core.cli.output import echo, print_json, status
    from psn_core.services.strategy import load_strategy
    from psn_core.services.trends import intake

    strategy = load_strategy(obj.workspace)
    with obj.member_hub() as (hub, member), status("Reading your trend sources..."):
        report = intake.collect(hub, member, strategy, utcnow(), mode="poll" if poll else "daily", only=only)
    if as_json:
        print_json(report)
        return
    if not report.sources:
        echo("No trend sources. Add a `trends:` section to strategy.yaml (feeds, hacker_news, google_trends, reddit).")
    for s in report.sources:
        detail = s.error if s.outcome == "failed" else f"{s.items} items, {s.new} new"
        echo(f"{s.source}: {s.outcome.replace('_', ' ')} ({detail})")
    echo(f"{report.new} new trends, {report.notified} announced as breaking, {report.expired} expired.")


@trends.command("spark")
@click.argument("trend_id")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_ctx
def trends_spark(obj: Ctx, trend_id: str, as_json: bool) -> None:
    """Keep a trend as an idea spark in your ideas bank (source: trend)."""
    from psn_core.cli.output import echo, print_json
    from psn_core.services.ideas.pillars import strategy_pillars
    from psn_core.services.trends import store

    pillars = strategy_pillars(obj.workspace)
    with obj.member_hub() as (hub, member), hub.transaction(member) as conn:
        trend, idea = store.spark(conn, member, trend_id, utcnow(), pillars=pillars)
    if as_json:
        print_json({"trend": trend, "idea": idea})
        return
    echo(f"Trend {trend.short_id} is idea {idea.short_id} ({idea.state}, {idea.urgency}): {idea.text}")
    echo(f"Develop it with `psn ideas promote {idea.short_id}`.")


COMMANDS = (trends,)
