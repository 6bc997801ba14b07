"""The publish ledger: one row per attempt to send one remote part (a tweet of a thread, a post).

Each part has an idempotency key. A ledger row is committed *before* the request leaves and settled after
it. A row left ``sending`` or ``unknown`` (a publisher died, or a timeout after the write was sent) is
reconciled by reading the account's recent posts before anything is sent again (:func:`reconcile`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from psn_core.errors import OutcomeUnknown, PSNError
from psn_core.hub import sql
from psn_core.hub.database import Hub
from psn_core.hub.sql import Queries
from psn_core.platforms.base import Platform
from psn_core.services.posting.leases import publish_transaction
from psn_core.services.posting.renderings import RenderedPart
from psn_core.services.posting.unverifiable import unverifiable

Q = Queries.load(__package__)
RECONCILE_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class _Attempt:
    """The latest ledger row of one part."""

    id: int
    state: str
    started_at: datetime


class Ledger:
    """The ledger rows of one part's attempt: committed before the request, settled after it."""

    def __init__(self, hub: Hub, member_id: UUID, target_id: UUID, part: int, *, clock: Callable[[], datetime]) -> None:
        self.hub, self.member_id, self.target_id, self.part, self.clock = hub, member_id, target_id, part, clock
        self.row_id: int | None = None

    def sending(self) -> None:
        if self.row_id is not None:
            return
        now = self.clock()
        where = {"target_id": self.target_id, "part_index": self.part}
        with publish_transaction(self.hub, self.member_id) as conn:
            attempt = sql.value(conn, Q.next_ledger_attempt, where)
            row_id = sql.value(
                conn,
                Q.insert_ledger,
                {
                    **where,
                    "member_id": self.member_id,
                    "idempotency_key": f"{self.target_id}:{self.part}",
                    "attempt": attempt,
                    "now": now,
                },
            )
            assert row_id is not None
            self.row_id = int(row_id)
            sql.run(conn, Q.first_request_at, {"now": now, "target_id": self.target_id})

    def finish(self, state: str, *, remote_id: str | None = None, error: PSNError | None = None) -> None:
        assert self.row_id is not None
        with publish_transaction(self.hub, self.member_id) as conn:
            sql.run(
                conn,
                Q.finish_ledger,
                {
                    "state": state,
                    "remote_id": remote_id,
                    "error_class": type(error).__name__ if error else None,
                    "detail": error.message if error else None,
                    "now": self.clock(),
                    "id": self.row_id,
                },
            )
            if remote_id is not None:
                sql.run(conn, Q.append_remote_id, {"remote_id": remote_id, "target_id": self.target_id})


def reconcile(
    hub: Hub,
    member_id: UUID,
    target_id: UUID,
    index: int,
    client: Platform,
    token: str,
    part: RenderedPart,
    known: Sequence[str],
    blind: tuple[str, ...] = (),
    *,
    clock: Callable[[], datetime],
) -> str | None:
    """If an earlier attempt of this part may have gone out, find it on the account before resending.

    A listed post of the account is this part when it was created after the attempt's request (less
    the clock skew), is none of the target's earlier parts, replies to the part before it where the
    platform says what a post replies to, carries as many media as the part where the listing says,
    and carries the part's text the way the platform returns text (``Platform.sent_text_matches``:
    LinkedIn's little text, X's t.co links and HTML entities). A part without text is matched on its
    creation time and media alone, and only when exactly one post fits. Without the scopes listing needs
    (``blind``), the attempt is handed to the user (unverifiable.py).

    Raises:
        OutcomeUnknown: psn cannot tell yet (a post may still be processing, or several fit).
        OutcomeUnverifiable: psn may not list the account's posts; the user checks.
    """
    with publish_transaction(hub, member_id) as conn:
        row = sql.one(conn, Q.last_ledger_attempt, {"target_id": target_id, "part_index": index}, _Attempt)
    if row is None or row.state not in ("sending", "unknown"):
        return None
    cls = type(client)
    if blind:
        _settle(hub, member_id, row.id, target_id, "abandoned", None, clock)
        raise unverifiable(cls, target_id, index, part.text, blind)
    since = row.started_at - RECONCILE_SKEW
    replies_to = known[-1] if index and known else None
    candidates = [
        post
        for post in client.list_recent_posts(token, limit=20)
        if post.post_id not in known
        and (post.created_at is None or post.created_at >= since)
        and (post.reply_to_id is None or post.reply_to_id == replies_to)
        and (post.media_count is None or post.media_count == len(part.media))
    ]
    found = [post for post in candidates if cls.sent_text_matches(part.text, post)]
    if not part.text.strip():
        found = [post for post in found if post.created_at is not None]  # time is the only marker
        if len(found) > 1:
            raise OutcomeUnknown(
                f"psn cannot tell whether part {index + 1} went out: it has no text, and "
                f"{len(found)} posts with the same media were created since.",
                "Check the account; if the post is missing, run `psn retry`.",
                platform=cls.name,
            )
    if found:
        post = found[-1]  # newest first: the earliest post that fits
        _settle(hub, member_id, row.id, target_id, "reconciled", post.post_id, clock)
        return post.post_id
    if clock() - row.started_at < cls.listing_delay:
        raise OutcomeUnknown(
            f"{cls.display_name} does not list part {index + 1} yet; it may still be processing.",
            "Nothing to do: psn looks again before sending anything.",
            platform=cls.name,
        )
    _settle(hub, member_id, row.id, target_id, "abandoned", None, clock)
    return None


def _settle(
    hub: Hub,
    member_id: UUID,
    ledger_id: int,
    target_id: UUID,
    state: str,
    remote_id: str | None,
    clock: Callable[[], datetime],
) -> None:
    with publish_transaction(hub, member_id) as conn:
        params = {"state": state, "remote_id": remote_id, "now": clock(), "id": ledger_id}
        sql.run(conn, Q.settle_ledger, params)
        if remote_id is not None:
            sql.run(conn, Q.append_remote_id, {"remote_id": remote_id, "target_id": target_id})
