"""Members of a company hub and their roles: acting as a member, checking the caller's role, the
roster, role changes and removal. Roles are enforced by the hub's RLS policies (migration 0009); the
checks here only turn refusals into clear sentences.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Literal
from uuid import UUID

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import BaseModel

from psn_core.errors import ConfigError, NotPermitted
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub, check_runtime_role, connect
from psn_core.hub.sql import Queries
from psn_core.services.company.connection import Identity

Q = Queries.load(__package__)
ROLES = ("admin", "editor", "contributor")
ADMINS = ("owner", "admin")
APPROVERS = ("owner", "admin", "editor")
Role = Literal["admin", "editor", "contributor"]


@contextmanager
def member_transaction(hub: Hub, who: Identity) -> Iterator[Conn]:
    """A transaction in a company hub acting as ``who``: on their own login role (a connection of its
    own, checked like every runtime connection), or for a member not moved over yet, on ``hub``'s psn_app
    pool with member id and key.

    Raises:
        HubUnreachable: the hub refused or did not answer (a removed member's role cannot log in).
    """
    if who.conninfo is None:
        with hub.transaction(who.member_id) as conn:
            conn.execute(Q.set_member_key, {"key": who.key or ""})
            yield conn
        return
    timeout = hub.settings.connect_timeout
    with connect(who.conninfo, timeout=timeout, label=hub.label, autocommit=True) as conn:
        check_runtime_role(conn, login_role_of(who.conninfo))
        with conn.transaction():
            yield conn


def login_role_of(conninfo: str) -> str:
    """The role a runtime address logs in as."""
    return str(conninfo_to_dict(conninfo).get("user") or "")


def current_role(conn: Conn) -> str | None:
    """The caller's role in this hub, or None when not an active member (removed, wrong key)."""
    role: str | None = sql.value(conn, Q.member_role)
    return role


def require_role(conn: Conn, allowed: tuple[str, ...], doing: str) -> str:
    """Raises NotPermitted unless the caller's role is one of ``allowed``; returns the role."""
    role = current_role(conn)
    if role is None:
        raise NotPermitted(f"You are not an active member of this company hub, so you cannot {doing}.")
    if role not in allowed:
        raise NotPermitted(f"Your role is {role}; only {' or '.join(r for r in allowed if r != 'owner')} can {doing}.")
    return role


class MemberView(BaseModel):
    id: UUID
    display_name: str
    role: str
    timezone: str
    created_at: datetime
    removed_at: datetime | None


def display_name(conn: Conn, member_id: UUID) -> str | None:
    """A member's display name (in a personal hub: the user's own), or None when there is no such member."""
    name: str | None = sql.value(conn, Q.member_name, {"member": member_id})
    return name


def list_members(conn: Conn, *, include_removed: bool = False) -> list[MemberView]:
    """The roster as the caller may see it (admins and editors: everyone; contributors: themselves)."""
    return sql.many(conn, Q.list_members, {"include_removed": include_removed}, MemberView)


def resolve_member(conn: Conn, ref: str) -> MemberView:
    """A member by id, id prefix (6+ characters) or exact display name.

    Raises:
        NotPermitted: no such member visible to the caller, or several match.
    """
    cleaned = ref.strip()
    prefix = cleaned.lower().replace("%", "").replace("_", "") + "%"
    rows = sql.many(conn, Q.find_member, {"ref": cleaned, "prefix": prefix}, MemberView)
    if len(rows) != 1:
        raise NotPermitted(f"{ref!r} {'matches several members' if rows else 'names no member you can see'}.")
    return rows[0]


def _admin_update(conn: Conn, query: str, params: sql.Params, doing: str) -> None:
    try:
        with conn.transaction():
            changed = sql.run(conn, query, params)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise NotPermitted(f"The company hub refused to {doing}: only an admin can.") from exc
    if changed != 1:
        raise NotPermitted(f"The company hub refused to {doing}: only an admin can.")


def _check_not_last_admin(conn: Conn, member: MemberView) -> None:
    if member.role not in ADMINS:
        return
    if int(sql.value(conn, Q.active_admins)) <= 1:
        raise NotPermitted(f"{member.display_name} is the last admin.", "Make someone else an admin first.")


def set_role(conn: Conn, member_ref: str, role: Role) -> MemberView:
    """Change a member's role (admins only; enforced by the hub).

    Raises:
        NotPermitted: not an admin, unknown member, or it would leave the company without an admin.
    """
    require_role(conn, ADMINS, "change roles")
    if role not in ROLES:
        raise ConfigError(f"{role!r} is not a role: use admin, editor or contributor.")
    member = resolve_member(conn, member_ref)
    if role not in ADMINS:
        _check_not_last_admin(conn, member)
    _admin_update(conn, Q.set_role, {"role": role, "id": member.id}, "change a role")
    return resolve_member(conn, str(member.id))


def remove_member(conn: Conn, member_ref: str, now: datetime) -> MemberView:
    """Remove a member: from the next query on, their connection reads and writes nothing.

    Raises:
        NotPermitted: not an admin, unknown member, or the last admin.
    """
    require_role(conn, ADMINS, "remove members")
    member = resolve_member(conn, member_ref)
    if member.removed_at is not None:
        return member
    _check_not_last_admin(conn, member)
    _admin_update(conn, Q.remove_member, {"now": now, "id": member.id}, "remove a member")
    return resolve_member(conn, str(member.id))
