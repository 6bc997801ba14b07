"""probe_media reads what a file is from its content: formats, measurements, and damage."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from media_factory import MediaFactory, jpeg_bytes

from psn_core.media import probe_media
from psn_core.media.describe import human_duration, human_ratio, human_size, size_pair
from psn_core.platforms.models import MediaKind

# --- images ------------------------------------------------------------------------------------


def test_jpeg_reports_format_size_and_colour_mode(media: MediaFactory) -> None:
    probe = probe_media(media.image("photo.jpg", (800, 600)))

    assert probe.readable and probe.kind is MediaKind.IMAGE
    assert probe.mime_type == "image/jpeg" and probe.format_name == "JPEG"
    assert probe.image is not None
    assert (probe.width, probe.height) == (800, 600)
    assert probe.image.mode == "RGB"
    assert probe.size_bytes == os.path.getsize(probe.path)


@pytest.mark.parametrize(
    ("name", "mode", "mime"),
    [
        ("a.png", "RGBA", "image/png"),
        ("b.webp", "RGB", "image/webp"),
        ("c.bmp", "RGB", "image/bmp"),
        ("d.tiff", "CMYK", "image/tiff"),
        ("e.jpg", "CMYK", "image/jpeg"),
    ],
)
def test_each_image_format_is_told_apart_by_content(media: MediaFactory, name: str, mode: str, mime: str) -> None:
    probe = probe_media(media.image(name, (50, 40), mode=mode))

    assert probe.mime_type == mime
    assert probe.image is not None and probe.image.mode == mode


def test_exif_orientation_swaps_displayed_width_and_height(media: MediaFactory) -> None:
    probe = probe_media(media.image("phone.jpg", (1920, 1080), orientation=6))

    assert probe.image is not None
    assert (probe.image.stored_width, probe.image.stored_height) == (1920, 1080)
    assert (probe.width, probe.height) == (1080, 1920)
    assert probe.image.orientation == 6


def test_animated_gif_counts_its_frames(media: MediaFactory) -> None:
    probe = probe_media(media.gif("loop.gif", frames=5))

    assert probe.kind is MediaKind.GIF
    assert probe.image is not None and probe.image.animated and probe.image.frame_count == 5


def test_still_gif_is_one_frame(media: MediaFactory) -> None:
    probe = probe_media(media.gif("still.gif", frames=1))

    assert probe.image is not None and not probe.image.animated and probe.image.frame_count == 1


# --- video -------------------------------------------------------------------------------------


def test_mp4_reports_duration_size_rate_codecs_and_bitrate(valid_video: Path) -> None:
    probe = probe_media(valid_video)

    assert probe.kind is MediaKind.VIDEO and probe.mime_type == "video/mp4"
    video = probe.video
    assert video is not None
    assert (video.width, video.height) == (360, 640)
    assert video.duration_seconds == pytest.approx(3.2, abs=0.1)
    assert video.frame_rate == pytest.approx(24)
    assert (video.video_codec, video.audio_codec) == ("h264", "aac")
    assert video.pixel_format == "yuv420p"
    assert video.bit_rate and video.bit_rate > 0


def test_rotation_metadata_swaps_displayed_width_and_height(media: MediaFactory) -> None:
    probe = probe_media(media.video("sideways.mp4", size=(64, 114), seconds=0.3, rotation=90))

    assert probe.video is not None
    assert probe.video.rotation == 90
    assert (probe.video.coded_width, probe.video.coded_height) == (64, 114)
    assert (probe.width, probe.height) == (114, 64)


def test_quicktime_and_webm_are_told_apart_from_mp4(media: MediaFactory) -> None:
    mov = probe_media(media.video("clip.mov", seconds=0.2, fmt="mov"))
    webm = probe_media(media.video("clip.webm", seconds=0.2, codec="libvpx-vp9", audio="libopus"))

    assert mov.mime_type == "video/quicktime" and mov.format_name == "MOV"
    assert webm.mime_type == "video/webm"
    assert webm.video is not None and (webm.video.video_codec, webm.video.audio_codec) == ("vp9", "opus")


def test_silent_video_has_no_audio_codec(media: MediaFactory) -> None:
    probe = probe_media(media.video("mute.mp4", seconds=0.2, audio=None))

    assert probe.video is not None and probe.video.audio_codec is None


# --- documents ---------------------------------------------------------------------------------


def test_pdf_page_count(media: MediaFactory) -> None:
    probe = probe_media(media.pdf("deck.pdf", pages=3))

    assert probe.kind is MediaKind.DOCUMENT and probe.mime_type == "application/pdf"
    assert probe.document is not None and probe.document.page_count == 3


def test_pptx_is_recognised_and_its_slides_counted(media: MediaFactory) -> None:
    probe = probe_media(media.pptx("talk.pptx", slides=4))

    assert probe.format_name == "PowerPoint (PPTX)"
    assert probe.document is not None and probe.document.page_count == 4


# --- names that lie ----------------------------------------------------------------------------


def test_png_named_jpg_is_a_png(media: MediaFactory) -> None:
    probe = probe_media(media.image("liar.jpg", (40, 40), fmt="PNG"))

    assert probe.mime_type == "image/png"
    assert probe.extension_mime_type == "image/jpeg"
    assert not probe.extension_matches


def test_video_named_png_is_a_video(media: MediaFactory) -> None:
    path = media.video("clip.mp4", seconds=0.2)
    renamed = path.rename(path.with_name("not-a-picture.png"))

    probe = probe_media(renamed)

    assert probe.kind is MediaKind.VIDEO and probe.video is not None


def test_file_without_extension_is_still_recognised(media: MediaFactory) -> None:
    probe = probe_media(media.bytes("upload-0001", jpeg_bytes()))

    assert probe.mime_type == "image/jpeg" and probe.extension_mime_type is None and probe.extension_matches


# --- damaged and missing files: a reason, never an exception ------------------------------------


def test_truncated_png_cannot_be_read(media: MediaFactory) -> None:
    probe = probe_media(media.truncated(media.image("full.png", (300, 300), mode="RGBA"), "cut.png", keep=0.3))

    assert not probe.readable and probe.kind is None
    assert probe.mime_type == "image/png"
    assert probe.error


def test_truncated_jpeg_is_cut_short(media: MediaFactory) -> None:
    source = media.image("full.jpg", (400, 400))
    probe = probe_media(media.truncated(source, "cut.jpg", keep=0.5))

    assert not probe.readable
    assert probe.error is not None and "cut short" in probe.error


def test_mp4_cut_before_its_index_is_incomplete(media: MediaFactory) -> None:
    probe = probe_media(media.truncated(media.video("full.mp4", seconds=0.5), "cut.mp4", keep=0.5))

    assert not probe.readable
    assert probe.error is not None and "incomplete" in probe.error


def test_mp4_with_index_first_but_missing_samples_is_cut_short(media: MediaFactory) -> None:
    full = media.video("fast.mp4", size=(128, 128), seconds=1.0, faststart=True)

    probe = probe_media(media.truncated(full, "fast-cut.mp4", keep=0.6))

    assert not probe.readable
    assert probe.error is not None and "cut short" in probe.error


def test_damaged_pdf_cannot_be_read(media: MediaFactory) -> None:
    probe = probe_media(media.bytes("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n%%EOF"))

    assert not probe.readable
    assert probe.error is not None and "PDF" in probe.error


def test_audio_only_mp4_says_it_has_no_picture(media: MediaFactory) -> None:
    probe = probe_media(media.audio_only("song.mp4"))

    assert not probe.readable
    assert probe.error is not None and "no picture" in probe.error


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("noise.mp4", bytes(range(256)) * 8, "not an image, video or document"),
        ("notes.jpg", b"remember to buy milk\n" * 10, "not an image, video or document"),
        ("empty.png", b"", "empty"),
        ("archive.jpg", b"PK\x03\x04" + b"\x00" * 60, "ZIP"),
    ],
)
def test_unknown_or_empty_content_is_unreadable_with_a_reason(
    media: MediaFactory, name: str, data: bytes, reason: str
) -> None:
    probe = probe_media(media.bytes(name, data))

    assert not probe.readable
    assert probe.error is not None and reason in probe.error


def test_missing_file_and_folder_are_unreadable(media: MediaFactory, tmp_path: Path) -> None:
    missing = probe_media(tmp_path / "nope.jpg")
    folder = probe_media(tmp_path)

    assert not missing.readable and missing.error == "there is no file at this path"
    assert not folder.readable and folder.error is not None and "folder" in folder.error


# --- words for people --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1, "1 byte"), (999, "999 bytes"), (1536, "1.5 KB"), (5 * 1024 * 1024, "5 MB")],
)
def test_sizes_read_like_people_write_them(size: int, text: str) -> None:
    assert human_size(size) == text


def test_a_size_just_over_the_limit_is_shown_in_bytes_so_the_two_differ() -> None:
    assert size_pair(5 * 1024 * 1024 + 10, 5 * 1024 * 1024) == ("5,242,890 bytes", "5,242,880 bytes")


@pytest.mark.parametrize(
    ("ratio", "text"), [(9 / 16, "9:16"), (1.0, "1:1"), (1200 / 628, "1.91:1"), (0.01, "1:100"), (4 / 5, "4:5")]
)
def test_aspect_ratios_are_named_as_people_name_them(ratio: float, text: str) -> None:
    assert human_ratio(ratio) == text


@pytest.mark.parametrize(("seconds", "text"), [(0.5, "0.5 seconds"), (1, "1 second"), (140, "2 min 20 s")])
def test_durations_read_naturally(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text
