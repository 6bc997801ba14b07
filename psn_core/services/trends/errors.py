"""Trend intake's errors (their place in the one tree: psn_core.errors' docstring)."""

from __future__ import annotations

from psn_core.errors import NotFound, PSNError


class TrendNotFound(NotFound):
    default_action = "Run `psn trends list` (or list_trends) to see your trends and their ids."


class TrendSourceFailed(PSNError):
    """A trend source did not answer in time, answered with an error, or not with what it should (a feed
    that is a web page, JSON that is not JSON). Recorded on the source; the other sources go on."""

    retryable = True
    default_action = (
        "Check the source's address in strategy.yaml (`trends:`); psn tries again at the next poll. "
        "`psn trends status` shows every source's last success and error."
    )
