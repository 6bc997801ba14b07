"""Analytics wing: metric collection (sweep), storage and rollups, the summary, signals and the weekly report."""
