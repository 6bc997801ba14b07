"""Invite codes to a company hub: random, short enough to type, stored only as a hash, single use, expiring,
revocable, and redeemed atomically by the hub itself (psn_redeem_invite, migration 0009)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, SecretStr

from psn_core.config import Settings
from psn_core.errors import CompanyExists, InviteRateLimited, InviteRejected, NotPermitted
from psn_core.hub.database import Conn, check_runtime_role, connect
from psn_core.masking import registry
from psn_core.services.company.hubs import (
    ADMINS,
    CompanyConnection,
    Identity,
    check_slug,
    connection_path,
    new_key,
    require_role,
    write_connection,
)

# Crockford base32 without I, L, O, U: easy to read aloud and to type. 12 characters = 60 bits.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12


# --- invites -------------------------------------------------------------------------------------


def new_code() -> str:
    """A fresh invite code, shown as XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def code_hash(code: str) -> str:
    """sha256 of the code with separators dropped and letters upper-cased (as the hub computes it)."""
    return hashlib.sha256(re.sub(r"[^A-Za-z0-9]", "", code).upper().encode()).hexdigest()


class InviteCreated(BaseModel):
    id: UUID
    code: str
    role: str
    expires_at: datetime


class InviteView(BaseModel):
    id: UUID
    role: str
    note: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    state: Literal["open", "used", "expired", "revoked"]


def create_invite(
    conn: Conn, now: datetime, *, role: Literal["editor", "contributor"] = "contributor", note: str | None = None,
    ttl_days: int | None = None,
) -> InviteCreated:  # fmt: skip
    """A single-use invite code (admins only). The code is returned once; the hub keeps its hash.

    Raises:
        NotPermitted: the caller is not an admin.
    """
    require_role(conn, ADMINS, "create invites")
    if ttl_days is None:
        row = conn.execute("SELECT invite_ttl_days FROM hub_info").fetchone()
        ttl_days = int(row["invite_ttl_days"]) if row else 7
    code = new_code()
    row = conn.execute(
        "INSERT INTO invites (code_hash, role, note, expires_at) VALUES (%s, %s, %s, %s) RETURNING id, expires_at",
        [code_hash(code), role, note, now + timedelta(days=ttl_days)],
    ).fetchone()
    assert row is not None
    return InviteCreated(id=row["id"], code=code, role=role, expires_at=row["expires_at"])


def list_invites(conn: Conn, now: datetime) -> list[InviteView]:
    """Every invite with its state, newest first (admins only).

    Raises:
        NotPermitted: the caller is not an admin.
    """
    require_role(conn, ADMINS, "list invites")
    rows = conn.execute(
        "SELECT id, role, note, created_at, expires_at, used_at, revoked_at FROM invites ORDER BY created_at DESC"
    ).fetchall()
    views = []
    for r in rows:
        state = (
            "revoked"
            if r["revoked_at"]
            else "used"
            if r["used_at"]
            else "expired"
            if r["expires_at"] <= now
            else "open"
        )
        views.append(InviteView.model_validate({**r, "state": state}))
    return views


def revoke_invite(conn: Conn, ref: str, now: datetime) -> InviteView:
    """Revoke an unused invite by id or id prefix (admins only).

    Raises:
        NotPermitted: not an admin, or no such unused invite.
    """
    require_role(conn, ADMINS, "revoke invites")
    cleaned = ref.strip().lower().replace("%", "").replace("_", "")
    rows = conn.execute(
        "UPDATE invites SET revoked_at = %s WHERE id::text LIKE %s AND used_at IS NULL AND revoked_at IS NULL"
        " AND length(%s) >= 6 RETURNING id",
        [now, cleaned + "%", cleaned],
    ).fetchall()
    if len(rows) != 1:
        raise NotPermitted(
            f"{ref!r} {'matches several invites' if rows else 'names no open invite'}.",
            "Run `psn company invites` to see their ids.",
        )
    return next(i for i in list_invites(conn, now) if i.id == rows[0]["id"])


_REFUSALS = {
    "invalid": "That invite code is not valid for this company.",
    "used": "That invite code was already used.",
    "expired": "That invite code has expired.",
    "revoked": "That invite code was revoked.",
    "not_company": "That hub is not a company hub.",
}


def redeem_invite(conn: Conn, code: str, *, display_name: str, timezone: str) -> tuple[Identity, str]:
    """Redeem ``code`` on a psn_app connection with no member context; returns the new identity and role.

    Raises:
        InviteRejected: unknown, used, expired or revoked code; InviteRateLimited: too many failures lately.
    """
    check_runtime_role(conn)
    key = new_key()
    who_hash = hashlib.sha256(key.encode()).hexdigest()
    with conn.transaction():
        row = conn.execute(
            "SELECT outcome, new_member, new_role FROM psn_redeem_invite(%s, %s, %s, %s)",
            [code, who_hash, display_name, timezone],
        ).fetchone()
    assert row is not None
    if row["outcome"] == "rate_limited":
        raise InviteRateLimited("Too many wrong invite codes were tried lately; joining is paused for a while.")
    if row["outcome"] != "ok":
        raise InviteRejected(_REFUSALS.get(row["outcome"], "That invite code was refused."))
    return Identity(row["new_member"], key), str(row["new_role"])


class Joined(BaseModel):
    slug: str
    name: str
    member_id: UUID
    role: str
    connection_file: Path


def join_company(settings: Settings, slug: str, *, hub_url: str, code: str, display_name: str) -> Joined:
    """Join a company with an invite: redeem the code as psn_app, then write ``connections/<slug>.env``
    (the runtime URL, the new member id and key; never an owner URL).

    Raises:
        CompanyExists: already connected; HubUnreachable; InviteRejected, InviteRateLimited.
    """
    slug = check_slug(slug)
    if connection_path(settings.workspace, slug).exists():
        raise CompanyExists(f"This workspace is already connected to {slug!r}.")
    registry.add(hub_url)
    label = f"company hub {slug!r}"
    with connect(hub_url, timeout=settings.connect_timeout, label=label) as conn:
        who, role = redeem_invite(conn, code, display_name=display_name, timezone=settings.timezone)
        info = conn.execute("SELECT current_database() AS db, (SELECT company_name FROM hub_info) AS name").fetchone()
    assert info is not None
    connection = CompanyConnection(
        slug=slug,
        name=info["name"] or slug,
        database=info["db"],
        app_conninfo=SecretStr(hub_url),
        member_id=who.member_id,
        member_key=SecretStr(who.key),
    )
    path = write_connection(settings.workspace, connection)
    return Joined(slug=slug, name=connection.name, member_id=who.member_id, role=role, connection_file=path)
