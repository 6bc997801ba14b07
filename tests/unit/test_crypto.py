"""AEAD round trip, tamper detection, key ids, and the key file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.crypto import (
    Keyring,
    create_key_file,
    decode_key,
    encode_key,
    generate_key,
    key_id,
    load_keyring,
    read_key_file,
)
from psn_core.errors import DecryptionFailed, InvalidSetting, KeyMissing, UnknownKeyId


def test_round_trip_and_ciphertext_names_its_key() -> None:
    ring = Keyring.single(generate_key())
    token = ring.encrypt("ya29.secret-token", "oauth_tokens.access_token:1")
    assert token.startswith(f"psn1:{ring.active_id}:")
    assert "secret-token" not in token
    assert ring.decrypt(token, "oauth_tokens.access_token:1") == "ya29.secret-token"


def test_same_plaintext_encrypts_differently_each_time() -> None:
    ring = Keyring.single(generate_key())
    assert ring.encrypt("x", "a") != ring.encrypt("x", "a")


@pytest.mark.parametrize("position", [-1, -20, -40])
@pytest.mark.parametrize("replacement", "ABCDQgw_")
def test_tampered_ciphertext_is_refused(position: int, replacement: str) -> None:
    # Every replacement of the last character too: it carries padding bits that decode to the same bytes.
    ring = Keyring.single(generate_key())
    token = ring.encrypt("refresh-token-value", "aad")
    chars = list(token)
    if chars[position] == replacement:
        return
    chars[position] = replacement
    with pytest.raises(DecryptionFailed, match="integrity"):
        ring.decrypt("".join(chars), "aad")


def test_ciphertext_bound_to_its_place() -> None:
    ring = Keyring.single(generate_key())
    token = ring.encrypt("value", "secrets.value:member-a:api")
    with pytest.raises(DecryptionFailed):
        ring.decrypt(token, "secrets.value:member-b:api")


def test_unknown_key_and_garbage_are_clear_errors() -> None:
    token = Keyring.single(generate_key()).encrypt("v", "a")
    with pytest.raises(UnknownKeyId, match=token.split(":")[1]):
        Keyring.single(generate_key()).decrypt(token, "a")
    with pytest.raises(DecryptionFailed, match="format"):
        Keyring.single(generate_key()).decrypt("plain-text-token", "a")


def test_old_keys_still_decrypt_and_need_reencrypting() -> None:
    old, new = generate_key(), generate_key()
    token = Keyring.single(old).encrypt("v", "a")
    ring = Keyring(active_id=key_id(new), keys={key_id(new): new, key_id(old): old})
    assert ring.decrypt(token, "a") == "v"
    assert ring.needs_reencrypt(token)
    assert not ring.needs_reencrypt(ring.encrypt("v", "a"))


def test_key_file_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / ".psn" / "master.key"
    ring = create_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_key_file(path).keys == ring.keys


def test_missing_and_corrupt_key_files(tmp_path: Path) -> None:
    with pytest.raises(KeyMissing):
        read_key_file(tmp_path / "nope.key")
    bad = tmp_path / "bad.key"
    bad.write_text("{not json")
    with pytest.raises(InvalidSetting, match="not a psn key file"):
        read_key_file(bad)
    key = generate_key()
    bad.write_text(json.dumps({"active": "wrongid", "keys": {"wrongid": encode_key(key)}}))
    with pytest.raises(InvalidSetting, match="does not match"):
        read_key_file(bad)


def test_env_key_overrides_key_file(tmp_path: Path) -> None:
    key = generate_key()
    settings = Settings.load(tmp_path, master_key=encode_key(key))
    ring = load_keyring(settings)
    assert ring.source == "env" and ring.active_id == key_id(key)


def test_bad_env_key_says_how_to_make_one() -> None:
    with pytest.raises(InvalidSetting) as caught:
        decode_key("c2hvcnQ=", where="PSN_MASTER_KEY")
    assert "32 bytes" in caught.value.message and "psn keys generate" in caught.value.action
