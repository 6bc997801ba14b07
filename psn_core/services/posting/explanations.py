"""Why a target is where it is: its error (the platform's raw body, secrets masked) and every attempt."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.posting.posts import TargetView, get_target

Q = Queries.load(__package__)


class LedgerEntry(BaseModel):
    part_index: int
    attempt: int
    state: str
    remote_id: str | None
    error_class: str | None
    detail: str | None
    started_at: datetime
    finished_at: datetime | None


class Explanation(BaseModel):
    target: TargetView
    error_raw: str | None
    attempts: list[LedgerEntry]


def explain_target(conn: Conn, member_id: UUID, target_id: UUID) -> Explanation:
    """What happened to a target: its error (raw platform body, secrets masked) and every attempt.

    Raises:
        PostNotFound: no such target for this member.
    """
    target = get_target(conn, member_id, target_id)
    return Explanation(
        target=target,
        error_raw=sql.value(conn, Q.target_error_raw, {"target_id": target_id}),
        attempts=sql.many(conn, Q.ledger_of_target, {"target_id": target_id}, LedgerEntry),
    )
