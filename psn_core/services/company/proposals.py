"""What the user confirms before a company write: approving a pending post, or posting for the company
(as a brand persona). Each is a :class:`~psn_core.services.posting.confirmations.Proposal` with its
"Posting as: <name> for <company> on <platform>" lines, the time in the user's zone and UTC and every
part's exact text and media, for the human gate (``mcp_server/gate.py``). Reads only; one company hub.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from psn_core.errors import PostInvalid
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.company import approvals, pending_posts
from psn_core.services.company import brand as company_brand
from psn_core.services.company.hubs import APPROVERS, posting_context, require_role
from psn_core.services.posting.confirmations import QUESTIONS, Proposal, digest_of
from psn_core.services.posting.schedule_time import ScheduleTime
from psn_core.timefmt import local

Q = Queries.load(__package__)


def _names(conn: Conn) -> tuple[str, str]:
    me: str | None = sql.value(conn, Q.my_name)
    company: str | None = sql.value(conn, Q.company_name)
    return me or "unknown member", company or "the company"


def _when(due: datetime, zone: ZoneInfo) -> str:
    return f"{local(due, zone)} = {due.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC"


def approval_proposal(
    conn: Conn, ref: str, reviewed: str, now: datetime, zone: ZoneInfo, at: ScheduleTime | None
) -> tuple[Proposal, str]:
    """The proposal to approve the pending post ``ref`` as reviewed (``reviewed``: the content hash the
    approver was shown), and the post's full current content hash, which the approval then names.

    Raises:
        NotPermitted: not an editor or admin; PostNotFound; PostChangedSinceReview: the post is not the
        version reviewed.
    """
    require_role(conn, APPROVERS, "approve posts")
    item = pending_posts.review(conn, ref, now, zone)
    approvals.check_reviewed(conn, item.post_id, reviewed)
    me, company = _names(conn)
    due = at.utc if at is not None else item.due_at
    lines = []
    for target in item.targets:
        name = PLATFORMS[target.platform].display_name
        for index, part in enumerate(target.parts, start=1):
            lines.append(f"{name} @{target.handle}, part {index}: {part.text}")
            lines.extend(f"  media: {m.kind} {m.digest} ({m.size_bytes} bytes)" for m in part.media)
    proposal = Proposal(
        action="approve",
        question=f"{QUESTIONS['approve']} (written by {item.author or 'a former member'})",
        posting_as=[
            f"{posting_context(me, company, PLATFORMS[t.platform].display_name)} (@{t.handle})" for t in item.targets
        ],
        when=_when(due, zone),
        parts=lines,
        digest=digest_of("approve", str(item.post_id), due.isoformat(), item.content_hash),
    )
    return proposal, item.content_hash


def refuse_forbidden_words(workspace: Path, slug: str, text: str, language: str) -> None:
    """Stop a company post that uses a word the synced brand guardrails forbid, before it reaches the hub.

    Raises:
        PostInvalid: naming the words; VoiceProfileInvalid: the synced brand file is broken.
    """
    found = company_brand.check_brand(workspace, slug, text, language).forbidden_words
    if found:
        raise PostInvalid(
            f"The post uses words {slug}'s brand guardrails forbid: {', '.join(found)}.",
            "Reword it without them; nothing was sent to the company hub.",
            problems=[f"forbidden: {word}" for word in found],
        )


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def company_post_proposal(
    conn: Conn, slug: str, specs: list[str], text: str, media: list[Path], when: ScheduleTime, persona: str
) -> Proposal:
    """The proposal to post ``text`` (and ``media``) on the company accounts ``specs`` at ``when``: scheduled
    for editors and admins, sent for approval for contributors.

    Raises:
        NotPermitted: not an active member; PostNotFound: unknown account; PostInvalid: empty text, or the
        accounts belong to different connectors.
    """
    if not text.strip():
        raise PostInvalid("A company post needs its text.", problems=["text is empty"])
    shown = approvals.preview_company_post(conn, specs)
    handles = [f"{line} (@{a.handle})" for line, a in zip(shown.context, shown.accounts, strict=True)]
    question = (
        "Send this company post for approval by an editor or admin?"
        if shown.needs_approval
        else QUESTIONS["company_post"]
    )
    lines = []
    for account in shown.accounts:
        lines.append(f"{PLATFORMS[account.platform].display_name} @{account.handle}, part 1: {text}")
        lines.extend(f"  media: {file.name}" for file in media)
    state = {
        "company": slug,
        "persona": persona,
        "accounts": [str(a.id) for a in shown.accounts],
        "text": text,
        "media": [_file_digest(file) for file in media],
        "approval": shown.needs_approval,
    }
    return Proposal(
        action="company_post",
        question=question,
        posting_as=handles,
        when=when.echo(),
        parts=lines,
        digest=digest_of("company_post", slug, when.utc.isoformat(), state),
    )
