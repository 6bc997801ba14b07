"""check_draft and save_draft agree: a draft check_draft calls ok is saved by save_draft with the same inputs
(real Postgres, real accounts connected through the emulator, real media files), and a draft save_draft
refuses is flagged by check_draft with exactly the same sentences, in the same order.

Property-style without a library (the repository has no hypothesis): a seeded generator draws texts around
every platform's limits (links and emoji as X weighs them, CJK, characters X refuses, threads too long to
split), subsets of the four platforms, media counts around every carousel bound, thread splitting and
TikTok privacy choices. The seed is printed in the failure, so any disagreement replays.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from psn_core.config import Settings
from psn_core.emulator import Emulator
from psn_core.errors import PostInvalid
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.drafts import DraftOptions, check_draft
from psn_core.services.posting.saved_drafts import DraftTarget, ReviewedDraft, save_draft
from tests.support.hubs import HubEnv, make_settings, new_member
from tests.support.platform_env import connect_account, emulator_overrides

pytestmark = pytest.mark.pg

SEED = 20261129
EXAMPLES = 160
FOUR = ("x", "linkedin", "instagram", "tiktok")
MEDIA_COUNTS = (0, 0, 1, 2, 3, 4, 5, 9, 10, 11, 20, 21, 35, 36)
PRIVACY = (None, None, "SELF_ONLY", "PUBLIC_TO_EVERYONE", "FRIENDS")


@dataclass(frozen=True)
class Example:
    text: str
    platforms: tuple[str, ...]
    media_count: int
    split_into_thread: bool
    privacy_level: str | None


def _texts(rng: random.Random) -> str:
    word = rng.choice(["bread", "morning", "sourdough", "ovens", "flour"])
    pieces = {
        "empty": "",
        "blank": "   \n ",
        "short": f"Fresh {word} at 7.",
        "x_edge": "a" * rng.choice([279, 280, 281]),
        "issue_371": ("We shipped the new onboarding. " * 12)[:371],
        "links": " ".join(f"https://example.com/{i}/{word}" for i in range(rng.randint(1, 14))),
        "emoji": "🙂" * rng.randint(130, 150),
        "cjk": "面包" * rng.randint(60, 80),
        "refused_char": f"Hello {word}\ufffe world",
        "long_thread": f"{word.capitalize()} is ready. " * rng.randint(30, 400),
        "instagram_edge": "b" * rng.choice([2200, 2201]),
        "linkedin_edge": "c" * rng.choice([3000, 3001]),
    }
    return pieces[rng.choice(sorted(pieces))]


def examples(seed: int, count: int) -> Iterator[Example]:
    rng = random.Random(seed)
    for _ in range(count):
        platforms = tuple(p for p in FOUR if rng.random() < 0.5) or (rng.choice(FOUR),)
        yield Example(
            text=_texts(rng),
            platforms=platforms,
            media_count=rng.choice(MEDIA_COUNTS),
            split_into_thread=rng.random() < 0.5,
            privacy_level=rng.choice(PRIVACY),
        )


@pytest.fixture
def world(hub_env: HubEnv, tmp_path: Path) -> Iterator[tuple[Settings, uuid.UUID, Path]]:
    """Ana with an account on each of the four platforms (TikTok's app unaudited, as by default), media
    served from a public host, and one photo every platform takes (1080 x 1080 JPEG)."""
    member = new_member(hub_env.hub, "Ana")
    with Emulator() as emu:
        conninfo = hub_env.server.conninfo(hub_env.database)
        settings = make_settings(
            hub_env.settings.workspace,
            conninfo,
            member_id=member,
            media_host_url="https://media.example.test",
            **emulator_overrides(emu),
        )
        for platform in FOUR:
            connect_account(hub_env.hub, settings, member, platform)
        photo = tmp_path / "photo.jpg"
        Image.new("RGB", (1080, 1080), (200, 120, 40)).save(photo, format="JPEG")
        yield settings, member, photo


def test_check_draft_and_save_draft_agree_on_every_generated_draft(
    hub_env: HubEnv, world: tuple[Settings, uuid.UUID, Path]
) -> None:
    settings, member, photo = world
    voices = settings.workspace / "voices"
    sandboxed = frozenset(p for p in PLATFORMS if settings.app(p).sandbox)
    outcomes = {"saved": 0, "refused": 0}
    for number, example in enumerate(examples(SEED, EXAMPLES)):
        options = DraftOptions(
            media_count=example.media_count,
            split_into_thread=example.split_into_thread,
            privacy_level=example.privacy_level,
            sandboxed=sandboxed,
        )
        shown = f"{example.text[:40]!r}... ({len(example.text)} characters)"
        where = f"seed {SEED}, example {number}: {shown} {example.platforms} {options}"
        check = check_draft(voices, example.text, platforms=example.platforms, language="en", options=options)
        flagged = [problem for target in check.targets for problem in target.problems]
        draft = ReviewedDraft(
            targets=[
                DraftTarget(
                    account=platform,
                    parts=[example.text],
                    media=[str(photo)] * example.media_count,
                    split_into_thread=example.split_into_thread,
                    privacy_level=example.privacy_level,
                )
                for platform in example.platforms
            ]
        )
        refused: list[str] | None = None
        try:
            with hub_env.hub.transaction(member) as conn:
                save_draft(conn, settings, member, draft)
        except PostInvalid as exc:
            refused = exc.problems
        if refused is None:
            outcomes["saved"] += 1
            assert check.ok, f"save_draft saved what check_draft flagged: {flagged} ({where})"
        else:
            outcomes["refused"] += 1
            assert not check.ok, f"check_draft said ok, save_draft refused: {refused} ({where})"
            assert refused == flagged, where
    # the generator reaches both sides (a property that never saves or never refuses proves nothing)
    assert outcomes["saved"] >= 20 and outcomes["refused"] >= 20, outcomes


def test_the_issue_371_character_x_post_is_flagged_by_both_and_saved_by_both_as_a_thread(
    hub_env: HubEnv, world: tuple[Settings, uuid.UUID, Path]
) -> None:
    settings, member, _ = world
    text = ("We shipped the new onboarding. " * 12)[:371]
    voices = settings.workspace / "voices"
    plain = check_draft(voices, text, platforms=["x"], language="en")
    split = check_draft(voices, text, platforms=["x"], language="en", options=DraftOptions(split_into_thread=True))
    with pytest.raises(PostInvalid) as refused, hub_env.hub.transaction(member) as conn:
        save_draft(conn, settings, member, ReviewedDraft(targets=[DraftTarget(account="x", parts=[text])]))
    with hub_env.hub.transaction(member) as conn:
        saved = save_draft(
            conn,
            settings,
            member,
            ReviewedDraft(targets=[DraftTarget(account="x", parts=[text], split_into_thread=True)]),
        )
    assert not plain.ok and plain.targets[0].problems == refused.value.problems
    assert refused.value.problems == [
        "X allows 280 characters; this has 371. Cut 91 or split it into a thread (split_into_thread)."
    ]
    assert split.ok and [len(p.text) for p in saved.targets[0].rendering.parts] == [
        len(p)
        for p in split.targets[0].thread.parts  # type: ignore[union-attr]
    ]
