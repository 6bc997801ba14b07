"""Pruning, run daily by the worker:

* local media: a file in ``<workspace>/media`` goes 7 days after the last post using it was published,
  and never while any unpublished (draft, scheduled, failed, ...) target still uses it;
* published drafts: compacted 14 days after publishing (see :func:`prune_published_drafts`);
* upload state of dead targets, a day after its last step."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel

from psn_core.hub.database import Conn, Hub

MEDIA_KEEP = timedelta(days=7)


class PruneReport(BaseModel):
    deleted: list[str] = []
    kept: int = 0


def prune_media(conn: Conn, member_id: UUID, media_dir: Path, now: datetime) -> PruneReport:
    """Delete media files whose every post was published more than 7 days ago."""
    rows = conn.execute(
        """
        SELECT m->>'path' AS path,
               bool_or(t.status <> 'published' OR t.published_at > %s) AS still_needed
          FROM post_targets t,
               jsonb_array_elements(t.rendering->'parts') AS p,
               jsonb_array_elements(p->'media') AS m
         WHERE t.member_id = %s AND t.status <> 'cancelled'
         GROUP BY 1
        """,
        [now - MEDIA_KEEP, member_id],
    ).fetchall()
    report = PruneReport()
    for row in rows:
        path = media_dir / str(row["path"])
        if row["still_needed"] or not path.exists():
            report.kept += int(path.exists())
            continue
        path.unlink()
        report.deleted.append(str(row["path"]))
    return report


UPLOAD_KEEP = timedelta(days=1)


def prune_uploads(conn: Conn, member_id: UUID, now: datetime) -> int:
    """Forget upload state that can never be used again: uploads of targets that were cancelled, failed
    or expired, and unpublished leftovers of published targets, a day after their last step. The
    platforms expire such media themselves (X and Instagram after 24 hours); psn never publishes them."""
    done = conn.execute(
        """
        DELETE FROM media_uploads u USING post_targets t
         WHERE u.target_id = t.id AND u.member_id = %s AND u.updated_at < %s AND u.state <> 'PUBLISHED'
           AND t.status IN ('cancelled', 'failed', 'expired', 'published')
        """,
        [member_id, now - UPLOAD_KEEP],
    )
    return done.rowcount


DRAFT_KEEP = timedelta(days=14)


def prune_published_drafts(conn: Conn, member_id: UUID, now: datetime) -> int:
    """Compact the drafts of targets published more than 14 days ago.

    The platform holds the post now; psn keeps only what its analytics and voice report still read: the
    first part's text and the post's shape (how many parts, which kinds of media, an article link). Later
    parts' text and media file details go. Returns how many targets were compacted.
    """
    done = conn.execute(
        """
        WITH due AS (
            SELECT id, rendering FROM post_targets
             WHERE member_id = %(member)s AND status = 'published' AND published_at < %(cutoff)s
               AND NOT rendering ? 'pruned_at'
        ), parts AS (
            SELECT due.id, x.i,
                   jsonb_build_object(
                       'text', CASE WHEN x.i = 1 THEN x.part->'text' ELSE '""'::jsonb END,
                       'media', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                              'path', '', 'kind', m->'kind', 'mime_type', m->'mime_type',
                                              'size_bytes', m->'size_bytes'))
                                            FROM jsonb_array_elements(x.part->'media') AS m), '[]')) AS part
              FROM due, jsonb_array_elements(due.rendering->'parts') WITH ORDINALITY AS x(part, i)
        )
        UPDATE post_targets t
           SET rendering = jsonb_build_object(
                   'parts', (SELECT jsonb_agg(p.part ORDER BY p.i) FROM parts p WHERE p.id = t.id),
                   'article_url', due.rendering->'article_url',
                   'title', due.rendering->'title',
                   'pruned_at', to_jsonb(%(now)s::timestamptz)),
               updated_at = now()
          FROM due
         WHERE t.id = due.id
        """,
        {"member": member_id, "now": now, "cutoff": now - DRAFT_KEEP},
    )
    return done.rowcount


def prune(hub: Hub, member_id: UUID, media_dir: Path, now: datetime) -> tuple[PruneReport, int, int]:
    """The daily pruning of ``member_id``'s data in one transaction: media files, upload state, published
    drafts. Returns the media report and the numbers of upload states and drafts pruned."""
    with hub.transaction(member_id) as conn:
        uploads = prune_uploads(conn, member_id, now)
        drafts = prune_published_drafts(conn, member_id, now)
        return prune_media(conn, member_id, media_dir, now), uploads, drafts
