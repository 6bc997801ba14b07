"""The workspace's media folder: files named by the SHA-256 of their bytes, and nothing else.

A post refers to its media only by such a name (``<sha256>.<ext>``; 20-hex names from older psn are
still read), never by a path. Every read goes through :func:`read_media`, which refuses any name that is
not one, a link, anything but a regular file directly in the folder, and bytes whose digest is not the
name: a rendering edited in the hub (``../.psn/master.key``) or a file swapped in the folder can never
make psn read, probe, upload or delete anything else.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

from psn_core.errors import MediaReferenceRefused

# The digest (64 hex; 20 hex for media stored by psn before 2026-11) and an optional short extension.
_NAME = re.compile(r"\A(?P<digest>[0-9a-f]{64}|[0-9a-f]{20})(?:\.(?P<ext>[a-z0-9]{1,5}))?\Z")
# The same rule for the hub's CHECK constraint (migration 0014) to match.
NAME_PATTERN = _NAME.pattern

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
    "image/tiff": "tif",
    "image/avif": "avif",
    "image/heic": "heic",
    "image/heif": "heif",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/3gpp": "3gp",
    "video/webm": "webm",
    "application/pdf": "pdf",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


def _refuse(name: str, why: str) -> MediaReferenceRefused:
    shown = name if len(name) <= 80 else name[:77] + "..."
    return MediaReferenceRefused(f"psn refuses the media reference {shown!r}: {why}.")


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def media_name(data: bytes, mime_type: str | None) -> str:
    """The content-addressed name of ``data``: ``<sha256>.<ext>``, the extension from its real format."""
    return f"{sha256_hex(data)}.{_EXTENSIONS.get(mime_type or '', 'bin')}"


def check_name(name: str) -> str:
    """The digest a media name carries (the part before the extension).

    Raises:
        MediaReferenceRefused: ``name`` is not a content-addressed media name (a path, empty, anything else).
    """
    match = _NAME.match(name) if isinstance(name, str) else None
    if match is None:
        raise _refuse(str(name), "media are named by the SHA-256 of their content, never by a path")
    return match.group("digest")


def is_media_name(name: str) -> bool:
    """Whether ``name`` is a content-addressed media name (nothing raised)."""
    return isinstance(name, str) and _NAME.match(name) is not None


def media_file(media_dir: Path, name: str) -> Path:
    """The path of media ``name``: checked to be a regular file directly in ``media_dir``, not a link.
    Does not read it (see :func:`read_media` for the digest check).

    Raises:
        MediaReferenceRefused: a bad name, a link, not a regular file, outside the folder, or missing.
    """
    check_name(name)
    folder = media_dir.resolve()
    path = folder / name
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise _refuse(name, f"there is no such file in {media_dir}") from None
    if stat.S_ISLNK(info.st_mode):
        raise _refuse(name, "it is a symbolic link; media files must be real files in the media folder")
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(name, "it is not a regular file")
    if path.resolve().parent != folder:
        raise _refuse(name, "it is not directly in the media folder")
    return path


def read_media(media_dir: Path, name: str, *, max_bytes: int | None = None) -> bytes:
    """The bytes of media ``name``, after checking the file (see :func:`media_file`) and that its bytes
    hash to its name. The file is opened without following links and checked again once open.

    Raises:
        MediaReferenceRefused: see :func:`media_file`; the bytes do not match the name; bigger than
            ``max_bytes``.
    """
    digest = check_name(name)
    path = media_file(media_dir, name)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _refuse(name, f"psn cannot open it ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(name, "it is not a regular file")
        if max_bytes is not None and info.st_size > max_bytes:
            raise _refuse(name, f"it is larger than {max_bytes} bytes")
        data = handle.read()
    if not sha256_hex(data).startswith(digest):
        raise _refuse(name, "its bytes changed since it was attached (their SHA-256 is not its name)")
    return data


def verify_media(media_dir: Path, name: str) -> Path:
    """:func:`read_media` without keeping the bytes: the path of a checked, unchanged media file.

    Raises:
        MediaReferenceRefused: see :func:`read_media`.
    """
    read_media(media_dir, name)
    return media_file(media_dir, name)


def write_media(media_dir: Path, name: str, data: bytes) -> Path:
    """Put ``data`` in the media folder under ``name`` (atomically), after checking that its digest is the
    name. A file already there that is unchanged is kept; a link or a changed file is replaced.

    Raises:
        MediaReferenceRefused: ``name`` is not a media name or ``data`` does not hash to it.
    """
    digest = check_name(name)
    if not sha256_hex(data).startswith(digest):
        raise _refuse(name, "the bytes received do not hash to this name")
    media_dir.mkdir(parents=True, exist_ok=True)
    try:
        return verify_media(media_dir, name)
    except MediaReferenceRefused:
        pass
    folder = media_dir.resolve()
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, folder / name)  # replaces a link itself, never what it points to
    return folder / name


def remove_media(media_dir: Path, name: str) -> bool:
    """Delete media ``name`` if it is a content-addressed file directly in the folder (a link there is
    removed as a link). Anything else (a bad name, the folder itself, a subfolder) is never touched.
    Returns whether a file was removed."""
    if not is_media_name(name):
        return False
    folder = media_dir.resolve()
    path = folder / name
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)) or path.parent != folder:
        return False
    path.unlink()
    return True
