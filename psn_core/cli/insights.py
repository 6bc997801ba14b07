"""`psn budget`, `psn analytics`, `psn review`: read from the hub only, thin edges over their services."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.timefmt import local, until, utcnow

if TYPE_CHECKING:
    from psn_core.services.analytics.models import Summary, Totals

F = TypeVar("F", bound=Callable[..., Any])

SYMBOLS = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}


# --- budget --------------------------------------------------------------------------------------


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON (shapes: README, Output).")
@pass_ctx
def budget(obj: Ctx, as_json: bool) -> None:
    """Show what is left of each account's API request budget and when it resets."""
    from psn_core.hub.database import Hub
    from psn_core.platforms.registry import PLATFORMS
    from psn_core.services.accounts.budgets import budget_status  # one insertion: cli.py is edited concurrently

    settings = obj.settings
    with Hub.open(settings) as h, h.transaction(obj.member_id) as conn:
        lines = budget_status(conn, obj.member_id)
    from psn_core.cli import output

    if as_json:
        output.print_json(lines)
        return
    if not lines:
        click.echo("No API calls counted yet: budgets appear after psn talks to a platform.")
        return
    now = utcnow()
    rows = [
        [
            f"{PLATFORMS[line.platform].display_name} @{line.handle}",
            line.bucket,
            f"{line.used}/{line.limit}",
            output.styled(f"{line.percent_left}%", "red" if line.percent_left < 10 else ""),
            f"{local(line.reset_at, settings.zone)} ({until(line.reset_at, now)})"
            if line.reset_at
            else "no window open",
        ]
        for line in lines
    ]
    output.print_table(
        ["ACCOUNT", "BUCKET", ("USED", {"justify": "right"}), ("LEFT", {"justify": "right"}), "RESETS"], rows
    )


# --- analytics (read from the hub only; the worker's sweep collects) ------------------------------


