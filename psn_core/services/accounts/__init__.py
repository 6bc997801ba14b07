"""Accounts wing: connected accounts, OAuth tokens (single-flight refresh), request budgets. Its SQL lives
in queries.sql."""
