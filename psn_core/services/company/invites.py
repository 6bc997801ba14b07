"""Invite codes to a company hub: random, short enough to type, stored only as a hash, single use, expiring,
revocable, and redeemed atomically by the hub itself.

Each invite is a login role of its own (migration 0012) whose password is the code, valid until the invite
expires, and which may only call ``psn_join`` for its own invite: the invite line carries the hub's address
with that role, never a password that opens anything else. Joining sends the verifier of a password made
here for the new member's own login role; psn_join commits each request before judging it and counts
failures per invite role, so no rollback erases a wrong guess and no member can pause others' joins.
"""

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
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row
from pydantic import BaseModel, SecretStr

from psn_core.config import Settings
from psn_core.errors import (
    CompanyExists,
    DisplayNameInvalid,
    DisplayNameTaken,
    HubOnlyLocal,
    HubUnreachable,
    InviteRateLimited,
    InviteRejected,
    NotPermitted,
)
from psn_core.hub import sql
from psn_core.hub.database import Conn, check_runtime_role, connect
from psn_core.hub.roles import invite_password, new_password, reachable_from_elsewhere, scram_verifier
from psn_core.hub.sql import Queries
from psn_core.masking import registry
from psn_core.services.company.hubs import (
    ADMINS,
    CompanyConnection,
    Identity,
    check_slug,
    connection_path,
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
    """What psn_join answers: ``outcome`` is ok, rate_limited or why the code was refused."""

    outcome: str
    new_member: UUID | None
    new_role: str | None
    login_role: str | None


@dataclass(frozen=True)
class HubIdentity:
    database: str
    name: str | None


class InviteCreated(BaseModel):
    id: UUID
    code: str
    role: str
    expires_at: datetime
    hub: str  # the hub's address as the invite's own role (no password: the code is it)


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
    this_machine: bool = False,
) -> InviteCreated:
    """A single-use invite code (admins only), with its own login role on the hub. The code is returned
    once; the hub keeps its hash and the SCRAM verifier of the role's password (the code).

    Raises:
        HubOnlyLocal: the hub is reachable from this machine only and ``this_machine`` was not said.
        NotPermitted: the caller is not an admin (or still on psn_app: not moved over yet).
    """
    if not this_machine and not reachable_from_elsewhere(conn.info.dsn):
        raise HubOnlyLocal(
            "This company hub runs on this machine's embedded server (a unix socket): "
            "nobody on another machine could use an invite to it."
        )
    require_role(conn, ADMINS, "create invites")
    if ttl_days is None:
        configured = sql.one(conn, Q.invite_ttl_days, None, InviteTtl)
        ttl_days = int(configured.invite_ttl_days) if configured else 7
    code = new_code()
    invite = {"code_hash": code_hash(code), "role": role, "note": note, "expires_at": now + timedelta(days=ttl_days)}
    try:
        with conn.transaction():
            created = sql.one(conn, Q.create_invite, invite, CreatedInvite)
            assert created is not None
            verifier = scram_verifier(invite_password(code))
            login: str = sql.value(conn, Q.invite_login, {"id": created.id, "verifier": verifier})
    except psycopg.errors.InsufficientPrivilege as exc:
        raise NotPermitted(
            "The company hub refused to make an invite: only an admin on a login role of their own can.",
            "If you joined before login roles, run `psn company reconnect NAME` first.",
        ) from exc
    hub = make_conninfo(conn.info.dsn, user=login)
    return InviteCreated(id=created.id, code=code, role=role, expires_at=created.expires_at, hub=hub)


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


