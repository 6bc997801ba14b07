"""The weekly learning run (the worker's ``learn_weekly`` task; ``psn prefs refresh --apply``): refresh the
preference model, make the small strategy changes the evidence supports, store the bigger ones as proposals."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.learning.changes import AutoChanges, apply_auto_changes
from psn_core.services.learning.evidence import gather
from psn_core.services.learning.models import Preferences, Proposal
from psn_core.services.learning.preferences import refresh_preferences
from psn_core.services.learning.proposals import find_proposals
from psn_core.services.strategy import strategy_state

Q = Queries.load(__package__)


class WeeklyLearning(BaseModel):
    preferences: Preferences
    changes: AutoChanges = Field(description="Small changes psn made to strategy.yaml (and locked ones skipped).")
    proposals: list[Proposal] = Field(description="New proposals waiting for the user.")
    note: str = Field(default="", description="Why no strategy change was considered (no strategy.yaml).")

    def __str__(self) -> str:
        return (
            f"preferences from {self.preferences.posts} posts; {len(self.changes.changed)} strategy changes, "
            f"{len(self.changes.skipped)} skipped (locked), {len(self.proposals)} new proposals"
        )


def run_weekly(conn: Conn, member_id: UUID, *, workspace: Path, zone: ZoneInfo, now: datetime) -> WeeklyLearning:
    """Refresh the model, apply small evidence-backed changes (never to a locked field), store proposals."""
    prefs = refresh_preferences(conn, member_id, zone=zone, now=now)
    state = strategy_state(workspace)
    strategy = state.strategy
    if strategy is None or state.source != "file":  # never tune a file the user is in the middle of fixing
        note = state.warning or "no strategy.yaml: nothing to tune"
        return WeeklyLearning(preferences=prefs, changes=AutoChanges(), proposals=[], note=note)
    evidence = gather(conn, member_id, zone, now)
    changes = apply_auto_changes(strategy, evidence, workspace, now)
    current = strategy_state(workspace).strategy or strategy
    proposals = find_proposals(conn, member_id, current, evidence, now)
    return WeeklyLearning(preferences=prefs, changes=changes, proposals=proposals)


def refresh_company(conn: Conn, member_id: UUID, *, zone: ZoneInfo, now: datetime) -> str:
    """A company hub's weekly run: the member's own model there, and the brand's when the member may write it
    (editors, admins, the owner). The workspace's strategy.yaml is personal: company evidence never tunes it."""
    mine = refresh_preferences(conn, member_id, zone=zone, now=now)
    done = f"member model from {mine.posts} posts"
    if sql.value(conn, Q.member_role) in ("owner", "admin", "editor"):  # the brand's model too
        brand = refresh_preferences(conn, member_id, zone=zone, now=now, scope="brand")
        done += f"; brand model from {brand.posts} posts"
    return done
