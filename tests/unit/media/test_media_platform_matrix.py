"""Every platform, its own declared specs: good media passes, every bad case is refused before upload.

The refusal is shown the way the publishing service will use it: ``require_valid`` runs first and a
fake uploader records whether it was ever called.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from media_factory import MediaFactory, pad_to

from psn_core.errors import MediaRejected
from psn_core.media import MediaCheck, MediaTarget, ProblemCode, require_valid, validate_media
from psn_core.media.describe import human_size
from psn_core.media.errors import MediaInvalid
from psn_core.platforms.models import MediaKind, MediaSpec
from psn_core.platforms.registry import PLATFORMS

NAMES = sorted(PLATFORMS)
PLURAL = {MediaKind.IMAGE: "images", MediaKind.GIF: "GIFs", MediaKind.VIDEO: "videos", MediaKind.DOCUMENT: "documents"}

# A good image for each platform: format and size inside what it declares.
VALID_IMAGES = {
    "x": ("ok.jpg", (800, 600)),
    "linkedin": ("ok.png", (800, 600)),
    "instagram": ("ok.jpg", (1080, 1350)),
    "tiktok": ("ok.jpg", (540, 960)),
}
# An image format each platform refuses.
WRONG_IMAGE_FORMATS = {"x": "photo.bmp", "linkedin": "photo.webp", "instagram": "photo.png", "tiktok": "photo.png"}


class FakeUploader:
    """Stands in for a platform's upload verb; records every call."""

    def __init__(self) -> None:
        self.calls: list[Path] = []

    def upload(self, path: Path) -> None:
        self.calls.append(path)


def publish(path: Path, platform: str | MediaTarget, uploader: FakeUploader) -> MediaCheck:
    """What the publishing service does: validate, and upload only a file that passed."""
    check = require_valid(path, platform)
    uploader.upload(path)
    return check


def refused(path: Path, platform: str | MediaTarget, code: ProblemCode) -> str:
    """Assert the file never reaches the uploader, and return the sentence of the ``code`` problem."""
    uploader = FakeUploader()
    with pytest.raises(MediaInvalid) as caught:
        publish(path, platform, uploader)
    assert uploader.calls == []
    assert isinstance(caught.value, MediaRejected)
    problems = [p for p in caught.value.problems if p.code is code]
    assert problems, f"expected a {code} problem, got {caught.value.problems}"
    return problems[0].message


def spec(platform: str, kind: MediaKind) -> MediaSpec | None:
    return PLATFORMS[platform].media_specs.get(kind)


def declared_kinds() -> list[tuple[str, MediaKind]]:
    return [(name, kind) for name in NAMES for kind in PLATFORMS[name].media_specs]


def make_valid(media: MediaFactory, platform: str, kind: MediaKind, valid_video: Path) -> Path:
    if kind is MediaKind.IMAGE:
        name, size = VALID_IMAGES[platform]
        return media.image(name, size)
    if kind is MediaKind.GIF:
        return media.gif("ok.gif", frames=3)
    if kind is MediaKind.VIDEO:
        return Path(shutil.copy(valid_video, media.path("ok.mp4")))
    return media.pdf("ok.pdf", pages=2)


# --- good media ------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", NAMES)
def test_valid_image_is_accepted(media: MediaFactory, platform: str) -> None:
    name, size = VALID_IMAGES[platform]
    uploader = FakeUploader()

    check = publish(media.image(name, size), platform, uploader)

    assert check.ok and check.kind is MediaKind.IMAGE and check.problems == ()
    assert len(uploader.calls) == 1


@pytest.mark.parametrize("platform", NAMES)
def test_valid_video_is_accepted_where_the_platform_takes_video(valid_video: Path, platform: str) -> None:
    check = validate_media(valid_video, platform)

    if spec(platform, MediaKind.VIDEO) is not None:
        assert check.ok, check.summary()
    else:
        assert [p.code for p in check.problems] == [ProblemCode.UNSUPPORTED_KIND]
        display = PLATFORMS[platform].display_name
        assert check.problems[0].message.startswith(f"psn can't post videos to {display}; valid.mp4 is an MP4 video.")


@pytest.mark.parametrize(("platform", "kind"), declared_kinds())
def test_valid_file_of_every_declared_kind_is_accepted(
    media: MediaFactory, valid_video: Path, platform: str, kind: MediaKind
) -> None:
    check = validate_media(make_valid(media, platform, kind, valid_video), platform)

    assert check.ok, check.summary()
    assert check.spec is not None


# --- oversized: a sparse hole makes the file big without writing it ---------------------------------


