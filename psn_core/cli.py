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

import click
from pydantic import SecretStr

from psn_core.cli_context import Ctx, PsnGroup, pass_ctx
from psn_core.cli_posting import COMMANDS as POSTING_COMMANDS
from psn_core.config import masked_settings
from psn_core.crypto import encode_key, generate_key
from psn_core.errors import ConnectFailed, InvalidSetting
from psn_core.hub.database import Hub
from psn_core.hub.embedded import EmbeddedServer
from psn_core.notifications.models import Prefs, Tier
from psn_core.oauth_callback import CallbackServer
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts import finish_connect, list_accounts, start_connect
from psn_core.services.doctor import DoctorReport, run_doctor
from psn_core.services.notifications import (
    PrefsUpdate,
    TransportSetup,
    acknowledge_notifications,
    configure_transport,
    list_notifications,
    require_member,
    send_test,
    update_prefs,
)
from psn_core.services.setup import init_workspace, migrate_hub
from psn_core.services.vault import rotate_keys
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


for _command in POSTING_COMMANDS:
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
    from psn_core.services.quickstart import QuickstartOptions, run_quickstart  # the emulator loads only here

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
@pass_ctx
def auth(obj: Ctx, target: str, paste: bool, no_browser: bool) -> None:
    """Connect an account (x, linkedin, instagram, tiktok), or `status` to list accounts and tokens."""
    settings, member = obj.settings, obj.member_id
    if target == "status":
        print_accounts(obj)
        return
    ring = obj.ring
    with Hub.open(settings) as hub:
        with hub.transaction(member) as conn:
            start = start_connect(conn, settings, ring, member, target)
        name = PLATFORMS[target].display_name
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


def _listen(port: int) -> CallbackServer | None:
    server = CallbackServer(port)
    try:
        server.start()
    except OSError as exc:
        click.echo(f"Cannot listen on 127.0.0.1:{port} ({exc.strerror}); paste the redirect URL instead.")
        return None
    return server


def print_accounts(obj: Ctx) -> None:
    settings = obj.settings
    with Hub.open(settings) as hub, hub.transaction(obj.member_id) as conn:
        accounts = list_accounts(conn, obj.member_id)
    if not accounts:
        click.echo("No accounts connected. Run `psn auth x` (or linkedin, instagram, tiktok).")
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
            click.echo(f"  what to do: run `psn auth {acc.platform}` to reconnect ({acc.status_reason or acc.status})")
        elif not acc.can_refresh:
            click.echo(f"  psn cannot refresh this token by itself: run `psn auth {acc.platform}` before it expires")


# --- budget --------------------------------------------------------------------------------------


@cli.command()
@pass_ctx
def budget(obj: Ctx) -> None:
    """Show what is left of each account's API request budget and when it resets."""
    from psn_core.services.budgets import budget_status  # one insertion: cli.py is edited concurrently

    settings = obj.settings
    with Hub.open(settings) as h, h.transaction(obj.member_id) as conn:
        lines = budget_status(conn, obj.member_id)
    if not lines:
        click.echo("No API calls counted yet: budgets appear after psn talks to a platform.")
    for line in lines:
        resets = f"resets {local(line.reset_at, settings.zone)}" if line.reset_at else "no window open"
        click.echo(
            f"{PLATFORMS[line.platform].display_name} @{line.handle} {line.bucket}: "
            f"{line.used}/{line.limit} used, {line.percent_left}% left, {resets}"
        )


# --- analytics (read from the hub only; the worker's sweep collects) ------------------------------


