"""Secrets at rest in the hub: never stored in clear, bound to their row, rotated without loss."""

from __future__ import annotations

import uuid

import pytest

from psn_core.crypto import encode_key, generate_key, key_id, load_keyring, read_key_file
from psn_core.errors import DecryptionFailed, UnknownKeyId
from psn_core.hub.vault import get_secret, key_usage, list_secrets, rotate_keys, seal, set_secret, unseal
from psn_core.services.doctor import run_doctor
from tests.support.hubs import HubEnv, make_settings, new_member

pytestmark = pytest.mark.pg


def _store_token(env: HubEnv, member_id: uuid.UUID, access: str, refresh: str) -> uuid.UUID:
    ring = load_keyring(env.settings)
    with env.hub.transaction(member_id) as conn:
        row = conn.execute(
            "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, 'linkedin', 'h', %s) "
            "RETURNING id",
            [member_id, member_id.hex],
        ).fetchone()
        assert row is not None
        key = {"account_id": row["id"]}
        conn.execute(
            "INSERT INTO oauth_tokens (account_id, member_id, access_token_enc, refresh_token_enc)"
            " VALUES (%s, %s, %s, %s)",
            [
                row["id"],
                member_id,
                seal(ring, "oauth_tokens", "access_token", key, access),
                seal(ring, "oauth_tokens", "refresh_token", key, refresh),
            ],
        )
        return uuid.UUID(str(row["id"]))


def _read_token(env: HubEnv, member_id: uuid.UUID, account_id: uuid.UUID) -> tuple[str, str]:
    ring = load_keyring(env.settings)
    with env.hub.transaction(member_id) as conn:
        row = conn.execute("SELECT * FROM oauth_tokens WHERE account_id = %s", [account_id]).fetchone()
    assert row is not None
    key = {"account_id": account_id}
    return (
        unseal(ring, "oauth_tokens", "access_token", key, row["access_token_enc"]),
        unseal(ring, "oauth_tokens", "refresh_token", key, row["refresh_token_enc"]),
    )


def test_secret_round_trip_is_stored_encrypted(hub_env: HubEnv) -> None:
    member = new_member(hub_env.hub)
    ring = load_keyring(hub_env.settings)
    with hub_env.hub.transaction(member) as conn:
        set_secret(conn, ring, member, "waha_api_key", "waha-key-abcdefgh1234")
        assert get_secret(conn, ring, member, "waha_api_key") == "waha-key-abcdefgh1234"
        assert list_secrets(conn, ring, member)[0].masked == "••••1234"
        assert get_secret(conn, ring, member, "missing") is None
    with hub_env.hub.owner() as conn:
        stored = conn.execute("SELECT value_enc FROM secrets").fetchone()
    assert stored is not None
    assert "waha-key" not in stored["value_enc"] and stored["value_enc"].startswith("psn1:")


def test_ciphertext_copied_to_another_row_does_not_decrypt(hub_env: HubEnv) -> None:
    a, b = new_member(hub_env.hub, "A"), new_member(hub_env.hub, "B")
    acc_a = _store_token(hub_env, a, "access-a-0123456789", "refresh-a-0123456789")
    acc_b = _store_token(hub_env, b, "access-b-0123456789", "refresh-b-0123456789")
    with hub_env.hub.owner() as conn:  # an attacker with write access swaps A's token onto B's row
        conn.execute(
            "UPDATE oauth_tokens SET access_token_enc = (SELECT access_token_enc FROM oauth_tokens WHERE account_id=%s)"
            " WHERE account_id = %s",
            [acc_a, acc_b],
        )
    with pytest.raises(DecryptionFailed):
        _read_token(hub_env, b, acc_b)


def test_rotation_reencrypts_everything_and_retires_the_old_key(hub_env: HubEnv) -> None:
    members = [new_member(hub_env.hub, n) for n in ("A", "B")]
    accounts = {m: _store_token(hub_env, m, f"access-{m.hex}", f"refresh-{m.hex}") for m in members}
    ring = load_keyring(hub_env.settings)
    for m in members:
        with hub_env.hub.transaction(m) as conn:
            set_secret(conn, ring, m, "twilio_auth_token", f"twilio-{m.hex}")
    old_id = ring.active_id

    report = rotate_keys(hub_env.settings, hub_env.hub)

    assert report.total == 6
    assert report.retired_key_ids == [old_id]
    assert report.new_key_id != old_id
    assert set(read_key_file(hub_env.settings.key_path).keys) == {report.new_key_id}
    with hub_env.hub.owner() as conn:
        assert key_usage(conn) == {report.new_key_id: 6}
    for m, acc in accounts.items():
        assert _read_token(hub_env, m, acc) == (f"access-{m.hex}", f"refresh-{m.hex}")
        with hub_env.hub.transaction(m) as conn:
            assert get_secret(conn, load_keyring(hub_env.settings), m, "twilio_auth_token") == f"twilio-{m.hex}"
    assert (hub_env.settings.key_path.stat().st_mode & 0o777) == 0o600


def test_rotation_with_environment_keys(hub_env: HubEnv) -> None:
    old, new = generate_key(), generate_key()
    env_old = make_settings(
        hub_env.settings.workspace, hub_env.server.conninfo(hub_env.database), master_key=encode_key(old)
    )
    member = new_member(hub_env.hub)
    with hub_env.hub.transaction(member) as conn:
        set_secret(conn, load_keyring(env_old), member, "api", "value-0123456789")
    env_new = make_settings(
        hub_env.settings.workspace,
        hub_env.server.conninfo(hub_env.database),
        master_key=encode_key(new),
        old_master_keys=encode_key(old),
    )
    report = rotate_keys(env_new, hub_env.hub)
    assert report.total == 1 and report.retired_key_ids == [key_id(old)]
    only_new = make_settings(
        hub_env.settings.workspace, hub_env.server.conninfo(hub_env.database), master_key=encode_key(new)
    )
    with hub_env.hub.transaction(member) as conn:
        assert get_secret(conn, load_keyring(only_new), member, "api") == "value-0123456789"
        with pytest.raises(UnknownKeyId):
            get_secret(conn, load_keyring(env_old), member, "api")


def test_doctor_flags_secrets_under_a_key_the_workspace_lost(hub_env: HubEnv) -> None:
    member = new_member(hub_env.hub)
    stranger = make_settings(
        hub_env.settings.workspace,
        hub_env.server.conninfo(hub_env.database),
        master_key=encode_key(generate_key()),
    )
    with hub_env.hub.transaction(member) as conn:
        set_secret(conn, load_keyring(stranger), member, "api", "value-0123456789")
    report = run_doctor(
        make_settings(hub_env.settings.workspace, hub_env.server.conninfo(hub_env.database), member_id=member)
    )
    check = next(c for c in report.checks if c.name == "stored secrets")
    assert check.status == "fail" and check.fix and "PSN_OLD_MASTER_KEYS" in check.fix
