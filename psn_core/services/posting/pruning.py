"""Pruning, run daily by the worker:

* local media: a file in ``<workspace>/media`` goes 7 days after the last post using it was published,
  and never while any unpublished (draft, scheduled, failed, ...) target still uses it; only
  content-addressed names directly in the folder are ever deleted (a compacted rendering's empty name,
  a path or a subfolder is skipped: ``psn_core.media.store.remove_media``);
* published drafts: compacted 14 days after publishing (see :func:`prune_published_drafts`);
* upload state of dead targets, a day after its last step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.media.store import is_media_name, remove_media

Q = Queries.load(__package__)

MEDIA_KEEP = timedelta(days=7)


class PruneReport(BaseModel):
    deleted: list[str] = []
    kept: int = 0


@dataclass(frozen=True)
class _MediaUse:
    path: str
    still_needed: bool


def prune_media(conn: Conn, member_id: UUID, media_dir: Path, now: datetime) -> PruneReport:
    """Delete media files whose every post was published more than 7 days ago."""
    params = {"member_id": member_id, "published_before": now - MEDIA_KEEP}
    report = PruneReport()
    for use in sql.many(conn, Q.media_in_use, params, _MediaUse):
        name = str(use.path)
        if not is_media_name(name):
            continue  # '' (compacted) or not a media name: never a file psn may delete
        if use.still_needed:
            report.kept += int((media_dir / name).is_file())
            continue
        if remove_media(media_dir, name):
            report.deleted.append(name)
    return report


UPLOAD_KEEP = timedelta(days=1)


def prune_uploads(conn: Conn, member_id: UUID, now: datetime) -> int:
    """Forget upload state that can never be used again: uploads of targets that were cancelled, failed
    or expired, and unpublished leftovers of published targets, a day after their last step. The
    platforms expire such media themselves (X and Instagram after 24 hours); psn never publishes them."""
    return sql.run(conn, Q.prune_uploads, {"member_id": member_id, "before": now - UPLOAD_KEEP})


DRAFT_KEEP = timedelta(days=14)


def prune_published_drafts(conn: Conn, member_id: UUID, now: datetime) -> int:
    """Compact the drafts of targets published more than 14 days ago.

    The platform holds the post now; psn keeps only what its analytics and voice report still read: the
    first part's text and the post's shape (how many parts, which kinds of media, an article link). Later
    parts' text and media file details go. Returns how many targets were compacted.
    """
    params = {"member_id": member_id, "now": now, "cutoff": now - DRAFT_KEEP}
    return sql.run(conn, Q.prune_published_drafts, params)


def prune(hub: Hub, member_id: UUID, media_dir: Path, now: datetime) -> tuple[PruneReport, int, int]:
    """The daily pruning of ``member_id``'s data in one transaction: media files, upload state, published
    drafts. Returns the media report and the numbers of upload states and drafts pruned."""
    with hub.transaction(member_id) as conn:
        uploads = prune_uploads(conn, member_id, now)
        drafts = prune_published_drafts(conn, member_id, now)
        return prune_media(conn, member_id, media_dir, now), uploads, drafts
