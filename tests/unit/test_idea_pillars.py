"""The ideas bank reads its known pillars from the workspace's real strategy.yaml: without one every pillar
is accepted; with one, exactly its pillars; a broken one falls back to its last valid version."""

from __future__ import annotations

from pathlib import Path

from psn_core.services.ideas.pillars import strategy_pillars
from psn_core.services.strategy import strategy_path

STRATEGY = """\
# my plan
pillars:
  - name: expertise   # what I know
    weight: 2
  - name: stories
    weight: 1
"""


def test_without_a_strategy_file_every_pillar_is_accepted(tmp_path: Path) -> None:
    assert strategy_pillars(tmp_path) is None


def test_a_strategy_names_the_known_pillars_and_a_broken_one_keeps_the_last_valid(tmp_path: Path) -> None:
    path = strategy_path(tmp_path)
    path.write_text(STRATEGY)
    assert strategy_pillars(tmp_path) == {"expertise", "stories"}
    path.write_text(STRATEGY.replace("weight: 1", "weight: [oops"))
    assert strategy_pillars(tmp_path) == {"expertise", "stories"}
