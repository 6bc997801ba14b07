"""Posting wing: drafts, posts and their targets, schedule times, confirmations, publishing, media uploads,
the watchdog and pruning."""
