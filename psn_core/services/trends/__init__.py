"""Trend intake: feeds, Hacker News, Google Trends and subreddits, scored against the strategy's pillars.

``top_trends(conn, *, now, limit)`` is what the weekly plan offers; ``intake.collect`` is what the worker
runs; ``store`` lists, sparks and reports sources.
"""

from psn_core.services.trends.models import Trend
from psn_core.services.trends.store import top_trends

__all__ = ["Trend", "top_trends"]
