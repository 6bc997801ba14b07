"""The `psn` command line: a thin edge. Each command parses, calls one service, prints the result."""

from __future__ import annotations

import getpass
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.cli.lazy import LazyGroup

if TYPE_CHECKING:  # loaded inside the commands: `psn --help` imports no command module and no service
    from psn_core.services.doctor import DoctorReport

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


# Commands that load when used: name -> ("module:attribute", the short help `psn --help` shows, which is
# the first sentence of the command's docstring; tests/unit/test_cli_lazy.py checks both).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "analytics": (
        "psn_core.cli.insights:analytics",
        "Your posts' performance over the last days, from the hub, saying how fresh the numbers are.",
    ),
    "approve": (
        "psn_core.cli.approve:approve",
        "List company posts waiting for approval, or approve / reject one (editors and admins).",
    ),
    "auth": (
        "psn_core.cli.accounts:auth",
        "Connect an account (x, linkedin, instagram, tiktok), `status` to list accounts and tokens, `verify "
        "[platform]` to check each account with read calls only (nothing is posted), or `remove <platform> "
        "[--account @handle]` to forget an account and its tokens (posts still waiting on it stop the removal, "
        "listed, unless --cancel-pending; nothing is revoked on the platform itself).",
    ),
    "budget": (
        "psn_core.cli.insights:budget",
        "Show what is left of each account's API request budget and when it resets.",
    ),
    "calendar": (
        "psn_core.cli.calendar:calendar",
        "A day, a week (Monday to Sunday, the default) or a month in your zone: your personal hub and every "
        "connected company hub side by side, by day, each post with its badge (scheduled, publishing, "
        "published, failed, pending approval), claimed company slots, empty slots at your strategy's preferred "
        "times, and warnings (two posts on one platform within 2 hours on the same account or from different "
        "hubs; a post next to someone's claimed slot).",
    ),
    "cancel": ("psn_core.cli.posting:cancel", "Cancel a post's targets that have not started publishing."),
    "company": (
        "psn_core.cli.company:company_group",
        "Company hubs: members, invite codes, brand voice, company posts.",
    ),
    "completion": (
        "psn_core.cli.completion:completion",
        "Print the shell completion script for bash, zsh or fish.",
    ),
    "config": ("psn_core.cli.hub:config", "Show settings."),
    "engage": (
        "psn_core.cli.engage:engage",
        "The engagement inbox: conversations worth joining (list, the default), `status` (what each account "
        "can and cannot do, and why), `sweep`, `triage --yes ID --no ID --skip ID`, `reply ID TEXT` (shown, "
        "confirmed, posted once) and `capture ID TEXT` (an idea from the conversation).",
    ),
    "emulator": (
        "psn_core.cli.processes:emulator",
        "The local emulator of the four platform APIs (tests, demos, fault injection).",
    ),
    "explain": (
        "psn_core.cli.posting:explain",
        "What happened to a target: the platform's own words (secrets masked) and every attempt.",
    ),
    "failures": (
        "psn_core.cli.posting:failures",
        "Targets that failed, expired or need your attention, with what to do.",
    ),
    "hub": ("psn_core.cli.hub:hub", "Start, stop, inspect and migrate the hub database."),
    "idea": (
        "psn_core.cli.ideas:idea",
        'Capture an idea in seconds: psn idea "text #pillar:x #platform:x #urgency:timely".',
    ),
    "ideas": (
        "psn_core.cli.ideas:ideas",
        "Your ideas bank: list, ready, search, stats, stale, kill, touch, promote (each with --json).",
    ),
    "keys": ("psn_core.cli.hub:keys", "Encryption keys for secrets at rest."),
    "notifications": (
        "psn_core.cli.notifications:notifications",
        "List your pending notifications (times in your zone).",
    ),
    "plan": (
        "psn_core.cli.plan:plan",
        "Make (or make again) the week's plan: series first, then ready ideas, remix, recycle, at your best times.",
    ),
    "post": (
        "psn_core.cli.posting:post",
        "Schedule a post (now, or --at a local time) to one or more accounts.",
    ),
    "prefs": (
        "psn_core.cli.learning:prefs",
        "What psn learned about what works for you: formats, pillars, hours, hooks, edits, resting topics.",
    ),
    "queue": ("psn_core.cli.posting:queue", "What is scheduled or publishing, soonest first."),
    "reschedule": (
        "psn_core.cli.posting:reschedule",
        "Move a post to another time (until it starts publishing).",
    ),
    "retry": (
        "psn_core.cli.posting:retry",
        "Publish a failed or expired target again, now (a thread continues where it stopped).",
    ),
    "review": (
        "psn_core.cli.insights:review",
        "Write the weekly report under reports/, with what psn changed in your strategy and why.",
    ),
    "series": (
        "psn_core.cli.series:series",
        "Series: recurring formats with a cadence, a template and episode labels: create, list, show, edit, "
        "pause, resume, retire, due, detect (each with --json).",
    ),
    "strategy": (
        "psn_core.cli.strategy:strategy",
        "Your content strategy (strategy.yaml): pillars, posts per week, preferred times, languages, locks.",
    ),
    "trends": (
        "psn_core.cli.trends:trends",
        "Trends from your feeds, Hacker News, Google Trends and subreddits: list, status, refresh, spark.",
    ),
    "voice": (
        "psn_core.cli.voice:voice",
        "Your voice profile (voices/<persona>.yaml): set it up, check text against it, learn from edits.",
    ),
    "worker": (
        "psn_core.cli.processes:worker",
        "Run the background worker (publishing, token refresh, notifications) until Ctrl-C.",
    ),
}


@click.group(cls=LazyGroup, lazy=LAZY_COMMANDS)
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


# --- setup ---------------------------------------------------------------------------------------


@cli.command()
@click.option("--name", default=None, help="Your display name (default: your login name).")
@click.option("--timezone", default=None, help="Your IANA time zone (default: this machine's).")
@click.option("--database-url", default=None, help="Use this Postgres as your hub instead of the embedded one.")
@pass_ctx
def init(obj: Ctx, name: str | None, timezone: str | None, database_url: str | None) -> None:
    """Make this folder a psn workspace and create your personal hub. Safe to run again."""
    from psn_core.cli import output
    from psn_core.services.setup import init_workspace

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
    from psn_core.services.doctor import run_doctor

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
    from psn_core.config import Settings
    from psn_core.services.doctor import run_doctor

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
