"""Nothing moves toward a platform on a model's word alone: every such write is first a *proposal* (the
action, who posts where, when in the user's zone and UTC, the exact text of every part and its media),
the user confirms exactly that, and only then is it committed.

Every path uses it: scheduling, publishing now, rescheduling, retrying a target, approving a company post,
posting for a company. The MCP edge (``mcp_server/gate.py``) asks the user itself where the client can
(MCP elicitation), and otherwise returns the proposal with a confirmation token.

A proposal's ``digest`` covers the action, the post or target, the requested time and the state of what
moves (for a post: every target's account, status, time and rendering). A token is an HMAC, keyed by the
workspace's encryption key, over the action, its issue time and that digest, so it commits only exactly
what was proposed, for that action, within :data:`TOKEN_TTL_SECONDS`, and once: using it changes the state
it binds (a draft becomes scheduled, a time moves), and :class:`SpentTokens` refuses a token seen before.
The commit recomputes the digest in its own transaction (:func:`still_matches`), so a post edited after the
user said yes is refused, not published.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from psn_core.crypto import Keyring
from psn_core.errors import ConfirmationInvalid
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.platforms.models import MediaRef, PublishRequest
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.dry_run import CapturedRequest, OpenSandbox, dry_run
from psn_core.services.posting.posts import (
    Enqueue,
    PostView,
    TargetView,
    enqueue_due,
    get_post,
    get_target,
    retry_target,
    schedule_post,
)
from psn_core.services.posting.renderings import Rendering
from psn_core.services.posting.schedule_time import ScheduleTime

Q = Queries.load(__package__)
TOKEN_TTL_SECONDS = 10 * 60
PERSONAL_HUB = "your personal hub"

Action = Literal["schedule", "publish_now", "reschedule", "retry", "approve", "company_post", "reply"]
QUESTIONS: dict[str, str] = {
    "schedule": "Schedule this post?",
    "publish_now": "Publish this post now?",
    "reschedule": "Move this post to the new time?",
    "retry": "Publish this again now?",
    "approve": "Approve this company post? It is then scheduled and published.",
    "company_post": "Post this for the company?",
    "reply": "Post this reply?",
}
DONE_WORDS: dict[str, str] = {
    "schedule": "nothing was scheduled",
    "publish_now": "nothing was published",
    "reschedule": "the post keeps its time",
    "retry": "nothing was retried",
    "approve": "nothing was approved",
    "company_post": "nothing was sent to the company hub",
    "reply": "no reply was posted",
}


class Proposal(BaseModel):
    """One write, as the user confirms it."""

    action: Action
    question: str
    posting_as: list[str] = Field(description='"Posting as: <name> for <hub> on <platform>", one per account.')
    when: str = Field(description="Local time with its zone named, and UTC.")
    parts: list[str] = Field(description="The exact text of every part, and its media, per account.")
    digest: str = Field(exclude=True, default="")

    def message(self) -> str:
        """The text the user reads before answering."""
        return "\n".join([self.question, *self.posting_as, f"When: {self.when}", *self.parts])


class TargetPreview(BaseModel):
    target_id: UUID
    posting_as: str
    payloads: list[PublishRequest]
    http_requests: list[CapturedRequest] = Field(
        description="The exact requests the platform would receive (a dry run against the local emulator; "
        "ids and tokens are the emulator's)."
    )


class PostPreview(BaseModel):
    action: Action
    message: str = Field(description="Show this to the user as it is, and ask them to confirm.")
    post: PostView
    when: str
    scheduled_utc: str
    targets: list[TargetPreview]
    confirmation_token: str = ""
    expires_in_seconds: int = TOKEN_TTL_SECONDS


class ProposalPreview(BaseModel):
    """A proposal shown for confirmation by token (clients that cannot ask the user themselves)."""

    proposal: Proposal
    message: str = Field(description="Show this to the user as it is, and ask them to confirm.")
    confirmation_token: str
    expires_in_seconds: int = TOKEN_TTL_SECONDS


def poster_name(conn: Conn, member_id: UUID) -> str:
    """The name a member posts as (their id if the hub has no such member)."""
    name = sql.value(conn, Q.member_display_name, {"member_id": member_id})
    return str(name) if name is not None else str(member_id)


def publish_requests(rendering: Rendering) -> list[PublishRequest]:
    """What the publisher hands the platform client for each part. Media are named by file; their ids
    exist only after upload, and each thread part replies to the one before it."""
    requests = []
    for index, part in enumerate(rendering.parts):
        media = tuple(
            MediaRef(kind=m.kind, url=f"media/{m.path}", alt_text=m.alt_text, title=m.title) for m in part.media
        )
        requests.append(rendering.publish_request(index, media, f"<id of part {index}>"))
    return requests


def digest_of(action: str, subject: str, at: str, state: object) -> str:
    """What a confirmation covers, as one canonical string hashed."""
    text = json.dumps({"action": action, "subject": subject, "at": at, "state": state}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _target_state(t: TargetView) -> list[object]:
    return [str(t.id), str(t.account_id), t.status, t.due_at, t.attempts, t.rendering.model_dump(mode="json")]


def part_lines(platform: str, handle: str, rendering: Rendering) -> list[str]:
    """Every part's exact text and its media, for the user to read."""
    name = PLATFORMS[platform].display_name
    lines = []
    for index, part in enumerate(rendering.parts, start=1):
        lines.append(f"{name} @{handle}, part {index}: {part.text}")
        lines.extend(f"  media: {m.kind} {m.path}" for m in part.media)
    return lines


