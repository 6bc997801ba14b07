"""Every query file parses, every query a module names exists in it, and every query in it is used.

A query file is ``queries.sql`` in a package of psn_core (the hub, each service wing, notifications). Its
users are the modules of that package that load it with ``Queries.load(__package__)``, and any module
elsewhere that loads it by name (``Queries.load("psn_core.hub")`` in services/doctor.py and setup.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import psn_core
from psn_core.hub.sql import Queries

_ROOT = Path(psn_core.__file__).parent
_USED = re.compile(r"\bQ\.([a-z_][a-z0-9_]*)")
_QUERY_FILES = sorted(p for p in _ROOT.rglob("queries.sql") if "migrations" not in p.parts)
_PACKAGES = [".".join(("psn_core", *p.parent.relative_to(_ROOT).parts)) for p in _QUERY_FILES]


def _text(module: Path) -> str:
    return module.read_text("utf-8")


def _users(package: str) -> list[Path]:
    folder = _ROOT.joinpath(*package.split(".")[1:])
    local = [m for m in folder.glob("*.py") if re.search(r"^Q = Queries\.load\(__package__\)", _text(m), re.M)]
    by_name = [m for m in _ROOT.rglob("*.py") if re.search(rf'^Q = Queries\.load\("{package}"\)', _text(m), re.M)]
    return sorted(set(local) | set(by_name))


def test_the_hub_and_the_wings_keep_their_queries_in_files() -> None:
    assert {"psn_core.hub", "psn_core.services.posting", "psn_core.services.accounts"} <= set(_PACKAGES)


@pytest.mark.parametrize("package", _PACKAGES)
def test_every_query_a_module_names_is_in_its_file_and_every_query_is_used(package: str) -> None:
    queries = Queries.load(package)
    used = {name for module in _users(package) for name in _USED.findall(module.read_text("utf-8"))}
    assert used, f"no module names a query of {package}"
    assert used <= set(queries.names()), f"missing in {package}/queries.sql: {sorted(used - set(queries.names()))}"
    assert set(queries.names()) <= used, f"unused in {package}/queries.sql: {sorted(set(queries.names()) - used)}"


@pytest.mark.parametrize("package", _PACKAGES)
def test_query_files_use_named_parameters_only(package: str) -> None:
    queries = Queries.load(package)
    for name in queries.names():
        assert "%s" not in queries[name], f"{package}/{name} has a positional parameter"
