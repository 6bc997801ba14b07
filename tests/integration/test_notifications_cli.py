"""`psn notifications ...` as a user runs it (click's runner, a real hub, a fake WAHA over HTTP)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from psn_core.crypto import load_keyring
from psn_core.hub.vault import get_secret
from psn_core.notifications import notify
from psn_core.notifications.models import Tier
from tests.fakes.notifications import member_in
from tests.fakes.waha import FakeWaha
from tests.support.cli_runner import invoke_psn as psn
from tests.support.cli_runner import member_workspace
from tests.support.hubs import HubEnv

pytestmark = pytest.mark.pg


@pytest.fixture
def waha() -> Iterator[FakeWaha]:
    with FakeWaha(api_key=f"waha-cli-key-{uuid.uuid4().hex}") as fake:
        yield fake


@pytest.fixture
def workspace(hub_env: HubEnv, waha: FakeWaha) -> tuple[Path, uuid.UUID]:
    member = member_in(hub_env, "Europe/Madrid")
    ws = member_workspace(hub_env, member, PSN_WAHA_BASE_URL=waha.base_url)
    return ws, member


def test_setup_without_a_key_asks_nothing_and_says_what_to_do(workspace: tuple[Path, uuid.UUID]) -> None:
    ws, _ = workspace
    done = psn(ws, "notifications", "setup", "waha", "--phone", "+34 600 111 222")
    assert done.exit_code == 1
    assert "No waha api key was given" in done.stderr and "What to do" in done.stderr


def test_setup_stores_the_key_encrypted_and_test_sends_through_waha(
    hub_env: HubEnv, workspace: tuple[Path, uuid.UUID], waha: FakeWaha
) -> None:
    ws, member = workspace
    done = psn(ws, "notifications", "setup", "waha", "--phone", "+34 600 111 222", "--api-key", waha.api_key)
    assert done.exit_code == 0, done.output
    assert "Notifications go by waha to +34 600 111 222" in done.stdout and waha.api_key not in done.output
    with hub_env.hub.transaction(member) as conn:
        assert get_secret(conn, load_keyring(hub_env.settings), member, "waha_api_key") == waha.api_key
    with hub_env.hub.owner() as conn:
        stored = conn.execute("SELECT value_enc FROM secrets WHERE name = 'waha_api_key'").fetchone()
    assert stored is not None and waha.api_key not in stored["value_enc"]

    sent = psn(ws, "notifications", "test")
    assert sent.exit_code == 0, sent.output
    assert f"message id {waha.sent[0].message_id}" in sent.stdout
    assert waha.sent[0].chat_id == "34600111222@c.us" and "test message from psn" in waha.sent[0].text


def test_test_with_waha_down_fails_with_a_recovery_action(workspace: tuple[Path, uuid.UUID], waha: FakeWaha) -> None:
    ws, _ = workspace
    psn(ws, "notifications", "setup", "waha", "--phone", "+34600111222", "--api-key", waha.api_key)
    waha.down()
    failed = psn(ws, "notifications", "test")
    assert failed.exit_code == 1 and "WAHA did not answer" in failed.stderr and "Nothing is lost" in failed.stderr


def test_list_shows_local_times_with_the_zone_and_ack_clears_them(
    hub_env: HubEnv, workspace: tuple[Path, uuid.UUID]
) -> None:
    ws, member = workspace
    with hub_env.hub.transaction(member) as conn:
        first = notify(
            conn,
            member,
            Tier.CRITICAL,
            "token_expiry",
            "Your LinkedIn token expires in 3 days.",
            "Run `psn auth linkedin` to reconnect.",
            "token:linkedin:3d",
            now=datetime(2025, 7, 1, 8, 0, tzinfo=UTC),
        ).id
        notify(conn, member, Tier.STANDARD, "post_published", "Your post is live.", "Nothing to do.", "p1")
    listing = psn(ws, "notifications")
    assert listing.exit_code == 0, listing.output
    (row,) = [line for line in listing.stdout.splitlines() if line.startswith(f"#{first} ")]  # a table row
    assert row.split()[:6] == [f"#{first}", "CRITICAL", "2025-07-01", "10:00", "(Europe/Madrid)", "queued"], row
    assert " ago)" in listing.stdout  # how long ago, said as a person would
    assert "Run `psn auth linkedin` to reconnect." in listing.stdout
    as_json = json.loads(psn(ws, "notifications", "--json").stdout)
    assert as_json["timezone"] == "Europe/Madrid" and as_json["items"][0]["id"] == first
    assert {"tier", "kind", "state", "created_at", "acknowledged_at"} <= set(as_json["items"][0])

    assert psn(ws, "notifications", "ack", str(first)).stdout.strip() == "Acknowledged 1 notification."
    assert "LinkedIn" not in psn(ws, "notifications").stdout
    assert "LinkedIn" in psn(ws, "notifications", "--history").stdout
    assert psn(ws, "notifications", "ack", "--all").stdout.strip() == "Acknowledged 1 notification."
    assert psn(ws, "notifications").stdout.strip() == "No pending notifications."
    missing = psn(ws, "notifications", "ack", "424242")
    assert missing.exit_code == 1 and "There is no notification 424242" in missing.stderr


def test_prefs_sets_quiet_hours_and_refuses_nonsense(workspace: tuple[Path, uuid.UUID]) -> None:
    ws, _ = workspace
    done = psn(ws, "notifications", "prefs", "--quiet-hours", "22:00-07:30", "--threshold", "standard")
    assert done.exit_code == 0, done.output
    assert "quiet hours 22:00-07:30 (Europe/Madrid); threshold standard" in done.stdout
    bad = psn(ws, "notifications", "prefs", "--quiet-hours", "late")
    assert bad.exit_code == 1 and "HH:MM-HH:MM" in bad.stderr