@pytest.mark.parametrize(("platform", "kind"), declared_kinds())
def test_oversized_file_is_refused(media: MediaFactory, valid_video: Path, platform: str, kind: MediaKind) -> None:
    limit = PLATFORMS[platform].media_specs[kind].max_bytes
    if kind is MediaKind.DOCUMENT:
        path = pad_to(media.padded_pdf("big.pdf", limit + limit // 10), limit + limit // 10)  # exact size
    else:
        path = pad_to(make_valid(media, platform, kind, valid_video), limit + limit // 10)

    message = refused(path, platform, ProblemCode.FILE_SIZE)

    display = PLATFORMS[platform].display_name
    assert message.startswith(
        f"{display} {PLURAL[kind]} must be at most {human_size(limit)}; this one is {human_size(limit + limit // 10)}."
    )


# --- wrong format ----------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", NAMES)
def test_image_in_a_refused_format_is_refused(media: MediaFactory, platform: str) -> None:
    image_spec = spec(platform, MediaKind.IMAGE)
    assert image_spec is not None
    path = media.image(WRONG_IMAGE_FORMATS[platform], (800, 600))

    message = refused(path, platform, ProblemCode.FORMAT)

    display = PLATFORMS[platform].display_name
    assert message.startswith(f"{display} images must be ")
    assert f"; this is a {path.suffix[1:].upper().replace('WEBP', 'WebP')}." in message
    assert message.endswith("Export it as JPEG.")


@pytest.mark.parametrize("platform", [n for n in NAMES if spec(n, MediaKind.VIDEO) is not None])
def test_video_in_a_refused_container_is_refused(media: MediaFactory, platform: str) -> None:
    path = media.video("clip.avi", size=(360, 640), seconds=0.2, codec="mpeg4", audio=None)

    message = refused(path, platform, ProblemCode.FORMAT)

    assert message.startswith(f"{PLATFORMS[platform].display_name} videos must be MP4")
    assert "; this is an AVI." in message


# --- wrong aspect ratio ----------------------------------------------------------------------------


def test_x_refuses_a_video_wider_than_3_to_1(media: MediaFactory) -> None:
    message = refused(media.video("banner.mp4", size=(128, 32), seconds=0.6), "x", ProblemCode.ASPECT_RATIO)

    assert message == (
        "X videos must have an aspect ratio between 1:3 and 3:1; this one is 4:1 (128x32), too wide. "
        "Crop it to 3:1, e.g. 96x32."
    )


def test_instagram_refuses_an_image_taller_than_4_to_5(media: MediaFactory) -> None:
    message = refused(media.image("tall.jpg", (320, 640)), "instagram", ProblemCode.ASPECT_RATIO)

    assert message == (
        "Instagram images must have an aspect ratio between 4:5 and 1.91:1; this one is 1:2 (320x640), too tall. "
        "Crop it to 4:5, e.g. 320x400."
    )


@pytest.mark.parametrize(("platform", "kind"), [("tiktok", MediaKind.VIDEO), ("linkedin", MediaKind.IMAGE)])
def test_platforms_without_declared_ratios_are_checked_once_they_declare_one(
    media: MediaFactory, platform: str, kind: MediaKind
) -> None:
    # TikTok and LinkedIn declare no aspect-ratio bounds today (see the report); give them a 9:16 rule.
    cls = PLATFORMS[platform]
    declared = cls.media_specs[kind]
    assert declared.min_aspect_ratio is None and declared.max_aspect_ratio is None
    strict = declared.model_copy(update={"min_aspect_ratio": 9 / 16, "max_aspect_ratio": 9 / 16})
    target = MediaTarget(
        name=cls.name,
        display_name=cls.display_name,
        specs=tuple(strict if s.kind is kind else s for s in cls.media_specs.values()),
    )
    path = (
        media.video("square.mp4", size=(360, 360), seconds=0.5, fps=24)
        if kind is MediaKind.VIDEO
        else media.image("square.png", (800, 800))
    )

    message = refused(path, target, ProblemCode.ASPECT_RATIO)

    noun = "video" if kind is MediaKind.VIDEO else "image"
    side = 360 if kind is MediaKind.VIDEO else 800
    crop = 202 if kind is MediaKind.VIDEO else 450
    assert message == (
        f"{cls.display_name} needs a 9:16 {noun}; this one is 1:1 ({side}x{side}). Crop it to 9:16, e.g. {crop}x{side}."
    )


# --- damaged files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", NAMES)
def test_damaged_file_is_refused_as_unreadable_not_a_crash(media: MediaFactory, platform: str) -> None:
    path = media.truncated(media.image("whole.jpg", (600, 600)), "cut.jpg", keep=0.4)

    message = refused(path, platform, ProblemCode.UNREADABLE)

    assert message.startswith(f"Cannot read this file (cut.jpg), so it can't go to {PLATFORMS[platform].display_name}:")
    assert "cut short" in message
