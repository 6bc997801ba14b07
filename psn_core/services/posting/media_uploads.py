"""The media upload state machine of one target, persisted in ``media_uploads`` after every step:

INITIALIZED -> UPLOADING -> PROCESSING -> READY -> PUBLISHED, or FAILED.

A restarted worker picks up from the stored session (the next chunk to send, or the polling), and a
hard timeout (5 minutes for images and documents, 15 for video, from the first step) turns a stuck
upload into a clear MediaRejected instead of a post that hangs forever.

Every media item is checked right before it is handed to the platform (``media_blobs.media_bytes``): a
content-addressed name, a regular file in the media folder, bytes that hash to the name. A rendering
edited in the hub to point anywhere else fails the target with MediaReferenceRefused; nothing is read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn
from uuid import UUID

from psycopg.types.json import Jsonb
from pydantic import BaseModel

from psn_core.errors import MediaRejected, OutcomeUnknown
from psn_core.hub import sql
from psn_core.hub.database import Hub
from psn_core.hub.sql import Queries
from psn_core.media import probe_media
from psn_core.platforms.base import Platform
from psn_core.platforms.models import (
    MediaKind,
    MediaRef,
    MediaState,
    MediaStatus,
    MediaTransfer,
    PublishRequest,
    UploadRequest,
    UploadSession,
)
from psn_core.platforms.polling import poll_until
from psn_core.services.posting.leases import publish_transaction
from psn_core.services.posting.media_blobs import media_bytes, media_path
from psn_core.services.posting.renderings import MediaItem

Q = Queries.load(__package__)
HARD_TIMEOUT = {MediaKind.VIDEO: timedelta(minutes=15)}
DEFAULT_TIMEOUT = timedelta(minutes=5)
MAX_POLL_WAIT = 10.0


class _Upload(BaseModel):
    """The stored state of one media item's upload."""

    state: str
    deadline: datetime
    session: UploadSession | None
    remote_media_id: str | None
    error: str | None


