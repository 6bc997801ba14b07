"""`psn --help` and `psn <cmd> --help` load no heavy module (the lazy group in psn_core/cli/main.py, light
command modules), and the lazy group lists exactly the commands, options and help texts the modules
define. Timing is benchmarks/bench_startup.py's job; these tests only look at what gets imported."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import click
import pytest

import psn_core.cli
from psn_core.cli.lazy import LazyGroup
from psn_core.cli.main import LAZY_COMMANDS, cli

# Top-level packages `--help` must never load: each costs tens of milliseconds (psycopg, PyAV, pydantic...).
HEAVY = (
    "psycopg",
    "av",
    "pypdf",
    "huey",
    "httpx2",
    "httpx",
    "rich",
    "pydantic",
    "pydantic_settings",
    "matplotlib",
    "dateparser",
    "ruamel",
    "PIL",
    "yaml",
    "starlette",
    "uvicorn",
    "humanize",
    "tenacity",
)

# Runs every `--help` of the command tree in one fresh interpreter and reports, for each heavy package,
# the first invocation that loaded it; also whether any command module was imported by `psn --help`.
_PROBE = r"""
import contextlib, io, json, sys
import click
HEAVY = set(json.loads(sys.argv[1]))
from psn_core.cli.main import cli

def heavy():
    return {m.split(".")[0] for m in sys.modules} & HEAVY

def run(args):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            cli.main(args=[*args, "--help"], prog_name="psn", standalone_mode=False)
        except SystemExit:
            pass
    return out.getvalue()

report = {"loaded_by": {}, "top_level_modules": None, "helps": 0}
text = run([])
report["top_level_modules"] = sorted(m for m in sys.modules if m.startswith("psn_core.cli."))
for name in heavy():
    report["loaded_by"].setdefault(name, "psn --help")

def walk(group, path):
    ctx = click.Context(group, info_name=path[-1] if path else "psn")
    for name in group.list_commands(ctx):
        args = [*path, name]
        before = heavy()
        run(args)
        report["helps"] += 1
        for mod in heavy() - before:
            report["loaded_by"].setdefault(mod, "psn " + " ".join(args) + " --help")
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            walk(command, args)

walk(cli, [])
print(json.dumps(report))
"""


def _probe() -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(HEAVY)], capture_output=True, text=True, timeout=120, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_no_help_loads_a_heavy_module() -> None:
    report = _probe()
    assert report["loaded_by"] == {}, f"heavy modules loaded by --help: {report['loaded_by']}"
    assert isinstance(report["helps"], int) and report["helps"] >= len(LAZY_COMMANDS)


def test_psn_help_imports_no_command_module() -> None:
    report = _probe()
    loaded = report["top_level_modules"]
    assert isinstance(loaded, list) and "psn_core.cli.main" in loaded
    command_modules = {target.partition(":")[0] for target, _short in LAZY_COMMANDS.values()}
    assert len(command_modules) >= 8
    assert not command_modules & set(loaded), "psn --help imported a command module"


def test_the_probe_sees_a_heavy_import() -> None:
    """The probe is not blind: a command whose --help imports psycopg is reported."""
    probe = _PROBE.replace("from psn_core.cli.main import cli", "from psn_core.cli.main import cli\nimport psycopg")
    done = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(HEAVY)], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout)["loaded_by"] == {"psycopg": "psn --help"}


def _command_modules() -> dict[str, click.Command]:
    """Every command the command modules define (their COMMANDS), by name."""
    found: dict[str, click.Command] = {}
    for info in pkgutil.iter_modules(psn_core.cli.__path__):
        module = importlib.import_module(f"psn_core.cli.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            assert command.name not in found, f"two commands named {command.name}"
            found[command.name] = command
    return found


def test_every_command_module_command_is_registered_where_it_lives() -> None:
    defined = _command_modules()
    assert set(defined) == set(LAZY_COMMANDS)
    for name, (target, _short) in LAZY_COMMANDS.items():
        module_name, _, attribute = target.partition(":")
        assert getattr(importlib.import_module(module_name), attribute) is defined[name]


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_registered_short_help_is_the_commands_own(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert LAZY_COMMANDS[name][1] == command.get_short_help_str(limit=10**6), (
        f"update LAZY_COMMANDS[{name!r}] in psn_core/cli/main.py to the first sentence of its docstring"
    )


def _fresh_lazy() -> LazyGroup:
    """A lazy group like `psn`'s with nothing loaded yet."""
    eager = {name: cmd for name, cmd in cli.commands.items() if name not in LAZY_COMMANDS}
    return LazyGroup(
        name="psn", commands=eager, params=cli.params, help=cli.help, callback=cli.callback, lazy=LAZY_COMMANDS
    )


def _eager() -> click.Group:
    """The same `psn` as a plain click group with every command loaded."""
    commands = {name: cmd for name, cmd in cli.commands.items() if name not in LAZY_COMMANDS}
    commands.update(_command_modules())
    return click.Group(name="psn", commands=commands, params=cli.params, help=cli.help, callback=cli.callback)


@pytest.mark.parametrize("width", [60, 80, 200])
def test_psn_help_lists_what_click_lists_for_the_loaded_commands(width: int) -> None:
    lazy, eager = _fresh_lazy(), _eager()
    lazy_help = lazy.get_help(click.Context(lazy, info_name="psn", terminal_width=width, max_content_width=width))
    assert not set(LAZY_COMMANDS) & set(lazy.commands)  # listed from the registry, nothing loaded
    eager_help = eager.get_help(click.Context(eager, info_name="psn", terminal_width=width, max_content_width=width))
    assert lazy_help == eager_help
    assert "queue" in lazy_help and "completion" in lazy_help


def test_the_command_tree_is_the_same_as_click_sees_it_loaded() -> None:
    """Every command, subcommand, option and help text, from click's own introspection."""

    def tree(group: click.Group) -> dict[str, object]:
        ctx = click.Context(group, info_name="psn")
        for name in group.list_commands(ctx):
            group.get_command(ctx, name)  # load it, so to_info_dict describes it
        return group.to_info_dict(ctx)

    assert tree(_fresh_lazy()) == tree(_eager())


def test_completing_lists_commands_without_importing_them() -> None:
    code = (
        "import sys\n"
        "from click.shell_completion import BashComplete\n"
        "from psn_core.cli.main import cli\n"
        "items = BashComplete(cli, {}, 'psn', '_PSN_COMPLETE').get_completions([], 'qu')\n"
        "print(sorted(i.value for i in items))\n"
        "print(sorted(m for m in sys.modules if m.startswith('psn_core.cli.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    values, modules = done.stdout.splitlines()
    assert values == "['queue', 'quickstart']"
    assert "psn_core.cli.posting" not in modules and "psn_core.cli.lazy" in modules


def test_cli_choices_match_their_sources() -> None:
    from psn_core.cli.choices import COMPANY_ROLES, NOTIFICATION_TIERS, PLATFORM_NAMES
    from psn_core.notifications.models import Tier
    from psn_core.platforms.registry import PLATFORMS
    from psn_core.services.company.members import ROLES

    assert tuple(PLATFORMS) == PLATFORM_NAMES
    assert tuple(ROLES) == COMPANY_ROLES
    assert tuple(t.value for t in Tier) == NOTIFICATION_TIERS
