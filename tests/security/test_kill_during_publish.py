"""A worker SIGKILLed while the platform holds a write it has already applied: the restarted worker finds
the post on the account (the ledger row is reconciled, not re-sent) and every part of every post exists
exactly once on the platform, counted per remote id, per idempotency key and per text, with texts that
carry `#`, `@`, links and `&` (what each platform rewrites: LinkedIn escapes, X links and entities)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.posts import PartInput
from psn_core.timefmt import utcnow
from tests.e2e.conftest import Workers, wait_for
from tests.security.crash_env import host_media, schedule, sweep_when_leases_are_free, target_status
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account
from tests.unit.media.media_factory import MediaFactory

pytestmark = [pytest.mark.pg, pytest.mark.slow]

# The write whose answer the platform holds: the call that creates the post people see.
HELD = {
    "x": "x/create_tweet",
    "linkedin": "linkedin/create_post",
    "instagram": "instagram/publish",
    "tiktok": "tiktok/content_init",
}

# Per platform: posts, each a list of parts. Every text has `#`, `@`, a link with `&` in it, and a `&` in
# the words; the first word of each is unique, so it can be counted on the platform whatever the
# platform does to the rest.
POSTS: dict[str, list[list[str]]] = {
    "x": [
        [
            "Alpha: launch day #buildinpublic with @psn_dev & friends https://example.com/launch?a=1&b=2",
            "Bravo: what broke & why #postmortem, thanks @ops_team https://example.com/notes?x=1&y=2",
            "Charlie: next up #shipit @everyone & more at https://example.com/next?from=x&to=y",
        ],
        ["Delta: one more thing #oss for @maintainers & co https://example.com/more?p=1&q=2"],
    ],
    "linkedin": [
        ["Echo: we shipped #psn 2.0 with @Acme & partners (notes: https://example.com/release?x=1&y=2)"],
        ["Foxtrot: hiring #engineers, ask @Jo & team https://example.com/jobs?team=a&level=b"],
    ],
    "instagram": [
        ["Golf: behind the scenes #studio with @carol & co, more at https://example.com/bts?a=1&b=2"],
        ["Hotel: golden hour #photo by @dan & eve https://example.com/gold?c=3&d=4"],
    ],
    "tiktok": [
        ["India: a day at #work with @erin & friends https://example.com/day?a=1&b=2"],
        ["Juliet: desk tour #setup for @frank & all https://example.com/desk?e=5&f=6"],
    ],
}


def _platform_objects(emu: Emulator, platform: str) -> list[tuple[set[str], str]]:
    """Every post that exists on the emulated platform: (the ids it is known by, its text)."""
    state = emu.platform(platform)
    if platform == "x":
        return [({t.id}, t.text) for t in state.tweets.values()]  # type: ignore[attr-defined]
    if platform == "linkedin":
        return [({p.urn}, p.body.commentary) for p in state.posts.values()]  # type: ignore[attr-defined]
    if platform == "instagram":
        return [({m.id}, m.caption) for m in state.media.media.values()]  # type: ignore[attr-defined]
    posts = state.posting.posts.values()  # type: ignore[attr-defined]
    return [({p.publish_id, p.video_id} - {None}, p.description or p.title) for p in posts]


def _tag(text: str) -> str:
    return text.split(":", 1)[0]


@pytest.mark.parametrize("platform", ["x", "linkedin", "instagram", "tiktok"])
def test_a_worker_killed_while_the_platform_holds_its_write_publishes_every_part_once(
    platform: str, hub_env: HubEnv, settings: Settings, emu: Emulator, workers: Workers, tmp_path: Path
) -> None:
    assert settings.member_id is not None
    account = connect_account(hub_env.hub, settings, settings.member_id, platform)
    photo = MediaFactory(tmp_path).image("photo.jpg", (1080, 1080))
    media = [] if PLATFORMS[platform].capabilities.text_only or platform in ("x", "linkedin") else [photo]
    emu.faults.add(f"{HELD[platform]}:timeout_after_write*1")
    due = utcnow() + timedelta(seconds=1)
    targets: dict[UUID, list[str]] = {}
    for texts in POSTS[platform]:
        parts = [PartInput(text=text, media=media if i == 0 else []) for i, text in enumerate(texts)]
        targets[schedule(hub_env, settings, account.id, parts, due)] = texts
    host_media(emu, settings)

    first = workers.start(threads=4)
    # The fault is consumed after the platform applied the write, as the answer starts being held.
    assert wait_for(lambda: not emu.faults.pending(), timeout=30, every=0.1), workers.log.read_text()[-3000:]
    workers.kill(first)  # SIGKILL while the platform holds the answer: the worker never learns the outcome
    with hub_env.hub.owner() as conn:
        open_rows = conn.execute("SELECT count(*) AS n FROM publish_ledger WHERE state = 'sending'").fetchone()
    assert open_rows is not None and open_rows["n"] >= 1

    workers.start(threads=4)
    report = sweep_when_leases_are_free(hub_env, settings)
    assert report.resumed, report

    def all_done() -> bool:
        return all(target_status(hub_env, t) in ("published", "failed", "needs_attention") for t in targets)

    assert wait_for(all_done, timeout=40, every=0.3), workers.log.read_text()[-3000:]
    with hub_env.hub.owner() as conn:
        rows = conn.execute(
            "SELECT id, status, error_class, error_message, remote_ids FROM post_targets WHERE id = ANY(%s)",
            [list(targets)],
        ).fetchall()
        ledger = conn.execute("SELECT idempotency_key, state, remote_id FROM publish_ledger").fetchall()
    assert {r["status"] for r in rows} == {"published"}, rows
    assert any(r["state"] == "reconciled" for r in ledger), [(r["state"], r["remote_id"]) for r in ledger]

    # Per idempotency key: each part of each post settled exactly once (ok or found on the account).
    settled = Counter(r["idempotency_key"] for r in ledger if r["state"] in ("ok", "reconciled"))
    expected_keys = {f"{t}:{i}" for t, texts in targets.items() for i in range(len(texts))}
    assert set(settled) == expected_keys and set(settled.values()) == {1}, ledger

    # Per remote id: every part the hub knows exists once on the platform, and nothing else exists there.
    remote = {r["id"]: list(r["remote_ids"]) for r in rows}
    assert all(len(remote[t]) == len(texts) for t, texts in targets.items()), remote
    objects = _platform_objects(emu, platform)
    for ids in remote.values():
        for remote_id in ids:
            assert sum(1 for known, _ in objects if remote_id in known) == 1, (remote_id, objects)
    assert len(objects) == sum(len(texts) for texts in targets.values()), objects

    # Per text: each part's words are on the platform exactly once.
    on_platform = Counter(_tag(text) for _, text in objects)
    assert on_platform == Counter(_tag(t) for texts in targets.values() for t in texts), objects
    if platform == "x":  # a thread stays a thread: each part answers the one before it
        tweets = emu.platform("x").tweets  # type: ignore[attr-defined]
        for ids in remote.values():
            assert [tweets[i].in_reply_to_tweet_id for i in ids] == [None, *ids[:-1]]
