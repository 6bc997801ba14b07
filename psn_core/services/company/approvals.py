"""The approval workflow of company posts.

A company post belongs (``posts.member_id``) to the member who connected the company account, whose
tokens publish it; ``posts.author_id`` is who wrote it. A contributor's post goes to
``pending_approval`` instead of ``scheduled`` (the hub's RLS refuses anything else from them), every
approver gets a CRITICAL notification, and an editor or admin approves it (it is scheduled and queued)
or rejects it with a reason (the author is told). A pending post whose time passes is never published
(the publisher only claims ``scheduled`` targets): :func:`expire_overdue` marks it expired and tells the
author. Once a post is decided (approved, rejected or expired) every approver's request for it is
acknowledged, so it stops waiting on them. Every function works on one company hub connection; nothing
here opens a second hub.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from psn_core.errors import PostInvalid, PostLocked, PostNotFound
from psn_core.hub.database import Conn
from psn_core.masking import registry
from psn_core.notifications import Tier, notify
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.company.hubs import APPROVERS, CompanyHub, posting_context, require_role
from psn_core.services.posting import posts
from psn_core.services.posting.schedule_time import ScheduleTime
from psn_core.timefmt import local

CONTEXT_WINDOW = timedelta(hours=12)  # calendar context shown beside a pending post
NEARBY_EACH_SIDE = 3  # at most this many of the account's posts before and after it


class CompanyAccount(BaseModel):
    id: UUID
    member_id: UUID
    platform: str
    handle: str
    status: str


class CompanyPostResult(BaseModel):
    post: posts.PostView
    status: Literal["scheduled", "pending_approval"]
    context: list[str]  # "Posting as: <name> for <company> on <platform>", one per target


class PendingTarget(BaseModel):
    id: UUID
    platform: str
    handle: str
    text: str


class PendingPost(BaseModel):
    post_id: UUID
    author: str | None
    idea: str
    due_at: datetime
    due_local: str
    targets: list[PendingTarget]
    nearby: list[str]  # the same accounts' closest other posts within CONTEXT_WINDOW, as lines


def company_account(conn: Conn, spec: str) -> CompanyAccount:
    """A company account by ``x`` or ``x:@handle`` (every active member can see them, not their tokens).

    Raises:
        PostNotFound: none or several match.
    """
    platform, _, handle = spec.partition(":")
    rows = conn.execute(
        "SELECT id, member_id, platform, handle, status FROM accounts WHERE platform = %s"
        " AND (%s = '' OR lower(handle) = lower(%s)) ORDER BY handle",
        [platform, handle.lstrip("@"), handle.lstrip("@")],
    ).fetchall()
    if len(rows) != 1:
        reason = "is not connected to the company" if not rows else "matches several company accounts"
        raise PostNotFound(f"{spec} {reason}.", "Say which account, e.g. --to x:@handle; admins connect accounts.")
    return CompanyAccount.model_validate(rows[0])


def _me(conn: Conn) -> str:
    row = conn.execute("SELECT display_name FROM members WHERE id = psn_current_member()").fetchone()
    return row["display_name"] if row else "unknown member"


def _company_name(conn: Conn) -> str:
    row = conn.execute("SELECT company_name FROM hub_info").fetchone()
    return row["company_name"] if row else "the company"


# --- submitting ----------------------------------------------------------------------------------


def submit_for_approval(conn: Conn, post_id: UUID, when: ScheduleTime) -> None:
    """Put the post's draft targets in ``pending_approval`` for ``when`` and tell every approver."""
    conn.execute(
        "UPDATE posts SET scheduled_at = %s, local_time = %s, timezone = %s, updated_at = now() WHERE id = %s",
        [when.utc, when.local, when.zone, post_id],
    )
    changed = conn.execute(
        "UPDATE post_targets SET status = 'pending_approval', due_at = %s, next_attempt_at = NULL, updated_at = now()"
        " WHERE post_id = %s AND status IN ('draft', 'pending_approval') RETURNING id",
        [when.utc, post_id],
    ).fetchall()
    if not changed:
        raise PostLocked(f"Post {post_id} has nothing left to submit.")
    conn.execute("INSERT INTO approval_events (post_id, event) VALUES (%s, 'submitted')", [post_id])
    message = registry.redact(f"{_me(conn)} submitted a post for approval, due {when.echo()}.")
    conn.execute(
        "SELECT psn_notify_approvers('approval_requested', %s, %s, %s)",
        [message, f"Run `psn approve` to review it (post {str(post_id)[:8]}).", f"approval:{post_id}:requested"],
    )


