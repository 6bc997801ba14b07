"""The `psn` command line: a thin edge. Each command parses, calls one service, prints the result."""

from __future__ import annotations

import getpass
import json
import os
import sys
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import click

from psn_core.cli.company import COMMANDS as COMPANY_COMMANDS
from psn_core.cli.context import Ctx, PsnGroup, pass_ctx
from psn_core.cli.insights import COMMANDS as INSIGHT_COMMANDS
from psn_core.cli.notifications import COMMANDS as NOTIFICATION_COMMANDS
from psn_core.cli.oauth_callback import CallbackServer
from psn_core.cli.posting import COMMANDS as POSTING_COMMANDS
from psn_core.cli.voice import COMMANDS as VOICE_COMMANDS
from psn_core.config import masked_settings
from psn_core.crypto import encode_key, generate_key
from psn_core.errors import ConnectFailed, InvalidSetting
from psn_core.hub.database import Hub
from psn_core.hub.embedded import EmbeddedServer
from psn_core.hub.vault import rotate_keys
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.accounts import company_connector, finish_connect, list_accounts, start_connect
from psn_core.services.company import hubs as company
from psn_core.services.doctor import DoctorReport, run_doctor
from psn_core.services.setup import init_workspace, migrate_hub, ping_hub
from psn_core.timefmt import local, until, utcnow

F = TypeVar("F", bound=Callable[..., Any])

SYMBOLS = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}