class MediaUploader:
    """Prepares each media item of one target part for publishing, resumably."""

    def __init__(
        self,
        hub: Hub,
        member_id: UUID,
        target_id: UUID,
        client: Platform,
        token: str,
        media_dir: Path,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.hub, self.member_id, self.target_id = hub, member_id, target_id
        self.client, self.token, self.media_dir = client, token, media_dir
        self.clock, self.sleep = clock, sleep

    def _row(self, part: int, index: int) -> _Upload | None:
        with publish_transaction(self.hub, self.member_id) as conn:
            where = {"target_id": self.target_id, "part_index": part, "media_index": index}
            return sql.one(conn, Q.upload_state, where, _Upload)

    def _save(self, part: int, index: int, path: str, state: str, **fields: object) -> None:
        session = fields.pop("session", None)
        with publish_transaction(self.hub, self.member_id) as conn:
            sql.run(
                conn,
                Q.save_upload,
                {
                    "member_id": self.member_id,
                    "target_id": self.target_id,
                    "part_index": part,
                    "media_index": index,
                    "path": path,
                    "state": state,
                    "deadline": fields.get("deadline", self.clock()),
                    "session": Jsonb(session.model_dump(mode="json")) if isinstance(session, UploadSession) else None,
                    "remote_media_id": fields.get("remote"),
                    "error": fields.get("error"),
                },
            )

    def mark_published(self) -> None:
        with publish_transaction(self.hub, self.member_id) as conn:
            sql.run(conn, Q.mark_uploads_published, {"target_id": self.target_id})

    def prepare(
        self,
        part: int,
        index: int,
        item: MediaItem,
        *,
        post: PublishRequest,
        before_write: Callable[[], None],
    ) -> MediaRef:
        """A MediaRef the platform accepts in a post: a public URL, or the id of a finished upload.

        ``before_write`` runs before an upload whose first step publishes (TikTok video), so the ledger
        records the attempt before it can happen.

        Raises:
            MediaReferenceRefused: the item is not a checked content-addressed media file (nothing is read).
            MediaRejected: the platform refused the media, failed processing, or it took too long.
            OutcomeUnknown: a publishing upload was started before a crash and its fate is unknown.
            PlatformError: any other platform failure (retry resumes from the stored state).
        """
        cls = type(self.client)
        transfer = cls.transfer_for(item.kind)
        if transfer is MediaTransfer.URL:
            media_path(self.hub, self.member_id, self.media_dir, item.path)  # the media host serves this file
            return MediaRef(kind=item.kind, url=item.path, alt_text=item.alt_text, title=item.title)
        row = self._row(part, index)
        now = self.clock()
        if row is not None and row.state in ("READY", "PUBLISHED"):
            return MediaRef(kind=item.kind, media_id=str(row.remote_media_id), alt_text=item.alt_text, title=item.title)
        if row is not None and row.state == "FAILED":
            raise MediaRejected(f"{cls.display_name} did not accept the media: {row.error}.", platform=cls.name)
        data = media_bytes(self.hub, self.member_id, self.media_dir, item.path)  # checked before any request
        deadline = row.deadline if row is not None else now + HARD_TIMEOUT.get(item.kind, DEFAULT_TIMEOUT)
        session = row.session if row is not None else None
        if session is None:
            if row is not None and transfer is MediaTransfer.UPLOAD_WITH_POST:
                raise OutcomeUnknown(
                    f"A {cls.display_name} upload that also publishes was started before an interruption; "
                    "psn cannot tell whether it went out.",
                    f"Check your {cls.display_name} profile and inbox; if the post is not there, run `psn retry`.",
                    platform=cls.name,
                )
            self._save(part, index, item.path, "INITIALIZED", deadline=deadline)
            if transfer is MediaTransfer.UPLOAD_WITH_POST:
                before_write()
            with_post = transfer is MediaTransfer.UPLOAD_WITH_POST
            request = UploadRequest(
                kind=item.kind,
                mime_type=item.mime_type,
                total_bytes=item.size_bytes,
                alt_text=item.alt_text,
                post=post if with_post else None,
                # the creator's longest allowed video is only known at publish time (TikTok creator_info)
                duration_seconds=_duration(self.media_dir / item.path) if with_post else None,
            )
            session = self.client.init_upload(self.token, request)
            self._save(part, index, item.path, "UPLOADING", session=session, deadline=deadline)
        return self._finish(part, index, item, data, session, deadline)

    def _finish(
        self, part: int, index: int, item: MediaItem, data: bytes, session: UploadSession, deadline: datetime
    ) -> MediaRef:
        cls = type(self.client)
        for chunk_index, chunk in self.client.chunks(session, data):
            session = self.client.upload_chunk(self.token, session, chunk_index, chunk)
            self._save(part, index, item.path, "UPLOADING", session=session, deadline=deadline)
        if not session.finalized:
            session = self.client.finalize_upload(self.token, session)
        self._save(part, index, item.path, "PROCESSING", session=session, deadline=deadline)

        def read() -> MediaStatus:
            status = self.client.upload_status(self.token, session)
            if status.state is MediaState.FAILED:
                reason = status.error or "processing failed"
                self._save(part, index, item.path, "FAILED", error=reason, deadline=deadline)
                raise MediaRejected(f"{cls.display_name} could not process the media: {reason}.", platform=cls.name)
            return status

        def left() -> float:
            return (deadline - self.clock()).total_seconds()

        def pause(status: MediaStatus, attempt: int) -> float:
            backoff = min(2.0**attempt, MAX_POLL_WAIT)  # 1, 2, 4 ... seconds unless the platform says when
            asked = status.check_after_seconds if status.check_after_seconds is not None else backoff
            return max(0.05, min(asked, left(), MAX_POLL_WAIT))

        def too_slow(_status: MediaStatus) -> NoReturn:
            minutes = int(HARD_TIMEOUT.get(item.kind, DEFAULT_TIMEOUT).total_seconds() // 60)
            reason = f"processing did not finish within {minutes} minutes"
            self._save(part, index, item.path, "FAILED", error=reason, deadline=deadline)
            raise MediaRejected(
                f"{cls.display_name} {reason}.", "Try a smaller or shorter file, then `psn retry`.", platform=cls.name
            )

        status = poll_until(
            read,
            pending=lambda status: status.state is not MediaState.READY,
            wait=pause,
            timed_out=lambda: left() <= 0,
            give_up=too_slow,
            sleep=self.sleep,
        )
        self._save(part, index, item.path, "READY", remote=status.media_id, deadline=deadline)
        return MediaRef(kind=item.kind, media_id=status.media_id, alt_text=item.alt_text, title=item.title)


def _duration(path: Path) -> float | None:
    video = probe_media(path).video
    return video.duration_seconds if video is not None else None
