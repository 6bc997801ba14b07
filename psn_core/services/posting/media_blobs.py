"""Media carried through a hub: a company post is written on the author's machine and published by the
account owner's worker, maybe in another workspace, so its media bytes travel in the company hub
(``media_blobs``, content-addressed; the hub checks each digest; RLS lets the author and the approvers
read them). Before upload the publishing worker copies a blob into its own media folder under the same
name, after checking the digest again, and then reads it like any local media (``psn_core.media.store``).
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from psn_core.errors import MediaReferenceRefused
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.media import store as media_store

Q = Queries.load(__package__)

MAX_BLOB_BYTES = 100 * 1024 * 1024  # the hub's own limit (media_blobs CHECK): 100 MiB


def store_blobs(conn: Conn, media_dir: Path, names: list[str]) -> None:
    """Copy media ``names`` (already in ``media_dir``, checked) into the hub, for whoever publishes.

    Raises:
        MediaReferenceRefused: a name is not a checked media file, or it is larger than 100 MiB.
    """
    for name in names:
        data = media_store.read_media(media_dir, name)
        if len(data) > MAX_BLOB_BYTES:
            raise MediaReferenceRefused(
                f"{name} is {len(data) // (1024 * 1024)} MiB; company posts carry at most 100 MiB per media file.",
                "Use a smaller or shorter file for the company post.",
            )
        digest = media_store.sha256_hex(data)
        ext = name.partition(".")[2] or "bin"
        sql.run(conn, Q.store_blob, {"digest": digest, "ext": ext, "data": data})


def media_bytes(hub: Hub, member_id: UUID, media_dir: Path, name: str) -> bytes:
    """The checked bytes of media ``name``: from ``media_dir``, or, when it is not there, from the hub
    (written into ``media_dir`` first, its digest checked).

    Raises:
        MediaReferenceRefused: a bad name, a link or changed bytes in the folder, or not in the hub either.
    """
    digest = media_store.check_name(name)
    if not (media_dir / name).is_symlink() and not (media_dir / name).exists() and len(digest) == 64:
        with hub.transaction(member_id) as conn:
            data = sql.value(conn, Q.blob, {"digest": digest})
        if data is not None:
            media_store.write_media(media_dir, name, bytes(data))
    return media_store.read_media(media_dir, name)


def media_path(hub: Hub, member_id: UUID, media_dir: Path, name: str) -> Path:
    """:func:`media_bytes`, for callers that hand the file on by name (media served from a URL).

    Raises:
        MediaReferenceRefused: see :func:`media_bytes`.
    """
    media_bytes(hub, member_id, media_dir, name)
    return media_store.media_file(media_dir, name)
