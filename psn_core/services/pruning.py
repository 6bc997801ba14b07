"""Pruning local media: a file in ``<workspace>/media`` goes 7 days after the last post using it was
published, and never while any unpublished (draft, scheduled, failed, ...) target still uses it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel

from psn_core.hub.database import Conn

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
