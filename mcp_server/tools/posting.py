"""Posting tools (schedule, publish, queue, retry, explain ...): added with the publishing pipeline."""