@cli.command()
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650), help="How far back.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page of the post list.")
@click.option("--refresh", is_flag=True, help="Also queue a sweep for the worker (never calls platforms here).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_ctx
def analytics(obj: Ctx, days: int, page: int, refresh: bool, as_json: bool) -> None:
    """Your posts' performance over the last days, from the hub, saying how fresh the numbers are."""
    from psn_core.services.analytics import describe, summary

    settings = obj.settings
    if refresh:
        from psn_core.worker import Worker

        app = Worker(settings)
        try:
            click.echo(f"Sweep queued (task {app.enqueue_sweep()}); a running `psn worker` collects it.", err=True)
        finally:
            app.close()
    with Hub.open(settings) as h, h.transaction(obj.member_id) as conn:
        result = summary(conn, obj.member_id, zone=settings.zone, now=utcnow(), days=days, page=page)
    click.echo(result.model_dump_json(indent=2) if as_json else "\n".join(describe(result)))


@cli.command()
@click.option("--week", default=None, help="ISO week like 2026-W09 (default: last complete week).")
@pass_ctx
def review(obj: Ctx, week: str | None) -> None:
    """Write the weekly report (Markdown + PNG trend chart) under reports/."""
    from psn_core.services.analytics_report import weekly_review, write_report

    settings = obj.settings
    with Hub.open(settings) as h, h.transaction(obj.member_id) as conn:
        data = weekly_review(conn, obj.member_id, zone=settings.zone, now=utcnow(), week=week)
    files = write_report(data, obj.workspace)
    click.echo(f"Weekly review {data.week}: {data.totals.posts} posts, {data.freshness.as_of_local}.")
    click.echo(f"  report: {files.markdown}\n  chart:  {files.chart}")


# --- worker --------------------------------------------------------------------------------------


@cli.command()
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 32), help="Worker threads.")
@pass_ctx
def worker(obj: Ctx, workers: int) -> None:
    """Run the background worker (publishing, token refresh, notifications) until Ctrl-C."""
    from psn_core.worker import Worker  # huey loads only for this command

    app = Worker(obj.settings)
    click.echo(f"psn worker on {app.hub.label} with {workers} thread(s); Ctrl-C stops it cleanly.")
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
        with Hub.open(settings, start=False) as h, h.owner() as conn:
            conn.execute("SELECT 1")
        click.echo(f"URL hub {h.label}: reachable.")
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


# --- voice ---------------------------------------------------------------------------------------
# The voice services are imported inside each command so this section stays one self-contained block.


@cli.group()
def voice() -> None:
    """Your voice profile (voices/<persona>.yaml): set it up, check text against it, learn from edits."""


def _read_sample(sample: str | None, sample_file: Path | None) -> str:
    if sample_file is not None:
        return sample_file.read_text(encoding="utf-8")
    if sample is not None:
        return sample
    from psn_core.voice import CORE_QUESTIONS

    click.echo(CORE_QUESTIONS[1])
    click.echo("(Paste it, then type a line with just a dot (.) to finish.)")
    lines: list[str] = []
    while (line := sys.stdin.readline()) and line.rstrip("\r\n") != ".":
        lines.append(line)
    return "".join(lines)


@voice.command("init")
@click.option("--name", default="personal", show_default=True, help="The profile's name.")
@click.option("--language", default="en", show_default=True, help="Language of your writing sample (en, es).")
@click.option(
    "--talks-like",
    type=click.Choice(["friends", "between", "work"]),
    default=None,
    help="Question 1: you talking to friends, to colleagues at work, or in between.",
)
@click.option("--sample", default=None, help="Question 2: a few things you wrote yourself.")
@click.option(
    "--sample-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Question 2, from a file.",
)
@click.option("--never-use", multiple=True, help="Question 3: words you'd never use (repeat, or comma separated).")
@click.option("--force", is_flag=True, help="Replace an existing voices/personal.yaml.")
@pass_ctx
def voice_init(
    obj: Ctx,
    name: str,
    language: str,
    talks_like: str | None,
    sample: str | None,
    sample_file: Path | None,
    never_use: tuple[str, ...],
    force: bool,
) -> None:
    """Write voices/personal.yaml from three questions (about 2 minutes); it improves from your edits."""
    from pydantic import ValidationError

    from psn_core.services.voice_files import init_profile, voices_dir
    from psn_core.voice import CORE_QUESTIONS, CoreAnswers

    if talks_like is None:
        talks_like = click.prompt(CORE_QUESTIONS[0], type=click.Choice(["friends", "between", "work"]))
    text = _read_sample(sample, sample_file)
    if not never_use and sample is None and sample_file is None:
        never_use = (click.prompt(CORE_QUESTIONS[2], default="", show_default=False),)
    words = [w.strip() for item in never_use for w in item.split(",") if w.strip()]
    fields = {"name": name, "language": language, "talks_like": talks_like, "writing_sample": text, "never_use": words}
    try:
        answers = CoreAnswers.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise click.UsageError(f"Invalid answer: {problems}") from exc
    written = init_profile(voices_dir(obj.workspace), answers, force=force)
    section = written.profile.language(language)
    click.echo(f"{'Replaced' if written.replaced else 'Wrote'} {written.path}")
    click.echo(f"  formality {written.profile.traits.formality}/10, humor {written.profile.traits.humor}/10")
    click.echo(f"  sentences around {section.sentence_length.target_words or '?'} words ({language})")
    if section.never_use:
        click.echo(f"  never use: {', '.join(section.never_use)}")
    click.echo("Edit the file by hand any time; `psn voice suggestions` proposes changes learned from your edits.")


