"""Long-running processes: `psn worker` (the queue consumer) and `psn emulator serve` (the platform APIs).

Each imports its process lazily, so the rest of the command line loads neither huey nor the emulator.
"""

from __future__ import annotations

import sys

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.errors import InvalidSetting

# --- worker --------------------------------------------------------------------------------------


@click.command()
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 32), help="Worker threads.")
@click.option("--company", "company_name", default=None, help="Serve this company hub instead of your own hub.")
@click.option("--all", "serve_all", is_flag=True, help="Serve your hub and every connected company hub.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures (no line per job).")
@click.option("--verbose", "-v", is_flag=True, help="Also print periodic housekeeping jobs (watchdog, delivery...).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per line, for services (secrets masked).",
)
@pass_ctx
def worker(
    obj: Ctx, workers: int, company_name: str | None, serve_all: bool, quiet: bool, verbose: bool, log_format: str
) -> None:
    """Run the background worker (publishing, token refresh, notifications) until Ctrl-C.

    One process serves one hub: `psn worker` serves your own hub, `psn worker --company NAME` a company
    hub whose accounts you connected (or whose notifications you want delivered), and `psn worker --all`
    runs and watches one of each, restarting any that dies.

    It prints a line as each job starts and finishes (publish, analytics sweep: target, post, outcome,
    duration); --verbose adds the periodic housekeeping, --quiet keeps only failures."""
    if quiet and verbose:
        raise click.UsageError("Use --quiet or --verbose, not both.")
    from psn_core.worker import joblog

    obj.settings  # noqa: B018  (loads the settings first: their logging set-up must not replace ours)
    joblog.configure("quiet" if quiet else "verbose" if verbose else "normal", log_format)  # type: ignore[arg-type]
    from psn_core.services.company import hubs as company

    if serve_all:
        if company_name:
            raise click.UsageError("Use --all or --company, not both.")
        from psn_core.worker.supervisor import Supervisor, worker_commands

        flags = ("--quiet",) * quiet + ("--verbose",) * verbose + ("--log-format", log_format)
        children = worker_commands(obj.workspace, company.list_connections(obj.workspace), workers, flags)
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


@click.group()
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


COMMANDS = (worker, emulator)
