"""The ideas bank's one hook into the strategy (helper "strategy"'s load_strategy / pillar_names): with a
strategy its pillars are the known ones, without one every pillar is accepted."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from psn_core.services.ideas.pillars import strategy_pillars


def _fake_strategy(monkeypatch: pytest.MonkeyPatch, pillars: list[str] | None) -> None:
    service = types.ModuleType("psn_core.services.strategy")
    model = types.ModuleType("psn_core.strategy.model")
    service.load_strategy = lambda workspace: None if pillars is None else {"pillars": pillars}  # type: ignore[attr-defined]
    model.pillar_names = lambda strategy: list(strategy["pillars"]) if strategy else []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "psn_core.services.strategy", service)
    monkeypatch.setitem(sys.modules, "psn_core.strategy", types.ModuleType("psn_core.strategy"))
    monkeypatch.setitem(sys.modules, "psn_core.strategy.model", model)


def test_a_strategy_names_the_known_pillars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _fake_strategy(monkeypatch, ["expertise", "stories"])
    assert strategy_pillars(tmp_path) == {"expertise", "stories"}


def test_without_a_strategy_file_every_pillar_is_accepted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _fake_strategy(monkeypatch, None)
    assert strategy_pillars(tmp_path) is None