@voice.command("check")
@click.argument("file_or_text")
@click.option("--language", default="en", show_default=True, help="Language of the text.")
@click.option("--persona", default="personal", show_default=True, help="Profile to check against.")
@pass_ctx
def voice_check(obj: Ctx, file_or_text: str, language: str, persona: str) -> None:
    """Score how human a text reads (0-100) and show every tell with its character span.

    FILE_OR_TEXT is a file path, - for standard input, or the text itself.
    """
    from psn_core.services.voice_files import check_text, voices_dir

    try:
        is_file = "\n" not in file_or_text and Path(file_or_text).is_file()
    except OSError:  # a long sentence is not a path (ENAMETOOLONG)
        is_file = False
    if file_or_text == "-":
        text = sys.stdin.read()
    elif is_file:
        text = Path(file_or_text).read_text(encoding="utf-8")
    else:
        text = file_or_text
    checked = check_text(voices_dir(obj.workspace), text, language=language, persona=persona)
    report = checked.report
    verdict = "reads human" if report.reads_human else "reads machine-made"
    click.echo(f"Naturalness {report.score}/100 ({verdict}, {report.language})")
    click.echo(f"  profile: {checked.profile_used or 'none (psn defaults)'}")
    for tell in report.tells:
        click.echo(f"  [{tell.start}-{tell.end}] {tell.code}: {tell.excerpt!r}: {tell.reason}")
    if not report.tells:
        click.echo("  no tells found")


@voice.command("suggestions")
@click.option("--accept", "accept_id", type=int, default=None, help="Apply suggestion ID to your profile file.")
@click.option("--dismiss", "dismiss_id", type=int, default=None, help="Dismiss suggestion ID for good.")
@pass_ctx
def voice_suggestions(obj: Ctx, accept_id: int | None, dismiss_id: int | None) -> None:
    """Profile changes learned from your edits; nothing changes until you accept one."""
    from psn_core.services.voice import accept_suggestion, dismiss_suggestion, list_suggestions
    from psn_core.services.voice_files import voices_dir

    if accept_id is not None and dismiss_id is not None:
        raise click.UsageError("Use --accept or --dismiss, not both.")
    settings = obj.settings
    with Hub.open(settings) as h, h.transaction(obj.member_id) as conn:
        if accept_id is not None:
            accepted = accept_suggestion(conn, voices_dir(obj.workspace), obj.member_id, accept_id)
            click.echo(f"Accepted #{accept_id}: {accepted.suggestion.kind} {accepted.suggestion.value!r}")
            click.echo(f"  saved {accepted.path}")
            return
        if dismiss_id is not None:
            dismissed = dismiss_suggestion(conn, obj.member_id, dismiss_id)
            click.echo(f"Dismissed #{dismiss_id}: {dismissed.kind} {dismissed.value!r}; psn won't propose it again.")
            return
        pending = list_suggestions(conn, obj.member_id)
    if not pending:
        click.echo("No pending suggestions. psn proposes changes once an edit habit shows up in 3 or more drafts.")
        return
    for item in pending:
        click.echo(
            f"#{item.id} [{item.persona}/{item.language}] {item.kind}: {item.value} (seen in {item.evidence} edits)"
        )
        click.echo(f"    {item.reason}")
    click.echo("Accept with `psn voice suggestions --accept ID`, or dismiss with --dismiss ID.")


