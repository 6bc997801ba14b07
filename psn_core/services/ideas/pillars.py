"""Which pillars an idea may name: the strategy's, when the workspace has a strategy.yaml (a broken one
falls back to its last valid version, as everywhere); without a strategy any pillar is accepted."""

from __future__ import annotations

from pathlib import Path

from psn_core.services.strategy import load_strategy
from psn_core.strategy.model import pillar_names


def strategy_pillars(workspace: Path) -> frozenset[str] | None:
    """The strategy's pillar names, or None when there is no strategy (then any pillar is accepted)."""
    strategy = load_strategy(workspace)
    if strategy is None:
        return None
    return frozenset(pillar_names(strategy))
