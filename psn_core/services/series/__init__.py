"""Series: recurring formats with a cadence, a template and episode labels; which episodes are due; an
episode counted exactly once when a post of the series is published (the hub's trigger)."""

from psn_core.services.series.due import due_episodes
from psn_core.services.series.models import DueEpisode, Series, SeriesTemplate

__all__ = ["DueEpisode", "Series", "SeriesTemplate", "due_episodes"]
