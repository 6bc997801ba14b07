"""Helpers the tests import: hubs, clocks, the CLI runner, emulator-backed accounts and publishing."""
