"""Bigger strategy changes psn proposes and the user decides: a new pillar, dropping a format, a frequency.

``find_proposals`` stores what 3+ complete weeks of evidence argue for (one pending proposal per field;
nothing for a locked field, nor for a field the user rejected in the last ``REJECTED_REST`` weeks).
``decide`` approves (a strategy change, written through ``apply_change`` as the user's) or rejects one.
An approved dropped format changes no file: the preference model lists it and drafting avoids it.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

from psycopg.types.json import Jsonb

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.learning.errors import ProposalNotFound
from psn_core.services.learning.evidence import NEEDED_WEEKS, Evidence
from psn_core.services.learning.models import Proposal, ProposalKind
from psn_core.services.learning.posts import PostCell, lift, platform_rates, score
from psn_core.services.strategy import apply_change
from psn_core.strategy.model import Strategy

Q = Queries.load(__package__)
REJECTED_REST = 8
NEW_PILLAR_LIFT = 1.2
WEAK_FORMAT = 0.6
MIN_FORMAT_POSTS = 4


def _slug(topic: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")[:40].strip("-")


def _locked(strategy: Strategy, path: str) -> bool:
    return any(path == lock or path.startswith(lock + ".") for lock in strategy.locked)


def _weeks(posts: list[PostCell]) -> int:
    return len({p.week for p in posts})


def _candidates(strategy: Strategy, ev: Evidence) -> list[tuple[ProposalKind, str, Any, str, str, list[PostCell]]]:
    out: list[tuple[ProposalKind, str, Any, str, str, list[PostCell]]] = []
    recent = ev.mondays[:NEEDED_WEEKS]
    rates = platform_rates(ev.posts)
    for platform, planned in strategy.frequency.items():  # frequency: the user posts steadily more or less
        counts = [ev.published.get((m, platform), 0) for m in recent]  # published, measured or not
        low, high = all(c < planned - 1 for c in counts), all(c > planned + 1 for c in counts)
        value = round(statistics.median(counts)) if counts else 0
        if len(counts) == NEEDED_WEEKS and (low or high) and value >= 1:  # never propose 0: it stops posting
            posts = [p for m in recent for p in ev.week(m) if p.platform == platform]
            summary = f"Plan {value} posts a week on {platform} instead of {planned}."
            why = (
                f"you posted {', '.join(map(str, reversed(counts)))} times on {platform} "
                f"in the last {NEEDED_WEEKS} weeks"
            )
            out.append(("frequency", f"frequency.{platform}", value, summary, why, posts))
    pillars = {p.name for p in strategy.pillars}
    topics: dict[str, list[PostCell]] = defaultdict(list)
    for p in ev.posts:
        if p.topic and not p.pillar:
            topics[p.topic].append(p)
    for topic, posts in sorted(topics.items()):
        value_lift, slug = lift(posts, rates), _slug(topic)
        if (
            _weeks(posts) >= NEEDED_WEEKS
            and value_lift
            and value_lift >= NEW_PILLAR_LIFT
            and slug
            and slug not in pillars
        ):
            weight = min(p.weight for p in strategy.pillars)
            pillar = {"name": slug, "weight": weight, "description": f"Posts about {topic}"[:500]}
            summary = f"Add a pillar {slug!r} (weight {weight}) for your posts about \u201c{topic[:60]}\u201d."
            why = (
                f"{len(posts)} posts over {_weeks(posts)} weeks did x{value_lift:.2f} your typical, outside any pillar"
            )
            out.append(("add_pillar", f"pillars.{slug}", pillar, summary, why, posts))
    formats: dict[tuple[str, str], list[PostCell]] = defaultdict(list)
    for p in ev.posts:
        formats[(p.platform, p.format)].append(p)
    for (on, fmt), posts in sorted(formats.items()):
        mine, overall = score(posts), score(p for p in ev.posts if p.platform == on)
        others = {f for (pl, f) in formats if pl == on}
        if (
            len(posts) >= MIN_FORMAT_POSTS
            and _weeks(posts) >= NEEDED_WEEKS
            and len(others) >= 2
            and mine is not None
            and overall
            and mine <= WEAK_FORMAT * overall
        ):
            summary = f"Stop proposing {fmt} posts on {on}."
            why = f"{len(posts)} {fmt} posts over {_weeks(posts)} weeks scored {mine:.1f}, {on} overall {overall:.1f}"
            out.append(("drop_format", f"format.{on}.{fmt}", None, summary, why, posts))
    return out


def find_proposals(
    conn: Conn, member_id: UUID, strategy: Strategy, evidence: Evidence, now: datetime
) -> list[Proposal]:
    """Store the proposals the evidence supports; returns the new ones."""
    made = []
    dropped = {r.path for r in list_proposals(conn, member_id, status="approved") if r.kind == "drop_format"}
    for kind, path, value, summary, why, posts in _candidates(strategy, evidence):
        if path in dropped or (kind != "drop_format" and _locked(strategy, path)):
            continue
        since = now - timedelta(weeks=REJECTED_REST)
        if sql.value(conn, Q.recently_rejected, {"member": member_id, "path": path, "since": since}):
            continue
        ids = sorted({p.post_id for p in posts}, key=str)
        params = {
            "member": member_id,
            "kind": kind,
            "path": path,
            "value": Jsonb(value),
            "summary": summary,
            "evidence": f"{why}; posts: {', '.join(map(str, ids))}"[:2000],
            "post_ids": ids,
            "at": now,
        }
        row = sql.one(conn, Q.add_proposal, params, Proposal)
        if row is not None:
            made.append(row)
    return made


def list_proposals(
    conn: Conn,
    member_id: UUID,
    *,
    status: Literal["pending", "approved", "rejected"] | None = "pending",
    limit: int = 50,
) -> list[Proposal]:
    """The member's proposals (pending by default), newest first."""
    return sql.many(conn, Q.list_proposals, {"member": member_id, "status": status, "limit": limit}, Proposal)


def decide(conn: Conn, member_id: UUID, proposal_id: int, *, approve: bool, workspace: Path, now: datetime) -> Proposal:
    """Approve (the change is written to strategy.yaml as the user's, with the proposal's evidence) or reject.

    The status is updated first and the file written last, in a savepoint: a refused change (a lock)
    leaves the proposal pending. Commit each decision on its own (``psn review`` does).

    Raises:
        ProposalNotFound: no pending proposal with that id.
        StrategyLocked: approving would change a locked field (unlock it first; the proposal stays pending).
        StrategyNotFound, StrategyInvalid, StrategyChangeInvalid: as ``apply_change``.
    """
    found = sql.one(conn, Q.lock_proposal, {"member": member_id, "id": proposal_id}, Proposal)
    if found is None:
        raise ProposalNotFound(f"No pending strategy proposal #{proposal_id}.")
    params = {"member": member_id, "id": proposal_id, "status": "approved" if approve else "rejected", "at": now}
    with conn.transaction():  # a savepoint: the file's error rolls the status update back
        decided = sql.one(conn, Q.decide_proposal, params, Proposal)
        assert decided is not None  # locked FOR UPDATE above
        if approve and found.kind != "drop_format":  # the file last, once the status update succeeded
            why = f"approved proposal #{found.id}: {found.summary} ({found.evidence})"
            apply_change(workspace, found.path, found.value, why, actor="user", now=lambda: now)
    return decided
