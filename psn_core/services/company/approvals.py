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

Approval is bound to what was reviewed: the hub hashes what approving would publish (every part's text
and media, the accounts and platforms, the time: :func:`content_hash`), the approver's list
(:mod:`.pending_posts`) shows that hash and the media, and :func:`approve` takes the hash the approver
saw and refuses any other. A contributor who changes a submitted or approved post sends it back to
``pending_approval`` and the approvers are asked again (hub triggers, migration 0015). Notifications
to other members are written by the hub from the post and the sender's name (``psn_notify_approval``):
no member writes another's message. Member-supplied text (post text, names) is data to show, quoted,
never instructions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from psn_core.errors import PostChangedSinceReview, PostInvalid, PostLocked, PostNotFound
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.masking import registry
from psn_core.notifications import Tier, notify
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.company.hubs import APPROVERS, CompanyHub, posting_context, require_role
from psn_core.services.ideas import bank as ideas_bank
from psn_core.services.ideas.errors import IdeaTransitionRefused
from psn_core.services.ideas.models import LIVE
from psn_core.services.posting import media_blobs, posts
from psn_core.services.posting.schedule_time import ScheduleTime
from psn_core.services.series import store as series_store
from psn_core.services.series import topics
from psn_core.services.series.errors import SeriesTransitionRefused
from psn_core.timefmt import utcnow
from psn_core.voice.formats import infer_format

Q = Queries.load(__package__)


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
    idea_id: UUID | None = None  # the company idea it was made from (now developed), if any
    slots: list[UUID] = []  # the caller's claimed calendar slots it fills (linked to it)


SHORT_HASH = 16  # hex characters of the content hash shown, and the fewest an approval may name


@dataclass(frozen=True)
class PendingRef:
    id: UUID
    member_id: UUID
    author_id: UUID | None


@dataclass(frozen=True)
class ExpiredTarget:
    post_id: UUID


def company_account(conn: Conn, spec: str) -> CompanyAccount:
    """A company account by ``x`` or ``x:@handle`` (every active member can see them, not their tokens).

    Raises:
        PostNotFound: none or several match.
    """
    platform, _, handle = spec.partition(":")
    found = {"platform": platform, "handle": handle.lstrip("@")}
    rows = sql.many(conn, Q.company_accounts, found, CompanyAccount)
    if len(rows) != 1:
        reason = "is not connected to the company" if not rows else "matches several company accounts"
        raise PostNotFound(f"{spec} {reason}.", "Say which account, e.g. --to x:@handle; admins connect accounts.")
    return rows[0]


def _me(conn: Conn) -> str:
    name: str | None = sql.value(conn, Q.my_name)
    return name if name is not None else "unknown member"


def _company_name(conn: Conn) -> str:
    name: str | None = sql.value(conn, Q.company_name)
    return name if name is not None else "the company"


# --- submitting ----------------------------------------------------------------------------------