def schedule_or_submit(conn: Conn, owner_id: UUID, post_id: UUID, when: ScheduleTime) -> str:
    """The scheduling edge of a company post: contributors submit for approval, editors and admins
    schedule. Returns the targets' new status; queue ``scheduled`` ones after the commit.

    Raises:
        NotPermitted: not an active member; PostLocked, PostNotFound.
    """
    role = require_role(conn, (*APPROVERS, "contributor"), "post for the company")
    if role == "contributor":
        submit_for_approval(conn, post_id, when)
        return "pending_approval"
    posts.schedule_post(conn, owner_id, post_id, when)
    return "scheduled"


class CompanyPostPreview(BaseModel):
    """What a company post would do, shown before it is written."""

    context: list[str]  # "Posting as: <name> for <company> on <platform>", one per account
    accounts: list[CompanyAccount]
    needs_approval: bool  # the caller is a contributor


def preview_company_post(conn: Conn, specs: list[str]) -> CompanyPostPreview:
    """Who would post where, and whether it would wait for approval. Reads only.

    Raises:
        NotPermitted: not an active member; PostNotFound: unknown account; PostInvalid: the accounts
        belong to different connectors.
    """
    role = require_role(conn, (*APPROVERS, "contributor"), "post for the company")
    accounts = [company_account(conn, spec) for spec in specs]
    if len({a.member_id for a in accounts}) != 1:
        raise PostInvalid("One company post goes to accounts connected by one admin.", problems=[])
    me, company_name = _me(conn), _company_name(conn)
    context = [posting_context(me, company_name, PLATFORMS[a.platform].display_name) for a in accounts]
    return CompanyPostPreview(context=context, accounts=accounts, needs_approval=role == "contributor")


def post_for_company(
    company: CompanyHub,
    specs: list[str],
    parts: list[posts.PartInput],
    when: ScheduleTime,
    enqueue: posts.Enqueue,
    *,
    media_dir: Path,
    media_host: str | None,
    idea: str = "",
    language: str = "en",
) -> CompanyPostResult:
    """Create a company post on the company accounts ``specs`` and schedule it or submit it for approval.

    Raises:
        PostNotFound: unknown account; PostInvalid: the accounts belong to different connectors, or the
        post breaks a platform's rules; NotPermitted; HubUnreachable.
    """
    with company.transaction() as conn:
        preview = preview_company_post(conn, specs)
        accounts, owner = preview.accounts, preview.accounts[0].member_id
        post_input = posts.PostInput(
            idea=idea,
            language=language,
            persona=f"brand-operator-{company.connection.slug}",
            targets=[posts.TargetInput(account_id=a.id, parts=parts) for a in accounts],
        )
        created = posts.create_post(conn, owner, post_input, timezone=when.zone, media_dir=media_dir,
                                    media_host=media_host)  # fmt: skip
        status = schedule_or_submit(conn, owner, created.id, when)
    with company.transaction() as conn:
        if status == "scheduled":
            posts.enqueue_due(conn, owner, created.id, enqueue)
        view = posts.get_post(conn, owner, created.id)
    return CompanyPostResult(post=view, status=status, context=preview.context)  # type: ignore[arg-type]


# --- reviewing -----------------------------------------------------------------------------------


def _pending_ref(conn: Conn, ref: str) -> tuple[UUID, UUID, UUID | None]:
    cleaned = ref.strip().lower().replace("%", "").replace("_", "")
    if len(cleaned) < 6:
        raise PostNotFound(f"{ref!r} is too short to name a post.", "Give at least the first 6 characters.")
    rows = conn.execute(
        "SELECT DISTINCT p.id, p.member_id, p.author_id FROM posts p JOIN post_targets t ON t.post_id = p.id"
        " WHERE p.id::text LIKE %s AND t.status = 'pending_approval' LIMIT 2",
        [cleaned + "%"],
    ).fetchall()
    if len(rows) != 1:
        reason = "matches no post waiting for approval" if not rows else "matches several posts"
        raise PostNotFound(f"{ref!r} {reason}.", "Run `psn approve` to list the pending posts.")
    return rows[0]["id"], rows[0]["member_id"], rows[0]["author_id"]


def _settle_requests(conn: Conn, post_id: UUID) -> None:
    """The post is decided: every approver's request for it is acknowledged (no longer waiting)."""
    conn.execute("SELECT psn_settle_approval_requests(%s)", [post_id])


