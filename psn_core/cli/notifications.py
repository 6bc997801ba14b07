"""`psn notifications ...`: list, acknowledge, set up the WhatsApp transport, preferences, test."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from psn_core.cli.choices import NOTIFICATION_TIERS
from psn_core.cli.context import Ctx, pass_ctx
from psn_core.timefmt import until, utcnow

if TYPE_CHECKING:
    from pydantic import SecretStr

    from psn_core.notifications.models import Prefs

F = TypeVar("F", bound=Callable[..., Any])

SYMBOLS = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}


# --- notifications -------------------------------------------------------------------------------


COMPANY_HELP = "A company hub's notifications for you (approvals) instead of your own hub's."


@click.group(invoke_without_command=True)
@click.option("--history", is_flag=True, help="Also show notifications you already acknowledged.")
@click.option("--company", "company_name", default=None, help=COMPANY_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON (shape: README, Output).")
@click.pass_context
def notifications(ctx: click.Context, history: bool, company_name: str | None, as_json: bool) -> None:
    """List your pending notifications (times in your zone). Subcommands: ack, setup, prefs, test.

    With --company, everything here (the list, ack, setup, prefs, test) concerns your notifications in
    that company hub, which your `psn worker --company NAME` delivers."""
    obj: Ctx = ctx.obj
    obj.company = company_name
    if ctx.invoked_subcommand is not None:
        return
    from psn_core.services.notifications import list_notifications  # not for a subcommand (or its --help)

    with obj.member_hub(company_name) as (h, member):
        listing = list_notifications(h, member, include_acknowledged=history)
    if as_json:
        from psn_core.cli import output

        output.print_json(listing)
        return
    if not listing.items:
        click.echo("No pending notifications.")
        return
    from psn_core.cli import output

    now, rows = utcnow(), []
    for item in listing.items:
        state = item.state + (f" ({item.held_reason})" if item.held_reason else "")
        seen = f"\nacknowledged {listing.local(item.acknowledged_at)}" if item.acknowledged_at else ""
        tier = output.styled(item.tier.upper(), "bold red" if item.tier == "critical" else "")
        rows.append(
            [
                f"#{item.id}",
                tier,
                f"{listing.local(item.created_at)}\n({until(item.created_at, now)})",
                state + seen,
                item.text(),
            ]
        )
    output.print_table([("ID", {"no_wrap": True}), "TIER", "WHEN", "STATE", "WHAT HAPPENED"], rows)
    flag = f" --company {company_name}" if company_name else ""
    click.echo(f"Acknowledge with `psn notifications ack ID{flag}` or `psn notifications ack --all{flag}`.")


@notifications.command("ack")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "ack_all", is_flag=True, help="Acknowledge every pending notification.")
@click.option("--company", "company_name", default=None, help=COMPANY_HELP)
@pass_ctx
def notifications_ack(obj: Ctx, ids: tuple[int, ...], ack_all: bool, company_name: str | None) -> None:
    """Mark notifications as handled, by id or --all."""
    from psn_core.services.notifications import acknowledge_notifications

    if bool(ids) == ack_all:
        raise click.UsageError("Give notification ids or --all (not both).")
    with obj.member_hub(company_name or obj.company) as (h, member):
        done = acknowledge_notifications(h, member, None if ack_all else list(ids))
    click.echo(f"Acknowledged {done} notification{'' if done == 1 else 's'}.")


@notifications.group("setup")
def notifications_setup() -> None:
    """Choose how notifications reach you: WhatsApp by WAHA or Twilio, or the CLI only."""


def _secret_option(value: str | None, label: str) -> SecretStr | None:
    """The flag's value; else a hidden prompt on a terminal; else None (keep the stored one)."""
    from pydantic import SecretStr

    if value is None and sys.stdin.isatty():
        value = click.prompt(label, hide_input=True, default="", show_default=False) or None
    return SecretStr(value) if value else None


def _print_transport(prefs: Prefs) -> None:
    target = f" to {prefs.recipient}" if prefs.recipient else ""
    click.echo(f"Notifications go by {prefs.transport}{target}. Check with `psn notifications test`.")


