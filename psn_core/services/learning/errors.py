"""The learning wing's errors (their place in the one tree: psn_core.errors' docstring)."""

from __future__ import annotations

from psn_core.errors import NotFound


class ProposalNotFound(NotFound):
    """No pending strategy proposal with that id for this member."""

    default_action = "Run `psn review` (or get_weekly_review): it lists the pending proposals with their ids."
