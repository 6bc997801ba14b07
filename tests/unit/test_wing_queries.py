"""The posting and accounts wings' query files parse, and every query their modules name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import psn_core
from psn_core.hub.sql import Queries

_USED = re.compile(r"\bQ\.([a-z_][a-z0-9_]*)")


@pytest.mark.parametrize("wing", ["posting", "accounts"])
def test_every_query_a_wing_names_is_in_its_file_and_every_query_is_used(wing: str) -> None:
    package = f"psn_core.services.{wing}"
    queries = Queries.load(package)
    folder = Path(psn_core.__file__).parent / "services" / wing
    used = {name for module in folder.glob("*.py") for name in _USED.findall(module.read_text("utf-8"))}
    assert used, f"no module of {package} names a query"
    assert used <= set(queries.names()), f"missing in {package}/queries.sql: {sorted(used - set(queries.names()))}"
    assert set(queries.names()) <= used, f"unused in {package}/queries.sql: {sorted(set(queries.names()) - used)}"


def test_query_files_use_named_parameters_only() -> None:
    for wing in ("posting", "accounts"):
        for name in Queries.load(f"psn_core.services.{wing}").names():
            text = Queries.load(f"psn_core.services.{wing}")[name]
            assert "%s" not in text, f"{wing}/{name} has a positional parameter"
