"""Loopback fakes of third-party HTTP APIs, built from their documentation (not from psn's clients)."""
