"""Words for media facts: sizes, durations, aspect ratios, format and codec names, as people say them."""

from __future__ import annotations

import math
from collections.abc import Sequence

_UNITS = ("bytes", "KB", "MB", "GB", "TB")

FORMAT_NAMES: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "image/heif": "HEIF",
    "image/avif": "AVIF",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "video/webm": "WebM",
    "video/x-matroska": "MKV",
    "video/x-msvideo": "AVI",
    "video/3gpp": "3GP",
    "video/mpeg": "MPEG",
    "video/mp2t": "MPEG-TS",
    "video/x-flv": "FLV",
    "application/pdf": "PDF",
    "application/vnd.ms-powerpoint": "PowerPoint (PPT)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint (PPTX)",
    "application/msword": "Word (DOC)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (XLSX)",
    "application/zip": "ZIP",
    "text/plain": "text",
}

CODEC_NAMES: dict[str, str] = {
    "h264": "H.264",
    "hevc": "HEVC (H.265)",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "mpeg4": "MPEG-4 Part 2",
    "mpeg2video": "MPEG-2",
    "prores": "ProRes",
    "mjpeg": "Motion JPEG",
    "aac": "AAC",
    "mp3": "MP3",
    "opus": "Opus",
    "vorbis": "Vorbis",
    "ac3": "AC-3",
    "eac3": "E-AC-3",
    "flac": "FLAC",
    "alac": "ALAC",
}

# Names a spec may use for a codec, mapped to FFmpeg's canonical name.
CODEC_ALIASES: dict[str, str] = {
    "h265": "hevc",
    "hvc1": "hevc",
    "hev1": "hevc",
    "avc": "h264",
    "avc1": "h264",
    "x264": "h264",
    "libx264": "h264",
    "mp4a": "aac",
}

# Ratios people name, width:height.
_COMMON_RATIOS: tuple[tuple[int, int], ...] = (
    (1, 1),
    (4, 5),
    (5, 4),
    (2, 3),
    (3, 2),
    (3, 4),
    (4, 3),
    (9, 16),
    (16, 9),
    (1, 2),
    (2, 1),
    (1, 3),
    (3, 1),
    (21, 9),
)


def human_size(size: int) -> str:
    """``7549747`` -> ``"7.2 MB"`` (binary multiples, one decimal, no trailing ``.0``)."""
    value = float(size)
    for unit in _UNITS:
        if value < 1024 or unit == _UNITS[-1]:
            if unit == "bytes":
                return f"{size:,} bytes" if size != 1 else "1 byte"
            return f"{_trim(value)} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def size_pair(actual: int, limit: int) -> tuple[str, str]:
    """Human sizes of a file and its limit, precise enough that the two never read the same."""
    a, b = human_size(actual), human_size(limit)
    if a == b:
        return f"{actual:,} bytes", f"{limit:,} bytes"
    return a, b


def human_duration(seconds: float) -> str:
    """``0.5`` -> ``"0.5 seconds"``; ``140`` -> ``"2 min 20 s"``."""
    if seconds < 60:
        text = _trim(seconds, 2 if seconds < 1 else 1)
        return f"{text} second" if text == "1" else f"{text} seconds"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def human_ratio(ratio: float) -> str:
    """``0.5625`` -> ``"9:16"``; ``1.91`` -> ``"1.91:1"``; a ratio no one names -> ``"2.37:1"``."""
    for w, h in _COMMON_RATIOS:
        if math.isclose(ratio, w / h, rel_tol=0.01):
            return f"{w}:{h}"
    if ratio >= 1:
        return f"{_trim(ratio, 2)}:1"
    return f"1:{_trim(1 / ratio, 2)}"


def ratio_of(width: int, height: int) -> str:
    """``(1080, 1080)`` -> ``"1:1 (1080x1080)"``."""
    return f"{human_ratio(width / height)} ({width}x{height})"


def crop_to(width: int, height: int, ratio: float) -> tuple[int, int]:
    """The largest even-sized crop of a ``width`` x ``height`` frame with ``ratio`` (width / height)."""
    if width / height > ratio:
        new_w, new_h = round(height * ratio), height
    else:
        new_w, new_h = width, round(width / ratio)
    return max(2, new_w - new_w % 2), max(2, new_h - new_h % 2)


def format_name(mime_type: str | None) -> str:
    if mime_type is None:
        return "unknown"
    return FORMAT_NAMES.get(mime_type, mime_type.split("/")[-1].upper())


def codec_name(codec: str) -> str:
    canonical = canonical_codec(codec)
    return CODEC_NAMES.get(canonical, canonical.upper())


def canonical_codec(codec: str) -> str:
    lowered = codec.lower()
    return CODEC_ALIASES.get(lowered, lowered)


def one_of(names: Sequence[str]) -> str:
    """``["JPEG", "PNG", "WebP"]`` -> ``"JPEG, PNG or WebP"``."""
    unique = list(dict.fromkeys(names))
    if len(unique) <= 1:
        return "".join(unique)
    return f"{', '.join(unique[:-1])} or {unique[-1]}"


def frame_rate_text(rate: float) -> str:
    return f"{_trim(rate, 2)} fps"


def _trim(value: float, digits: int = 1) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"
