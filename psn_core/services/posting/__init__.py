"""Posting wing: drafts (checked and saved), posts and their targets, schedule times, confirmations,
publishing, media uploads, the watchdog and pruning. Its SQL lives in queries.sql."""
