"""The learning wing's errors (their place in the one tree: psn_core.errors' docstring)."""

from __future__ import annotations

from psn_core.errors import NotFound


class ProposalNotFound(NotFound):
    """No pending strategy proposal with that id for this member."""

    default_action = "Run `psn review --proposals` (or get_weekly_review) to see the pending proposals and their ids."
