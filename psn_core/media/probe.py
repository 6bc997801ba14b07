"""Inspect a media file: what it really is and its measurements, read from its content.

The format comes from magic bytes (``sniff``), never the file name. Images are opened with Pillow,
videos with FFmpeg through PyAV (its wheels ship FFmpeg, so nothing needs installing beside psn),
PDFs with pypdf. A file that is missing, empty, cut short or damaged gives a probe with
``readable=False`` and a sentence saying why, never an exception: callers turn that into a problem
the user can act on.

Images are measured from their header before any pixel is decoded: one above MAX_DECODE_PIXELS is
refused unread, and one above the caller's ``max_pixels`` (the platform's limit) is measured but not
decoded (validation then says how to resize it). A 10000x10000 PNG costs a header read, not 500 MB.
"""

from __future__ import annotations

import os
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, UnidentifiedImageError

from psn_core.media.describe import format_name, human_size
from psn_core.media.models import DocumentInfo, ImageInfo, MediaProbe, VideoInfo
from psn_core.media.sniff import extension_mime, sniff_mime
from psn_core.platforms.models import MediaKind, MediaSpec

if TYPE_CHECKING:  # PyAV and pypdf load with the first video or PDF probed (psn-mcp starts without them)
    import av
    from av.container import InputContainer
    from av.video.stream import VideoStream

# Pillow can read these; HEIC/HEIF it cannot without a plugin, so they are named but not measured.
_IMAGE_MIMES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff", "image/avif"}
)
_UNMEASURED_IMAGE_MIMES = frozenset({"image/heic", "image/heif"})
_DOCUMENT_MIMES = frozenset(
    {
        "application/pdf",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)
_EXIF_ORIENTATION = 0x0112
_MOV_FAMILY = "mov"  # FFmpeg's demuxer for MP4/MOV/3GP is named "mov,mp4,m4a,3gp,3g2,mj2"
_MOV_NO_INDEX = "the {name} file is incomplete (it has no index: the recording or download was cut short)"

# What Pillow, pypdf and FFmpeg raise on damaged input; anything else is a psn bug and should surface.
_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, Image.DecompressionBombError)
_PDF_ERRORS = (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)  # + PyPdfError
_VIDEO_ERRORS = (OSError, ValueError)  # + av.FFmpegError


# No image above this many pixels is ever decoded (8192x8192: the largest any platform psn knows accepts).
MAX_DECODE_PIXELS = 8192 * 8192


def pixel_limit(specs: Iterable[MediaSpec]) -> int:
    """The most pixels an image may have on a platform with these specs (its declared pixel cap, or its
    largest image box), never above MAX_DECODE_PIXELS."""
    limits = [MAX_DECODE_PIXELS]
    for spec in specs:
        if spec.kind not in (MediaKind.IMAGE, MediaKind.GIF):
            continue
        if spec.max_pixels:
            limits.append(spec.max_pixels)
        if spec.max_width and spec.max_height:
            limits.append(spec.max_width * spec.max_height)
    return min(limits)


class _Unreadable(Exception):
    """Internal: the file cannot be read; the message is for the user."""


def probe_media(path: str | os.PathLike[str], *, max_pixels: int | None = None) -> MediaProbe:
    """Inspect ``path`` and say what it is: format, kind and measurements. An image with more than
    ``max_pixels`` (see :func:`pixel_limit`) is measured from its header only, never decoded; one above
    MAX_DECODE_PIXELS is refused.

    Never raises for a bad file: a missing, empty, damaged or unknown file gives ``readable=False``
    with ``error`` saying why.
    """
    file = Path(path)
    claimed = extension_mime(file)
    size, mime = 0, None
    try:
        if not file.exists():
            raise _Unreadable("there is no file at this path")
        if not file.is_file():
            raise _Unreadable("it is a folder, not a file")
        size = file.stat().st_size
        if size == 0:
            raise _Unreadable("the file is empty (0 bytes)")
        mime = sniff_mime(file)
        limit = min(max_pixels or MAX_DECODE_PIXELS, MAX_DECODE_PIXELS)
        return _probe_known(file, claimed, size, mime, limit)
    except _Unreadable as reason:
        error = str(reason)
    except OSError as exc:
        error = f"psn cannot open it ({exc.strerror or exc})"
    return MediaProbe(
        path=str(file),
        size_bytes=size,
        mime_type=mime,
        format_name=format_name(mime),
        kind=None,
        readable=False,
        error=error,
        extension_mime_type=claimed,
    )


