"""The live smoke: `psn auth verify`'s read calls against the real platform APIs, for users with credentials.

Set, for each platform to check, ``PSN_LIVE_<PLATFORM>_TOKEN`` (an access token of the account, e.g.
``PSN_LIVE_INSTAGRAM_TOKEN``) and optionally ``PSN_LIVE_<PLATFORM>_SCOPES`` (the scopes granted with it,
comma-separated, to hear what the missing ones disable) and ``PSN_LIVE_<PLATFORM>_API_VERSION``. Then
``uv run pytest -m live tests/live -s``. Without any such variable the live tests are deselected; a
platform without its token is skipped.
"""

from __future__ import annotations

import os

import pytest

LIVE_PREFIX = "PSN_LIVE_"


def live_credentials_present() -> bool:
    return any(k.startswith(LIVE_PREFIX) and k.endswith("_TOKEN") and v for k, v in os.environ.items())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if live_credentials_present():
        return
    live = [item for item in items if item.get_closest_marker("live") is not None]
    if live:
        config.hook.pytest_deselected(items=live)
        items[:] = [item for item in items if item.get_closest_marker("live") is None]
