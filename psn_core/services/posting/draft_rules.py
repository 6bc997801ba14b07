"""The rules a draft meets before anything is stored, in one place: ``check_draft`` (before the user
reviews the draft) and ``save_draft`` (``create_post``, from the MCP tool and from ``psn post``) both ask
here, so a draft check_draft calls ok is one save_draft takes with the same inputs, and a draft save_draft
refuses is flagged by check_draft with the same sentences.

What a draft looks like to a platform is its :class:`DraftShape`: the text of each part (after a long first
part is split into a thread, when asked), how many media items go with each part, an article link, and the
privacy choice. Everything that depends only on the shape is checked here; what needs the media files
themselves (type, size, dimensions, a public URL) is checked in ``renderings.check_rendering`` once the
files are stored. Rules branch on declared limits and capabilities, never on a platform's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from psn_core.errors import ContentRejected
from psn_core.platforms.base import Platform
from psn_core.platforms.models import TextCounting
from psn_core.platforms.x_text import InvalidReason, parse_post


@dataclass(frozen=True)
class DraftShape:
    """One target's draft as its platform sees it, files aside."""

    texts: tuple[str, ...]
    media_counts: tuple[int, ...]  # one per part
    article_url: str | None = None
    privacy_level: str | None = None


def thread_parts(cls: type[Platform], parts: Sequence[str], *, split_into_thread: bool) -> list[str]:
    """The parts a target is posted as: with ``split_into_thread``, a long first part becomes a thread
    where the platform has threads (a platform without them keeps it whole). Text holding characters the
    platform refuses stays unsplit, so :func:`shape_problems` names them."""
    texts = list(parts)
    if split_into_thread and texts:
        with suppress(ContentRejected):
            # a blank text splits into no parts at all: it stays one (empty) part, refused as such
            texts = (cls.split_thread(texts[0]) or texts[:1]) + texts[1:]
    return texts


def most_media(cls: type[Platform]) -> int:
    """How many media items one post of ``cls`` can carry."""
    return max(cls.limits.max_images_per_post, cls.limits.carousel_max or 0)


def target_problems(cls: type[Platform], shape: DraftShape, *, sandbox: bool) -> list[str]:
    """Every reason ``cls`` would refuse a draft of this shape, as sentences naming the fix (empty: fine),
    in the order ``create_post`` lists them. ``sandbox``: the account's app is unaudited (a TikTok sandbox
    app posts privately)."""
    return shape_problems(cls, shape) + privacy_problems(cls, shape.privacy_level, sandbox=sandbox)


def shape_problems(cls: type[Platform], shape: DraftShape) -> list[str]:
    """The problems of :func:`target_problems` but the privacy choice."""
    name, limits, caps = cls.display_name, cls.limits, cls.capabilities
    problems: list[str] = []
    texts = shape.texts
    if len(texts) > 1 and not caps.threads:
        problems.append(f"{name} has no threads; put everything in one post or choose another platform.")
    if limits.max_thread_parts and len(texts) > limits.max_thread_parts:
        problems.append(f"{name} threads hold at most {limits.max_thread_parts} parts; this one has {len(texts)}.")
    for number, (text, count) in enumerate(zip(texts, shape.media_counts, strict=True), start=1):
        where = f" (part {number})" if len(texts) > 1 else ""
        problems.extend(_part_problems(cls, text, count, where))
        if number == 1 and not count and not caps.text_only and not shape.article_url:
            problems.append(f"{name} posts need an image or a video; text-only posts do not exist there.")
    return problems


def _part_problems(cls: type[Platform], text: str, count: int, where: str) -> list[str]:
    name, limits, caps = cls.display_name, cls.limits, cls.capabilities
    problems: list[str] = []
    if limits.text_counting is TextCounting.X_WEIGHTED and parse_post(text).reason is InvalidReason.INVALID_CHARACTERS:
        problems.append(f"The text{where} holds characters {name} refuses (U+FFFE, U+FEFF or U+FFFF): remove them.")
    length = cls.text_length(text)
    if length > limits.max_text_length:
        problems.append(
            f"{name} allows {limits.max_text_length} characters{where}; this has {length}. "
            f"Cut {length - limits.max_text_length}"
            + (" or split it into a thread (split_into_thread)." if caps.threads else ".")
        )
    if not text.strip() and not count:
        problems.append(f"{name} cannot post an empty part{where}.")
    if count > 1:
        most = most_media(cls)
        if most < 2:
            problems.append(f"{name} takes one media item per post{where}; this has {count}.")
        elif count > most:
            problems.append(f"{name} takes at most {most} media items per post{where}; this has {count}.")
        elif limits.carousel_min and count < limits.carousel_min:
            problems.append(f"{name} carousels need at least {limits.carousel_min} items{where}.")
    return problems


def privacy_problems(cls: type[Platform], chosen: str | None, *, sandbox: bool) -> list[str]:
    """Why the post's privacy choice does not suit ``cls`` (empty: fine). Where a platform has the user
    choose who sees each post (TikTok), nothing is chosen for them; a sandbox app posts privately."""
    levels = cls.privacy_levels
    if not levels:
        return []
    offered = ", ".join(levels)
    if chosen is None and not sandbox:
        return [
            f"{cls.display_name} needs you to choose who can see this post (one of {offered}); "
            f"`psn auth verify {cls.name}` shows the ones your account offers."
        ]
    if chosen is not None and chosen not in levels:
        return [f"{cls.display_name} has no privacy level {chosen}; choose one of {offered}."]
    return []
