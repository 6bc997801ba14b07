"""Typed results of probing and validating a media file.

``MediaProbe`` says what a file *is*, read from its content (never its name); ``MediaCheck`` says whether
it fits one platform and, when it does not, what to change, one ``MediaProblem`` per reason.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from psn_core.platforms.models import MediaKind, MediaSpec


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ImageInfo(_Frozen):
    """A still or animated image, as Pillow reads it."""

    format: str  # Pillow's format name: JPEG, PNG, GIF, WEBP ...
    width: int  # as shown, after EXIF orientation
    height: int
    stored_width: int  # as stored in the file
    stored_height: int
    orientation: int = 1  # EXIF orientation tag, 1-8; 5-8 swap width and height
    mode: str  # Pillow colour mode: RGB, RGBA, L, P, CMYK ...
    frame_count: int = 1
    animated: bool = False


class VideoInfo(_Frozen):
    """A video file, as FFmpeg (through PyAV) demuxes it."""

    container: str  # FFmpeg demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    duration_seconds: float | None
    width: int  # as shown, after the rotation in the display matrix
    height: int
    coded_width: int
    coded_height: int
    rotation: int = 0  # degrees counter-clockwise, from the container's display matrix
    frame_rate: float | None
    video_codec: str  # FFmpeg's canonical codec name: h264, hevc, vp9, av1, mpeg4 ...
    pixel_format: str | None = None
    audio_codec: str | None = None  # None: no audio track
    audio_sample_rate: int | None = None
    bit_rate: int | None = None  # bits per second, whole file


class DocumentInfo(_Frozen):
    """A document (PDF, PowerPoint, Word)."""

    page_count: int | None  # None: this kind of document does not say
    encrypted: bool = False


class MediaProbe(_Frozen):
    """What a file is, read from its bytes.

    ``readable`` is False when the file is missing, empty, damaged or of no kind psn knows; ``error``
    then says why in words a user understands. Exactly one of ``image``/``video``/``document`` is set
    for a readable file of a known kind.
    """

    path: str
    size_bytes: int
    mime_type: str | None  # from the content; None when the content matches no known format
    format_name: str  # for people: "JPEG", "MP4", "PDF", "unknown"
    kind: MediaKind | None
    readable: bool
    error: str | None = None
    extension_mime_type: str | None = None  # what the file name claims, for the mismatch warning
    image: ImageInfo | None = None
    video: VideoInfo | None = None
    document: DocumentInfo | None = None

    @property
    def width(self) -> int | None:
        """Displayed width of an image or video."""
        info = self.image or self.video
        return info.width if info else None

    @property
    def height(self) -> int | None:
        """Displayed height of an image or video."""
        info = self.image or self.video
        return info.height if info else None

    @property
    def extension_matches(self) -> bool:
        """False when the file name claims another format than its content (``photo.jpg`` holding a PNG)."""
        return self.extension_mime_type is None or self.mime_type is None or self.extension_mime_type == self.mime_type


class ProblemCode(StrEnum):
    UNREADABLE = "unreadable"
    UNSUPPORTED_KIND = "unsupported_kind"
    WRONG_KIND = "wrong_kind"
    FORMAT = "format"
    FILE_SIZE = "file_size"
    DIMENSIONS = "dimensions"
    ASPECT_RATIO = "aspect_ratio"
    DURATION = "duration"
    FRAME_RATE = "frame_rate"
    VIDEO_CODEC = "video_codec"
    AUDIO_CODEC = "audio_codec"
    PAGES = "pages"
    EXTENSION_MISMATCH = "extension_mismatch"


class MediaProblem(_Frozen):
    """One reason a file does not fit a platform, as a sentence naming the platform and the fix."""

    code: ProblemCode
    platform: str  # platform name (registry key), "" when validated against bare specs
    message: str
    expected: str = ""  # the limit, for people: "at most 5 MB", "9:16"
    actual: str = ""  # what the file has: "7.2 MB", "1:1 (1080x1080)"


class MediaTarget(_Frozen):
    """The media rules of one platform: its name, the name people see, and its declared specs."""

    name: str
    display_name: str
    specs: tuple[MediaSpec, ...]

    def spec_for(self, kind: MediaKind) -> MediaSpec | None:
        """The spec this target declares for ``kind``, if any."""
        return next((spec for spec in self.specs if spec.kind is kind), None)


class MediaCheck(_Frozen):
    """A file checked against one platform: the probe, the spec used, and every problem found.

    ``problems`` block the upload; ``warnings`` do not (the upload uses the probed type, not the name).
    """

    target: str  # platform name
    display_name: str
    kind: MediaKind | None  # the kind the file was checked as
    spec: MediaSpec | None
    probe: MediaProbe
    problems: tuple[MediaProblem, ...] = ()
    warnings: tuple[MediaProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """Every problem as one paragraph, or a short confirmation."""
        if self.ok:
            return f"{self.probe.format_name} file fits {self.display_name}."
        return " ".join(problem.message for problem in self.problems)
