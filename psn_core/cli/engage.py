"""`psn engage`: the engagement inbox. list (the default), status, sweep, triage, reply, capture."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.timefmt import local, utcnow

if TYPE_CHECKING:
    from psn_core.services.engage.models import Opportunity
    from psn_core.strategy.engagement import Engagement


def _config(obj: Ctx) -> Engagement:
    from psn_core.services.strategy import load_strategy
    from psn_core.strategy.engagement import Engagement

    strategy = load_strategy(obj.workspace)
    return strategy.engagement if strategy else Engagement()


def _print(obj: Ctx, found: list[Opportunity]) -> None:
    from psn_core.cli import output

    if not found:
        output.echo(
            "The inbox is empty. `psn engage sweep` reads your accounts now (the worker sweeps every 15 minutes)."
        )
        return
    rows = []
    for o in found:
        reply = f"{o.reply_state}: {o.reply_text}" if o.reply_id else ("" if o.can_reply else "cannot reply here")
        rows.append(
            [
                str(o.id)[:8],
                f"{o.platform} @{o.author_handle}",
                f"{o.score:.2f}",
                o.state,
                json.dumps(o.text, ensure_ascii=False),
                local(o.expires_at, obj.settings.zone),
                reply,
            ]
        )
    output.print_table(
        [("id", {"no_wrap": True}), "from", "score", "state", "said", ("expires", {"no_wrap": True}), "reply"], rows
    )


@click.group(invoke_without_command=True)
@click.pass_context
def engage(click_ctx: click.Context) -> None:
    """The engagement inbox: conversations worth joining (list, the default), `status` (what each account can
    and cannot do, and why), `sweep`, `triage --yes ID --no ID --skip ID`, `reply ID TEXT` (shown, confirmed,
    posted once) and `capture ID TEXT` (an idea from the conversation)."""
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(engage_list)


@engage.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also those answered no, replied or expired.")
@click.option("--platform", type=click.Choice(["x", "linkedin", "instagram", "tiktok"]), default=None)
@click.option("--limit", type=click.IntRange(1, 500), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def engage_list(obj: Ctx, show_all: bool, platform: str | None, limit: int, as_json: bool) -> None:
    """The inbox, best score first (open ones: new, yes, skipped)."""
    from psn_core.cli import output
    from psn_core.services.engage import inbox

    states = ("new", "yes", "skipped", "no", "replied", "expired") if show_all else ("new", "yes", "skipped")
    with obj.member_hub() as (hub, member), hub.transaction(member) as conn:
        found = inbox.list_opportunities(conn, member, utcnow(), states=states, platform=platform, limit=limit)
    if as_json:
        output.print_json(found)
        return
    _print(obj, found)


@engage.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def engage_status(obj: Ctx, as_json: bool) -> None:
    """What psn can and cannot do with each connected account's conversations, and why."""
    from psn_core.cli import output
    from psn_core.services.engage import status

    with obj.member_hub() as (hub, member), hub.transaction(member) as conn:
        lines = status.abilities(conn, member, _config(obj), utcnow(), obj.settings.zone)
    if as_json:
        output.print_json(lines)
        return
    if not lines:
        output.echo("No connected accounts. Connect one with `psn auth <platform>`.")
    for line in lines:
        replies = f"replies: yes, {line.replies_today} of {line.daily_cap} today" if line.can_reply else "replies: no"
        output.echo(f"{line.platform} @{line.handle}: {replies}")
        for source in line.sources:
            output.echo(f"  {source.state:<9} {source.note}")
        for text in (line.rule, line.cannot):
            if text:
                output.echo(f"  {text}")


@engage.command("sweep")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def engage_sweep(obj: Ctx, as_json: bool) -> None:
    """Read every account's conversations now, within its request budget (the worker sweeps every 15 minutes)."""
    from psn_core.cli import output
    from psn_core.hub.database import Hub
    from psn_core.services.engage.sweep import EngagementSweeper

    with Hub.open(obj.settings) as hub:
        report = EngagementSweeper(hub, obj.settings, obj.ring).sweep(obj.member_id, force=True)
    if as_json:
        output.print_json(report)
        return
    for account in report.accounts:
        why = account.skipped or account.stopped
        tail = f"; {why}" if why else ""
        output.echo(f"{account.platform} @{account.handle}: {account.new} new of {account.found} read{tail}")
    output.echo(f"{report.notified} notified, {report.expired} expired, {report.outcomes} reply outcomes collected.")


