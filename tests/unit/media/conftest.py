"""Fixtures handing out real media files made at test time (see media_factory.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_factory import MediaFactory


@pytest.fixture
def media(tmp_path: Path) -> MediaFactory:
    return MediaFactory(tmp_path)


@pytest.fixture(scope="session")
def shared_media(tmp_path_factory: pytest.TempPathFactory) -> MediaFactory:
    """For files many tests only read (encoded once per run)."""
    return MediaFactory(tmp_path_factory.mktemp("shared-media"))


@pytest.fixture(scope="session")
def valid_video(shared_media: MediaFactory) -> Path:
    """Fits X, Instagram and TikTok: 360x640 (9:16), 3.2 s at 24 fps, H.264 + AAC in MP4."""
    return shared_media.video("valid.mp4", size=(360, 640), seconds=3.2, fps=24)
