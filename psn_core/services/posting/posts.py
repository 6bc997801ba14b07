"""Posts and their per-platform targets: create, validate, schedule, reschedule, cancel, list, retry.

A post has one target per connected account it goes to. Each target carries its own rendering (the
text of each part, its media: renderings.py) and its own status:
draft -> scheduled -> publishing -> published | failed | expired | needs_attention (| cancelled).

A post is checked against every platform it goes to before anything is stored (``check_rendering``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from uuid import UUID

from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from psn_core.errors import PostInvalid, PostLocked, PostNotFound
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.platforms.base import Platform
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.privacy import check_privacy
from psn_core.services.posting.renderings import RenderedPart, Rendering, check_rendering, store_media
from psn_core.services.posting.schedule_time import ScheduleTime

Q = Queries.load(__package__)

# (member id, target id, when) -> the queue's run id. The worker provides it; services never import huey.
Enqueue = Callable[[UUID, UUID, datetime], str]
# An Enqueue's answer when it leaves the target to its owner's worker: in a company hub nobody writes into
# another member's queue, so a publish of an account another member connected keeps run_id NULL, and that
# member's watchdog queues it (psn_core.services.posting.watchdog).
NOT_QUEUED = ""


class PartInput(BaseModel):
    text: str = ""
    media: list[Path] = []
    alt_texts: list[str] = []


class TargetInput(BaseModel):
    account_id: UUID
    parts: list[PartInput] = Field(min_length=1)
    title: str | None = None
    article_url: str | None = None
    reel: bool = False
    privacy_level: str | None = None
    allow_comment: bool = False
    allow_duet: bool = False
    allow_stitch: bool = False


class PostInput(BaseModel):
    idea: str = ""
    language: str = "en"
    persona: str = "personal"
    origin: Literal["human", "ai_reviewed"] = "human"
    ttl_minutes: int = Field(default=30, ge=1, le=10080)
    targets: list[TargetInput] = Field(min_length=1)


class TargetView(BaseModel):
    id: UUID
    post_id: UUID
    account_id: UUID
    platform: str
    handle: str
    status: str
    due_at: datetime | None
    next_attempt_at: datetime | None
    attempts: int
    remote_ids: list[str]
    remote_url: str | None
    private_only: bool
    error_class: str | None
    error_message: str | None
    error_action: str | None
    published_at: datetime | None
    lateness_ms: int | None
    rendering: Rendering


class PostView(BaseModel):
    id: UUID
    idea: str
    language: str
    persona: str
    timezone: str
    local_time: datetime | None
    scheduled_at: datetime | None
    targets: list[TargetView]

    def media_digests(self) -> dict[UUID, list[str]]:
        """Each target's media digests (see :meth:`Rendering.media_digests`), by target id."""
        return {t.id: t.rendering.media_digests() for t in self.targets}


# --- rendering ---------------------------------------------------------------------------------


def render(target: TargetInput, media_dir: Path) -> Rendering:
    parts = []
    for part in target.parts:
        items = [store_media(Path(p), media_dir) for p in part.media]
        for item, alt in zip(items, part.alt_texts, strict=False):
            item.alt_text = alt
        parts.append(RenderedPart(text=part.text, media=items))
    return Rendering(
        parts=parts,
        title=target.title,
        article_url=target.article_url,
        reel=target.reel,
        privacy_level=target.privacy_level,
        allow_comment=target.allow_comment,
        allow_duet=target.allow_duet,
        allow_stitch=target.allow_stitch,
    )


# --- storage -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Account:
    platform: str
    handle: str
    status: str
    sandbox: bool


@dataclass(frozen=True)
class _PostRow:
    id: UUID
    idea: str
    language: str
    persona: str
    timezone: str
    local_time: datetime | None
    scheduled_at: datetime | None


@dataclass(frozen=True)
class _Due:
    id: UUID
    next_attempt_at: datetime


@dataclass(frozen=True)
class _Id:
    id: UUID


