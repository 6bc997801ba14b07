"""What the base class gives every platform: thread splitting and the optional upload verbs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from psn_core.errors import MediaRejected
from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.models import MediaKind, PlatformConfig, UploadSession
from psn_core.platforms.registry import PLATFORMS
from psn_core.platforms.x import XPlatform


def test_x_splits_a_long_text_into_parts_within_its_limit() -> None:
    text = "One sentence that goes on for a while. " * 20
    parts = XPlatform.split_thread(text)
    assert len(parts) > 1
    assert all(XPlatform.text_length(part) <= XPlatform.limits.max_text_length for part in parts)


@pytest.mark.parametrize("name", [n for n, cls in PLATFORMS.items() if not cls.capabilities.threads])
def test_platforms_without_threads_keep_the_text_whole(name: str) -> None:
    text = "word " * 1000
    assert PLATFORMS[name].split_thread(text) == [text]


def test_instagram_refuses_media_bytes_and_has_nothing_to_finalize() -> None:
    session = UploadSession(
        platform="instagram",
        kind=MediaKind.IMAGE,
        media_id="c1",
        mime_type="image/jpeg",
        total_bytes=3,
        chunk_size=0,
        total_chunks=0,
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    with InstagramPlatform(PlatformConfig()) as ig:
        with pytest.raises(MediaRejected, match="public URL"):
            ig.upload_chunk("token", session, 0, b"abc")
        assert ig.finalize_upload("token", session).finalized