def _tell_author(
    conn: Conn, author: UUID | None, kind: str, message: str, action: str, key: str, now: datetime
) -> None:
    if author is None:
        return
    me = conn.execute("SELECT psn_current_member() AS id").fetchone()
    if me is not None and me["id"] == author:
        notify(conn, author, Tier.CRITICAL, kind, message, action, key, now=now)
        return
    conn.execute(
        "SELECT psn_notify_member(%s, %s, %s, %s, %s)",
        [author, kind, registry.redact(message), registry.redact(action), key],
    )


def expire_overdue(conn: Conn, now: datetime) -> list[UUID]:
    """Pending posts whose time has passed (visible to the caller) become expired; authors are told.
    Safe to call from any sweep (the watchdog, `psn approve`); returns the expired post ids."""
    rows = conn.execute(
        "UPDATE post_targets SET status = 'expired', error_class = 'NotApproved',"
        " error_message = 'Nobody approved this post before its time, so it was not published.',"
        " error_action = 'Submit it again with a new time.', updated_at = now()"
        " WHERE status = 'pending_approval' AND due_at <= %s RETURNING post_id",
        [now],
    ).fetchall()
    expired = sorted({r["post_id"] for r in rows}, key=str)
    for post_id in expired:
        conn.execute("INSERT INTO approval_events (post_id, event) VALUES (%s, 'expired')", [post_id])
        _settle_requests(conn, post_id)
        author = conn.execute("SELECT author_id FROM posts WHERE id = %s", [post_id]).fetchone()
        _tell_author(
            conn, author["author_id"] if author else None, "approval_expired",
            f"Your company post {str(post_id)[:8]} was not approved before its time, so it was not published.",
            "Submit it again with a new time, or ask an editor to review sooner.", f"approval:{post_id}:expired", now,
        )  # fmt: skip
    return expired


def list_pending(conn: Conn, now: datetime, zone: ZoneInfo) -> list[PendingPost]:
    """Posts waiting for approval, soonest first, each with the same accounts' nearby calendar.
    Expires overdue ones first.

    Raises:
        NotPermitted: the caller is not an editor or admin.
    """
    require_role(conn, APPROVERS, "review posts")
    expire_overdue(conn, now)
    rows = conn.execute(
        "SELECT t.id, t.post_id, t.account_id, t.platform, t.due_at, t.rendering, a.handle, p.idea,"
        " m.display_name AS author FROM post_targets t JOIN posts p ON p.id = t.post_id"
        " JOIN accounts a ON a.id = t.account_id LEFT JOIN members m ON m.id = p.author_id"
        " WHERE t.status = 'pending_approval' ORDER BY t.due_at, t.post_id, t.platform"
    ).fetchall()
    nearby = _nearby(conn, zone)
    pending: dict[UUID, PendingPost] = {}
    for r in rows:
        item = pending.get(r["post_id"])
        if item is None:
            item = pending[r["post_id"]] = PendingPost(
                post_id=r["post_id"], author=r["author"], idea=r["idea"], due_at=r["due_at"],
                due_local=local(r["due_at"], zone), targets=[], nearby=[],
            )  # fmt: skip
        text = posts.Rendering.model_validate(r["rendering"]).parts[0].text
        item.targets.append(PendingTarget(id=r["id"], platform=r["platform"], handle=r["handle"], text=text))
        item.nearby.extend(nearby.get(r["id"], []))
    return list(pending.values())


def _nearby(conn: Conn, zone: ZoneInfo) -> dict[UUID, list[str]]:
    """For every pending target, the same account's closest other posts within CONTEXT_WINDOW: up to
    NEARBY_EACH_SIDE before and after its time (one query; each side stops early on the account's index)."""
    rows = conn.execute(
        "SELECT t.id AS pending_id, o.platform, o.status, o.due_at, a.handle FROM post_targets t"
        " JOIN accounts a ON a.id = t.account_id"
        " CROSS JOIN LATERAL ("
        "  (SELECT b.platform, b.status, b.due_at FROM post_targets b WHERE b.account_id = t.account_id"
        "    AND b.due_at BETWEEN t.due_at - %(window)s AND t.due_at AND b.post_id <> t.post_id"
        "    AND b.status IN ('pending_approval', 'scheduled', 'publishing', 'published')"
        "    ORDER BY b.due_at DESC LIMIT %(each)s)"
        "  UNION ALL"
        "  (SELECT l.platform, l.status, l.due_at FROM post_targets l WHERE l.account_id = t.account_id"
        "    AND l.due_at > t.due_at AND l.due_at <= t.due_at + %(window)s AND l.post_id <> t.post_id"
        "    AND l.status IN ('pending_approval', 'scheduled', 'publishing', 'published')"
        "    ORDER BY l.due_at LIMIT %(each)s)) o"
        " WHERE t.status = 'pending_approval' ORDER BY t.id, o.due_at",
        {"window": CONTEXT_WINDOW, "each": NEARBY_EACH_SIDE},
    ).fetchall()
    found: dict[UUID, list[str]] = {}
    for r in rows:
        line = f"{PLATFORMS[r['platform']].display_name} @{r['handle']}: {r['status']} {local(r['due_at'], zone)}"
        found.setdefault(r["pending_id"], []).append(line)
    return found


