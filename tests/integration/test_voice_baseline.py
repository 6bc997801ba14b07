"""Voice match in the hub (real Postgres as psn_app): samples imported from text, a file and the user's
own X posts (through the X client against the emulator, within the account's request budget), the
baseline built from samples and published posts, and the score check_draft shows beside naturalness."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from psycopg.types.json import Jsonb

from psn_core.errors import RateLimited
from psn_core.services.posting.drafts import add_voice_match, check_draft
from psn_core.services.voice.baseline import check_voice_match, rebuild_baseline, split_texts, stored_baseline
from psn_core.services.voice.import_errors import NothingToImport
from psn_core.services.voice.imports import import_file, import_text, import_x
from psn_core.voice.errors import VoiceInputInvalid
from tests.support.hubs import HubEnv, new_member
from tests.support.publishing_env import PubEnv, parts
from tests.support.voice_samples import EN_GENERIC, EN_MINE, EN_SAMPLES, ES_GENERIC, ES_MINE, ES_SAMPLES

pytestmark = pytest.mark.pg


@pytest.fixture
def ana(hub_env: HubEnv) -> uuid.UUID:
    return new_member(hub_env.hub, "Ana")


def test_split_texts_uses_separator_lines_when_there_are_any_else_blank_lines() -> None:
    assert split_texts("one\n\ntwo\n \nthree") == ["one", "two", "three"]
    assert split_texts("a post\n\nwith two paragraphs\n---\nanother") == ["a post\n\nwith two paragraphs", "another"]
    assert split_texts("  \n\n ") == []


def test_pasted_posts_build_a_baseline_and_a_draft_in_the_users_style_scores_higher(
    hub_env: HubEnv, ana: uuid.UUID
) -> None:
    result = import_text(hub_env.hub, ana, "\n\n".join(EN_SAMPLES), language="en")
    assert (result.added, result.already_there, result.baseline.samples, result.baseline.enough) == (7, 0, 7, True)
    again = import_text(hub_env.hub, ana, "\n\n".join(EN_SAMPLES[:3]), language="en")
    assert (again.added, again.already_there) == (0, 3)
    with hub_env.hub.transaction(ana) as conn:
        mine = check_voice_match(conn, ana, EN_MINE, language="en")
        generic = check_voice_match(conn, ana, EN_GENERIC, language="en")
    assert mine.report is not None and generic.report is not None
    assert mine.report.score >= 70 > 60 >= generic.report.score
    assert any(line.startswith("hashtags per post: you 0, this draft 3") for line in generic.report.off)


def test_languages_are_separate_baselines(hub_env: HubEnv, ana: uuid.UUID) -> None:
    import_text(hub_env.hub, ana, "\n\n".join(EN_SAMPLES), language="en")
    with hub_env.hub.transaction(ana) as conn:
        before = check_voice_match(conn, ana, ES_MINE, language="es")
    assert before.report is None and before.note is not None and "psn has 0" in before.note
    import_text(hub_env.hub, ana, "\n---\n".join(ES_SAMPLES), language="es")
    with hub_env.hub.transaction(ana) as conn:
        mine = check_voice_match(conn, ana, ES_MINE, language="es")
        generic = check_voice_match(conn, ana, ES_GENERIC, language="es")
    assert mine.report is not None and generic.report is not None
    assert mine.report.score - generic.report.score >= 30


def test_a_file_is_imported_post_by_post_and_an_empty_one_is_refused(
    hub_env: HubEnv, ana: uuid.UUID, tmp_path: Path
) -> None:
    posts = tmp_path / "posts.txt"
    posts.write_text("\n\n".join(EN_SAMPLES[:4]) + "\n", encoding="utf-8")
    result = import_file(hub_env.hub, ana, posts, language="en")
    assert (result.source, result.added, result.baseline.samples) == ("file", 4, 4)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(NothingToImport):
        import_file(hub_env.hub, ana, empty, language="en")
    with pytest.raises(VoiceInputInvalid, match="cannot measure a voice in 'xx'"):
        import_text(hub_env.hub, ana, "hola", language="xx")
    with hub_env.hub.transaction(ana) as conn:
        origins = conn.execute("SELECT DISTINCT origin FROM voice_samples").fetchall()
    assert origins == [{"origin": "posts.txt"}]


def test_too_few_texts_give_no_score_but_say_how_to_get_one(hub_env: HubEnv, ana: uuid.UUID) -> None:
    import_text(hub_env.hub, ana, EN_SAMPLES[0], language="en")
    with hub_env.hub.transaction(ana) as conn:
        found = check_voice_match(conn, ana, EN_MINE, language="en")
    assert found.report is None and found.note is not None and "psn voice import" in found.note


def test_check_draft_shows_voice_match_beside_naturalness(hub_env: HubEnv, ana: uuid.UUID, tmp_path: Path) -> None:
    import_text(hub_env.hub, ana, "\n\n".join(EN_SAMPLES), language="en")
    checked = check_draft(tmp_path, EN_GENERIC, platforms=["linkedin"], language="en")
    both = add_voice_match(hub_env.hub, ana, checked, EN_GENERIC)
    assert both.naturalness is not None and both.voice_match is not None and both.voice_match.report is not None
    assert not both.voice_match.report.sounds_like_you
    assert both.targets == checked.targets


# --- published posts and the user's own X posts ------------------------------------------------------


def _publish_on_x(pub: PubEnv, texts: list[str]) -> None:
    for text in texts:
        post = pub.schedule(pub.create({"x": parts(text)}, language="en"))
        assert pub.publish(post)["x"].status == "published"
        pub.clock.advance(60)


def test_published_posts_are_part_of_the_baseline(pub: PubEnv) -> None:
    _publish_on_x(pub, EN_SAMPLES[:4])
    with pub.env.hub.transaction(pub.member) as conn:
        view = rebuild_baseline(conn, pub.member, language="en")
        stored = stored_baseline(conn, pub.member, persona="personal", language="en")
        mine = check_voice_match(conn, pub.member, EN_MINE, language="en")
    assert (view.samples, view.posts, view.enough) == (0, 4, True)
    assert stored is not None and stored.posts == 4 and stored.updated_at is not None
    assert mine.report is not None and mine.report.based_on_texts == 4
    _publish_on_x(pub, EN_SAMPLES[4:6])  # published after the baseline was stored: the check counts them
    with pub.env.hub.transaction(pub.member) as conn:
        fresh = check_voice_match(conn, pub.member, EN_MINE, language="en")
        still = stored_baseline(conn, pub.member, persona="personal", language="en")
    assert fresh.report is not None and fresh.report.based_on_texts == 6
    assert still is not None and still.posts == 4  # a check is a read: the stored one changes on refresh


def test_the_users_own_x_posts_are_imported_through_the_budget(pub: PubEnv) -> None:
    _publish_on_x(pub, EN_SAMPLES[:5])
    ring_settings = pub.settings
    from psn_core.crypto import load_keyring

    ring = load_keyring(ring_settings)
    timeline_reads = pub.requests("x", "user_tweets")
    result = import_x(pub.env.hub, ring_settings, ring, pub.member, language="en", clock=pub.clock)
    assert (result.source, result.added) == ("x", 5)
    assert pub.requests("x", "user_tweets") == timeline_reads + 1
    with pub.env.hub.transaction(pub.member) as conn:
        bodies = {r["body"] for r in conn.execute("SELECT body FROM voice_samples WHERE source = 'x'").fetchall()}
        spent = conn.execute(
            "SELECT bucket, used FROM budget_ledger WHERE platform = 'x' AND bucket LIKE 'GET /2/users/%%/tweets'"
        ).fetchall()
    assert bodies == set(EN_SAMPLES[:5])
    assert [row["used"] for row in spent] == [1]
    # the account's budget for that read used up: nothing is sent, nothing stored, and the user is told when
    with pub.env.hub.owner() as conn:
        conn.execute("UPDATE budget_ledger SET used = request_limit WHERE platform = 'x'")
    reads = pub.requests("x", "user_tweets")
    with pytest.raises(RateLimited):
        import_x(pub.env.hub, ring_settings, ring, pub.member, language="en", clock=pub.clock)
    assert pub.requests("x", "user_tweets") == reads


NEW_POST = "INSERT INTO posts (member_id, idea, timezone) VALUES (%s, 'x', 'UTC') RETURNING id"


def test_a_baseline_built_from_200_posts_still_goes_stale_when_another_is_published(hub_env: HubEnv) -> None:
    """The baseline uses the newest 200 published posts; after 200, the count stays 200, so staleness
    also compares the newest publication with when the baseline was stored."""
    from tests.support.learning_world import World

    world = World(hub_env.hub, new_member(hub_env.hub, "Ana"))
    account = world.account("x")
    with hub_env.hub.transaction(world.member) as conn:
        for n in range(201):
            row = conn.execute(NEW_POST, [world.member])
            conn.execute(
                "INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering, status, published_at)"
                " VALUES (%s, %s, %s, 'x', %s, 'published', now() - interval '1 day')",
                [
                    row.fetchone()["id"],
                    world.member,
                    account,  # type: ignore[index]
                    Jsonb({"parts": [{"text": EN_SAMPLES[n % len(EN_SAMPLES)] + f" #{n}"}]}),
                ],
            )
        rebuild_baseline(conn, world.member, language="en")
    with hub_env.hub.transaction(world.member) as conn:
        row = conn.execute(NEW_POST, [world.member])
        conn.execute(
            "INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering, status, published_at)"
            " VALUES (%s, %s, %s, 'x', %s, 'published', clock_timestamp())",
            [row.fetchone()["id"], world.member, account, Jsonb({"parts": [{"text": EN_GENERIC}]})],  # type: ignore[index]
        )
    with hub_env.hub.transaction(world.member) as conn:
        check = check_voice_match(conn, world.member, EN_MINE, language="en")
        stored = stored_baseline(conn, world.member, persona="personal", language="en")
    assert stored is not None and check.report is not None
    # measured now from the newest 200 (the generic post among them), not the stored baseline
    assert stored.posts == 200
    from psn_core.services.voice.baseline import is_stale

    with hub_env.hub.transaction(world.member) as conn:
        assert is_stale(conn, world.member, persona="personal", language="en")
        rebuild_baseline(conn, world.member, language="en")
    with hub_env.hub.transaction(world.member) as conn:
        assert not is_stale(conn, world.member, persona="personal", language="en")
