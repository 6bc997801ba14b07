"""The content strategy (strategy.yaml): pillars and weights, posting frequency, preferred times,
languages, avoid-topics and the locks automatic changes honour. The workspace side (the last valid
copy, locked changes, the changelog) is psn_core.services.strategy."""

from psn_core.strategy.model import PLATFORMS, Pillar, Strategy, TimeWindow, pillar_names

__all__ = ["PLATFORMS", "Pillar", "Strategy", "TimeWindow", "pillar_names"]
