"""What every `psn` command shares: the workspace and settings read once, PSNError printing, and the
pending-critical-notifications footer (the CLI fallback that always works, whatever the transport)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click

from psn_core.errors import ConfigError, PSNError
from psn_core.text import check_text

if TYPE_CHECKING:  # the rest loads inside the commands that need it: `psn --help` stays instant
    from psn_core.config import Settings
    from psn_core.crypto import Keyring
    from psn_core.hub.database import Hub

# Commands after which the footer is not printed: they manage the hub itself or are the list.
_NO_FOOTER = {"init", "hub", "keys", "emulator", "notifications", "worker", "quickstart"}


class PsnGroup(click.Group):
    """Prints every PSNError as its message and what to do, and exits 1, instead of a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Bytes that are not UTF-8 reach Python as lone surrogates; refuse them here, before any command
        # runs, rather than as a traceback when they are first encoded (nothing is written).
        for number, arg in enumerate(args, start=1):
            try:
                check_text(arg, f"argument {number} of the command")
            except PSNError as exc:
                click.echo(f"Error: {exc.message}", err=True)
                click.echo(f"  What to do: {exc.action}", err=True)
                ctx.exit(1)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PSNError as exc:
            from psn_core.masking import registry

            click.echo(f"Error: {registry.redact(exc.message)}", err=True)
            click.echo(f"  What to do: {exc.action}", err=True)
            ctx.exit(1)
        finally:
            if ctx.invoked_subcommand not in _NO_FOOTER:
                _critical_footer(ctx)


class Ctx:
    """Per-invocation state: the workspace folder and settings read once."""

    def __init__(self, workspace: Path | None) -> None:
        self._workspace = workspace
        self._settings: Settings | None = None
        self.company: str | None = None  # a group's --company, for its subcommands

    @property
    def workspace(self) -> Path:
        if self._workspace is None:
            from psn_core.workspace import find_workspace

            self._workspace = find_workspace(Path.cwd())
        return self._workspace

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from psn_core.config import Settings
            from psn_core.masking import configure_logging, registry

            self._settings = Settings.load(self.workspace)
            registry.add(
                *(v.get_secret_value() for v in self._settings.__dict__.values() if hasattr(v, "get_secret_value"))
            )
            configure_logging(self._settings.log_level)
        return self._settings

    @property
    def member_id(self) -> UUID:
        if self.settings.member_id is None:
            raise ConfigError("PSN_MEMBER_ID is not set in this workspace.", "Run `psn init`.")
        return self.settings.member_id

    @property
    def ring(self) -> Keyring:
        from psn_core.crypto import load_keyring

        return load_keyring(self.settings)

    @contextmanager
    def member_hub(self, company_name: str | None = None) -> Iterator[tuple[Hub, UUID]]:
        """The one hub a command talks to, and who it acts as there: the personal hub and this member,
        or company hub ``company_name`` (connections/<company>.env) as this workspace's member of it.

        Raises:
            CompanyNotFound: no connection to that company; HubUnreachable.
        """
        from psn_core.hub.database import Hub
        from psn_core.services.company.hubs import CompanyHub

        if company_name is None:
            with Hub.open(self.settings) as hub:
                yield hub, self.member_id
            return
        with CompanyHub.open(self.settings, company_name) as company_hub:
            yield company_hub.hub, company_hub.who.member_id


pass_ctx = click.make_pass_decorator(Ctx)


def _critical_footer(ctx: click.Context) -> None:
    """Print unacknowledged critical notifications on stderr (stdout stays clean for --json)."""
    obj = ctx.obj
    if not isinstance(obj, Ctx) or obj._settings is None or obj._settings.member_id is None:
        return
    import psycopg

    from psn_core.hub.database import Hub
    from psn_core.services.notifications import pending_critical_footer

    try:
        with Hub.open(obj._settings, start=False) as hub:
            lines = pending_critical_footer(hub, obj._settings.member_id)
    except (PSNError, psycopg.Error):
        return  # the footer never turns a working command into a failing one
    from psn_core.cli import output

    for line in lines:
        output.echo(line, err=True)  # wrapped at words to the terminal
