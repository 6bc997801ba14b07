"""A click group whose commands load on first use, so `psn --help` (and shell completion) imports no
command module and `psn <cmd> --help` imports only that command's module.

Each lazy command is registered by name with the "module:attribute" it lives at and its short help (the
first sentence of its docstring, as `psn --help` shows it). tests/unit/test_cli_lazy.py checks that
every registered short help is the real one and that every command module's COMMANDS are registered.
"""

from __future__ import annotations

import importlib
from gettext import gettext as _
from typing import TYPE_CHECKING, Any

import click

from psn_core.cli.context import PsnGroup

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


class LazyCommand:
    """Where a lazy command lives and what `psn --help` says about it, without importing it."""

    def __init__(self, name: str, target: str, short_help: str) -> None:
        self.name = name
        self.target = target
        self.short_help = short_help

    def load(self) -> click.Command:
        module_name, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command) or command.name != self.name:
            raise RuntimeError(f"{self.target} is not the click command {self.name!r}")
        return command

    def stand_in(self) -> click.Command:
        """A command with only this one's name and help: what the listing and completion need."""
        return click.Command(self.name, help=self.short_help)


class LazyGroup(PsnGroup):
    """PsnGroup with commands registered by name ("module:attr" and short help), loaded when used."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = {name: LazyCommand(name, target, text) for name, (target, text) in (lazy or {}).items()}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in self.lazy:
            command = self.lazy[cmd_name].load()
            self.commands[cmd_name] = command  # loaded once per process
        return command

    def _listed(self, ctx: click.Context, name: str) -> click.Command | None:
        """The command itself if already loaded, else its stand-in (nothing is imported)."""
        if name in self.commands:
            return self.commands[name]
        return self.lazy[name].stand_in() if name in self.lazy else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own listing, over stand-ins: the same rows, without importing any command module
        rows = []
        commands = [(name, c) for name in self.list_commands(ctx) if (c := self._listed(ctx, name)) and not c.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
        if rows:
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        results = [
            CompletionItem(name, help=command.get_short_help_str())
            for name in self.list_commands(ctx)
            if name.startswith(incomplete) and (command := self._listed(ctx, name)) and not command.hidden
        ]
        # the group's own options (--workspace, --help...): click.Command's completion, not Group's
        results.extend(click.Command.shell_complete(self, ctx, incomplete))
        return results