@voice.command("report")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_ctx
def voice_report_cmd(obj: Ctx, as_json: bool) -> None:
    """How much you still edit psn's drafts (edit-ratio trend), once 10 posts are recorded."""
    from psn_core.services.voice_report import voice_report

    settings = obj.settings
    with Hub.open(settings) as h, h.transaction(obj.member_id) as conn:
        report = voice_report(conn, obj.member_id, timezone=settings.timezone)
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    click.echo(f"Voice report: {report.summary}")
    if report.ready:
        click.echo(f"Edit ratio by week (weeks start Monday, {report.timezone}; 0% = posted as drafted):")
        for week in report.weeks:
            click.echo(f"  {week.week_start}  {week.mean_edit_ratio:6.0%}  ({week.edits} edits)")
        for trend in report.voices:
            click.echo(
                f"  {trend.persona}/{trend.language}: {trend.edits} edits, {trend.first_edit_ratio:.0%} at first, "
                f"{trend.recent_edit_ratio:.0%} lately ({trend.direction})"
            )
    click.echo(report.performance_note if report.performance is None else f"Performance: {report.performance}")


@voice.command("show")
@click.option("--persona", default="personal", show_default=True, help="Profile to show (file stem in voices/).")
@pass_ctx
def voice_show(obj: Ctx, persona: str) -> None:
    """Summarise a voice profile; a broken file shows each problem with its field and line."""
    from psn_core.services.voice_files import describe_profile, voices_dir

    summary = describe_profile(voices_dir(obj.workspace), persona)
    if not summary.ok:
        click.echo(f"{summary.path} has problems:", err=True)
        for problem in summary.problems:
            click.echo(f"  {problem.describe()}", err=True)
        sys.exit(1)
    assert summary.traits is not None
    t = summary.traits
    click.echo(f"{summary.name} ({summary.persona}) from {summary.path}")
    click.echo(
        f"  traits: formality {t.formality}, humor {t.humor}, assertiveness {t.assertiveness}, "
        f"technical depth {t.technical_depth}, controversy budget {t.controversy_budget}"
    )
    for lang in summary.languages:
        length = f"~{lang.target_words} words" if lang.target_words else "length not set"
        checked = "" if lang.naturalness_checked else " (no naturalness tells for this language)"
        click.echo(f"  {lang.code}: sentences {length}{checked}")
        if lang.vocabulary:
            click.echo(f"      vocabulary: {', '.join(lang.vocabulary)}")
        if lang.signature_phrases:
            click.echo(f"      signature phrases: {', '.join(lang.signature_phrases)}")
        if lang.never_use:
            click.echo(f"      never use: {', '.join(lang.never_use)}")
    click.echo(f"  platforms: {', '.join(summary.platforms) or 'none (psn defaults)'}")
    defaults = "plus psn's defaults" if summary.uses_default_anti_patterns else "psn's defaults off"
    click.echo(f"  anti-patterns: {summary.anti_patterns} of your own, {defaults}")
    if summary.guardrails_company:
        click.echo(f"  guardrails: {summary.guardrails_company}")
    if summary.other_profiles:
        click.echo(f"  other profiles: {', '.join(summary.other_profiles)} (use --persona)")


# --- notifications -------------------------------------------------------------------------------


@cli.group(invoke_without_command=True)
@click.option("--history", is_flag=True, help="Also show notifications you already acknowledged.")
@click.pass_context
def notifications(ctx: click.Context, history: bool) -> None:
    """List your pending notifications (times in your zone). Subcommands: ack, setup, prefs, test."""
    if ctx.invoked_subcommand is not None:
        return
    obj: Ctx = ctx.obj
    with Hub.open(obj.settings) as h:
        listing = list_notifications(h, require_member(obj.settings), include_acknowledged=history)
    if not listing.items:
        click.echo("No pending notifications.")
        return
    for item in listing.items:
        state = item.state + (f" ({item.held_reason})" if item.held_reason else "")
        seen = f", acknowledged {listing.local(item.acknowledged_at)}" if item.acknowledged_at else ""
        click.echo(f"#{item.id} {item.tier.upper()} {listing.local(item.created_at)} [{state}{seen}]")
        click.echo(f"    {item.text().replace(chr(10), chr(10) + '    ')}")
    click.echo("Acknowledge with `psn notifications ack ID` or `psn notifications ack --all`.")