def post_proposal(
    conn: Conn, member_id: UUID, post: PostView, action: Action, when: ScheduleTime, *, immediate: bool
) -> Proposal:
    """The proposal to schedule (or publish now, or move) a personal post."""
    name = poster_name(conn, member_id)
    live = [t for t in post.targets if t.status in ("draft", "scheduled")]
    at = "now" if immediate else when.utc.isoformat()
    return Proposal(
        action=action,
        question=QUESTIONS[action],
        posting_as=[
            f"Posting as: {name} for {PERSONAL_HUB} on {PLATFORMS[t.platform].display_name} (@{t.handle})" for t in live
        ],
        when="now" if immediate else when.echo(),
        parts=[line for t in live for line in part_lines(t.platform, t.handle, t.rendering)],
        digest=digest_of(action, str(post.id), at, [_target_state(t) for t in post.targets]),
    )


def preview(
    conn: Conn,
    member_id: UUID,
    post_id: UUID,
    when: ScheduleTime,
    *,
    action: Action,
    media_dir: Path,
    sandbox: bool,
    open_sandbox: OpenSandbox,
    immediate: bool = False,
) -> tuple[Proposal, PostPreview]:
    """The proposal to act on ``post_id`` at ``when`` (or now), and its preview: a dry run of every request.
    ``open_sandbox`` gives the local stand-in of the platforms the dry run sends its requests to.

    Raises:
        PostNotFound.
    """
    post = get_post(conn, member_id, post_id)
    proposal = post_proposal(conn, member_id, post, action, when, immediate=immediate)
    live = [t for t in post.targets if t.status in ("draft", "scheduled")]
    targets = [
        TargetPreview(
            target_id=t.id,
            posting_as=line,
            payloads=publish_requests(t.rendering),
            http_requests=dry_run(t.platform, t.rendering, media_dir, sandbox=sandbox, open_sandbox=open_sandbox),
        )
        for t, line in zip(live, proposal.posting_as, strict=True)
    ]
    shown = PostPreview(
        action=action,
        message=proposal.message(),
        post=post,
        when=proposal.when if immediate else when.echo(),
        scheduled_utc=when.utc.isoformat(),
        targets=targets,
    )
    return proposal, shown


def target_proposal(conn: Conn, member_id: UUID, target_id: UUID) -> Proposal:
    """The proposal to publish a failed, expired or needs-attention target again now.

    Raises:
        PostNotFound.
    """
    t = get_target(conn, member_id, target_id)
    name = poster_name(conn, member_id)
    return Proposal(
        action="retry",
        question=f"{QUESTIONS['retry']} (it is {t.status}: {t.error_message or 'no reason recorded'})",
        posting_as=[f"Posting as: {name} for {PERSONAL_HUB} on {PLATFORMS[t.platform].display_name} (@{t.handle})"],
        when="now",
        parts=part_lines(t.platform, t.handle, t.rendering),
        digest=digest_of("retry", str(t.id), "now", _target_state(t)),
    )


