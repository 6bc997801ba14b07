"""The embedded hub: init, start, stop, restart keeps data; the system-binaries fallback works too."""

from __future__ import annotations

from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.hub.database import Hub
from psn_core.hub.embedded import EmbeddedServer, _system_bin_dir
from psn_core.hub.vault import get_secret, set_secret
from psn_core.services.setup import init_workspace

pytestmark = pytest.mark.pg


@pytest.fixture
def workspace(tmp_path: Path):  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    yield ws
    EmbeddedServer(ws / ".psn" / "pg").stop()


def test_init_start_stop_restart_keeps_data(workspace: Path) -> None:
    result = init_workspace(workspace, name="Ana", timezone="Europe/Madrid")
    settings = Settings.load(workspace)
    assert settings.member_id == result.member_id
    with Hub.open(settings) as hub, hub.transaction(settings.member_id) as conn:
        set_secret(conn, load_keyring(settings), result.member_id, "twilio_auth_token", "tw-secret-0123456789")

    server = EmbeddedServer(settings.embedded_dir)
    assert server.status().running
    assert server.stop() is True
    assert not server.status().running
    assert server.stop() is False

    # any command that needs the hub starts it again on demand
    with Hub.open(settings) as hub, hub.transaction(settings.member_id) as conn:
        value = get_secret(conn, load_keyring(settings), result.member_id, "twilio_auth_token")
    assert value == "tw-secret-0123456789"
    assert server.status().running


def test_init_twice_changes_nothing(workspace: Path) -> None:
    first = init_workspace(workspace, name="Ana", timezone="UTC")
    env_before = (workspace / "hub.env").read_text()
    key_before = (workspace / ".psn" / "master.key").read_text()
    second = init_workspace(workspace, name="Ana", timezone="UTC")
    assert second.member_id == first.member_id
    assert second.member_created is False
    assert second.migrations_applied == []
    assert second.created == []
    assert (workspace / "hub.env").read_text() == env_before
    assert (workspace / ".psn" / "master.key").read_text() == key_before


@pytest.mark.skipif(_system_bin_dir() is None, reason="no system PostgreSQL binaries on this machine")
def test_system_binaries_backend_starts_and_stops(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / "pg", backend="system")
    try:
        status = server.start()
        assert status.running and status.socket_dir is not None
        assert server.start().pid == status.pid  # already running: same server
    finally:
        assert server.stop() is True
    assert not server.status().running
