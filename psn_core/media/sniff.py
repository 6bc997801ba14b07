"""Which format a file is, from its first bytes (magic numbers), never from its name.

Only containers are told apart here; whether the content inside is sound is for the probe to find out.
"""

from __future__ import annotations

import mimetypes
import zipfile
from pathlib import Path

HEADER_BYTES = 4096

# ISO base media (MP4 family) major brands that mean something other than plain MP4.
_FTYP_BRANDS: dict[bytes, str] = {
    b"qt  ": "video/quicktime",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"hevc": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"3gp4": "video/3gpp",
    b"3gp5": "video/3gpp",
    b"3gp6": "video/3gpp",
    b"3g2a": "video/3gpp",
    b"M4A ": "audio/mp4",
}

_OOXML_PARTS: tuple[tuple[str, str], ...] = (
    ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)

# Stream names inside an OLE2 compound file (old .ppt/.doc), as stored: UTF-16LE.
_OLE_STREAMS: tuple[tuple[bytes, str], ...] = (
    ("PowerPoint Document".encode("utf-16-le"), "application/vnd.ms-powerpoint"),
    ("WordDocument".encode("utf-16-le"), "application/msword"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1024 * 1024
# Names mimetypes gives that mean the same container as what the content shows.
_SAME_FORMAT = {"image/pjpeg": "image/jpeg", "image/x-png": "image/png", "video/x-m4v": "video/mp4"}


def sniff_mime(path: Path) -> str | None:
    """The MIME type that ``path``'s content shows, or None when it matches no format psn knows.

    Raises:
        OSError: the file cannot be opened or read.
    """
    with path.open("rb") as handle:
        head = handle.read(HEADER_BYTES)
    mime = _from_magic(head)
    if mime == "application/zip":
        return _zip_kind(path)
    if mime == "application/x-ole-storage":
        return _ole_kind(path)
    return mime


def extension_mime(path: Path) -> str | None:
    """What the file's name claims it is (used only to warn when the name lies)."""
    guessed, _ = mimetypes.guess_type(path.name, strict=False)
    return _SAME_FORMAT.get(guessed or "", guessed)


def _from_magic(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], "video/mp4")
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "video/quicktime"  # old QuickTime files start with an atom, no ftyp
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if b"%PDF-" in head[:1024]:  # the spec lets junk precede the header
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if head.startswith(_OLE_MAGIC):
        return "application/x-ole-storage"
    if head.startswith(b"BM"):
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith(b"FLV"):
        return "video/x-flv"
    if head.startswith(b"\x00\x00\x01\xba") or head.startswith(b"\x00\x00\x01\xb3"):
        return "video/mpeg"
    if len(head) >= 189 and head[0] == 0x47 and head[188] == 0x47:
        return "video/mp2t"
    return None


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return "application/zip"
    if "[Content_Types].xml" in names:
        for prefix, mime in _OOXML_PARTS:
            if any(name.startswith(prefix) for name in names):
                return mime
    return "application/zip"


def _ole_kind(path: Path) -> str:
    """Old Office files share one container; the stream names inside say which program wrote it."""
    overlap = max(len(name) for name, _ in _OLE_STREAMS)
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            window = tail + chunk
            for name, mime in _OLE_STREAMS:
                if name in window:
                    return mime
            tail = window[-overlap:]
    return "application/x-ole-storage"