def _probe_known(file: Path, claimed: str | None, size: int, mime: str | None, max_pixels: int) -> MediaProbe:
    name = format_name(mime)
    probe = MediaProbe(
        path=str(file),
        size_bytes=size,
        mime_type=mime,
        format_name=name,
        kind=None,
        readable=True,
        extension_mime_type=claimed,
    )
    if mime in _IMAGE_MIMES:
        kind = MediaKind.GIF if mime == "image/gif" else MediaKind.IMAGE
        return probe.model_copy(update={"kind": kind, "image": _probe_image(file, name, max_pixels)})
    if mime in _UNMEASURED_IMAGE_MIMES:
        return probe.model_copy(update={"kind": MediaKind.IMAGE})
    if mime is not None and mime.startswith("video/"):
        return probe.model_copy(update={"kind": MediaKind.VIDEO, "video": _probe_video(file, name, size)})
    if mime in _DOCUMENT_MIMES:
        return probe.model_copy(update={"kind": MediaKind.DOCUMENT, "document": _probe_document(file, mime)})
    if mime == "audio/mp4":
        raise _Unreadable("it has sound only, no picture")
    if mime is not None:
        raise _Unreadable(f"it is a {name} file, not an image, video or document")
    raise _Unreadable(f"its content is not an image, video or document format psn knows ({human_size(size)})")


# --- images ------------------------------------------------------------------------------------


def _open_image(file: Path) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # psn checks the size itself
        return Image.open(file)