def _account(conn: Conn, member_id: UUID, account_id: UUID) -> _Account:
    row = sql.one(conn, Q.account_of_member, {"account_id": account_id, "member_id": member_id}, _Account)
    if row is None:
        raise PostNotFound(f"No connected account {account_id}.", "Run `psn auth status` to list your accounts.")
    return row


def create_post(
    conn: Conn, member_id: UUID, post: PostInput, *, timezone: str, media_dir: Path, media_host: str | None
) -> PostView:
    """Store a draft post with one target per account, after checking it against every platform.

    Raises:
        PostInvalid: any target breaks its platform's rules (all problems listed); nothing is stored.
    """
    problems: list[str] = []
    rows: list[tuple[TargetInput, type[Platform], Rendering]] = []
    for target in post.targets:
        account = _account(conn, member_id, target.account_id)
        cls = PLATFORMS[account.platform]
        if account.status != "active":
            problems.append(f"{cls.display_name} @{account.handle} needs reconnecting: run `psn auth {cls.name}`.")
        rendering = render(target, media_dir)
        problems.extend(check_rendering(cls, rendering, media_dir, media_host))
        problems.extend(check_privacy(cls, rendering, sandbox=account.sandbox))
        rows.append((target, cls, rendering))
    if problems:
        raise PostInvalid(f"The post cannot go out as it is: {problems[0]}", problems=problems)
    post_id: UUID = sql.value(
        conn,
        Q.insert_post,
        {
            "member_id": member_id,
            "idea": post.idea,
            "language": post.language,
            "persona": post.persona,
            "origin": post.origin,
            "timezone": timezone,
            "ttl_seconds": post.ttl_minutes * 60,
        },
    )
    assert post_id is not None
    for target, cls, rendering in rows:
        sql.run(
            conn,
            Q.insert_target,
            {
                "post_id": post_id,
                "member_id": member_id,
                "account_id": target.account_id,
                "platform": cls.name,
                "rendering": Jsonb(rendering.model_dump(mode="json")),
            },
        )
    return get_post(conn, member_id, post_id)


def get_post(conn: Conn, member_id: UUID, post_id: UUID) -> PostView:
    """A post and its targets.

    Raises:
        PostNotFound: no such post for this member.
    """
    row = sql.one(conn, Q.post, {"post_id": post_id, "member_id": member_id}, _PostRow)
    if row is None:
        raise PostNotFound(f"No post {post_id}.")
    targets = sql.many(conn, Q.targets_of_post, {"post_id": post_id}, TargetView)
    return PostView(**asdict(row), targets=targets)


def get_target(conn: Conn, member_id: UUID, target_id: UUID) -> TargetView:
    """One of the member's targets.

    Raises:
        PostNotFound: no such target for this member.
    """
    row = sql.one(conn, Q.target, {"target_id": target_id, "member_id": member_id}, TargetView)
    if row is None:
        raise PostNotFound(f"No post target {target_id}.", "Run `psn queue` or `psn failures` to list targets.")
    return row


# --- scheduling --------------------------------------------------------------------------------


def schedule_post(conn: Conn, member_id: UUID, post_id: UUID, when: ScheduleTime) -> PostView:
    """Schedule (or reschedule) every target still in draft or scheduled. Call :func:`enqueue_due`
    after the transaction commits.

    Raises:
        PostNotFound; PostLocked: no target can be changed any more.
    """
    sql.run(
        conn,
        Q.set_post_time,
        {"utc": when.utc, "local": when.local, "zone": when.zone, "post_id": post_id, "member_id": member_id},
    )
    changed = sql.run(conn, Q.schedule_targets, {"utc": when.utc, "post_id": post_id})
    post = get_post(conn, member_id, post_id)
    if not changed:
        raise PostLocked(f"Post {post_id} is already publishing or done; its time cannot change.")
    return post


def set_run_id(conn: Conn, target_id: UUID, run_id: str) -> None:
    """Remember the queue entry that will publish a target."""
    sql.run(conn, Q.set_run_id, {"run_id": run_id, "target_id": target_id})