def still_matches(proposal: Proposal, current: Proposal) -> None:
    """Refuse to commit when what would move now is not what the user confirmed.

    Raises:
        ConfirmationInvalid: the post, its accounts, state or time changed in between.
    """
    if not hmac.compare_digest(proposal.digest, current.digest):
        raise ConfirmationInvalid(
            f"It changed after it was shown for confirmation; {DONE_WORDS[proposal.action]}.",
        )


# --- tokens (clients that cannot ask the user themselves) ----------------------------------------


def _sign(ring: Keyring, action: str, issued: int, digest: str) -> str:
    mac = hmac.new(ring.active_key, f"psn-confirm:{action}:{issued}:{digest}".encode(), hashlib.sha256).hexdigest()
    return f"{issued}.{mac[:40]}"


def issue_token(ring: Keyring, proposal: Proposal, now: float | None = None) -> str:
    """A token that confirms exactly ``proposal`` (its action and digest) for TOKEN_TTL_SECONDS."""
    return _sign(ring, proposal.action, int(time.time() if now is None else now), proposal.digest)


class SpentTokens:
    """Tokens already used, remembered until they would have expired anyway (one per server process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spent: dict[str, float] = {}

    def spend(self, token: str, now: float) -> bool:
        """Mark ``token`` used; False when it was used before."""
        with self._lock:
            self._spent = {t: until for t, until in self._spent.items() if until > now}
            if token in self._spent:
                return False
            self._spent[token] = now + TOKEN_TTL_SECONDS + 60
            return True


def check_token(ring: Keyring, proposal: Proposal, token: str, spent: SpentTokens, now: float | None = None) -> None:
    """Accept ``token`` only for exactly ``proposal`` (same action, subject, content, state and time), within
    TOKEN_TTL_SECONDS, once.

    Raises:
        ConfirmationInvalid: malformed, expired, used before, or issued for something else.
    """
    moment = time.time() if now is None else now
    issued_text, _, _ = token.partition(".")
    if not issued_text.isdigit():
        raise ConfirmationInvalid("That confirmation token is not one psn issued.")
    issued = int(issued_text)
    if moment - issued > TOKEN_TTL_SECONDS or issued > moment + 60:
        raise ConfirmationInvalid(f"That confirmation is older than {TOKEN_TTL_SECONDS // 60} minutes.")
    expected = _sign(ring, proposal.action, issued, proposal.digest)
    if not hmac.compare_digest(expected, token):
        raise ConfirmationInvalid(
            "That confirmation token is for another action, post, time or content, or the post changed since "
            f"the preview; {DONE_WORDS[proposal.action]}."
        )
    if not spent.spend(token, moment):
        raise ConfirmationInvalid(f"That confirmation token was used already; {DONE_WORDS[proposal.action]}.")


# --- committing what the user confirmed -----------------------------------------------------------


def schedule_confirmed(
    hub: Hub, member_id: UUID, proposal: Proposal, post_id: UUID, when: ScheduleTime, enqueue: Enqueue
) -> PostView:
    """Schedule ``post_id`` at ``when`` as confirmed (``proposal``), commit, then queue each target.

    Raises:
        ConfirmationInvalid: the post changed since it was confirmed; PostNotFound; PostLocked.
    """
    immediate = proposal.when == "now"
    with hub.transaction(member_id) as conn:
        current = post_proposal(
            conn, member_id, get_post(conn, member_id, post_id), proposal.action, when, immediate=immediate
        )
        still_matches(proposal, current)
        schedule_post(conn, member_id, post_id, when)
    with hub.transaction(member_id) as conn:
        enqueue_due(conn, member_id, post_id, enqueue)
        return get_post(conn, member_id, post_id)


def retry_confirmed(
    hub: Hub, member_id: UUID, proposal: Proposal, target_id: UUID, now: datetime, enqueue: Enqueue
) -> TargetView:
    """Put a target back in the queue, due now, as confirmed (``proposal``), then queue it.

    Raises:
        ConfirmationInvalid: the target changed since it was confirmed; PostNotFound; PostLocked.
    """
    with hub.transaction(member_id) as conn:
        still_matches(proposal, target_proposal(conn, member_id, target_id))
        target = retry_target(conn, member_id, target_id, now)
    enqueue(member_id, target.id, now)
    return target
