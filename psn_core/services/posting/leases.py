"""The publish lease of a target: who is publishing it right now.

A lease is a lock on the target's row in ``publish_leases``, held by the publisher's own connection in an
open transaction while publishing (so it goes when that session ends, also on SIGKILL). Only the member
whose tokens publish the target can see, create or lock that row (RLS, migration 0013): no other member of
a company hub can hold a publish hostage, as they could with an advisory lock on a key anyone computes.
The watchdog tries the same lock: free means the publisher died (the target is resumed), held too long
means it is stuck.

The target's own row is another matter: its author and approvers may lock it (RLS shows it to them). Every
transaction of a publish once the target is claimed (the ledger, the media uploads, the outcome) is a
:func:`publish_transaction`, which waits at most PUBLISH_LOCK_WAIT for a row lock and then raises
LockNotAvailable (publishing.py turns that into one notification, never a hang or a second send). Only
those transactions are bounded, never the session: a token refresh's single flight relies on siblings
waiting on the account's row while one of them refreshes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from psycopg import errors as pg_errors

from psn_core.errors import PostLocked
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub, act_for_member, check_runtime_role, connect
from psn_core.hub.sql import Queries

Q = Queries.load(__package__)
PUBLISH_LOCK_WAIT = "30s"  # the longest a publish's transaction waits for a row another session has locked


@contextmanager
def publish_transaction(hub: Hub, member_id: UUID) -> Iterator[Conn]:
    """A transaction acting for ``member_id`` that waits at most PUBLISH_LOCK_WAIT for a row lock.

    Raises:
        LockNotAvailable (psycopg): another session held a row this transaction needs for that long.
        HubUnreachable.
    """
    with hub.transaction(member_id) as conn:
        sql.run(conn, Q.lock_wait, {"wait": PUBLISH_LOCK_WAIT})
        yield conn


@contextmanager
def lease_session(hub: Hub, member_id: UUID) -> Iterator[Conn]:
    """A runtime connection of its own acting for ``member_id``, in autocommit: where a lease is taken
    (a lock held in a transaction of this connection lasts exactly as long as the transaction or the
    session, whichever ends first).

    Raises:
        HubUnreachable; UnsafeRuntimeRole.
    """
    with connect(hub.target.app_conninfo, timeout=hub.settings.connect_timeout, label=hub.label) as conn:
        check_runtime_role(conn, hub.target.app_role)
        act_for_member(conn, member_id, hub.member_key, local=False)
        yield conn


def take_lease(conn: Conn, target_id: UUID) -> bool:
    """Take the target's lease in the transaction open on ``conn``: True when held now, False when the
    target is not one of the member's.

    Raises:
        PostLocked: another session holds it.
    """
    sql.run(conn, Q.no_idle_timeout)  # a publish may wait on a platform for minutes
    try:
        with conn.transaction():  # a savepoint: the transaction stays usable after a refusal
            return sql.value(conn, Q.take_lease, {"target_id": target_id}) is not None
    except pg_errors.LockNotAvailable as exc:
        raise PostLocked(f"Target {target_id} is being published by another worker.") from exc


def add_lease(hub: Hub, member_id: UUID, target_id: UUID) -> None:
    """Create the target's lease row if it has none (only for one of the member's own targets)."""
    with publish_transaction(hub, member_id) as conn:
        sql.run(conn, Q.add_lease, {"target_id": target_id, "member_id": member_id})