def submit_for_approval(conn: Conn, post_id: UUID, when: ScheduleTime) -> None:
    """Put the post's draft targets in ``pending_approval`` for ``when`` and tell every approver."""
    sql.run(conn, Q.schedule_post_time, {"utc": when.utc, "local": when.local, "zone": when.zone, "post": post_id})
    if sql.run(conn, Q.submit_targets, {"due": when.utc, "post": post_id}) == 0:
        raise PostLocked(f"Post {post_id} has nothing left to submit.")
    _event(conn, post_id, "submitted")
    conn.execute(Q.notify_approval, {"post": post_id, "kind": "approval_requested"})


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
    idea_id: str | UUID | None = None,
    now: datetime | None = None,
    series: str | UUID | None = None,
    occurrence_at: datetime | None = None,
    format: str | None = None,
) -> CompanyPostResult:
    """Create a company post on the company accounts ``specs`` and schedule it or submit it for approval.
    Its media files go into the company hub too (content-addressed), so the account owner's worker,
    wherever it runs, publishes exactly these bytes. A post made from one of the company's ideas
    (``idea_id``: id or prefix) is linked to it and the idea moves to developed (publishing it makes it
    used), as save_draft does for personal posts. The caller's claimed calendar slots on its accounts at
    its time are linked to it (the slot is drafted). With ``series`` (slug, id or prefix) the post is an
    episode of that company series (for ``occurrence_at`` when given; publishing counts it once); its pillar
    and format are recorded as save_draft records them.

    Raises:
        PostNotFound: unknown account; PostInvalid: the accounts belong to different connectors, or the
        post breaks a platform's rules; MediaReferenceRefused: a media file over 100 MiB; NotPermitted;
        HubUnreachable; IdeaNotFound, IdeaTransitionRefused, IdeaTaken: the idea is unknown, no longer
        live, or another member's claim (nothing is written); SeriesNotFound, SeriesTransitionRefused: the
        series is unknown or retired (nothing is written).
    """
    with company.transaction() as conn:
        preview = preview_company_post(conn, specs)
        of_series = series_store.get_series(conn, series) if series is not None else None
        if of_series is not None and of_series.state == "retired":
            raise SeriesTransitionRefused(
                f"Series {of_series.slug!r} is retired: no new episodes; nothing was posted.",
                "Post without a series, or create a new series.",
            )
        made_from = None
        if idea_id is not None:
            made_from = ideas_bank.get_idea(conn, idea_id)  # before anything is written: a wrong id changes nothing
            if made_from.state not in LIVE:
                raise IdeaTransitionRefused(
                    f"Idea {made_from.short_id} is {made_from.state}: a new post cannot be made from it; "
                    "nothing was posted.",
                    "Capture a new idea (a remix or recycle of it) and post from that one.",
                )
        accounts, owner = preview.accounts, preview.accounts[0].member_id
        post_input = posts.PostInput(
            idea=idea,
            language=language,
            persona=f"brand-operator-{company.connection.slug}",
            targets=[posts.TargetInput(account_id=a.id, parts=parts) for a in accounts],
        )
        created = posts.create_post(
            conn, owner, post_input, timezone=when.zone, media_dir=media_dir, media_host=media_host
        )
        names = sorted({m.path for t in created.targets for p in t.rendering.parts for m in p.media})
        media_blobs.store_blobs(conn, media_dir, names)
        if made_from is not None:
            ideas_bank.develop(conn, made_from.id, created.id, now or utcnow())
        if of_series is not None:
            series_store.link_post(conn, of_series.id, created.id, occurrence_at=occurrence_at)
        first = created.targets[0].rendering.parts if created.targets else []
        shape = infer_format([p.text for p in first], [m.kind.value for p in first for m in p.media])
        topics.record(
            conn,
            created.id,
            pillar=(of_series.pillar if of_series else None) or (made_from.pillar if made_from else None),
            format=format or (of_series.format if of_series else None) or shape,
        )
        status = schedule_or_submit(conn, owner, created.id, when)
        slots = [row.id for row in sql.many(conn, Q.link_slots, {"post": created.id}, _Linked)]
    with company.transaction() as conn:
        if status == "scheduled":
            posts.enqueue_due(conn, owner, created.id, enqueue)
        view = posts.get_post(conn, owner, created.id)
    return CompanyPostResult(
        post=view,
        status=status,  # type: ignore[arg-type]
        context=preview.context,
        idea_id=made_from.id if made_from else None,
        slots=slots,
    )


@dataclass(frozen=True)
class _Linked:
    id: UUID


# --- deciding ------------------------------------------------------------------------------------


def pending_ref(conn: Conn, ref: str) -> tuple[UUID, UUID, UUID | None]:
    """The post waiting for approval that ``ref`` (its id or a prefix of 6+ characters) names: its id,
    its owner and its author.

    Raises:
        PostNotFound: too short, or it names no pending post or several.
    """
    cleaned = ref.strip().lower().replace("%", "").replace("_", "")
    if len(cleaned) < 6:
        raise PostNotFound(f"{ref!r} is too short to name a post.", "Give at least the first 6 characters.")
    rows = sql.many(conn, Q.pending_posts, {"prefix": cleaned + "%"}, PendingRef)
    if len(rows) != 1:
        reason = "matches no post waiting for approval" if not rows else "matches several posts"
        raise PostNotFound(f"{ref!r} {reason}.", "Run `psn approve` to list the pending posts.")
    return rows[0].id, rows[0].member_id, rows[0].author_id


def _settle_requests(conn: Conn, post_id: UUID) -> None:
    """The post is decided: every approver's request for it is acknowledged (no longer waiting)."""
    conn.execute(Q.settle_requests, {"post": post_id})


def _event(conn: Conn, post_id: UUID, event: str, reason: str | None = None) -> None:
    sql.run(conn, Q.approval_event, {"post": post_id, "event": event, "reason": reason})


def _tell_author(
    conn: Conn, post_id: UUID, author: UUID | None, kind: str, message: str, action: str, now: datetime
) -> None:
    """Tell the post's author of a decision: in their own words when the author decided it themselves,
    else by the hub, which writes the message from the post and the decider's name (never ours)."""
    if author is None:
        return
    if sql.value(conn, Q.current_member) == author:
        key = f"approval:{post_id}:{kind.removeprefix('approval_')}"
        notify(conn, author, Tier.CRITICAL, kind, registry.redact(message), action, key, now=now)
        return
    conn.execute(Q.notify_approval, {"post": post_id, "kind": kind})


def expire_overdue(conn: Conn, now: datetime) -> list[UUID]:
    """Pending posts whose time has passed (visible to the caller) become expired; authors are told.
    Safe to call from any sweep (the watchdog, `psn approve`); returns the expired post ids."""
    rows = sql.many(conn, Q.expire_overdue, {"now": now}, ExpiredTarget)
    expired = sorted({r.post_id for r in rows}, key=str)
    for post_id in expired:
        _event(conn, post_id, "expired")
        _settle_requests(conn, post_id)
        author: UUID | None = sql.value(conn, Q.post_author, {"post": post_id})
        _tell_author(
            conn,
            post_id,
            author,
            "approval_expired",
            f"Your company post {str(post_id)[:8]} was not approved before its time, so it was not published.",
            "Submit it again with a new time, or ask an editor to review sooner.",
            now,
        )
    return expired


