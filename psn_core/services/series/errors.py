"""The series wing's errors (their place in the one tree: psn_core.errors' docstring)."""

from __future__ import annotations

from psn_core.errors import InvalidInput, NotFound, PSNError


class SeriesNotFound(NotFound):
    default_action = "Run `psn series list` (or list_series) to see your series, their slugs and ids."


class SeriesInputInvalid(InvalidInput):
    """A series with an unknown pillar, a cadence that never fires, a bad label pattern or template."""

    default_action = "Fix the value named above and create the series again; nothing was saved."


class SeriesError(PSNError):
    """A series cannot change as asked."""

    default_action = "Run `psn series show SLUG` to see the series' state."


class SeriesTransitionRefused(SeriesError):
    """active <-> paused, and retired (final): anything else is refused."""
