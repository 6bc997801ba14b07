"""The huey consumer (app) and `psn worker --all` (supervisor). Producers enqueue through psn_core.queue."""