def detect_timezone() -> str:
    """The machine's IANA zone (TZ, /etc/timezone or /etc/localtime), else UTC. Entry point only."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and "/" in tz:
        return tz
    try:
        text = Path("/etc/timezone").read_text().strip()
        if text:
            return text
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "UTC"


@click.group(cls=PsnGroup)
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Workspace folder (default: the nearest folder at or above the current one with hub.env).",
)
@click.version_option(package_name="psn")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None) -> None:
    """psn (Post Shit Now): plan, draft in your voice, schedule, publish and measure posts."""
    ctx.obj = Ctx(workspace.resolve() if workspace else None)


for _command in (*POSTING_COMMANDS, *INSIGHT_COMMANDS, *VOICE_COMMANDS, *NOTIFICATION_COMMANDS, *COMPANY_COMMANDS):
    cli.add_command(_command)


# --- setup ---------------------------------------------------------------------------------------


@cli.command()
@click.option("--name", default=None, help="Your display name (default: your login name).")
@click.option("--timezone", default=None, help="Your IANA time zone (default: this machine's).")
@click.option("--database-url", default=None, help="Use this Postgres as your hub instead of the embedded one.")
@pass_ctx
def init(obj: Ctx, name: str | None, timezone: str | None, database_url: str | None) -> None:
    """Make this folder a psn workspace and create your personal hub. Safe to run again."""
    workspace = obj._workspace or Path.cwd()
    result = init_workspace(
        workspace,
        name=name or getpass.getuser(),
        timezone=timezone or detect_timezone(),
        database_url=database_url,
    )
    click.echo(f"Workspace: {result.workspace}")
    for item in result.created:
        click.echo(f"  created {item}")
    if result.gitignore_added:
        click.echo(f"  .gitignore now ignores: {', '.join(result.gitignore_added)}")
    click.echo(f"Hub: {result.hub}")
    click.echo(f"  migrations applied: {', '.join(result.migrations_applied) or 'none (already current)'}")
    state = "created" if result.member_created else "already there"
    click.echo(f"Member {result.member_id} ({state}), time zone {result.timezone}")
    click.echo("Back up .psn/master.key: without it stored tokens cannot be read.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_ctx
def doctor(obj: Ctx, as_json: bool) -> None:
    """Check the workspace, hub, roles, row-level security and secrets; each problem comes with its fix."""
    report = run_doctor(obj.settings)
    print_doctor(report, as_json)
    if not report.ok:
        sys.exit(1)


def print_doctor(report: DoctorReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({**report.model_dump(mode="json"), "ok": report.ok}, indent=2))
        return
    click.echo(f"psn doctor: {report.workspace}")
    for check in report.checks:
        click.echo(f"  {SYMBOLS[check.status]} {check.name}: {check.detail}")
        if check.fix:
            click.echo(f"      fix: {check.fix}")
    click.echo("All good." if report.ok else "Some checks failed: see the fixes above.")


@cli.command()
@click.option("--name", default=None, help="Your display name (default: your login name).")
@click.option("--timezone", default=None, help="Your IANA time zone (default: this machine's).")
@click.option(
    "--talks-like",
    type=click.Choice(["friends", "between", "work"]),
    default="between",
    show_default=True,
    help="Voice question 1: how you write, from talking to friends to writing at work.",
)
@click.option("--sample", default=None, help="Voice question 2: a few sentences you wrote yourself.")
@click.option("--never-use", multiple=True, help="Voice question 3: words you never use (repeatable).")
@click.option("--delay", default=60, show_default=True, type=click.IntRange(5, 3600), help="Seconds until it posts.")
@click.pass_context
def quickstart(
    ctx: click.Context,
    name: str | None,
    timezone: str | None,
    talks_like: str,
    sample: str | None,
    never_use: tuple[str, ...],
    delay: int,
) -> None:
    """The whole job, locally: workspace + embedded hub, the platform emulator, four sandbox accounts
    connected through OAuth, a voice profile, one post drafted, checked, scheduled a minute ahead and
    published by a real worker. Exits non-zero if anything failed."""
    from psn_core.cli.quickstart import QuickstartOptions, run_quickstart  # the emulator loads only here

    obj: Ctx = ctx.obj
    workspace = obj._workspace or Path.cwd()
    options = QuickstartOptions(
        name=name or getpass.getuser(),
        timezone=timezone or detect_timezone(),
        talks_like=talks_like,
        delay_seconds=delay,
    )
    if sample:
        options.sample = sample
    if never_use:
        options.never_use = list(never_use)
    started = time.monotonic()
    report = run_quickstart(workspace, options, lambda line: click.echo(f"[{time.monotonic() - started:5.1f}s] {line}"))
    click.echo("")
    click.echo(f"{'platform':<10} {'account':<16} {'status':<16} {'remote id':<24} lateness")
    for o in report.outcomes:
        late = f"{o.lateness_ms} ms" if o.lateness_ms is not None else "-"
        remote = ", ".join(o.remote_ids) or "-"
        note = " (private: sandbox)" if o.private_only else ""
        click.echo(f"{o.platform:<10} @{o.handle:<15} {o.status:<16} {remote[:24]:<24} {late}{note}")
        if o.error:
            click.echo(f"{'':<10} {o.error}")
    obj._workspace = workspace
    doctor_report = run_doctor(obj.settings)
    failing = [c for c in doctor_report.checks if c.status == "fail"]
    click.echo(f"doctor: {len(doctor_report.checks) - len(failing)} of {len(doctor_report.checks)} checks pass")
    for check in failing:
        click.echo(f"  ✗ {check.name}: {check.detail} (fix: {check.fix})")
    if not report.ok or failing:
        click.echo("Quickstart did not finish cleanly: see above.", err=True)
        sys.exit(1)
    click.echo(f"Done in {time.monotonic() - started:.0f} s: one post published on four platforms (locally).")


# --- accounts ------------------------------------------------------------------------------------


@cli.command()
@click.argument("target", type=click.Choice([*PLATFORMS, "status"]))
@click.option("--paste", is_flag=True, help="Do not listen for the redirect; paste the URL instead (SSH).")
@click.option("--no-browser", is_flag=True, help="Print the URL without opening a browser.")
@click.option("--company", "company_name", default=None, help="Connect a company account (admins of that company).")
@pass_ctx
def auth(obj: Ctx, target: str, paste: bool, no_browser: bool, company_name: str | None) -> None:
    """Connect an account (x, linkedin, instagram, tiktok), or `status` to list accounts and tokens."""
    with obj.member_hub(company_name) as (hub, member):
        if target == "status":
            print_accounts(obj, hub, member, company_name)
            return
        _connect(obj, hub, member, target, paste=paste, no_browser=no_browser, company_name=company_name)


def _connect(
    obj: Ctx, hub: Hub, member: UUID, target: str, *, paste: bool, no_browser: bool, company_name: str | None
) -> None:
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
        try:
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
    expiry = local(account.expires_at, settings.zone) if account.expires_at else "no expiry given"
    click.echo(f"Connected {name} as @{account.handle}. Access token expires {expiry}.")
    if account.sandbox:
        click.echo("TikTok sandbox app: posts go out private (SELF_ONLY) until TikTok audits your app.")
    if company_name is not None:
        click.echo(
            f"Its posts publish from this machine: keep `psn worker --company {company_name}` (or `psn worker --all`)"
            " running here; the tokens are encrypted with this workspace's key."
        )


def _listen(port: int) -> CallbackServer | None:
    server = CallbackServer(port)
    try:
        server.start()
    except OSError as exc:
        click.echo(f"Cannot listen on 127.0.0.1:{port} ({exc.strerror}); paste the redirect URL instead.")
        return None
    return server


def print_accounts(obj: Ctx, hub: Hub, member: UUID, company_name: str | None = None) -> None:
    settings = obj.settings
    flag = f" --company {company_name}" if company_name else ""
    with hub.transaction(member) as conn:
        accounts = list_accounts(conn, member)
    if not accounts:
        click.echo(f"No accounts connected. Run `psn auth x{flag}` (or linkedin, instagram, tiktok).")
        return
    now = utcnow()
    for acc in accounts:
        name = PLATFORMS[acc.platform].display_name
        click.echo(f"{name} @{acc.handle}: {acc.status}{' (sandbox)' if acc.sandbox else ''}")
        if acc.expires_at is not None:
            click.echo(f"  access token expires {local(acc.expires_at, settings.zone)} ({until(acc.expires_at, now)})")
        click.echo(
            f"  last refresh {local(acc.last_refreshed_at, settings.zone)}"
            + (f", last failure: {acc.last_failure_class}" if acc.last_failure_class else "")
        )
        if acc.status != "active":
            click.echo(
                f"  what to do: run `psn auth {acc.platform}{flag}` to reconnect ({acc.status_reason or acc.status})"
            )
        elif not acc.can_refresh:
            click.echo(
                f"  psn cannot refresh this token by itself: run `psn auth {acc.platform}{flag}` before it expires"
            )


# --- worker --------------------------------------------------------------------------------------


@cli.command()
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 32), help="Worker threads.")
@click.option("--company", "company_name", default=None, help="Serve this company hub instead of your own hub.")
@click.option("--all", "serve_all", is_flag=True, help="Serve your hub and every connected company hub.")
@pass_ctx
def worker(obj: Ctx, workers: int, company_name: str | None, serve_all: bool) -> None:
    """Run the background worker (publishing, token refresh, notifications) until Ctrl-C.

    One process serves one hub: `psn worker` serves your own hub, `psn worker --company NAME` a company
    hub whose accounts you connected (or whose notifications you want delivered), and `psn worker --all`
    runs and watches one of each, restarting any that dies."""
    if serve_all:
        if company_name:
            raise click.UsageError("Use --all or --company, not both.")
        from psn_core.worker.supervisor import Supervisor, worker_commands

        children = worker_commands(obj.workspace, company.list_connections(obj.workspace), workers)
        click.echo(f"psn worker --all: {', '.join(c.label for c in children)}; Ctrl-C stops them all.")
        sys.exit(Supervisor(children, click.echo).run())
    from psn_core.worker.app import Worker  # huey loads only for this command

    app = Worker.for_company(obj.settings, company_name) if company_name else Worker(obj.settings)
    click.echo(f"psn worker on {app.hub.label} (queue {app.queue_name}) with {workers} thread(s); Ctrl-C stops it.")
    try:
        app.run(workers)
    finally:
        app.close()


# --- emulator ------------------------------------------------------------------------------------


@cli.group()
def emulator() -> None:
    """The local emulator of the four platform APIs (tests, demos, fault injection)."""


@emulator.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=int)
@click.option("--faults", multiple=True, help="Fault specs like x:401*2, instagram:stuck_container.")
def emulator_serve(host: str, port: int, faults: tuple[str, ...]) -> None:
    """Serve the emulator until Ctrl-C."""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise InvalidSetting("The emulator only serves on the loopback interface.", "Use --host 127.0.0.1.")
    from psn_core.emulator import serve  # starlette/uvicorn load only for this command

    serve(host, port, list(faults))


# --- config --------------------------------------------------------------------------------------


@cli.group()
def config() -> None:
    """Show settings."""


@config.command("show")
@pass_ctx
def config_show(obj: Ctx) -> None:
    """Print the effective settings; every secret is masked to its last 4 characters."""
    settings = obj.settings
    width = max(len(k) for k, _ in masked_settings(settings))
    for key, value in masked_settings(settings):
        click.echo(f"{key.ljust(width)}  {value}")


# --- hub -----------------------------------------------------------------------------------------


@cli.group()
def hub() -> None:
    """Start, stop, inspect and migrate the hub database."""


@hub.command("start")
@pass_ctx
def hub_start(obj: Ctx) -> None:
    """Start the embedded hub (no-op for a URL hub)."""
    settings = obj.settings
    if not settings.uses_embedded_hub:
        click.echo("This workspace uses PSN_DATABASE_URL; there is no embedded server to start.")
        return
    status = EmbeddedServer(settings.embedded_dir, settings.embedded_backend).start()
    click.echo(f"Embedded hub running (pid {status.pid}, {status.backend} backend, socket in {status.socket_dir}).")


@hub.command("stop")
@pass_ctx
def hub_stop(obj: Ctx) -> None:
    """Stop the embedded hub cleanly."""
    settings = obj.settings
    if not settings.uses_embedded_hub:
        click.echo("This workspace uses PSN_DATABASE_URL; there is no embedded server to stop.")
        return
    stopped = EmbeddedServer(settings.embedded_dir, settings.embedded_backend).stop()
    click.echo("Embedded hub stopped." if stopped else "Embedded hub was not running.")


@hub.command("status")
@pass_ctx
def hub_status(obj: Ctx) -> None:
    """Say where the hub is and whether it is running."""
    settings = obj.settings
    if not settings.uses_embedded_hub:
        click.echo(f"URL hub {ping_hub(settings)}: reachable.")
        return
    status = EmbeddedServer(settings.embedded_dir, settings.embedded_backend).status()
    if status.running:
        click.echo(f"Embedded hub running: pid {status.pid}, data {status.data_dir}, {status.backend} backend.")
    else:
        state = "initialised" if status.initialized else "not created yet (run `psn init`)"
        click.echo(f"Embedded hub stopped ({state}); any psn command that needs it starts it.")


@hub.command("migrate")
@pass_ctx
def hub_migrate(obj: Ctx) -> None:
    """Apply pending migrations (as the owner role) and ensure the psn_app role."""
    with Hub.open(obj.settings) as h:
        result = migrate_hub(obj.settings, h)
    click.echo(f"{result.hub}: " + (f"applied {', '.join(result.applied)}" if result.applied else "already current"))


# --- keys ----------------------------------------------------------------------------------------


@cli.group()
def keys() -> None:
    """Encryption keys for secrets at rest."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new random key (base64) for PSN_MASTER_KEY. Nothing is stored."""
    click.echo(encode_key(generate_key()))


@keys.command("rotate")
@pass_ctx
def keys_rotate(obj: Ctx) -> None:
    """Re-encrypt every stored token and secret under a new key."""
    with Hub.open(obj.settings) as h:
        report = rotate_keys(obj.settings, h)
    click.echo(f"Active key is now {report.new_key_id} ({report.source}); re-encrypted {report.total} value(s).")
    if report.retired_key_ids:
        where = "removed from the key file" if report.source == "file" else "no longer needed in PSN_OLD_MASTER_KEYS"
        click.echo(f"Old keys {where}: {', '.join(report.retired_key_ids)}")


def main() -> None:
    cli(prog_name="psn")


if __name__ == "__main__":
    main()
