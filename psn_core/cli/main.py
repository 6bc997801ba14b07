"""The `psn` command line: a thin edge. Each command parses, calls one service, prints the result."""

from __future__ import annotations

import getpass
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from psn_core.cli.accounts import COMMANDS as ACCOUNT_COMMANDS
from psn_core.cli.company import COMMANDS as COMPANY_COMMANDS
from psn_core.cli.context import Ctx, PsnGroup, pass_ctx
from psn_core.cli.hub import COMMANDS as HUB_COMMANDS
from psn_core.cli.insights import COMMANDS as INSIGHT_COMMANDS
from psn_core.cli.notifications import COMMANDS as NOTIFICATION_COMMANDS
from psn_core.cli.posting import COMMANDS as POSTING_COMMANDS
from psn_core.cli.processes import COMMANDS as PROCESS_COMMANDS
from psn_core.cli.voice import COMMANDS as VOICE_COMMANDS
from psn_core.config import Settings
from psn_core.services.doctor import DoctorReport, run_doctor
from psn_core.services.setup import init_workspace

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


for _command in (
    *POSTING_COMMANDS,
    *ACCOUNT_COMMANDS,
    *INSIGHT_COMMANDS,
    *VOICE_COMMANDS,
    *NOTIFICATION_COMMANDS,
    *COMPANY_COMMANDS,
    *PROCESS_COMMANDS,
    *HUB_COMMANDS,
):
    cli.add_command(_command)


# --- setup ---------------------------------------------------------------------------------------


@cli.command()
@click.option("--name", default=None, help="Your display name (default: your login name).")
@click.option("--timezone", default=None, help="Your IANA time zone (default: this machine's).")
@click.option("--database-url", default=None, help="Use this Postgres as your hub instead of the embedded one.")
@pass_ctx
def init(obj: Ctx, name: str | None, timezone: str | None, database_url: str | None) -> None:
    """Make this folder a psn workspace and create your personal hub. Safe to run again."""
    from psn_core.cli import output

    workspace = obj._workspace or Path.cwd()
    with output.status("Creating your hub (a few seconds the first time)"):
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
    from psn_core.cli import output

    if as_json:
        click.echo(json.dumps({**report.model_dump(mode="json"), "ok": report.ok}, indent=2))
        return
    click.echo(f"psn doctor: {report.workspace}")
    rows = [
        [
            output.styled(f"{SYMBOLS[c.status]} {c.name}", output.STATUS_STYLES[c.status]),
            c.detail + (f"\nfix: {c.fix}" if c.fix else ""),
        ]
        for c in report.checks
    ]
    output.print_table([("CHECK", {"max_width": 28}), "DETAIL"], rows)
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
    """A demo of the whole job, locally, in a workspace of its own: ./psn-demo (or --workspace, a new
    folder), never your real one. Embedded hub, the platform emulator, four sandbox accounts connected
    through OAuth, a voice profile, one post drafted, checked, scheduled a minute ahead and published by a
    real worker; the sandbox accounts are disconnected at the end. It refuses a workspace it did not make
    (use `psn init` for yours). Exits non-zero if anything failed."""
    from psn_core.cli import output
    from psn_core.cli.quickstart import DEMO_FOLDER, DEMO_OVERRIDES, QuickstartOptions, run_quickstart

    obj: Ctx = ctx.obj
    workspace = obj._workspace or Path.cwd() / DEMO_FOLDER
    output.echo(f"Demo workspace: {workspace} (the emulator's accounts stay there; your own workspace is untouched)")
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
    wait = _QuickstartWait()
    try:
        report = run_quickstart(
            workspace,
            options,
            lambda line: wait.line(f"[{time.monotonic() - started:5.1f}s] {line}"),
            wait.tick,
        )
    finally:
        wait.stop()
    output.echo("")
    rows = [
        [
            o.platform,
            f"@{o.handle}",
            output.status_cell(o.status) if not o.error else f"{o.status}\n{o.error}",
            (", ".join(o.remote_ids) or "-") + (" (private: sandbox)" if o.private_only else ""),
            f"{o.lateness_ms} ms" if o.lateness_ms is not None else "-",
        ]
        for o in report.outcomes
    ]
    output.print_table(["PLATFORM", "ACCOUNT", "STATUS", "REMOTE ID", ("LATENESS", {"justify": "right"})], rows)
    doctor_report = run_doctor(Settings.load(workspace, **DEMO_OVERRIDES))
    failing = [c for c in doctor_report.checks if c.status == "fail"]
    output.echo(f"doctor: {len(doctor_report.checks) - len(failing)} of {len(doctor_report.checks)} checks pass")
    for check in failing:
        output.echo(f"  ✗ {check.name}: {check.detail} (fix: {check.fix})")
    if not report.ok or failing:
        output.echo("Quickstart did not finish cleanly: see above.", err=True)
        sys.exit(1)
    output.echo(f"Done in {time.monotonic() - started:.0f} s: one post published on four platforms (locally).")


class _QuickstartWait:
    """The countdown to the demo post's time (on a terminal), with the targets' statuses beside it."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = False

    def line(self, text: str) -> None:
        from psn_core.cli import output

        if self.bar is not None and self.bar._bar is not None:
            self.bar._bar.console.print(text, markup=False, highlight=False)  # above the bar
        else:
            output.echo(text)

    def tick(self, seconds_left: float, statuses: str) -> None:
        from psn_core.cli import output

        if self.done:
            return
        if seconds_left <= 0:
            self.stop()
            return
        text = f"posting in {seconds_left:3.0f} s ({statuses})"
        if self.bar is None:
            self.bar = output.Countdown(text, seconds_left)
        self.bar.update(text)

    def stop(self) -> None:
        self.done = self.done or self.bar is not None
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def main() -> None:
    cli(prog_name="psn")


if __name__ == "__main__":
    main()