def _probe_image(file: Path, name: str, max_pixels: int) -> ImageInfo:
    try:
        with _open_image(file) as img:  # lazy: reads the header only
            stored_w, stored_h = img.size
            fmt = img.format or name
            mode = img.mode
            if stored_w * stored_h > MAX_DECODE_PIXELS:
                raise _Unreadable(_too_many_pixels(name, stored_w, stored_h))
            if stored_w * stored_h > max_pixels:
                # Over the platform's limit: validation refuses it from these measurements; no decoding.
                return ImageInfo(
                    format=fmt,
                    width=stored_w,
                    height=stored_h,
                    stored_width=stored_w,
                    stored_height=stored_h,
                    mode=mode,
                )
            tag = img.getexif().get(_EXIF_ORIENTATION)
            orientation = tag if isinstance(tag, int) and 1 <= tag <= 8 else 1  # a broken tag means upright
            frames = int(getattr(img, "n_frames", 1))
            animated = bool(getattr(img, "is_animated", False))
            if fmt in ("JPEG", "MPO"):
                # Decode at 1/8 scale: fast, and still reads every byte, so a cut-short file is caught.
                img.draft(mode, (max(1, stored_w // 8), max(1, stored_h // 8)))
            if animated:
                img.seek(0)
            img.load()
    except _IMAGE_ERRORS as exc:
        raise _Unreadable(_image_reason(name, exc)) from exc
    swap = orientation in (5, 6, 7, 8)
    return ImageInfo(
        format=fmt,
        width=stored_h if swap else stored_w,
        height=stored_w if swap else stored_h,
        stored_width=stored_w,
        stored_height=stored_h,
        orientation=orientation,
        mode=mode,
        frame_count=frames,
        animated=animated,
    )


def _too_many_pixels(name: str, width: int, height: int) -> str:
    megapixels = width * height / 1_000_000
    return (
        f"the {name} image is {width}x{height} ({megapixels:.0f} megapixels); psn does not open images above "
        f"{MAX_DECODE_PIXELS / 1_000_000:.0f} megapixels (8192x8192). Resize it (for example to 4096 pixels on "
        "its longest side) and attach it again"
    )


def _image_reason(name: str, exc: BaseException) -> str:
    if isinstance(exc, Image.DecompressionBombError):
        return (
            f"the {name} image has too many pixels to open safely (more than "
            f"{MAX_DECODE_PIXELS / 1_000_000:.0f} megapixels). Resize it and attach it again"
        )
    if isinstance(exc, UnidentifiedImageError):
        return f"it starts like a {name} image but its data does not decode"
    if "truncated" in str(exc).lower():
        return f"the {name} image is cut short (the file is incomplete)"
    return f"the {name} image is damaged ({exc})"


# --- video -------------------------------------------------------------------------------------


def _probe_video(file: Path, name: str, size: int) -> VideoInfo:
    import av

    try:
        with av.open(str(file)) as container:
            if not container.streams.video:
                if container.streams.audio:
                    raise _Unreadable(f"the {name} file has sound only, no picture")
                if container.format.name.startswith(_MOV_FAMILY):
                    raise _Unreadable(_MOV_NO_INDEX.format(name=name))
                raise _Unreadable(f"the {name} file has no video track")
            stream = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            if container.format.name.startswith(_MOV_FAMILY):
                _check_complete(name, size, [stream] if audio is None else [stream, audio])
            first = next(container.decode(stream))
            rotation = int(first.rotation or 0) % 360
            ctx = stream.codec_context
            coded_w, coded_h = ctx.width or first.width, ctx.height or first.height
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            duration = _duration_seconds(container, stream)
            swap = rotation % 180 == 90
            return VideoInfo(
                container=container.format.name,
                duration_seconds=duration,
                width=coded_h if swap else coded_w,
                height=coded_w if swap else coded_h,
                coded_width=coded_w,
                coded_height=coded_h,
                rotation=rotation,
                frame_rate=float(rate) if rate else None,
                video_codec=ctx.codec.canonical_name,
                pixel_format=ctx.pix_fmt,
                audio_codec=audio.codec_context.codec.canonical_name if audio else None,
                audio_sample_rate=(audio.codec_context.sample_rate or None) if audio else None,
                bit_rate=container.bit_rate or None,
            )
    except StopIteration as exc:
        raise _Unreadable(f"the {name} file has no video frames psn can decode") from exc
    except (av.FFmpegError, *_VIDEO_ERRORS) as exc:
        raise _Unreadable(_video_reason(name, exc)) from exc


def _check_complete(
    name: str, size: int, streams: list[av.video.stream.VideoStream | av.audio.stream.AudioStream]
) -> None:
    """MP4/MOV list every sample's offset up front; samples past the end mean the file was cut short."""
    end = 0
    for stream in streams:
        for entry in stream.index_entries:
            end = max(end, entry.pos + entry.size)
    if end > size:
        raise _Unreadable(
            f"the {name} file is cut short: its index needs {human_size(end)} but the file has {human_size(size)}"
        )


def _duration_seconds(container: InputContainer, stream: VideoStream) -> float | None:
    import av

    if container.duration:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _video_reason(name: str, exc: BaseException) -> str:
    import av

    text = str(exc)
    if "moov atom not found" in text:
        return _MOV_NO_INDEX.format(name=name)
    if isinstance(exc, av.InvalidDataError):
        return f"the {name} file is damaged: FFmpeg found invalid data in it"
    return f"the {name} file cannot be decoded ({text})"


# --- documents ---------------------------------------------------------------------------------


_SLIDE = re.compile(r"^ppt/slides/slide\d+\.xml$")
_APP_PAGES = re.compile(rb"<(?:\w+:)?Pages>(\d+)</(?:\w+:)?Pages>")


def _probe_document(file: Path, mime: str | None) -> DocumentInfo:
    if mime == "application/pdf":
        return _probe_pdf(file)
    if mime == "application/vnd.openxmlformats-officedocument.presentationml.presentation":
        return DocumentInfo(page_count=_zip_count(file, slides=True))
    if mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        return DocumentInfo(page_count=_zip_count(file, slides=False))
    return DocumentInfo(page_count=None)  # old binary Office files do not say without rendering


def _probe_pdf(file: Path) -> DocumentInfo:
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(file, strict=False)
        encrypted = reader.is_encrypted
        if encrypted and not reader.decrypt(""):
            return DocumentInfo(page_count=None, encrypted=True)
        return DocumentInfo(page_count=len(reader.pages), encrypted=encrypted)
    except (PyPdfError, *_PDF_ERRORS) as exc:
        raise _Unreadable(f"the PDF is damaged or incomplete ({exc})") from exc


def _zip_count(file: Path, *, slides: bool) -> int | None:
    """Slides of a PPTX (counted), pages of a DOCX (as its writer recorded them in docProps/app.xml)."""
    try:
        with zipfile.ZipFile(file) as archive:
            if slides:
                return sum(1 for n in archive.namelist() if _SLIDE.match(n))
            if "docProps/app.xml" not in archive.namelist():
                return None
            match = _APP_PAGES.search(archive.read("docProps/app.xml"))
            return int(match.group(1)) if match else None
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise _Unreadable(f"the document is damaged ({exc})") from exc
