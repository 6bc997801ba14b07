"""A target's rendering: the text of each part and its media, as stored with the target and as handed to
its platform, and every reason the platform would refuse it.

Everything a platform would refuse is found before anything is uploaded: text length as the platform
counts it, thread and carousel sizes, and every media file probed against the platform's declared specs.
Media files are copied into ``<workspace>/media`` under their content hash (``psn_core.media.store``), so
the file that was checked is the file that is sent: a rendering refers to media only by that name,
checked here and again before upload.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from psn_core.errors import MediaReferenceRefused, PostInvalid
from psn_core.media import probe_media, validate_probe
from psn_core.media import store as media_store
from psn_core.media.probe import pixel_limit
from psn_core.platforms.base import Platform
from psn_core.platforms.models import ArticleLink, MediaKind, MediaRef, MediaTransfer, PostPart, PublishRequest
from psn_core.services.posting.draft_rules import DraftShape, shape_problems


class MediaItem(BaseModel):
    path: str  # <sha256>.<ext>: its name inside <workspace>/media (psn_core.media.store), never a path
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
    privacy_level: str | None = None  # TikTok: the user's choice, never defaulted
    allow_comment: bool = False  # TikTok interactions: off unless the user turns them on
    allow_duet: bool = False
    allow_stitch: bool = False

    def media_digests(self) -> list[str]:
        """The SHA-256 of each media item, part by part in order (what an approval hash binds). A name
        that is not content-addressed gives its raw text, so it can never match a reviewed digest."""
        digests = []
        for part in self.parts:
            for item in part.media:
                try:
                    digests.append(media_store.check_name(item.path))
                except MediaReferenceRefused:
                    digests.append(item.path)
        return digests

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
            allow_comment=self.allow_comment,
            allow_duet=self.allow_duet,
            allow_stitch=self.allow_stitch,
            reply_to_id=previous if index else None,
        )


# --- validation --------------------------------------------------------------------------------


def check_rendering(cls: type[Platform], rendering: Rendering, media_dir: Path, media_host: str | None) -> list[str]:
    """Every reason ``cls`` would refuse this rendering, as sentences naming the fix (empty: fine): the
    draft's shape (draft_rules, the same rules check_draft applies), then each stored media file."""
    parts = rendering.parts
    shape = DraftShape(
        texts=tuple(p.text for p in parts),
        media_counts=tuple(len(p.media) for p in parts),
        article_url=rendering.article_url,
        privacy_level=rendering.privacy_level,
    )
    problems = shape_problems(cls, shape)
    for number, part in enumerate(parts, start=1):
        problems.extend(_check_media(cls, part, f" (part {number})" if len(parts) > 1 else "", media_dir, media_host))
    return problems


def _check_media(cls: type[Platform], part: RenderedPart, where: str, media_dir: Path, host: str | None) -> list[str]:
    name = cls.display_name
    problems: list[str] = []
    for item in part.media:
        try:
            path = media_store.verify_media(media_dir, item.path)
        except MediaReferenceRefused as exc:
            problems.append(f"{exc.message}{where} {exc.action}")
            continue
        check = validate_probe(probe_media(path, max_pixels=pixel_limit(cls.media_specs.values())), cls)
        problems.extend(p.message for p in check.problems)
        if cls.transfer_for(item.kind) is MediaTransfer.URL and not host:
            problems.append(
                f"{name} fetches media from a public URL and PSN_MEDIA_HOST_URL is not set; set it to a public "
                "base URL that serves your workspace's media/ folder."
            )
    return problems


def store_media(source: Path, media_dir: Path) -> MediaItem:
    """Copy a media file into the workspace as ``<sha256>.<ext>``; probe it from its bytes first (an
    image too large to decode safely is refused from its header, before it is decoded).

    Raises:
        PostInvalid: the file is missing, unreadable or not a media file.
    """
    probe = probe_media(source)
    if not probe.readable or probe.kind is None or probe.mime_type is None:
        raise PostInvalid(probe.error or f"{source} is not a media file psn can read.", problems=[probe.error or ""])
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise PostInvalid(f"psn cannot read {source} ({exc.strerror or exc}).", problems=[str(exc)]) from None
    name = media_store.media_name(data, probe.mime_type)
    media_store.write_media(media_dir, name, data)
    return MediaItem(path=name, kind=probe.kind, mime_type=probe.mime_type, size_bytes=len(data))
