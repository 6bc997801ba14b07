"""Secrets stored in the hub: encrypted API keys per member, and key rotation over every encrypted column.

OAuth tokens are written by the accounts service through :func:`seal` / :func:`unseal`, so every
encrypted value in the hub is listed once in :data:`ENCRYPTED_COLUMNS` and rotation cannot miss one.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from psycopg.sql import SQL, Identifier, Placeholder
from pydantic import BaseModel

from psn_core.config import Settings
from psn_core.crypto import Keyring, generate_key, key_id, load_keyring, split_ciphertext, write_key_file
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.masking import mask

Q = Queries.load(__package__)


@dataclass(frozen=True)
class EncryptedColumn:
    """An encrypted column and how to build its associated data from the row's key columns."""

    table: str
    column: str
    label: str
    keys: tuple[str, ...]

    def aad(self, row: dict[str, object]) -> str:
        return f"{self.table}.{self.label}:" + ":".join(str(row[k]) for k in self.keys)


ENCRYPTED_COLUMNS: tuple[EncryptedColumn, ...] = (
    EncryptedColumn("oauth_tokens", "access_token_enc", "access_token", ("account_id",)),
    EncryptedColumn("oauth_tokens", "refresh_token_enc", "refresh_token", ("account_id",)),
    EncryptedColumn("secrets", "value_enc", "value", ("member_id", "name")),
    EncryptedColumn("oauth_pending", "code_verifier_enc", "code_verifier", ("state_hash",)),
)
_COLUMNS = {(c.table, c.label): c for c in ENCRYPTED_COLUMNS}


def seal(ring: Keyring, table: str, label: str, row: dict[str, object], value: str) -> str:
    """Encrypt ``value`` for the column ``table.label`` of the row identified by ``row``."""
    return ring.encrypt(value, _COLUMNS[(table, label)].aad(row))


def unseal(ring: Keyring, table: str, label: str, row: dict[str, object], token: str) -> str:
    """Decrypt a value stored by :func:`seal`.

    Raises:
        DecryptionFailed: tampered or moved ciphertext.
        UnknownKeyId: made with a key this workspace does not have.
    """
    return ring.decrypt(token, _COLUMNS[(table, label)].aad(row))


class SecretInfo(BaseModel):
    name: str
    masked: str


@dataclass(frozen=True)
class _SecretName:
    """A row of ``secret_names``."""

    name: str


def set_secret(conn: Conn, ring: Keyring, member_id: UUID, name: str, value: str) -> None:
    """Store (or replace) an API key or other secret for the member, encrypted."""
    row: dict[str, object] = {"member_id": member_id, "name": name}
    sealed = seal(ring, "secrets", "value", row, value)
    sql.run(conn, Q.upsert_secret, {"member_id": member_id, "name": name, "value_enc": sealed})


def get_secret(conn: Conn, ring: Keyring, member_id: UUID, name: str) -> str | None:
    """The decrypted secret, or None when not stored. Raises as :func:`unseal`."""
    found: str | None = sql.value(conn, Q.secret_value, {"member_id": member_id, "name": name})
    if found is None:
        return None
    return unseal(ring, "secrets", "value", {"member_id": member_id, "name": name}, found)


def list_secrets(conn: Conn, ring: Keyring, member_id: UUID) -> list[SecretInfo]:
    rows = sql.many(conn, Q.secret_names, {"member_id": member_id}, _SecretName)
    return [SecretInfo(name=r.name, masked=mask(get_secret(conn, ring, member_id, r.name))) for r in rows]


# --- rotation -----------------------------------------------------------------------------------
# The queries below name tables and columns from ENCRYPTED_COLUMNS, so they are built with
# psycopg.sql.Identifier rather than kept in queries.sql. Rows stay dicts: the key columns differ per
# table, and EncryptedColumn.aad reads them by name.


class RotationReport(BaseModel):
    new_key_id: str
    reencrypted: dict[str, int]
    retired_key_ids: list[str]
    source: str

    @property
    def total(self) -> int:
        return sum(self.reencrypted.values())


def key_usage(conn: Conn) -> dict[str, int]:
    """How many stored ciphertexts each key id encrypts (owner connection: all members)."""
    usage: dict[str, int] = {}
    for col in ENCRYPTED_COLUMNS:
        query = SQL("SELECT {col} AS v FROM {table} WHERE {col} IS NOT NULL").format(
            col=Identifier(col.column), table=Identifier(col.table)
        )
        for row in conn.execute(query):
            kid = split_ciphertext(row["v"])[0]
            usage[kid] = usage.get(kid, 0) + 1
    return usage


def reencrypt_all(conn: Conn, ring: Keyring) -> dict[str, int]:
    """Re-encrypt every stored secret not under the active key, in one transaction (owner connection).

    Raises:
        DecryptionFailed, UnknownKeyId: a stored value cannot be read; nothing is changed.
    """
    counts: dict[str, int] = {}
    with conn.transaction():
        for col in ENCRYPTED_COLUMNS:
            keys = SQL(", ").join(Identifier(k) for k in col.keys)
            select = SQL("SELECT {keys}, {col} AS v FROM {table} WHERE {col} IS NOT NULL FOR UPDATE").format(
                keys=keys, col=Identifier(col.column), table=Identifier(col.table)
            )
            where = SQL(" AND ").join(SQL("{} = {}").format(Identifier(k), Placeholder(k)) for k in col.keys)
            update = SQL("UPDATE {table} SET {col} = {sealed} WHERE {where}").format(
                table=Identifier(col.table), col=Identifier(col.column), sealed=Placeholder("sealed"), where=where
            )
            done = 0
            for row in conn.execute(select).fetchall():
                if not ring.needs_reencrypt(row["v"]):
                    continue
                plain = ring.decrypt(row["v"], col.aad(row))
                conn.execute(update, {"sealed": ring.encrypt(plain, col.aad(row)), **{k: row[k] for k in col.keys}})
                done += 1
            counts[f"{col.table}.{col.label}"] = done
    return counts


def rotate_keys(settings: Settings, hub: Hub) -> RotationReport:
    """Rotate the encryption key and re-encrypt everything stored in the hub.

    With a key file: a new key is generated and saved first (so a crash never leaves data under a key
    that was not saved), everything is re-encrypted, then keys no longer used are dropped from the file.
    With PSN_MASTER_KEY: everything is re-encrypted under it (old keys come from PSN_OLD_MASTER_KEYS).

    Raises:
        KeyMissing, InvalidSetting: no usable key; DecryptionFailed / UnknownKeyId: unreadable data.
    """
    ring = load_keyring(settings)
    if ring.source == "file":
        fresh = generate_key()
        ring.keys[key_id(fresh)] = fresh
        ring.active_id = key_id(fresh)
        write_key_file(settings.key_path, ring)
    with hub.owner() as conn:
        counts = reencrypt_all(conn, ring)
        usage = key_usage(conn)
    # Keys that now encrypt nothing: dropped from the key file; with env keys, safe to remove from
    # PSN_OLD_MASTER_KEYS (the report says which).
    retired = [kid for kid in ring.keys if kid != ring.active_id and usage.get(kid, 0) == 0]
    if ring.source == "file" and retired:
        for kid in retired:
            del ring.keys[kid]
        write_key_file(settings.key_path, ring)
    return RotationReport(new_key_id=ring.active_id, reencrypted=counts, retired_key_ids=retired, source=ring.source)
