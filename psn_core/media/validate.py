"""Check a media file against a platform's declared media specs before anything is uploaded.

Every problem is one sentence that names the platform, says what the file has and what to change:
"Instagram images must be JPEG; this is a PNG. Export it as JPEG." Checks only use what the platform
declares (``Platform.media_specs``); a limit a platform does not declare is not checked.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeAlias

from psn_core.media.describe import (
    canonical_codec,
    codec_name,
    crop_to,
    format_name,
    frame_rate_text,
    human_duration,
    human_ratio,
    one_of,
    ratio_of,
    size_pair,
)
from psn_core.media.errors import MediaInvalid
from psn_core.media.models import MediaCheck, MediaProbe, MediaProblem, MediaTarget, ProblemCode
from psn_core.media.probe import pixel_limit, probe_media
from psn_core.platforms.base import Platform
from psn_core.platforms.models import MediaKind, MediaSpec
from psn_core.platforms.registry import PLATFORMS

TargetLike: TypeAlias = (
    str | Platform | type[Platform] | MediaTarget | Mapping[MediaKind, MediaSpec] | Sequence[MediaSpec]
)

# Platforms round aspect ratios: 1200x628 is sold as 1.91:1 but is 1.911.
_RATIO_TOLERANCE = 0.01
_READ_AS_WORDS = frozenset({"MOV", "HEIC", "HEIF"})  # said as words ("a MOV"), not letter by letter
_NOUNS = {
    MediaKind.IMAGE: ("image", "images"),
    MediaKind.GIF: ("GIF", "GIFs"),
    MediaKind.VIDEO: ("video", "videos"),
    MediaKind.DOCUMENT: ("document", "documents"),
}


def resolve_target(target: TargetLike) -> MediaTarget:
    """The media rules of ``target``: a platform name, class or instance, or bare specs.

    Raises:
        ValueError: ``target`` names no platform psn knows.
    """
    if isinstance(target, MediaTarget):
        return target
    if isinstance(target, str):
        platform = PLATFORMS.get(target.lower())
        if platform is None:
            raise ValueError(f"psn knows no platform named {target!r}; it knows {', '.join(sorted(PLATFORMS))}")
        return _platform_target(platform)
    if isinstance(target, Platform) or (isinstance(target, type) and issubclass(target, Platform)):
        return _platform_target(target)
    specs = tuple(target.values()) if isinstance(target, Mapping) else tuple(target)
    return MediaTarget(name="", display_name="This platform", specs=specs)


def _platform_target(platform: Platform | type[Platform]) -> MediaTarget:
    return MediaTarget(
        name=platform.name, display_name=platform.display_name, specs=tuple(platform.media_specs.values())
    )


def validate_media(path: str | os.PathLike[str], target: TargetLike, kind: MediaKind | None = None) -> MediaCheck:
    """Probe ``path`` and check it against ``target``'s specs for ``kind`` (default: what the file is).

    Never raises for a bad file: an unreadable one gives a "cannot read this file" problem.

    Raises:
        ValueError: ``target`` names no platform psn knows.
    """
    rules = resolve_target(target)
    return validate_probe(probe_media(path, max_pixels=pixel_limit(rules.specs)), rules, kind)


def require_valid(path: str | os.PathLike[str], target: TargetLike, kind: MediaKind | None = None) -> MediaCheck:
    """Like :func:`validate_media`, but raise when the file has any problem; call it before every upload.

    Raises:
        MediaInvalid: (a MediaRejected) with every problem found, each naming what to change.
        ValueError: ``target`` names no platform psn knows.
    """
    check = validate_media(path, target, kind)
    if not check.ok:
        raise MediaInvalid(check)
    return check


def validate_probe(probe: MediaProbe, target: TargetLike, kind: MediaKind | None = None) -> MediaCheck:
    """Check an existing probe against ``target``: probe a file once, check it for several platforms.

    Raises:
        ValueError: ``target`` names no platform psn knows.
    """
    rules = resolve_target(target)
    checker = _Checker(probe, rules)
    chosen, spec = checker.choose_spec(kind)
    if spec is not None:
        checker.check(spec)
    return MediaCheck(
        target=rules.name,
        display_name=rules.display_name,
        kind=chosen,
        spec=spec,
        probe=probe,
        problems=tuple(checker.problems),
        warnings=tuple(checker.warnings),
    )


class _Checker:
    """Collects the problems of one probe against one target's specs."""

    def __init__(self, probe: MediaProbe, target: MediaTarget) -> None:
        self.probe = probe
        self.target = target
        self.who = target.display_name
        self.file = Path(probe.path).name
        self.problems: list[MediaProblem] = []
        self.warnings: list[MediaProblem] = []

    def add(self, code: ProblemCode, message: str, expected: str = "", actual: str = "") -> None:
        self.problems.append(
            MediaProblem(code=code, platform=self.target.name, message=message, expected=expected, actual=actual)
        )

    # --- which spec applies --------------------------------------------------------------------

    def choose_spec(self, kind: MediaKind | None) -> tuple[MediaKind | None, MediaSpec | None]:
        probe = self.probe
        if not probe.readable or probe.kind is None:
            self.add(
                ProblemCode.UNREADABLE,
                f"Cannot read this file ({self.file}), so it can't go to {self.who}: "
                f"{probe.error or 'unknown reason'}. Export or download it again and use the new file.",
                actual=probe.error or "",
            )
            return kind, None
        self._warn_extension()
        stills = {MediaKind.IMAGE, MediaKind.GIF}
        if kind is not None and kind != probe.kind and not {kind, probe.kind} <= stills:
            self.add(
                ProblemCode.WRONG_KIND,
                f"This was meant to go to {self.who} as {_a(_NOUNS[kind][0])}, but {self.file} is "
                f"{_a(probe.format_name)} {_NOUNS[probe.kind][0]}. Pick {_a(_NOUNS[kind][0])} file instead.",
                expected=kind.value,
                actual=probe.kind.value,
            )
            return kind, None
        wanted = kind or probe.kind
        order = [wanted, *(stills - {wanted})] if wanted in stills else [wanted]
        specs = [(k, s) for k in order if (s := self.target.spec_for(k)) is not None]
        # A GIF goes as a GIF where the platform takes GIFs, else it is checked as an image.
        fitting = [(k, s) for k, s in specs if probe.mime_type in s.mime_types]
        if fitting or specs:
            return (fitting or specs)[0]
        taken = [_NOUNS[s.kind][1] for s in self.target.specs]
        instead = f" Use {one_of(taken)} instead." if taken else ""
        self.add(
            ProblemCode.UNSUPPORTED_KIND,
            f"psn can't post {_NOUNS[wanted][1]} to {self.who}; {self.file} is {_a(probe.format_name)} "
            f"{_NOUNS[probe.kind][0]}.{instead}",
            expected=one_of(taken),
            actual=wanted.value,
        )
        return wanted, None

    def _warn_extension(self) -> None:
        probe = self.probe
        if probe.extension_matches or probe.extension_mime_type is None:
            return
        claimed = format_name(probe.extension_mime_type)
        self.warnings.append(
            MediaProblem(
                code=ProblemCode.EXTENSION_MISMATCH,
                platform=self.target.name,
                message=f"{self.file} is named like {_a(claimed)} but its content is {_a(probe.format_name)}; "
                f"psn treats it as {_a(probe.format_name)}.",
                expected=claimed,
                actual=probe.format_name,
            )
        )

    # --- the checks ----------------------------------------------------------------------------

    def check(self, spec: MediaSpec) -> None:
        things = f"{self.who} {_NOUNS[spec.kind][1]}"
        self._format(spec, things)
        self._size(spec, things)
        width, height = self.probe.width, self.probe.height
        if width and height:
            self._dimensions(spec, things, width, height)
            self._aspect(spec, things, width, height)
        if self.probe.video is not None:
            self._video(spec, things)
        if self.probe.document is not None:
            self._document(spec, things)

    def _format(self, spec: MediaSpec, things: str) -> None:
        if self.probe.mime_type in spec.mime_types:
            return
        allowed = [format_name(m) for m in spec.mime_types]
        named = ""
        if not self.probe.extension_matches and self.probe.extension_mime_type:
            named = f" (its name ends in {Path(self.probe.path).suffix}, but the content is {self.probe.format_name})"
        self.add(
            ProblemCode.FORMAT,
            f"{things} must be {one_of(allowed)}; this is {_a(self.probe.format_name)}{named}. "
            f"Export it as {allowed[0]}.",
            expected=one_of(allowed),
            actual=self.probe.format_name,
        )

    def _size(self, spec: MediaSpec, things: str) -> None:
        if self.probe.size_bytes <= spec.max_bytes:
            return
        actual, limit = size_pair(self.probe.size_bytes, spec.max_bytes)
        fix = {
            MediaKind.VIDEO: "Shorten it or export it at a lower bitrate.",
            MediaKind.DOCUMENT: "Remove pages or compress its images.",
        }.get(spec.kind, "Compress it or export it at a smaller size.")
        self.add(
            ProblemCode.FILE_SIZE,
            f"{things} must be at most {limit}; this one is {actual}. {fix}",
            expected=f"at most {limit}",
            actual=actual,
        )

    def _dimensions(self, spec: MediaSpec, things: str, width: int, height: int) -> None:
        if spec.max_pixels and width * height > spec.max_pixels:
            scale = math.sqrt(spec.max_pixels / (width * height))
            self.add(
                ProblemCode.DIMENSIONS,
                f"{things} must have at most {spec.max_pixels:,} pixels; this one is {width}x{height} "
                f"({width * height:,}). Resize it to {_scaled(width, height, scale, down=True)}.",
                expected=f"at most {spec.max_pixels:,} pixels",
                actual=f"{width}x{height}",
            )
        small = [s for s in (_over(spec.min_width, width), _over(spec.min_height, height)) if s > 1]
        if small:
            scale = max(small)
            self.add(
                ProblemCode.DIMENSIONS,
                f"{things} must be at least {_box(spec.min_width, spec.min_height)}; this one is {width}x{height}. "
                f"Use a larger original, at least {_scaled(width, height, scale)}.",
                expected=f"at least {_box(spec.min_width, spec.min_height)}",
                actual=f"{width}x{height}",
            )
        big = [s for s in (_over(width, spec.max_width), _over(height, spec.max_height)) if s > 1]
        if big:
            scale = 1 / max(big)
            self.add(
                ProblemCode.DIMENSIONS,
                f"{things} must be at most {_box(spec.max_width, spec.max_height)}; this one is {width}x{height}. "
                f"Resize it to {_scaled(width, height, scale, down=True)}.",
                expected=f"at most {_box(spec.max_width, spec.max_height)}",
                actual=f"{width}x{height}",
            )

    def _aspect(self, spec: MediaSpec, things: str, width: int, height: int) -> None:
        low, high, ratio = spec.min_aspect_ratio, spec.max_aspect_ratio, width / height
        too_narrow = low is not None and ratio < low * (1 - _RATIO_TOLERANCE)
        too_wide = high is not None and ratio > high * (1 + _RATIO_TOLERANCE)
        if not (too_narrow or too_wide):
            return
        goal = low if too_narrow else high
        assert goal is not None
        crop_w, crop_h = crop_to(width, height, goal)
        actual = ratio_of(width, height)
        if low is not None and high is not None and math.isclose(low, high, rel_tol=_RATIO_TOLERANCE):
            noun = _NOUNS[spec.kind][0]
            message = f"{self.who} needs {_a(human_ratio(low))} {noun}; this one is {actual}."
            expected = human_ratio(low)
        elif low is not None and high is not None:
            shape = "too tall" if too_narrow else "too wide"
            expected = f"{human_ratio(low)} to {human_ratio(high)}"
            message = (
                f"{things} must have an aspect ratio between {human_ratio(low)} and {human_ratio(high)}; "
                f"this one is {actual}, {shape}."
            )
        else:
            bound = "at least" if too_narrow else "at most"
            expected = f"{bound} {human_ratio(goal)}"
            message = f"{things} must have an aspect ratio of {expected}; this one is {actual}."
        self.add(
            ProblemCode.ASPECT_RATIO,
            f"{message} Crop it to {human_ratio(goal)}, e.g. {crop_w}x{crop_h}.",
            expected=expected,
            actual=actual,
        )

    def _video(self, spec: MediaSpec, things: str) -> None:
        video = self.probe.video
        assert video is not None
        seconds = video.duration_seconds
        if seconds is not None and spec.min_duration_seconds is not None and seconds < spec.min_duration_seconds:
            least = human_duration(spec.min_duration_seconds)
            self.add(
                ProblemCode.DURATION,
                f"{things} must be at least {least} long; this one is {human_duration(seconds)}. Use a longer clip.",
                expected=f"at least {least}",
                actual=human_duration(seconds),
            )
        if seconds is not None and spec.max_duration_seconds is not None and seconds > spec.max_duration_seconds:
            most = human_duration(spec.max_duration_seconds)
            self.add(
                ProblemCode.DURATION,
                f"{things} must be at most {most} long; this one is {human_duration(seconds)}. Trim it to {most}.",
                expected=f"at most {most}",
                actual=human_duration(seconds),
            )
        self._frame_rate(spec, things, video.frame_rate)
        self._codecs(spec, things, video.video_codec, video.audio_codec)

    def _frame_rate(self, spec: MediaSpec, things: str, rate: float | None) -> None:
        low, high = spec.min_frame_rate, spec.max_frame_rate
        slow = rate is not None and low is not None and rate < low - 0.01
        fast = rate is not None and high is not None and rate > high + 0.01
        if rate is None or not (slow or fast):
            return
        if low is not None and high is not None:
            expected = f"{frame_rate_text(low)} to {frame_rate_text(high)}"
        elif low is not None:
            expected = f"at least {frame_rate_text(low)}"
        else:
            expected = f"at most {frame_rate_text(high or 0)}"
        target = max(30.0, low or 0.0)
        target = min(target, high) if high is not None else target
        self.add(
            ProblemCode.FRAME_RATE,
            f"{things} must be {expected}; this one is {frame_rate_text(rate)}. "
            f"Export it again at {frame_rate_text(target)}.",
            expected=expected,
            actual=frame_rate_text(rate),
        )

    def _codecs(self, spec: MediaSpec, things: str, video_codec: str, audio_codec: str | None) -> None:
        wanted = [canonical_codec(c) for c in spec.video_codecs]
        if wanted and canonical_codec(video_codec) not in wanted:
            names = one_of([codec_name(c) for c in wanted])
            self.add(
                ProblemCode.VIDEO_CODEC,
                f"{things} must be {names}; this one is {codec_name(video_codec)}. "
                f"Re-encode it as {codec_name(wanted[0])}.",
                expected=names,
                actual=codec_name(video_codec),
            )
        sound = [canonical_codec(c) for c in spec.audio_codecs]
        if sound and audio_codec is not None and canonical_codec(audio_codec) not in sound:
            names = one_of([codec_name(c) for c in sound])
            self.add(
                ProblemCode.AUDIO_CODEC,
                f"{things} need {names} sound; this one has {codec_name(audio_codec)} sound. "
                f"Re-encode the sound as {codec_name(sound[0])}.",
                expected=names,
                actual=codec_name(audio_codec),
            )

    def _document(self, spec: MediaSpec, things: str) -> None:
        document = self.probe.document
        assert document is not None
        if document.encrypted and document.page_count is None:
            self.add(
                ProblemCode.FORMAT,
                f"{self.who} can't open password-protected documents; {self.file} is locked. "
                "Save a copy without a password.",
                expected="no password",
                actual="password-protected",
            )
        pages = document.page_count
        if pages is not None and spec.max_pages is not None and pages > spec.max_pages:
            self.add(
                ProblemCode.PAGES,
                f"{things} can have at most {spec.max_pages} pages; this one has {pages}. Split it or remove pages.",
                expected=f"at most {spec.max_pages} pages",
                actual=f"{pages} pages",
            )