@notifications.command("ack")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "ack_all", is_flag=True, help="Acknowledge every pending notification.")
@pass_ctx
def notifications_ack(obj: Ctx, ids: tuple[int, ...], ack_all: bool) -> None:
    """Mark notifications as handled, by id or --all."""
    if bool(ids) == ack_all:
        raise click.UsageError("Give notification ids or --all (not both).")
    with Hub.open(obj.settings) as h:
        done = acknowledge_notifications(h, require_member(obj.settings), None if ack_all else list(ids))
    click.echo(f"Acknowledged {done} notification{'' if done == 1 else 's'}.")


@notifications.group("setup")
def notifications_setup() -> None:
    """Choose how notifications reach you: WhatsApp by WAHA or Twilio, or the CLI only."""


def _secret_option(value: str | None, label: str) -> SecretStr | None:
    """The flag's value; else a hidden prompt on a terminal; else None (keep the stored one)."""
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
    setup = TransportSetup(transport="waha", recipient=recipient, secret=_secret_option(api_key, "WAHA API key"))
    with Hub.open(obj.settings) as h:
        _print_transport(configure_transport(obj.settings, h, require_member(obj.settings), setup))


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
    setup = TransportSetup(
        transport="twilio",
        recipient=recipient,
        secret=_secret_option(auth_token, "Twilio auth token"),
        twilio_account_sid=account_sid,
        twilio_from_number=from_number,
    )
    with Hub.open(obj.settings) as h:
        _print_transport(configure_transport(obj.settings, h, require_member(obj.settings), setup))


@notifications_setup.command("cli")
@pass_ctx
def notifications_setup_cli(obj: Ctx) -> None:
    """No WhatsApp: notifications are only printed by psn commands."""
    with Hub.open(obj.settings) as h:
        prefs = configure_transport(obj.settings, h, require_member(obj.settings), TransportSetup(transport="cli"))
    _print_transport(prefs)


@notifications.command("prefs")
@click.option("--quiet-hours", default=None, help="HH:MM-HH:MM in your zone (e.g. 22:00-07:00), or off.")
@click.option("--threshold", type=click.Choice([t.value for t in Tier]), default=None, help="Lowest tier pushed.")
@click.option("--daily-cap", type=click.IntRange(0, 1000), default=None, help="Most non-critical messages a day.")
@click.option("--digest-hour", type=click.IntRange(0, 23), default=None, help="Local hour of the engagement digest.")
@pass_ctx
def notifications_prefs(
    obj: Ctx, quiet_hours: str | None, threshold: str | None, daily_cap: int | None, digest_hour: int | None
) -> None:
    """Show or change quiet hours, threshold, daily cap and digest hour. Critical ones always go out."""
    update = PrefsUpdate(
        quiet_hours=quiet_hours,
        threshold=Tier(threshold) if threshold else None,
        daily_cap=daily_cap,
        digest_hour=digest_hour,
    )
    with Hub.open(obj.settings) as h:
        prefs = update_prefs(h, require_member(obj.settings), update)
    quiet = f"{prefs.quiet_start:%H:%M}-{prefs.quiet_end:%H:%M}" if prefs.quiet_start and prefs.quiet_end else "off"
    zone = obj.settings.timezone
    click.echo(f"transport {prefs.transport}; quiet hours {quiet} ({zone}); threshold {prefs.threshold}")
    click.echo(f"daily cap {prefs.daily_cap} non-critical a day; digest at {prefs.digest_hour:02d}:00 ({zone})")


@notifications.command("test")
@pass_ctx
def notifications_test(obj: Ctx) -> None:
    """Send a test message now through your transport (quiet hours do not apply)."""
    with Hub.open(obj.settings) as h:
        attempt = send_test(obj.settings, h, require_member(obj.settings))
    click.echo(f"Test message sent by {attempt.transport} (message id {attempt.provider_message_id}).")


def main() -> None:
    cli(prog_name="psn")


if __name__ == "__main__":
    main()
