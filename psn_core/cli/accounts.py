"""`psn auth`: connect an account through OAuth, list the connected ones (`psn auth status`), check them
against the platforms with read calls only (`psn auth verify [platform]`), or remove one
(`psn auth remove <platform> [--account @handle]`)."""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

import click

from psn_core.cli.choices import PLATFORM_NAMES
from psn_core.cli.context import Ctx, pass_ctx
from psn_core.errors import ConnectFailed
from psn_core.timefmt import local, until, utcnow

if TYPE_CHECKING:
    from psn_core.cli.oauth_callback import CallbackServer
    from psn_core.hub.database import Hub


@click.command()
@click.argument("target", type=click.Choice([*PLATFORM_NAMES, "status", "verify", "remove"]))
@click.argument("platform", required=False, type=click.Choice([*PLATFORM_NAMES]))
@click.option("--paste", is_flag=True, help="Do not listen for the redirect; paste the URL instead (SSH).")
@click.option("--no-browser", is_flag=True, help="Print the URL without opening a browser.")
@click.option("--company", "company_name", default=None, help="Connect a company account (admins of that company).")
@click.option("--account", "handle", default=None, help="remove: which account (@handle), when you have several.")
@click.option("--cancel-pending", is_flag=True, help="remove: cancel the posts still waiting on it, with it.")
@click.option("--yes", is_flag=True, help="remove: do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="status: print the accounts as JSON (shape: README, Output).")
@pass_ctx
def auth(
    obj: Ctx,
    target: str,
    platform: str | None,
    paste: bool,
    no_browser: bool,
    company_name: str | None,
    handle: str | None,
    cancel_pending: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Connect an account (x, linkedin, instagram, tiktok), `status` to list accounts and tokens,
    `verify [platform]` to check each account with read calls only (nothing is posted), or
    `remove <platform> [--account @handle]` to forget an account and its tokens (posts still waiting on
    it stop the removal, listed, unless --cancel-pending; nothing is revoked on the platform itself)."""
    if platform is not None and target not in ("verify", "remove"):
        raise click.UsageError(
            f"`psn auth {target}` takes no second platform; did you mean `psn auth verify {platform}`?"
        )
    if target == "remove" and platform is None:
        raise click.UsageError("Say which platform: `psn auth remove x [--account @handle]`.")
    with obj.member_hub(company_name) as (hub, member):
        if target == "remove":
            assert platform is not None
            _remove(obj, hub, member, platform, handle, cancel_pending=cancel_pending, yes=yes)
            return
        if target == "status":
            print_accounts(obj, hub, member, company_name, as_json=as_json)
            return
        if target == "verify":
            if not print_verify(obj, hub, member, platform):
                raise click.exceptions.Exit(1)
            return
        _connect(obj, hub, member, target, paste=paste, no_browser=no_browser, company_name=company_name)


def _connect(
    obj: Ctx, hub: Hub, member: UUID, target: str, *, paste: bool, no_browser: bool, company_name: str | None
) -> None:
    from psn_core.platforms.registry import PLATFORMS
    from psn_core.services.accounts.accounts import company_connector, finish_connect, start_connect
    from psn_core.services.company import hubs as company

    settings, ring = obj.settings, obj.ring
    name = PLATFORMS[target].display_name
    with hub.transaction(member) as conn:
        if company_name is not None:
            company.require_role(conn, company.ADMINS, "connect company accounts")
            who = company_connector(conn, member)
            if who is not None:
                click.echo(f"Connecting {name} for {who.company_name} as {who.display_name}.")
        start = start_connect(conn, settings, ring, member, target)
    server = None if paste else _listen(settings.oauth_callback_port)
    click.echo(f"Open this URL to connect {name} (valid 10 minutes):\n  {start.url}")
    if server is not None and not no_browser:
        webbrowser.open(start.url)
    redirect = None
    if server is not None:
        click.echo(f"Waiting for the sign-in on {start.redirect_uri} ...")
        from psn_core.cli import output

        try:
            with output.status(f"Waiting for you to approve psn in the browser (up to {settings.oauth_timeout} s)"):
                redirect = server.wait(settings.oauth_timeout)
        finally:
            server.close()
        if redirect is None:
            click.echo(f"No sign-in arrived within {settings.oauth_timeout} s.")
    if redirect is None:
        redirect = click.prompt(
            "Paste the full URL your browser was sent to after approving", default="", show_default=False
        )
        if not redirect.strip():
            raise ConnectFailed("No redirect URL was given, so nothing was connected.")
    account = finish_connect(hub, settings, ring, member, redirect)
    expiry = (
        f"{local(account.expires_at, settings.zone)} ({until(account.expires_at, utcnow())})"
        if account.expires_at
        else "no expiry given"
    )
    click.echo(f"Connected {name} as @{account.handle}. Access token expires {expiry}.")
    if account.sandbox:
        click.echo("TikTok sandbox app: posts go out private (SELF_ONLY) until TikTok audits your app.")
    if company_name is not None:
        click.echo(
            f"Its posts publish from this machine: keep `psn worker --company {company_name}` (or `psn worker --all`)"
            " running here; the tokens are encrypted with this workspace's key."
        )


def _remove(
    obj: Ctx, hub: Hub, member: UUID, platform: str, handle: str | None, *, cancel_pending: bool, yes: bool
) -> None:
    from psn_core.platforms.registry import PLATFORMS
    from psn_core.services.accounts.removal import remove_account

    name = PLATFORMS[platform].display_name
    if not yes:
        which = f"@{handle.lstrip('@')}" if handle else "account"
        click.confirm(f"Remove your {name} {which} from psn? Its tokens are deleted.", abort=True)
    with hub.transaction(member) as conn:
        removed = remove_account(conn, member, platform, handle, cancel_pending=cancel_pending, zone=obj.settings.zone)
    click.echo(f"Removed {name} @{removed.handle}.")
    for target in removed.cancelled_targets:
        click.echo(f"  cancelled [{str(target)[:8]}]")
    click.echo(removed.note)


def _listen(port: int) -> CallbackServer | None:
    from psn_core.cli.oauth_callback import CallbackServer

    server = CallbackServer(port)
    try:
        server.start()
    except OSError as exc:
        click.echo(f"Cannot listen on 127.0.0.1:{port} ({exc.strerror}); paste the redirect URL instead.")
        return None
    return server


def print_accounts(obj: Ctx, hub: Hub, member: UUID, company_name: str | None = None, *, as_json: bool = False) -> None:
    from psn_core.platforms.registry import PLATFORMS
    from psn_core.services.accounts.accounts import list_accounts
    from psn_core.services.accounts.features import granted_scopes

    settings = obj.settings
    flag = f" --company {company_name}" if company_name else ""
    with hub.transaction(member) as conn:
        accounts = list_accounts(conn, member)
        granted = {acc.id: granted_scopes(conn, acc.id) for acc in accounts}
    if as_json:  # the shape of the MCP tool get_auth_status
        from psn_core.cli import output

        output.print_json({"timezone": settings.timezone, "accounts": accounts})
        return
    if not accounts:
        click.echo(f"No accounts connected. Run `psn auth x{flag}` (or linkedin, instagram, tiktok).")
        return
    from psn_core.cli import output

    now, rows = utcnow(), []
    for acc in accounts:
        token = []
        if acc.expires_at is not None:
            token.append(f"expires {local(acc.expires_at, settings.zone)} ({until(acc.expires_at, now)})")
        token.append(
            f"last refresh {local(acc.last_refreshed_at, settings.zone)}"
            + (f" ({until(acc.last_refreshed_at, now)})" if acc.last_refreshed_at else "")
        )
        if acc.last_failure_class:
            token.append(f"last failure: {acc.last_failure_class}")
        notes = _features(acc.platform, granted[acc.id], flag)
        if acc.status != "active":
            notes.append(
                f"what to do: run `psn auth {acc.platform}{flag}` to reconnect ({acc.status_reason or acc.status})"
            )
        elif not acc.can_refresh:
            notes.append(
                f"psn cannot refresh this token by itself: run `psn auth {acc.platform}{flag}` before it expires"
            )
        account = f"{PLATFORMS[acc.platform].display_name} @{acc.handle}" + (" (sandbox)" if acc.sandbox else "")
        rows.append([account, output.status_cell(acc.status), "\n".join(token), "\n".join(notes)])
    click.echo(f"{len(accounts)} account(s); times in {settings.timezone}.")
    output.print_table(["ACCOUNT", "STATUS", "ACCESS TOKEN", "WHAT PSN CAN DO"], rows)


def print_verify(
    obj: Ctx, hub: Hub, member: UUID, platform: str | None, clock: Callable[[], datetime] = utcnow
) -> bool:
    """Print what each account's read calls said; False when anything failed or a scope is missing."""
    from psn_core.platforms.registry import PLATFORMS
    from psn_core.services.accounts.verify import verify_accounts

    reports = verify_accounts(hub, obj.settings, obj.ring, member, platform, clock=clock)
    if not reports:
        click.echo(f"No {PLATFORMS[platform].display_name if platform else ''} account connected.".replace("  ", " "))
        return True
    for report in reports:
        verdict = "everything psn needs works" if report.ok else "some things do not work"
        click.echo(f"{report.display_name} @{report.handle}: {verdict}")
        for check in report.checks:
            click.echo(f"  {'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        if not report.scopes_known:
            click.echo(f"  scopes: {report.display_name} did not say which it granted")
        else:
            have = [s.scope for s in report.scopes if s.granted] + report.extra_scopes
            click.echo(f"  scopes granted: {', '.join(have) or 'none'}")
        for scope in report.missing:
            what = f": without it psn cannot {scope.enables}" if scope.enables else ""
            click.echo(f"  MISSING scope {scope.scope}{what} (run `psn auth {report.platform}` and grant it)")
        for name, value in report.rate_limit_headers.items():
            click.echo(f"  rate-limit header {name}: {value}")
        if not report.rate_limit_headers and all(c.ok for c in report.checks):
            click.echo(f"  no rate-limit headers: {report.display_name} does not send any; psn counts its own requests")
    return all(r.ok for r in reports)


COMMANDS = (auth,)


def _features(platform: str, granted: tuple[str, ...], flag: str) -> list[str]:
    """What the granted scopes let psn do for this account, and how to get what is missing."""
    from psn_core.config import Settings
    from psn_core.platforms.registry import PLATFORMS
    from psn_core.services.accounts.features import feature_access

    features = feature_access(PLATFORMS[platform], granted)
    lines = ["features: " + "; ".join(f.describe() for f in features)]
    missing = sorted({scope for f in features for scope in f.missing})
    setting = Settings.app_fields(platform).extra_scopes
    if missing and setting:
        lines.append(
            f"if {PLATFORMS[platform].display_name} approved your app for {', '.join(missing)}: set "
            f"PSN_{setting.upper()}={' '.join(missing)} in hub.env, then run `psn auth {platform}{flag}`"
        )
    return lines