def enqueue_due(conn: Conn, member_id: UUID, post_id: UUID, enqueue: Enqueue) -> list[str]:
    """Hand every scheduled target of a post to the queue and remember the run ids (a target left to
    its owner's worker keeps none: NOT_QUEUED)."""
    run_ids = []
    for due in sql.many(conn, Q.scheduled_targets_of_post, {"post_id": post_id}, _Due):
        run_id = enqueue(member_id, due.id, due.next_attempt_at)
        if run_id != NOT_QUEUED:
            set_run_id(conn, due.id, run_id)
            run_ids.append(run_id)
    return run_ids


def cancel_post(conn: Conn, member_id: UUID, post_id: UUID) -> PostView:
    """Cancel every target that has not started publishing.

    Raises:
        PostNotFound; PostLocked: nothing was left to cancel.
    """
    post = get_post(conn, member_id, post_id)
    if not sql.run(conn, Q.cancel_targets, {"post_id": post_id}):
        states = ", ".join(sorted({t.status for t in post.targets}))
        raise PostLocked(f"Nothing to cancel: the post's targets are {states}.")
    return get_post(conn, member_id, post_id)


def retry_target(conn: Conn, member_id: UUID, target_id: UUID, now: datetime) -> TargetView:
    """Put a failed, expired or needs-attention target back in the queue, due now.

    Raises:
        PostNotFound; PostLocked: the target is not in a state that can be retried.
    """
    if not sql.run(conn, Q.retry_target, {"now": now, "target_id": target_id, "member_id": member_id}):
        current = get_target(conn, member_id, target_id)
        raise PostLocked(f"Target {target_id} is {current.status}; only failed or expired targets can be retried.")
    return get_target(conn, member_id, target_id)


def list_targets(
    conn: Conn, member_id: UUID, statuses: tuple[str, ...], *, since: datetime | None = None, limit: int = 100
) -> list[TargetView]:
    """Targets in the given states, soonest first (queue, failures)."""
    params = {"member_id": member_id, "statuses": list(statuses), "since": since, "limit": limit}
    return sql.many(conn, Q.targets_in_states, params, TargetView)


QUEUED = ("scheduled", "publishing")
FAILED = ("failed", "expired", "needs_attention")


# --- lookups and the whole scheduling step -----------------------------------------------------


def resolve_ref(conn: Conn, member_id: UUID, ref: str, kind: Literal["post", "target"]) -> UUID:
    """A post or target id from its full form or an unambiguous prefix (at least 6 characters).

    Raises:
        PostNotFound: no match, or the prefix matches several.
    """
    query = Q.post_ids_by_prefix if kind == "post" else Q.target_ids_by_prefix
    cleaned = ref.strip().lower()
    if len(cleaned) < 6:
        raise PostNotFound(f"{ref!r} is too short to name a {kind}.", "Give at least the first 6 characters.")
    prefix = cleaned.replace("%", "").replace("_", "") + "%"
    rows = sql.many(conn, query, {"member_id": member_id, "prefix": prefix}, _Id)
    if len(rows) != 1:
        reason = "matches nothing" if not rows else "matches several"
        raise PostNotFound(f"{ref!r} {reason}.", "Run `psn queue` or `psn failures` to see the ids.")
    return UUID(str(rows[0].id))


def schedule_and_enqueue(hub: Hub, member_id: UUID, post_id: UUID, when: ScheduleTime, enqueue: Enqueue) -> PostView:
    """Schedule a post, commit, then queue each target (a crash in between is caught by the watchdog).

    Raises:
        PostNotFound, PostLocked: see :func:`schedule_post`.
    """
    with hub.transaction(member_id) as conn:
        schedule_post(conn, member_id, post_id, when)
    with hub.transaction(member_id) as conn:
        enqueue_due(conn, member_id, post_id, enqueue)
        return get_post(conn, member_id, post_id)
