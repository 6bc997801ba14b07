"""Format variety: supported formats only, never the same shape over and over, deterministic."""

from __future__ import annotations

from collections import Counter

import pytest

from psn_core.voice.errors import NoFormatAvailable
from psn_core.voice.formats import rank_formats, recommend_format

LINKEDIN_LIKE = {"text", "images", "carousels", "documents", "video", "polls"}
X_LIKE = {"text", "threads", "images", "video", "polls"}


def _run(platform: str, caps: set[str], posts: int, start: list[str] | None = None) -> list[str]:
    history = list(start or [])
    for _ in range(posts):
        history.append(recommend_format(platform, caps, history))
    return history


def test_next_format_differs_from_the_last_post() -> None:
    for last in ("carousel", "story", "video", "short_take"):
        assert recommend_format("linkedin", LINKEDIN_LIKE, ["image", last]) != last


def test_a_run_of_posts_is_not_dominated_by_one_format() -> None:
    history = _run("linkedin", LINKEDIN_LIKE, 20)
    assert max(Counter(history).values()) / len(history) <= 0.3
    assert len(set(history)) >= 5


def test_after_a_streak_of_threads_x_gets_something_else() -> None:
    assert recommend_format("x", X_LIKE, ["thread"] * 6) != "thread"
    assert "thread" in _run("x", X_LIKE, 10)


def test_only_formats_the_capabilities_allow_are_recommended() -> None:
    assert set(_run("tiktok", {"video"}, 5)) == {"video"}
    assert set(rank_formats("x", X_LIKE, [])) >= {"thread", "poll"}
    assert "carousel" not in rank_formats("x", X_LIKE, [])


def test_same_inputs_give_the_same_recommendation() -> None:
    recent = ["story", "carousel", "image"]
    assert {recommend_format("linkedin", LINKEDIN_LIKE, recent) for _ in range(5)} == {
        recommend_format("linkedin", LINKEDIN_LIKE, list(recent))
    }


def test_no_usable_capability_is_an_error() -> None:
    with pytest.raises(NoFormatAvailable):
        recommend_format("mystery", set(), [])