@notifications_setup.command("waha")
@click.option("--chat-id", "--phone", "recipient", required=True, help="Your number (+34600111222) or chat id.")
@click.option("--api-key", envvar="WAHA_API_KEY", default=None, help="Or env WAHA_API_KEY; stored encrypted.")
@pass_ctx
def notifications_setup_waha(obj: Ctx, recipient: str, api_key: str | None) -> None:
    """Send notifications through your WAHA server (PSN_WAHA_BASE_URL, session PSN_WAHA_SESSION)."""
    from psn_core.services.notifications import TransportSetup, configure_transport

    setup = TransportSetup(transport="waha", recipient=recipient, secret=_secret_option(api_key, "WAHA API key"))
    with obj.member_hub(obj.company) as (h, member):
        _print_transport(configure_transport(obj.settings, h, member, setup))


@notifications_setup.command("twilio")
@click.option("--to", "recipient", required=True, help="Your WhatsApp number in E.164, e.g. +34600111222.")
@click.option("--auth-token", envvar="TWILIO_AUTH_TOKEN", default=None, help="Or env TWILIO_AUTH_TOKEN; encrypted.")
@click.option("--account-sid", default=None, help="Twilio Account SID (AC...); written to hub.env.")
@click.option("--from-number", default=None, help="Your Twilio WhatsApp sender (E.164); written to hub.env.")
@pass_ctx
def notifications_setup_twilio(
    obj: Ctx, recipient: str, auth_token: str | None, account_sid: str | None, from_number: str | None
) -> None:
    """Send notifications through Twilio's WhatsApp Messages API."""
    from psn_core.services.notifications import TransportSetup, configure_transport

    setup = TransportSetup(
        transport="twilio",
        recipient=recipient,
        secret=_secret_option(auth_token, "Twilio auth token"),
        twilio_account_sid=account_sid,
        twilio_from_number=from_number,
    )
    with obj.member_hub(obj.company) as (h, member):
        _print_transport(configure_transport(obj.settings, h, member, setup))


@notifications_setup.command("cli")
@pass_ctx
def notifications_setup_cli(obj: Ctx) -> None:
    """No WhatsApp: notifications are only printed by psn commands."""
    from psn_core.services.notifications import TransportSetup, configure_transport

    with obj.member_hub(obj.company) as (h, member):
        prefs = configure_transport(obj.settings, h, member, TransportSetup(transport="cli"))
    _print_transport(prefs)


@notifications.command("prefs")
@click.option("--quiet-hours", default=None, help="HH:MM-HH:MM in your zone (e.g. 22:00-07:00), or off.")
@click.option("--threshold", type=click.Choice(list(NOTIFICATION_TIERS)), default=None, help="Lowest tier pushed.")
@click.option("--daily-cap", type=click.IntRange(0, 1000), default=None, help="Most non-critical messages a day.")
@click.option("--digest-hour", type=click.IntRange(0, 23), default=None, help="Local hour of the engagement digest.")
@pass_ctx
def notifications_prefs(
    obj: Ctx, quiet_hours: str | None, threshold: str | None, daily_cap: int | None, digest_hour: int | None
) -> None:
    """Show or change quiet hours, threshold, daily cap and digest hour. Critical ones always go out."""
    from psn_core.notifications.models import Tier
    from psn_core.services.notifications import PrefsUpdate, update_prefs

    update = PrefsUpdate(
        quiet_hours=quiet_hours,
        threshold=Tier(threshold) if threshold else None,
        daily_cap=daily_cap,
        digest_hour=digest_hour,
    )
    with obj.member_hub(obj.company) as (h, member):
        prefs = update_prefs(h, member, update)
    quiet = f"{prefs.quiet_start:%H:%M}-{prefs.quiet_end:%H:%M}" if prefs.quiet_start and prefs.quiet_end else "off"
    zone = obj.settings.timezone
    click.echo(f"transport {prefs.transport}; quiet hours {quiet} ({zone}); threshold {prefs.threshold}")
    click.echo(f"daily cap {prefs.daily_cap} non-critical a day; digest at {prefs.digest_hour:02d}:00 ({zone})")


@notifications.command("test")
@pass_ctx
def notifications_test(obj: Ctx) -> None:
    """Send a test message now through your transport (quiet hours do not apply)."""
    from psn_core.services.notifications import send_test

    with obj.member_hub(obj.company) as (h, member):
        attempt = send_test(obj.settings, h, member)
    click.echo(f"Test message sent by {attempt.transport} (message id {attempt.provider_message_id}).")


COMMANDS = (notifications,)
