"""validate_media: which spec applies, and sentences that say what to change."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_factory import MB, MediaFactory, pad_to

from psn_core.errors import MediaRejected
from psn_core.media import (
    MediaCheck,
    MediaTarget,
    ProblemCode,
    probe_media,
    require_valid,
    resolve_target,
    validate_media,
    validate_probe,
)
from psn_core.media.describe import canonical_codec
from psn_core.media.errors import MediaInvalid
from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.models import MediaKind, MediaSpec, PlatformConfig
from psn_core.platforms.x import XPlatform


def codes(check: MediaCheck) -> list[ProblemCode]:
    return [p.code for p in check.problems]


def message(check: MediaCheck, code: ProblemCode) -> str:
    return next(p.message for p in check.problems if p.code is code)


# --- the sentences -------------------------------------------------------------------------------


def test_x_oversized_image_names_limit_and_size(media: MediaFactory) -> None:
    path = pad_to(media.image("big.jpg", (800, 600)), int(7.2 * MB))

    check = validate_media(path, "x")

    assert message(check, ProblemCode.FILE_SIZE) == (
        "X images must be at most 5 MB; this one is 7.2 MB. Compress it or export it at a smaller size."
    )
    assert check.problems[0].expected == "at most 5 MB" and check.problems[0].actual == "7.2 MB"


def test_instagram_png_is_told_to_export_as_jpeg(media: MediaFactory) -> None:
    check = validate_media(media.image("post.png", (1080, 1080)), "instagram")

    assert codes(check) == [ProblemCode.FORMAT]
    assert check.problems[0].message == "Instagram images must be JPEG; this is a PNG. Export it as JPEG."
    assert check.problems[0].platform == "instagram"


def test_lying_extension_is_named_in_the_format_problem_and_warned_about(media: MediaFactory) -> None:
    check = validate_media(media.image("post.jpg", (1080, 1080), fmt="PNG"), "instagram")

    assert message(check, ProblemCode.FORMAT) == (
        "Instagram images must be JPEG; this is a PNG (its name ends in .jpg, but the content is PNG). "
        "Export it as JPEG."
    )
    assert [w.code for w in check.warnings] == [ProblemCode.EXTENSION_MISMATCH]


def test_lying_extension_alone_is_only_a_warning(media: MediaFactory) -> None:
    check = validate_media(media.image("post.png", (800, 600), fmt="JPEG"), "x")

    assert check.ok
    assert check.warnings[0].message == (
        "post.png is named like a PNG but its content is a JPEG; psn treats it as a JPEG."
    )


def test_too_small_video_says_how_large_it_must_be(media: MediaFactory) -> None:
    check = validate_media(media.video("tiny.mp4", size=(64, 114), seconds=0.5, fps=24), "tiktok")

    assert message(check, ProblemCode.DIMENSIONS) == (
        "TikTok videos must be at least 360x360; this one is 64x114. Use a larger original, at least 360x642."
    )


def test_too_wide_image_is_told_the_size_to_resize_to(media: MediaFactory) -> None:
    check = validate_media(media.image("wide.jpg", (1600, 1600)), "tiktok")

    assert message(check, ProblemCode.DIMENSIONS) == (
        "TikTok images must be at most 1080x1920; this one is 1600x1600. Resize it to 1080x1080."
    )


def test_large_phone_photo_is_fine_for_instagram_which_rescales_it(media: MediaFactory) -> None:
    # Instagram scales widths outside 320-1440 px itself; refusing a 4000 px photo would be wrong.
    check = validate_media(media.image("big.jpg", (4000, 3000)), "instagram")

    assert check.ok, check.summary()


def test_exif_rotated_phone_photo_is_measured_as_shown(media: MediaFactory) -> None:
    # Stored 1920x1080 but shown 1080x1920: fits TikTok's 1080x1920 photo limit.
    check = validate_media(media.image("phone.jpg", (1920, 1080), orientation=6), "tiktok")

    assert check.ok, check.summary()


def test_short_slow_video_gets_duration_and_frame_rate_problems(media: MediaFactory) -> None:
    check = validate_media(media.video("short.mp4", size=(64, 114), seconds=1.0, fps=15), "instagram")

    assert message(check, ProblemCode.DURATION) == (
        "Instagram videos must be at least 3 seconds long; this one is 1 second. Use a longer clip."
    )
    assert message(check, ProblemCode.FRAME_RATE) == (
        "Instagram videos must be 23 fps to 60 fps; this one is 15 fps. Export it again at 30 fps."
    )


def test_wrong_video_codec_is_named_with_the_fix(media: MediaFactory) -> None:
    check = validate_media(media.video("old.mp4", size=(64, 114), seconds=0.6, codec="mpeg4"), "x")

    assert codes(check) == [ProblemCode.VIDEO_CODEC]
    assert check.problems[0].message == ("X videos must be H.264; this one is MPEG-4 Part 2. Re-encode it as H.264.")


def test_wrong_audio_codec_is_named_with_the_fix(media: MediaFactory) -> None:
    check = validate_media(media.video("opus.mp4", size=(64, 114), seconds=0.6, audio="libopus"), "x")

    assert codes(check) == [ProblemCode.AUDIO_CODEC]
    assert check.problems[0].message == "X videos need AAC sound; this one has Opus sound. Re-encode the sound as AAC."


def test_spec_codec_aliases_match_ffmpeg_names() -> None:
    # TikTok declares "h265"; FFmpeg calls it "hevc".
    assert canonical_codec("h265") == "hevc" and canonical_codec("H264") == "h264"


def test_pdf_with_too_many_pages_is_refused(media: MediaFactory) -> None:
    check = validate_media(media.pdf("long.pdf", pages=301), "linkedin")

    assert message(check, ProblemCode.PAGES) == (
        "LinkedIn documents can have at most 300 pages; this one has 301. Split it or remove pages."
    )


def test_document_on_a_platform_without_documents_says_what_it_takes(media: MediaFactory) -> None:
    check = validate_media(media.pdf("deck.pdf"), "x")

    assert codes(check) == [ProblemCode.UNSUPPORTED_KIND]
    assert check.problems[0].message == (
        "psn can't post documents to X; deck.pdf is a PDF document. Use images, GIFs or videos instead."
    )


# --- which spec applies --------------------------------------------------------------------------


def test_gif_uses_the_gif_spec_where_there_is_one(media: MediaFactory) -> None:
    check = validate_media(media.gif("loop.gif"), "x")

    assert check.ok and check.kind is MediaKind.GIF


def test_gif_falls_back_to_the_image_spec_where_there_is_no_gif_spec(media: MediaFactory) -> None:
    check = validate_media(media.gif("loop.gif"), "instagram")

    assert check.kind is MediaKind.IMAGE
    assert message(check, ProblemCode.FORMAT) == "Instagram images must be JPEG; this is a GIF. Export it as JPEG."


def test_asking_for_another_kind_than_the_file_is_a_problem(media: MediaFactory) -> None:
    check = validate_media(media.image("photo.jpg"), "tiktok", kind=MediaKind.VIDEO)

    assert codes(check) == [ProblemCode.WRONG_KIND]
    assert check.problems[0].message == (
        "This was meant to go to TikTok as a video, but photo.jpg is a JPEG image. Pick a video file instead."
    )


def test_every_problem_of_a_file_is_listed(media: MediaFactory) -> None:
    path = pad_to(media.image("bad.png", (200, 600)), 9 * MB)

    check = validate_media(path, "instagram")

    assert codes(check) == [
        ProblemCode.FORMAT,
        ProblemCode.FILE_SIZE,
        ProblemCode.ASPECT_RATIO,
    ]
    assert all(p.message.startswith("Instagram ") for p in check.problems)


def test_unreadable_file_is_one_clear_problem(media: MediaFactory) -> None:
    check = validate_media(media.bytes("clip.mp4", b"\x00garbage" * 100), "tiktok")

    assert codes(check) == [ProblemCode.UNREADABLE]
    assert check.problems[0].message.startswith("Cannot read this file (clip.mp4), so it can't go to TikTok: ")
    assert check.problems[0].message.endswith("Export or download it again and use the new file.")


# --- targets -------------------------------------------------------------------------------------


def test_target_may_be_a_name_a_class_an_instance_or_bare_specs() -> None:
    by_name = resolve_target("Instagram")
    by_class = resolve_target(InstagramPlatform)
    bare = resolve_target(list(InstagramPlatform.media_specs.values()))
    mapping = resolve_target(InstagramPlatform.media_specs)

    assert by_name == by_class
    assert by_name.display_name == "Instagram" and len(by_name.specs) == 2
    assert bare.display_name == mapping.display_name == "This platform" and bare.specs == by_name.specs


def test_platform_instance_is_a_target() -> None:
    with XPlatform(PlatformConfig()) as platform:
        assert resolve_target(platform).name == "x"


def test_unknown_platform_name_is_a_value_error(media: MediaFactory) -> None:
    with pytest.raises(ValueError, match="no platform named 'myspace'"):
        validate_media(media.image("a.jpg"), "myspace")


def test_custom_target_limits_apply(media: MediaFactory) -> None:
    tight = MediaTarget(
        name="mastodon",
        display_name="Mastodon",
        specs=(MediaSpec(kind=MediaKind.IMAGE, mime_types=("image/jpeg",), max_bytes=1000),),
    )

    check = validate_media(media.image("a.jpg", (400, 400)), tight)

    assert codes(check) == [ProblemCode.FILE_SIZE]
    assert check.problems[0].message.startswith("Mastodon images must be at most 1,000 bytes; this one is 3.")


def test_one_probe_checks_against_every_platform(valid_video: Path) -> None:
    probe = probe_media(valid_video)

    results = {name: validate_probe(probe, name).ok for name in ("x", "linkedin", "instagram", "tiktok")}

    assert results == {"x": True, "linkedin": False, "instagram": True, "tiktok": True}


# --- require_valid -------------------------------------------------------------------------------


def test_require_valid_returns_the_check_for_a_good_file(media: MediaFactory) -> None:
    check = require_valid(media.image("ok.jpg", (1080, 1080)), "instagram")

    assert check.ok and check.probe.mime_type == "image/jpeg"


def test_require_valid_raises_media_rejected_with_every_problem(media: MediaFactory) -> None:
    path = pad_to(media.image("bad.png", (200, 600)), 9 * MB)

    with pytest.raises(MediaRejected) as caught:
        require_valid(path, "instagram")

    error = caught.value
    assert isinstance(error, MediaInvalid)
    assert error.platform == "instagram"
    assert len(error.problems) == 3
    assert str(error).startswith("Instagram images must be JPEG; this is a PNG. Export it as JPEG. Instagram images")
    assert "What to do: Change the file as described" in error.for_humans()


def test_check_serialises_to_json_and_back(media: MediaFactory) -> None:
    check = validate_media(media.image("post.png", (1080, 1080)), "instagram")

    assert MediaCheck.model_validate_json(check.model_dump_json()) == check
