"""The post format a saved draft is recorded with: the catalog's names only, worked out from the post's
shape when the writer did not say which one they used."""

from __future__ import annotations

import pytest

from psn_core.voice.errors import VoiceInputInvalid
from psn_core.voice.formats import check_format, format_names, infer_format, media_kinds_of


@pytest.mark.parametrize(
    ("parts", "media", "expected"),
    [
        (["one", "two"], [], "thread"),
        (["a clip"], ["video"], "video"),
        (["the deck"], ["document"], "document"),
        (["three photos"], ["image", "image", "image"], "carousel"),
        (["a photo"], ["image"], "image"),
        (["Who else ships on Fridays?"], [], "question"),
        (["We shipped.\n\nIt took three tries."], [], "story"),
        (["word " * 70], [], "story"),
        (["We shipped it."], [], "short_take"),
    ],
)
def test_the_format_follows_the_posts_shape(parts: list[str], media: list[str], expected: str) -> None:
    assert infer_format(parts, media) == expected
    assert expected in format_names()


def test_only_catalog_names_are_accepted() -> None:
    assert check_format("story") == "story"
    for legacy in ("text", "Story", "long_post"):
        with pytest.raises(VoiceInputInvalid, match="is not a post format psn knows"):
            check_format(legacy)


def test_media_kinds_come_from_the_file_type() -> None:
    assert media_kinds_of(["a.jpg", "b.PNG", "c.mp4", "d.pdf", "e.unknownext"]) == [
        "image",
        "image",
        "video",
        "document",
    ]
