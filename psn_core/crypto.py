"""Encryption at rest for OAuth tokens and API keys.

AES-256-GCM (``cryptography``'s AEAD). A ciphertext is text: ``psn1:<key id>:<base64url(nonce|ct)>``,
so it names the key that made it and keys can be rotated. The associated data binds a ciphertext to
its place (``oauth_tokens.access_token:<account id>``): a value copied onto another row fails to
decrypt instead of silently handing one account's token to another.

Keys live outside the database: the key file (``.psn/master.key``, mode 0600, JSON with every key
and which one is active) or ``PSN_MASTER_KEY`` (plus ``PSN_OLD_MASTER_KEYS`` while rotating).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from psn_core.config import Settings
from psn_core.errors import DecryptionFailed, InvalidSetting, KeyMissing, UnknownKeyId
from psn_core.masking import registry

PREFIX = "psn1"
KEY_BYTES = 32
NONCE_BYTES = 12


def key_id(key: bytes) -> str:
    """Stable short id of a key (not secret: a hash prefix, never the key)."""
    return hashlib.sha256(b"psn-key-id:" + key).hexdigest()[:12]


def generate_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def decode_key(text: str, *, where: str) -> bytes:
    """Decode a base64 key.

    Raises:
        InvalidSetting: not base64 of exactly 32 bytes.
    """
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSetting(f"{where} is not valid base64.", "Generate one with `psn keys generate`.") from exc
    if len(key) != KEY_BYTES:
        raise InvalidSetting(
            f"{where} must decode to {KEY_BYTES} bytes (got {len(key)}).",
            "Generate one with `psn keys generate`.",
        )
    return key


@dataclass
class Keyring:
    """The keys this workspace can use: one active (encrypts), others only decrypt."""

    active_id: str
    keys: dict[str, bytes] = field(default_factory=dict)
    source: str = "file"

    @classmethod
    def single(cls, key: bytes, source: str = "memory") -> Keyring:
        kid = key_id(key)
        return cls(active_id=kid, keys={kid: key}, source=source)

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active_id]

    def encrypt(self, plaintext: str, aad: str) -> str:
        """Encrypt ``plaintext`` bound to ``aad`` with the active key."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.active_key).encrypt(nonce, plaintext.encode("utf-8"), aad.encode("utf-8"))
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"{PREFIX}:{self.active_id}:{body}"

    def decrypt(self, token: str, aad: str) -> str:
        """Decrypt a value made by :meth:`encrypt` with the same ``aad``.

        Raises:
            UnknownKeyId: the ciphertext names a key not in this keyring.
            DecryptionFailed: malformed, tampered, or bound to another place.
        """
        kid, body = split_ciphertext(token)
        key = self.keys.get(kid)
        if key is None:
            raise UnknownKeyId(f"A stored secret was encrypted with key {kid}, which this workspace does not have.")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != body:
                raise ValueError("not the canonical encoding")  # a changed padding bit is a changed token too
            nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
            plain = AESGCM(key).decrypt(nonce, sealed, aad.encode("utf-8")).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DecryptionFailed(f"A stored secret ({aad.split(':')[0]}) failed its integrity check.") from exc
        registry.add(plain)
        return plain

    def needs_reencrypt(self, token: str) -> bool:
        return split_ciphertext(token)[0] != self.active_id


def split_ciphertext(token: str) -> tuple[str, str]:
    """Return (key id, body) of a psn ciphertext.

    Raises:
        DecryptionFailed: the value is not a psn ciphertext.
    """
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        raise DecryptionFailed("A stored secret is not in psn's encrypted format (it may have been edited by hand).")
    return parts[1], parts[2]


# --- key file ----------------------------------------------------------------------------------


def read_key_file(path: Path) -> Keyring:
    """Load the key file.

    Raises:
        KeyMissing: no file.
        InvalidSetting: the file is not a psn key file.
    """
    if not path.exists():
        raise KeyMissing(f"No encryption key: {path} does not exist and PSN_MASTER_KEY is not set.")
    try:
        data = json.loads(path.read_text("utf-8"))
        keys = {kid: decode_key(text, where=f"{path} key {kid}") for kid, text in data["keys"].items()}
        active = str(data["active"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidSetting(
            f"{path} is not a psn key file.", "Restore it from your backup; never edit it by hand."
        ) from exc
    if active not in keys:
        raise InvalidSetting(f"{path} names active key {active} but does not contain it.", "Restore it from backup.")
    for kid, key in keys.items():
        if key_id(key) != kid:
            raise InvalidSetting(f"{path}: key {kid} does not match its id.", "Restore the key file from backup.")
    return Keyring(active_id=active, keys=keys, source="file")


def write_key_file(path: Path, ring: Keyring) -> None:
    """Write the key file atomically with mode 0600 (the temp file is 0600 from its creation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(
        {"version": 1, "active": ring.active_id, "keys": {k: encode_key(v) for k, v in ring.keys.items()}},
        indent=2,
    )
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    os.chmod(path, 0o600)


def create_key_file(path: Path) -> Keyring:
    ring = Keyring.single(generate_key(), source="file")
    write_key_file(path, ring)
    return ring


def load_keyring(settings: Settings) -> Keyring:
    """The keyring for these settings: PSN_MASTER_KEY (+ old keys) if set, else the key file.

    Raises:
        KeyMissing: neither is available.
        InvalidSetting: a key is malformed.
    """
    if settings.master_key is not None and settings.master_key.get_secret_value().strip():
        ring = Keyring.single(decode_key(settings.master_key.get_secret_value(), where="PSN_MASTER_KEY"), "env")
        if settings.old_master_keys is not None:
            for i, text in enumerate(settings.old_master_keys.get_secret_value().split(",")):
                if text.strip():
                    old = decode_key(text, where=f"PSN_OLD_MASTER_KEYS item {i + 1}")
                    ring.keys.setdefault(key_id(old), old)
        return ring
    return read_key_file(settings.key_path)
