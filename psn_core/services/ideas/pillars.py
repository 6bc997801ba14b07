"""Which pillars an idea may name: the strategy's, when the workspace has a strategy.yaml.

HOOK(c-strategy): the one place the ideas bank reads the strategy. Helper "strategy" (branch c-strategy)
builds ``load_strategy(workspace)`` (psn_core.services.strategy) and ``pillar_names(strategy)``
(psn_core.strategy.model) at the same time as this; until that branch is merged this finds neither
and every pillar is accepted. Once merged, the lead may replace the dynamic imports with plain ones.
"""

from __future__ import annotations

import importlib
from pathlib import Path


def strategy_pillars(workspace: Path) -> frozenset[str] | None:
    """The strategy's pillar names, or None when there is no strategy (then any pillar is accepted)."""
    try:
        service = importlib.import_module("psn_core.services.strategy")
        model = importlib.import_module("psn_core.strategy.model")
    except ModuleNotFoundError:
        return None
    strategy = service.load_strategy(workspace)
    if strategy is None:
        return None
    return frozenset(model.pillar_names(strategy))