@engage.command("triage")
@click.option("--yes", "yes_ids", multiple=True, help="An id (or its first 8 characters) to answer.")
@click.option("--no", "no_ids", multiple=True, help="An id not worth answering.")
@click.option("--skip", "skip_ids", multiple=True, help="An id to leave for later.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def engage_triage(
    obj: Ctx, yes_ids: tuple[str, ...], no_ids: tuple[str, ...], skip_ids: tuple[str, ...], as_json: bool
) -> None:
    """Answer several opportunities in one pass: --yes ID --no ID --skip ID ..."""
    from psn_core.cli import output
    from psn_core.services.engage import inbox
    from psn_core.services.engage.models import Verdict

    decisions: list[tuple[str, Verdict]] = [
        *((i, "yes") for i in yes_ids),
        *((i, "no") for i in no_ids),
        *((i, "skip") for i in skip_ids),
    ]
    if not decisions:
        raise click.UsageError("Give at least one --yes, --no or --skip ID.")
    with obj.member_hub() as (hub, member), hub.transaction(member) as conn:
        done = inbox.triage(conn, decisions, utcnow())
    if as_json:
        output.print_json(done)
        return
    for item in done:
        output.echo(f"{str(item.id)[:8]} {item.verdict}: {item.state}{f' ({item.note})' if item.note else ''}")


@engage.command("reply")
@click.argument("opportunity")
@click.argument("text")
@click.option(
    "--yes", "assume_yes", is_flag=True, help="Post it without showing it or asking (you have checked TEXT already)."
)
@click.option("--queue", "queue_only", is_flag=True, help="Leave the sending to the worker (`psn worker`).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def engage_reply(obj: Ctx, opportunity: str, text: str, assume_yes: bool, queue_only: bool, as_json: bool) -> None:
    """Reply to one opportunity with TEXT: shows exactly what goes out, asks, then posts it once."""
    from psn_core.cli import output
    from psn_core.hub.database import Hub
    from psn_core.services.engage import replies

    config, zone, now = _config(obj), obj.settings.zone, utcnow()
    with Hub.open(obj.settings) as hub:
        member = obj.member_id
        with hub.transaction(member) as conn:
            _, proposal = replies.propose_reply(conn, member, opportunity, text, config, now, zone)
        if not assume_yes:
            output.echo(proposal.message())
            if not click.confirm("Post it?", default=False):
                output.echo("Nothing was posted.")
                return
        reply = replies.confirm_reply(hub, member, proposal, opportunity, text, config, utcnow(), zone)
        if queue_only:
            from psn_core.queue import Producer

            with Producer(obj.settings, hub) as producer:
                producer.enqueue_reply(member, reply.id)
        else:
            reply = replies.ReplySender(hub, obj.settings, obj.ring).send(member, reply.id) or reply
    if as_json:
        output.print_json(reply)
        return
    where = f" as {reply.remote_id}" if reply.remote_id else ""
    output.echo(f"Reply {reply.state}{where}.{f' {reply.error_message}' if reply.error_message else ''}")
    output.echo('Worth a post? `psn engage capture ID "the idea"` puts it in your ideas bank.')


@engage.command("capture")
@click.argument("opportunity")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def engage_capture(obj: Ctx, opportunity: str, text: str, as_json: bool) -> None:
    """The content bridge: an idea from this conversation into your ideas bank."""
    from psn_core.cli import output
    from psn_core.services.engage import inbox
    from psn_core.services.ideas.pillars import strategy_pillars

    pillars = sorted(strategy_pillars(obj.workspace) or ())
    with obj.member_hub() as (hub, member), hub.transaction(member) as conn:
        idea = inbox.capture_idea(conn, member, opportunity, text, utcnow(), pillars)
    if as_json:
        output.print_json(idea)
        return
    output.echo(f"Captured idea {idea.short_id} ({idea.state}, source engage): {idea.text}")


COMMANDS = (engage,)
