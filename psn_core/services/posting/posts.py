"""Posts and their per-platform targets: create, validate, schedule, reschedule, cancel, list, retry.

A post has one target per connected account it goes to. Each target carries its own rendering (the
text of each part, its media) and its own status:
draft -> scheduled -> publishing -> published | failed | expired | needs_attention (| cancelled).

Everything a platform would refuse is found here, before anything is uploaded: text length as the
platform counts it, thread and carousel sizes, and every media file probed against the platform's
declared specs. Media files are copied into ``<workspace>/media`` under their content hash, so the file
that was checked is the file that is sent.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from uuid import UUID

from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from psn_core.errors import PostInvalid, PostLocked, PostNotFound
from psn_core.hub.database import Conn, Hub
from psn_core.media import probe_media, validate_probe
from psn_core.platforms.base import Platform
from psn_core.platforms.models import ArticleLink, MediaKind, MediaRef, MediaTransfer, PostPart, PublishRequest
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.schedule_time import ScheduleTime

# (member id, target id, when) -> the queue's run id. The worker provides it; services never import huey.
Enqueue = Callable[[UUID, UUID, datetime], str]


class MediaItem(BaseModel):
    path: str  # file name inside <workspace>/media
    kind: MediaKind
    mime_type: str
    size_bytes: int
    alt_text: str | None = None
    title: str | None = None


class RenderedPart(BaseModel):
    text: str = ""
    media: list[MediaItem] = []


class Rendering(BaseModel):
    parts: list[RenderedPart] = Field(min_length=1)
    title: str | None = None
    article_url: str | None = None
    reel: bool = False
    privacy_level: str | None = None

    def publish_request(
        self, index: int, media: tuple[MediaRef, ...] = (), previous: str | None = None
    ) -> PublishRequest:
        """What the platform client is handed to publish part ``index``: its text with ``media`` (the
        part's media as uploaded or as URLs), the post's options, and, past the first part, a reply to
        ``previous`` (the part before it)."""
        return PublishRequest(
            parts=(PostPart(text=self.parts[index].text, media=media),),
            article=ArticleLink(url=self.article_url) if self.article_url else None,
            title=self.title,
            reel=self.reel,
            privacy_level=self.privacy_level,
            reply_to_id=previous if index else None,
        )


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


# --- validation --------------------------------------------------------------------------------


def check_rendering(cls: type[Platform], rendering: Rendering, media_dir: Path, media_host: str | None) -> list[str]:
    """Every reason ``cls`` would refuse this rendering, as sentences naming the fix (empty: fine)."""
    name, limits, caps = cls.display_name, cls.limits, cls.capabilities
    problems: list[str] = []
    parts = rendering.parts
    if len(parts) > 1 and not caps.threads:
        problems.append(f"{name} has no threads; put everything in one post or choose another platform.")
    if limits.max_thread_parts and len(parts) > limits.max_thread_parts:
        problems.append(f"{name} threads hold at most {limits.max_thread_parts} parts; this one has {len(parts)}.")
    for number, part in enumerate(parts, start=1):
        where = f" (part {number})" if len(parts) > 1 else ""
        length = cls.text_length(part.text)
        if length > limits.max_text_length:
            problems.append(
                f"{name} allows {limits.max_text_length} characters{where}; this has {length}. "
                f"Cut {length - limits.max_text_length}" + (" or split it into a thread." if caps.threads else ".")
            )
        if not part.text.strip() and not part.media:
            problems.append(f"{name} cannot post an empty part{where}.")
        if number == 1 and not part.media and not caps.text_only and not rendering.article_url:
            problems.append(f"{name} posts need an image or a video; text-only posts do not exist there.")
        problems.extend(_check_media(cls, part, where, media_dir, media_host))
    return problems


def _check_media(cls: type[Platform], part: RenderedPart, where: str, media_dir: Path, host: str | None) -> list[str]:
    name, limits = cls.display_name, cls.limits
    problems: list[str] = []
    count = len(part.media)
    if count > 1:
        most = max(limits.carousel_max or 0, limits.max_images_per_post)
        if most < 2:
            problems.append(f"{name} takes one media item per post{where}; this has {count}.")
        elif count > most:
            problems.append(f"{name} takes at most {most} media items per post{where}; this has {count}.")
        elif limits.carousel_min and count < limits.carousel_min:
            problems.append(f"{name} carousels need at least {limits.carousel_min} items{where}.")
    for item in part.media:
        check = validate_probe(probe_media(media_dir / item.path), cls)
        problems.extend(p.message for p in check.problems)
        if cls.transfer_for(item.kind) is MediaTransfer.URL and not host:
            problems.append(
                f"{name} fetches media from a public URL and PSN_MEDIA_HOST_URL is not set; set it to a public "
                "base URL that serves your workspace's media/ folder."
            )
    return problems


def store_media(source: Path, media_dir: Path) -> MediaItem:
    """Copy a media file into the workspace under its content hash; probe it from its bytes.

    Raises:
        PostInvalid: the file is missing or unreadable.
    """
    probe = probe_media(source)
    if not probe.readable or probe.kind is None or probe.mime_type is None:
        raise PostInvalid(probe.error or f"{source} is not a media file psn can read.", problems=[probe.error or ""])
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:20]
    name = f"{digest}{source.suffix.lower()}"
    media_dir.mkdir(parents=True, exist_ok=True)
    target = media_dir / name
    if not target.exists():
        shutil.copyfile(source, target)
    return MediaItem(path=name, kind=probe.kind, mime_type=probe.mime_type, size_bytes=probe.size_bytes)


def render(target: TargetInput, media_dir: Path) -> Rendering:
    parts = []
    for part in target.parts:
        items = [store_media(Path(p), media_dir) for p in part.media]
        for item, alt in zip(items, part.alt_texts, strict=False):
            item.alt_text = alt
        parts.append(RenderedPart(text=part.text, media=items))
    return Rendering(parts=parts, title=target.title, article_url=target.article_url, reel=target.reel)


# --- storage -----------------------------------------------------------------------------------


def _account(conn: Conn, member_id: UUID, account_id: UUID) -> tuple[type[Platform], str, str]:
    row = conn.execute(
        "SELECT platform, handle, status FROM accounts WHERE id = %s AND member_id = %s", [account_id, member_id]
    ).fetchone()
    if row is None:
        raise PostNotFound(f"No connected account {account_id}.", "Run `psn auth status` to list your accounts.")
    return PLATFORMS[row["platform"]], row["handle"], row["status"]


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
        cls, handle, status = _account(conn, member_id, target.account_id)
        if status != "active":
            problems.append(f"{cls.display_name} @{handle} needs reconnecting: run `psn auth {cls.name}`.")
        rendering = render(target, media_dir)
        problems.extend(check_rendering(cls, rendering, media_dir, media_host))
        rows.append((target, cls, rendering))
    if problems:
        raise PostInvalid(f"The post cannot go out as it is: {problems[0]}", problems=problems)
    created = conn.execute(
        "INSERT INTO posts (member_id, idea, language, persona, origin, timezone, ttl_seconds)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        [member_id, post.idea, post.language, post.persona, post.origin, timezone, post.ttl_minutes * 60],
    ).fetchone()
    assert created is not None
    for target, cls, rendering in rows:
        conn.execute(
            "INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering)"
            " VALUES (%s, %s, %s, %s, %s)",
            [created["id"], member_id, target.account_id, cls.name, Jsonb(rendering.model_dump(mode="json"))],
        )
    return get_post(conn, member_id, created["id"])


_TARGETS = """
    SELECT t.*, a.handle FROM post_targets t JOIN accounts a ON a.id = t.account_id
"""


def _target_view(row: dict[str, object]) -> TargetView:
    return TargetView.model_validate({**row, "rendering": Rendering.model_validate(row["rendering"])})


def get_post(conn: Conn, member_id: UUID, post_id: UUID) -> PostView:
    """A post and its targets.

    Raises:
        PostNotFound: no such post for this member.
    """
    row = conn.execute("SELECT * FROM posts WHERE id = %s AND member_id = %s", [post_id, member_id]).fetchone()
    if row is None:
        raise PostNotFound(f"No post {post_id}.")
    targets = conn.execute(_TARGETS + " WHERE t.post_id = %s ORDER BY t.platform, t.created_at", [post_id])
    return PostView(
        **{k: row[k] for k in PostView.model_fields if k != "targets"},
        targets=[_target_view(t) for t in targets.fetchall()],
    )


def get_target(conn: Conn, member_id: UUID, target_id: UUID) -> TargetView:
    row = conn.execute(_TARGETS + " WHERE t.id = %s AND t.member_id = %s", [target_id, member_id]).fetchone()
    if row is None:
        raise PostNotFound(f"No post target {target_id}.", "Run `psn queue` or `psn failures` to list targets.")
    return _target_view(row)


# --- scheduling --------------------------------------------------------------------------------


def schedule_post(conn: Conn, member_id: UUID, post_id: UUID, when: ScheduleTime) -> PostView:
    """Schedule (or reschedule) every target still in draft or scheduled. Call :func:`enqueue_due`
    after the transaction commits.

    Raises:
        PostNotFound; PostLocked: no target can be changed any more.
    """
    conn.execute(
        "UPDATE posts SET scheduled_at = %s, local_time = %s, timezone = %s, updated_at = now()"
        " WHERE id = %s AND member_id = %s",
        [when.utc, when.local, when.zone, post_id, member_id],
    )
    changed = conn.execute(
        "UPDATE post_targets SET status = 'scheduled', due_at = %s, next_attempt_at = %s, run_id = NULL,"
        " updated_at = now() WHERE post_id = %s AND status IN ('draft', 'scheduled') RETURNING id",
        [when.utc, when.utc, post_id],
    ).fetchall()
    post = get_post(conn, member_id, post_id)
    if not changed:
        raise PostLocked(f"Post {post_id} is already publishing or done; its time cannot change.")
    return post


def enqueue_due(conn: Conn, member_id: UUID, post_id: UUID, enqueue: Enqueue) -> list[str]:
    """Hand every scheduled target of a post to the queue and remember the run ids."""
    run_ids = []
    rows = conn.execute(
        "SELECT id, next_attempt_at FROM post_targets WHERE post_id = %s AND status = 'scheduled'", [post_id]
    ).fetchall()
    for row in rows:
        run_id = enqueue(member_id, row["id"], row["next_attempt_at"])
        conn.execute("UPDATE post_targets SET run_id = %s WHERE id = %s", [run_id, row["id"]])
        run_ids.append(run_id)
    return run_ids


def cancel_post(conn: Conn, member_id: UUID, post_id: UUID) -> PostView:
    """Cancel every target that has not started publishing.

    Raises:
        PostNotFound; PostLocked: nothing was left to cancel.
    """
    post = get_post(conn, member_id, post_id)
    cancelled = conn.execute(
        "UPDATE post_targets SET status = 'cancelled', updated_at = now()"
        " WHERE post_id = %s AND status IN ('draft', 'scheduled') RETURNING id",
        [post_id],
    ).fetchall()
    if not cancelled:
        states = ", ".join(sorted({t.status for t in post.targets}))
        raise PostLocked(f"Nothing to cancel: the post's targets are {states}.")
    return get_post(conn, member_id, post_id)


def retry_target(conn: Conn, member_id: UUID, target_id: UUID, now: datetime) -> TargetView:
    """Put a failed, expired or needs-attention target back in the queue, due now.

    Raises:
        PostNotFound; PostLocked: the target is not in a state that can be retried.
    """
    row = conn.execute(
        "UPDATE post_targets SET status = 'scheduled', due_at = %s, next_attempt_at = %s, error_class = NULL,"
        " error_message = NULL, error_action = NULL, updated_at = now()"
        " WHERE id = %s AND member_id = %s AND status IN ('failed', 'expired', 'needs_attention') RETURNING id",
        [now, now, target_id, member_id],
    ).fetchone()
    if row is None:
        current = get_target(conn, member_id, target_id)
        raise PostLocked(f"Target {target_id} is {current.status}; only failed or expired targets can be retried.")
    return get_target(conn, member_id, target_id)


def list_targets(
    conn: Conn, member_id: UUID, statuses: tuple[str, ...], *, since: datetime | None = None, limit: int = 100
) -> list[TargetView]:
    """Targets in the given states, soonest first (queue, calendar, failures)."""
    rows = conn.execute(
        _TARGETS + " WHERE t.member_id = %s AND t.status = ANY(%s) AND (%s::timestamptz IS NULL OR t.due_at >= %s)"
        " ORDER BY coalesce(t.next_attempt_at, t.due_at), t.platform LIMIT %s",
        [member_id, list(statuses), since, since, limit],
    ).fetchall()
    return [_target_view(r) for r in rows]


QUEUED = ("scheduled", "publishing")
FAILED = ("failed", "expired", "needs_attention")


def calendar(conn: Conn, member_id: UUID, start: datetime, days: int = 7) -> list[TargetView]:
    """Everything due in ``days`` days from ``start``, whatever its state (except cancelled)."""
    rows = conn.execute(
        _TARGETS + " WHERE t.member_id = %s AND t.due_at >= %s AND t.due_at < %s AND t.status <> 'cancelled'"
        " ORDER BY t.due_at, t.platform",
        [member_id, start, start + timedelta(days=days)],
    ).fetchall()
    return [_target_view(r) for r in rows]


# --- lookups and the whole scheduling step -----------------------------------------------------


def resolve_ref(conn: Conn, member_id: UUID, ref: str, kind: Literal["post", "target"]) -> UUID:
    """A post or target id from its full form or an unambiguous prefix (at least 6 characters).

    Raises:
        PostNotFound: no match, or the prefix matches several.
    """
    table = "posts" if kind == "post" else "post_targets"
    cleaned = ref.strip().lower()
    if len(cleaned) < 6:
        raise PostNotFound(f"{ref!r} is too short to name a {kind}.", "Give at least the first 6 characters.")
    rows = conn.execute(
        f"SELECT id FROM {table} WHERE member_id = %s AND id::text LIKE %s LIMIT 2",  # noqa: S608 - fixed names
        [member_id, cleaned.replace("%", "").replace("_", "") + "%"],
    ).fetchall()
    if len(rows) != 1:
        reason = "matches nothing" if not rows else "matches several"
        raise PostNotFound(f"{ref!r} {reason}.", "Run `psn queue` or `psn failures` to see the ids.")
    return UUID(str(rows[0]["id"]))


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
    """What happened to a target: its error (raw platform body, secrets masked) and every attempt."""
    target = get_target(conn, member_id, target_id)
    raw = conn.execute("SELECT error_raw FROM post_targets WHERE id = %s", [target_id]).fetchone()
    ledger = conn.execute(
        "SELECT * FROM publish_ledger WHERE target_id = %s ORDER BY part_index, attempt", [target_id]
    ).fetchall()
    return Explanation(
        target=target,
        error_raw=raw["error_raw"] if raw else None,
        attempts=[LedgerEntry.model_validate(r) for r in ledger],
    )
