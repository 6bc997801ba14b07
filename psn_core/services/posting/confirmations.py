"""Publishing never happens on the first call: a preview first, then a commit with its token.

The preview shows who posts where and when (local time with zone, and UTC), what psn hands each
platform's client for each part, and the exact HTTP requests the platform would receive (a dry run of
the real client against the local emulator). Its confirmation token is an HMAC, keyed by the workspace's
encryption key, over the post's content, the accounts and the time: a token only commits exactly what
was previewed, and only for 30 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel, Field

from psn_core.crypto import Keyring
from psn_core.errors import ConfirmationInvalid
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.platforms.models import MediaRef, PublishRequest
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.dry_run import CapturedRequest, OpenSandbox, dry_run
from psn_core.services.posting.posts import PostView, get_post
from psn_core.services.posting.renderings import Rendering
from psn_core.services.posting.schedule_time import ScheduleTime

Q = Queries.load(__package__)
TOKEN_TTL_SECONDS = 30 * 60


class TargetPreview(BaseModel):
    target_id: UUID
    posting_as: str
    payloads: list[PublishRequest]
    http_requests: list[CapturedRequest] = Field(
        description="The exact requests the platform would receive (a dry run against the local emulator; "
        "ids and tokens are the emulator's)."
    )


class PostPreview(BaseModel):
    post: PostView
    when: str
    scheduled_utc: str
    targets: list[TargetPreview]
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


def _digest(post: PostView, when: ScheduleTime | None) -> str:
    """What a token covers: the targets' accounts and content, and the time (``now`` for publish_now)."""
    content = [(str(t.id), str(t.account_id), t.rendering.model_dump(mode="json")) for t in post.targets]
    at = when.utc.isoformat() if when is not None else "now"
    return json.dumps({"post": str(post.id), "at": at, "targets": content}, sort_keys=True)


def _sign(ring: Keyring, issued: int, digest: str) -> str:
    mac = hmac.new(ring.active_key, f"psn-confirm:{issued}:{digest}".encode(), hashlib.sha256).hexdigest()
    return f"{issued}.{mac[:32]}"


def preview(
    conn: Conn,
    ring: Keyring,
    member_id: UUID,
    post_id: UUID,
    when: ScheduleTime,
    *,
    media_dir: Path,
    sandbox: bool,
    open_sandbox: OpenSandbox,
    immediate: bool = False,
) -> PostPreview:
    """The dry run of scheduling ``post_id`` at ``when`` (or publishing it now), with its confirmation token.
    ``open_sandbox`` gives the local stand-in of the platforms the dry run sends its requests to."""
    post = get_post(conn, member_id, post_id)
    name = poster_name(conn, member_id)
    targets = [
        TargetPreview(
            target_id=t.id,
            posting_as=f"Posting as: {name} for your personal hub on {PLATFORMS[t.platform].display_name} "
            f"(@{t.handle})",
            payloads=publish_requests(t.rendering),
            http_requests=dry_run(t.platform, t.rendering, media_dir, sandbox=sandbox, open_sandbox=open_sandbox),
        )
        for t in post.targets
        if t.status in ("draft", "scheduled")
    ]
    return PostPreview(
        post=post,
        when=when.echo(),
        scheduled_utc=when.utc.isoformat(),
        targets=targets,
        confirmation_token=_sign(ring, int(time.time()), _digest(post, None if immediate else when)),
    )


def check_token(
    conn: Conn, ring: Keyring, member_id: UUID, post_id: UUID, when: ScheduleTime | None, token: str
) -> None:
    """Accept ``token`` only for exactly what was previewed (``when`` None: publish now), within 30 minutes.

    Raises:
        ConfirmationInvalid: malformed, expired, or the post, accounts or time changed since the preview.
    """
    issued_text, _, _ = token.partition(".")
    if not issued_text.isdigit():
        raise ConfirmationInvalid("That confirmation token is not one psn issued.")
    issued = int(issued_text)
    if time.time() - issued > TOKEN_TTL_SECONDS:
        raise ConfirmationInvalid("That confirmation is older than 30 minutes.")
    expected = _sign(ring, issued, _digest(get_post(conn, member_id, post_id), when))
    if not hmac.compare_digest(expected, token):
        raise ConfirmationInvalid("The post, its accounts or its time changed since the preview.")