def redeem_invite(
    hub_url: str, code: str, *, display_name: str, timezone: str, connect_timeout: int = 10
) -> tuple[Identity, str]:
    """Redeem ``code`` at the invite's address (its own role; the code is the password): the hub makes
    the new member and their login role, whose password is made here and never leaves this machine.
    Returns the new identity (with its runtime address) and role.

    Raises:
        InviteRejected: unknown, used, expired or revoked code, or not an invite's address;
        InviteRateLimited: too many failures with this invite lately; HubUnreachable;
        DisplayNameTaken: another member has that name; DisplayNameInvalid: empty or control characters
        (the code is not used up by either).
    """
    role = str(conninfo_to_dict(hub_url).get("user") or "")
    address = make_conninfo(hub_url, password=invite_password(code))
    registry.add(address)
    try:
        conn = psycopg.connect(address, connect_timeout=connect_timeout, autocommit=True, row_factory=dict_row)
    except psycopg.OperationalError as exc:
        text = str(exc)
        if "authentication failed" in text or "not permitted to log in" in text or "does not exist" in text:
            raise InviteRejected("That invite code is not valid, or was already used, revoked or expired.") from exc
        if "too many connections for role" in text:  # the invite's role takes a few joins at a time
            raise InviteRejected(
                "Several people are joining with this invite code at once; a code admits one member.",
                "If the code was sent to you alone, wait a minute and run the same `psn company join` again; "
                "otherwise ask an admin for a code of your own (`psn company invite`).",
            ) from exc
        return _unreachable(hub_url, connect_timeout, exc)
    password = new_password()
    registry.add(password)
    with conn:
        check_runtime_role(conn, role)
        params = {"code": code, "verifier": scram_verifier(password), "name": display_name, "timezone": timezone}
        try:
            outcome = sql.one(conn, Q.join, params, Redeemed)
        except psycopg.errors.UniqueViolation as exc:  # the hub's name guard (migration 0015)
            raise DisplayNameTaken(f"A member of this company is already called {display_name!r}.") from exc
        except psycopg.errors.CheckViolation as exc:
            raise DisplayNameInvalid(f"{display_name!r} cannot be a display name.") from exc
        except psycopg.errors.InsufficientPrivilege as exc:
            raise InviteRejected(
                "That address is not an invite to this company hub (an invite made before psn gave each member "
                "a login role of their own no longer works)."
            ) from exc
    assert outcome is not None
    if outcome.outcome == "rate_limited":
        raise InviteRateLimited("Too many wrong tries with this invite lately; it is paused for a while.")
    if outcome.outcome != "ok" or outcome.login_role is None or outcome.new_member is None:
        raise InviteRejected(_REFUSALS.get(outcome.outcome, "That invite code was refused."))
    member = make_conninfo(hub_url, user=outcome.login_role, password=password)
    registry.add(member)
    return Identity(outcome.new_member, conninfo=member), str(outcome.new_role)


def _unreachable(hub_url: str, timeout: int, exc: Exception) -> tuple[Identity, str]:
    reason = registry.redact(str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__)
    host = conninfo_to_dict(hub_url).get("host") or "the default socket"
    raise HubUnreachable(f"Could not reach the company hub at {host} within {timeout} s: {reason}") from exc


class Joined(BaseModel):
    slug: str
    name: str
    member_id: UUID
    role: str
    connection_file: Path


def join_company(settings: Settings, slug: str, *, hub_url: str, code: str, display_name: str) -> Joined:
    """Join a company with an invite: redeem the code at the invite's address, then write
    ``connections/<slug>.env`` (the new member's own runtime address and password; never an owner URL).

    Raises:
        CompanyExists: already connected; HubUnreachable; InviteRejected, InviteRateLimited.
    """
    slug = check_slug(slug)
    if connection_path(settings.workspace, slug).exists():
        raise CompanyExists(f"This workspace is already connected to {slug!r}.")
    registry.add(hub_url)
    label = f"company hub {slug!r}"
    who, role = redeem_invite(
        hub_url, code, display_name=display_name, timezone=settings.timezone, connect_timeout=settings.connect_timeout
    )
    assert who.conninfo is not None
    with connect(who.conninfo, timeout=settings.connect_timeout, label=label) as conn:
        info = sql.one(conn, Q.hub_identity, None, HubIdentity)
    assert info is not None
    connection = CompanyConnection(
        slug=slug,
        name=info.name or slug,
        database=info.database,
        app_conninfo=SecretStr(who.conninfo),
        member_id=who.member_id,
    )
    path = write_connection(settings.workspace, connection)
    return Joined(slug=slug, name=connection.name, member_id=who.member_id, role=role, connection_file=path)