def approve(conn: Conn, ref: str, now: datetime, at: ScheduleTime | None = None) -> tuple[posts.PostView, UUID]:
    """Approve a pending post: its targets are scheduled (for ``at`` or its own time) and the author is
    told. Returns the post and its owner; queue it with :func:`posts.enqueue_due` after the commit.

    Raises:
        NotPermitted: not an editor or admin; PostNotFound; PostLocked: its time has passed and no new
        time was given.
    """
    require_role(conn, APPROVERS, "approve posts")
    post_id, owner, author = _pending_ref(conn, ref)
    row = conn.execute("SELECT scheduled_at, local_time, timezone FROM posts WHERE id = %s", [post_id]).fetchone()
    assert row is not None
    when = at or ScheduleTime(utc=row["scheduled_at"], local=row["local_time"], zone=row["timezone"])
    if when.utc <= now:
        raise PostLocked(f"Post {str(post_id)[:8]}'s time has passed.", "Approve it with a new time (--at).")
    conn.execute(
        "UPDATE post_targets SET status = 'draft', updated_at = now()"
        " WHERE post_id = %s AND status = 'pending_approval'",
        [post_id],
    )
    view = posts.schedule_post(conn, owner, post_id, when)
    conn.execute("INSERT INTO approval_events (post_id, event) VALUES (%s, 'approved')", [post_id])
    _settle_requests(conn, post_id)
    _tell_author(
        conn, author, "approval_approved", f"Your company post {str(post_id)[:8]} was approved by {_me(conn)}.",
        f"It goes out {when.echo()}.", f"approval:{post_id}:approved", now,
    )  # fmt: skip
    return view, owner


def approve_and_enqueue(
    company: CompanyHub, ref: str, enqueue: posts.Enqueue, now: datetime, at: ScheduleTime | None = None
) -> posts.PostView:
    """:func:`approve`, commit, then queue each target (a crash in between is caught by the watchdog).

    Raises:
        See :func:`approve`; HubUnreachable.
    """
    with company.transaction() as conn:
        view, owner = approve(conn, ref, now, at)
    with company.transaction() as conn:
        posts.enqueue_due(conn, owner, view.id, enqueue)
        return posts.get_post(conn, owner, view.id)


def approval_context(company: CompanyHub, view: posts.PostView) -> list[str]:
    """ "Posting as: <approver> for <company> on <platform>", one line per platform of an approved post."""
    with company.transaction() as conn:
        me, company_name = _me(conn), _company_name(conn)
    platforms = sorted({t.platform for t in view.targets})
    return [posting_context(me, company_name, PLATFORMS[p].display_name) for p in platforms]


def reject(conn: Conn, ref: str, reason: str, now: datetime) -> UUID:
    """Reject a pending post with a reason; it is cancelled and the author is told why.

    Raises:
        NotPermitted: not an editor or admin; PostNotFound; PostInvalid: no reason given.
    """
    require_role(conn, APPROVERS, "reject posts")
    if not reason.strip():
        raise PostInvalid("A rejection needs a reason for the author.", problems=["reason is empty"])
    post_id, _owner, author = _pending_ref(conn, ref)
    conn.execute(
        "UPDATE post_targets SET status = 'cancelled', error_class = 'Rejected', error_message = %s,"
        " error_action = 'Edit the post and submit it again.', updated_at = now()"
        " WHERE post_id = %s AND status = 'pending_approval'",
        [reason.strip(), post_id],
    )
    conn.execute(
        "INSERT INTO approval_events (post_id, event, reason) VALUES (%s, 'rejected', %s)", [post_id, reason.strip()]
    )
    _settle_requests(conn, post_id)
    _tell_author(
        conn, author, "approval_rejected",
        f"{_me(conn)} rejected your company post {str(post_id)[:8]}: {reason.strip()}",
        "Edit the post and submit it again.", f"approval:{post_id}:rejected", now,
    )  # fmt: skip
    return post_id
