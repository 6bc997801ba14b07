"""Invite codes to a company hub: random, short enough to type, stored only as a hash, single use, expiring,
revocable, and redeemed atomically by the hub itself (psn_redeem_invite, migration 0009)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from uuid import UUID

import psycopg
from pydantic import BaseModel, SecretStr

from psn_core.config import Settings
from psn_core.errors import (
    CompanyExists,
    DisplayNameInvalid,
    DisplayNameTaken,
    InviteRateLimited,
    InviteRejected,
    NotPermitted,
)
from psn_core.hub import sql
from psn_core.hub.database import Conn, check_runtime_role, connect
from psn_core.hub.sql import Queries
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
Q = Queries.load(__package__)
InviteState = Literal["open", "used", "expired", "revoked"]
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


@dataclass(frozen=True)
class InviteTtl:
    invite_ttl_days: int


@dataclass(frozen=True)
class CreatedInvite:
    id: UUID
    expires_at: datetime


@dataclass(frozen=True)
class InviteId:
    id: UUID


@dataclass(frozen=True)
class InviteRow:
    id: UUID
    role: str
    note: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Redeemed:
    """What psn_redeem_invite answers: ``outcome`` is ok, rate_limited or why the code was refused."""

    outcome: str
    new_member: UUID | None
    new_role: str | None


@dataclass(frozen=True)
class HubIdentity:
    database: str
    name: str | None


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
    state: InviteState


def create_invite(
    conn: Conn,
    now: datetime,
    *,
    role: Literal["editor", "contributor"] = "contributor",
    note: str | None = None,
    ttl_days: int | None = None,
) -> InviteCreated:
    """A single-use invite code (admins only). The code is returned once; the hub keeps its hash.

    Raises:
        NotPermitted: the caller is not an admin.
    """
    require_role(conn, ADMINS, "create invites")
    if ttl_days is None:
        configured = sql.one(conn, Q.invite_ttl_days, None, InviteTtl)
        ttl_days = int(configured.invite_ttl_days) if configured else 7
    code = new_code()
    invite = {"code_hash": code_hash(code), "role": role, "note": note, "expires_at": now + timedelta(days=ttl_days)}
    created = sql.one(conn, Q.create_invite, invite, CreatedInvite)
    assert created is not None
    return InviteCreated(id=created.id, code=code, role=role, expires_at=created.expires_at)


def list_invites(conn: Conn, now: datetime) -> list[InviteView]:
    """Every invite with its state, newest first (admins only).

    Raises:
        NotPermitted: the caller is not an admin.
    """
    require_role(conn, ADMINS, "list invites")
    views = []
    for r in sql.many(conn, Q.list_invites, None, InviteRow):
        state: InviteState = (
            "revoked" if r.revoked_at else "used" if r.used_at else "expired" if r.expires_at <= now else "open"
        )
        views.append(InviteView(**asdict(r), state=state))
    return views


def revoke_invite(conn: Conn, ref: str, now: datetime) -> InviteView:
    """Revoke an unused invite by id or id prefix (admins only).

    Raises:
        NotPermitted: not an admin, or no such unused invite.
    """
    require_role(conn, ADMINS, "revoke invites")
    cleaned = ref.strip().lower().replace("%", "").replace("_", "")
    rows = sql.many(conn, Q.revoke_invite, {"now": now, "prefix": cleaned + "%", "ref": cleaned}, InviteId)
    if len(rows) != 1:
        raise NotPermitted(
            f"{ref!r} {'matches several invites' if rows else 'names no open invite'}.",
            "Run `psn company invites` to see their ids.",
        )
    return next(i for i in list_invites(conn, now) if i.id == rows[0].id)


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
        InviteRejected: unknown, used, expired or revoked code; InviteRateLimited: too many failures lately;
        DisplayNameTaken: another member has that name; DisplayNameInvalid: empty or control characters
        (the code is not used up by either).
    """
    check_runtime_role(conn)
    key = new_key()
    who_hash = hashlib.sha256(key.encode()).hexdigest()
    try:
        with conn.transaction():
            redeem = {"code": code, "key_hash": who_hash, "name": display_name, "timezone": timezone}
            outcome = sql.one(conn, Q.redeem_invite, redeem, Redeemed)
    except psycopg.errors.UniqueViolation as exc:  # the hub's name guard (migration 0015)
        raise DisplayNameTaken(f"A member of this company is already called {display_name!r}.") from exc
    except psycopg.errors.CheckViolation as exc:
        raise DisplayNameInvalid(f"{display_name!r} cannot be a display name.") from exc
    assert outcome is not None
    if outcome.outcome == "rate_limited":
        raise InviteRateLimited("Too many wrong invite codes were tried lately; joining is paused for a while.")
    if outcome.outcome != "ok":
        raise InviteRejected(_REFUSALS.get(outcome.outcome, "That invite code was refused."))
    assert outcome.new_member is not None
    return Identity(outcome.new_member, key), str(outcome.new_role)


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
        info = sql.one(conn, Q.hub_identity, None, HubIdentity)
    assert info is not None
    connection = CompanyConnection(
        slug=slug,
        name=info.name or slug,
        database=info.database,
        app_conninfo=SecretStr(hub_url),
        member_id=who.member_id,
        member_key=SecretStr(who.key),
    )
    path = write_connection(settings.workspace, connection)
    return Joined(slug=slug, name=connection.name, member_id=who.member_id, role=role, connection_file=path)