def content_hash(conn: Conn, post_id: UUID) -> str:
    """The hash of what approving ``post_id`` would publish (computed by the hub, the one place it is):
    every part's text and media of every target still to be scheduled, their accounts and platforms,
    and the post's time. Empty when the caller cannot see the post."""
    value: str | None = sql.value(conn, Q.content_hash, {"post": post_id})
    return value or ""


def check_reviewed(conn: Conn, post_id: UUID, reviewed: str) -> None:
    """Lock the post, then compare what it would publish now with what the approver reviewed.

    Raises:
        PostChangedSinceReview: the hashes differ (or too little of one was given to compare).
    """
    sql.run(conn, Q.lock_post, {"post": post_id})
    current = content_hash(conn, post_id)
    given = reviewed.strip().lower()
    short = str(post_id)[:8]
    if len(given) < SHORT_HASH or not all(c in "0123456789abcdef" for c in given):
        raise PostChangedSinceReview(
            f"Approving post {short} needs the content hash you reviewed ({SHORT_HASH}+ hex characters).",
            "Run `psn approve` to see the post and its hash, then approve that hash.",
        )
    if not current.startswith(given):
        raise PostChangedSinceReview(
            f"Post {short} changed after you reviewed it (you saw {given[:SHORT_HASH]}, it is now "
            f"{current[:SHORT_HASH]}); nothing was approved. It waits for approval as it is now.",
            "Run `psn approve` to review the post as it is now, and approve that version if you agree.",
        )


def approve(
    conn: Conn, ref: str, reviewed: str, now: datetime, at: ScheduleTime | None = None
) -> tuple[posts.PostView, UUID]:
    """Approve a pending post as reviewed: ``reviewed`` is the content hash the approver was shown (the
    list's ``content_hash``, or its first 16+ characters). Its targets are scheduled (for ``at`` or its
    own time) and the author is told. Returns the post and its owner; queue it with
    :func:`posts.enqueue_due` after the commit.

    Raises:
        NotPermitted: not an editor or admin; PostNotFound; PostChangedSinceReview: the post is not what
        was reviewed; PostLocked: its time has passed and no new time was given.
    """
    require_role(conn, APPROVERS, "approve posts")
    post_id, owner, author = pending_ref(conn, ref)
    check_reviewed(conn, post_id, reviewed)
    stored = sql.one(conn, Q.post_time, {"post": post_id}, ScheduleTime)
    assert stored is not None
    when = at or stored
    if when.utc <= now:
        raise PostLocked(f"Post {str(post_id)[:8]}'s time has passed.", "Approve it with a new time (--at).")
    sql.run(conn, Q.unsubmit_targets, {"post": post_id})
    view = posts.schedule_post(conn, owner, post_id, when)
    _event(conn, post_id, "approved")
    _settle_requests(conn, post_id)
    _tell_author(
        conn,
        post_id,
        author,
        "approval_approved",
        f"Your company post {str(post_id)[:8]} was approved by {_me(conn)}.",
        f"It goes out {when.echo()}.",
        now,
    )
    return view, owner


def approve_and_enqueue(
    company: CompanyHub,
    ref: str,
    reviewed: str,
    enqueue: posts.Enqueue,
    now: datetime,
    at: ScheduleTime | None = None,
) -> posts.PostView:
    """:func:`approve`, commit, then queue each target (a crash in between is caught by the watchdog).

    Raises:
        See :func:`approve`; HubUnreachable.
    """
    with company.transaction() as conn:
        view, owner = approve(conn, ref, reviewed, now, at)
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
    """Reject a pending post with a reason; it is cancelled, its claimed slots unlinked, the author told why.

    Raises:
        NotPermitted: not an editor or admin; PostNotFound; PostInvalid: no reason given.
    """
    require_role(conn, APPROVERS, "reject posts")
    if not reason.strip():
        raise PostInvalid("A rejection needs a reason for the author.", problems=["reason is empty"])
    post_id, _owner, author = pending_ref(conn, ref)
    sql.run(conn, Q.reject_targets, {"reason": reason.strip(), "post": post_id})
    sql.run(conn, Q.unlink_slots, {"post": post_id})  # the claimer's next post at the slot links to it
    # An idea developed into this post stays developed (the ideas machine has no way back from developed):
    # the author's resubmission from the same idea_id links it again.
    _event(conn, post_id, "rejected", reason.strip())
    _settle_requests(conn, post_id)
    _tell_author(
        conn,
        post_id,
        author,
        "approval_rejected",
        f"{_me(conn)} rejected your company post {str(post_id)[:8]}: {reason.strip()}",
        "Edit the post and submit it again.",
        now,
    )
    return post_id