def _a(word: str) -> str:
    """``"PNG"`` -> ``"a PNG"``; ``"MP4"`` -> ``"an MP4"`` (letters read aloud: "em", "ef", "ex"...)."""
    if word in _READ_AS_WORDS:
        return f"a {word}"
    first = word[:1]
    spelled = len(word) > 1 and word[:2].isupper() and word[:2].isalpha()
    vowel_sound = first in "AEIOUaeiou" or (spelled and first in "FHLMNRSX")
    return f"{'an' if vowel_sound else 'a'} {word}"


def _over(value: int | None, limit: int | None) -> float:
    """How many times ``value`` exceeds ``limit`` (1.0 or less: within it; either missing: 0)."""
    if value is None or limit is None or limit == 0:
        return 0.0
    return value / limit


def _box(width: int | None, height: int | None) -> str:
    if width is not None and height is not None:
        return f"{width}x{height}"
    if width is not None:
        return f"{width} px wide"
    return f"{height} px tall"


def _scaled(width: int, height: int, scale: float, *, down: bool = False) -> str:
    # The nudge keeps float noise (1600 * 0.9 = 1439.9999) from costing a pixel.
    def fit(side: int) -> int:
        exact = side * scale
        return max(1, math.floor(exact + 1e-6) if down else math.ceil(exact - 1e-6))

    return f"{fit(width)}x{fit(height)}"