@click.command()
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650), help="How far back.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page of the post list.")
@click.option("--refresh", is_flag=True, help="Also queue a sweep for the worker (never calls platforms here).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_ctx
def analytics(obj: Ctx, days: int, page: int, refresh: bool, as_json: bool) -> None:
    """Your posts' performance over the last days, from the hub, saying how fresh the numbers are."""
    from psn_core.hub.database import Hub
    from psn_core.services.analytics.summary import summary

    settings = obj.settings
    with Hub.open(settings) as h:
        if refresh:
            from psn_core.queue import Producer  # huey loads only for commands that queue work

            with Producer(settings, h) as producer:
                queued = producer.enqueue_sweep(obj.member_id)
            click.echo(f"Sweep queued (task {queued}); a running `psn worker` collects it.", err=True)
        with h.transaction(obj.member_id) as conn:
            result = summary(conn, obj.member_id, zone=settings.zone, now=utcnow(), days=days, page=page)
    if as_json:
        click.echo(result.model_dump_json(indent=2))
        return
    _print_summary(result)


def _one_decimal(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "n/a"


def _print_summary(s: Summary) -> None:
    """What psn_core.services.analytics.summary.describe says, as tables: totals and splits, the flagged
    posts, the page of posts, the weekly trend."""
    from psn_core.cli import output

    def numbers(t: Totals) -> list[object]:
        rate = f"{t.engagement_rate:.2%}" if t.engagement_rate is not None else "n/a"
        score = f"{t.engagement_score:.1f}" if t.engagement_score is not None else "n/a"
        return [str(t.posts), f"{t.exposure:,}", f"{t.engagements:,}", rate, score]

    right = {"justify": "right"}
    click.echo(f"Last {s.days} days: {s.freshness.as_of_local}.")
    for line in s.freshness.stale_accounts:
        click.echo(f"  incomplete: {line}")
    rows = [["Total", "", *numbers(s.totals)]]
    for title, splits in (("platform", s.platforms), ("language", s.languages), ("format", s.formats)):
        rows += [[title if n == 0 else "", split.key, *numbers(split)] for n, split in enumerate(splits)]
    heads = [("POSTS", right), ("EXPOSURE", right), ("ENGAGEMENTS", right), ("RATE", right), ("SCORE", right)]
    output.print_table(["BY", "", *heads], rows)
    if s.followers:
        click.echo("Followers: " + ", ".join(f"{k} {v:,}" for k, v in s.followers.items()))
    if s.flagged:
        click.echo("Flagged for review:")
        flagged = [[p.platform, p.published_local, p.text, "; ".join(p.flags)] for p in s.flagged]
        output.print_table(["PLATFORM", "PUBLISHED", "TEXT", "WHY"], flagged)
    click.echo(f"Posts (page {s.page} of {s.pages}, newest first):")
    posts = [
        [p.published_local, p.platform, p.format, f"{p.exposure:,}", _one_decimal(p.engagement_score), p.text]
        for p in s.posts
    ]
    output.print_table(["PUBLISHED", "PLATFORM", "FORMAT", ("EXPOSURE", right), ("SCORE", right), "TEXT"], posts)
    if s.weeks:
        click.echo("Weekly trend:")
        weeks = [
            [str(w.period_start), str(w.posts), f"{w.exposure:,}", f"{w.engagement_score or 0:.1f}"] for w in s.weeks
        ]
        output.print_table(["WEEK OF", ("POSTS", right), ("EXPOSURE", right), ("SCORE", right)], weeks)
    click.echo("Engagement score = weighted engagements per 1,000 exposures (comment 3, share 2, save 2, like 1).")


@click.command()
@click.option("--week", default=None, help="ISO week like 2026-W09 (default: last complete week).")
@click.option("--monthly", is_flag=True, help="Add the monthly part: voice drift, audience shifts.")
@click.option("--approve", type=int, default=None, metavar="ID", help="Approve a strategy proposal (writes it).")
@click.option("--reject", type=int, default=None, metavar="ID", help="Reject a strategy proposal.")
@click.option("--lock", multiple=True, metavar="FIELD", help="Lock a strategy field (psn's tuning leaves it alone).")
@click.option("--json", "as_json", is_flag=True, help="Print the review (or the decisions) as JSON.")
@pass_ctx
def review(
    obj: Ctx,
    week: str | None,
    monthly: bool,
    approve: int | None,
    reject: int | None,
    lock: tuple[str, ...],
    as_json: bool,
) -> None:
    """Write the weekly report under reports/, with what psn changed in your strategy and why.

    The report (Markdown + PNG trend chart) ends with psn's proposals; decide one with --approve ID or
    --reject ID, or keep psn's tuning off a field with --lock FIELD."""
    from psn_core.cli import output
    from psn_core.hub.database import Hub
    from psn_core.services.analytics.report import weekly_review, write_report

    if approve is not None or reject is not None or lock:
        from psn_core.cli.learning import decide_in_review

        decide_in_review(obj, approve, reject, lock, as_json)
        return
    settings = obj.settings
    with Hub.open(settings) as h, h.transaction(obj.member_id) as conn:
        data = weekly_review(
            conn,
            obj.member_id,
            zone=settings.zone,
            now=utcnow(),
            week=week,
            workspace=obj.workspace,
            monthly=monthly or None,  # without --monthly: when the week ends a month
        )
    files = write_report(data, obj.workspace)
    if as_json:
        output.print_json(files)
        return
    click.echo(f"Weekly review {data.week}: {data.totals.posts} posts, {data.freshness.as_of_local}.")
    click.echo(f"  report: {files.markdown}\n  chart:  {files.chart}")
    if data.learning is not None:
        from psn_core.cli.learning import proposal_line

        changes = data.learning.changes
        click.echo(f"  strategy changes since the week began: {len(changes)}")
        for change in changes:
            click.echo(f"    {change.actor}: {change.path} {change.old!r} -> {change.new!r} ({change.evidence})")
        for proposal in data.learning.proposals:
            click.echo(f"  proposal {proposal_line(proposal)}")


COMMANDS = (
    budget,
    analytics,
    review,
)
