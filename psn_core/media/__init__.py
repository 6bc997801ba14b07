"""Media files checked against each platform's declared specs before any upload.

``probe_media`` reads what a file really is (Pillow for images, FFmpeg through PyAV for video, pypdf
for PDFs; never the file name). ``validate_media`` checks it against a platform and returns every
problem as a sentence saying what to change; ``require_valid`` raises ``MediaInvalid`` (in
:mod:`.errors`: an InvalidInput and a MediaRejected) instead. The publishing service calls
``require_valid`` before any upload.
"""

from psn_core.media.models import (
    DocumentInfo,
    ImageInfo,
    MediaCheck,
    MediaProbe,
    MediaProblem,
    MediaTarget,
    ProblemCode,
    VideoInfo,
)
from psn_core.media.probe import probe_media
from psn_core.media.validate import (
    TargetLike,
    require_valid,
    resolve_target,
    validate_media,
    validate_probe,
)

__all__ = [
    "DocumentInfo",
    "ImageInfo",
    "MediaCheck",
    "MediaProbe",
    "MediaProblem",
    "MediaTarget",
    "ProblemCode",
    "TargetLike",
    "VideoInfo",
    "probe_media",
    "require_valid",
    "resolve_target",
    "validate_media",
    "validate_probe",
]
