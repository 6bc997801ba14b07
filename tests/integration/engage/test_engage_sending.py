"""The reply sender's edge cases: a reply left 'sending' whose check against the platform fails is never
resent blind; a refused reply can be replaced; concurrent confirms keep the cap; a held reply is checked
again for expiry and quiet hours before it goes out."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from psn_core.services.engage import inbox
from psn_core.services.engage.models import Opportunity
from tests.integration.engage.conftest import confirm, sender, sweeper, x_of
from tests.support.publishing_env import PubEnv

pytestmark = pytest.mark.pg


def _mention(pub: PubEnv, who: str = "pg_fan") -> Opportunity:
    fan = pub.emu.create_user("x", username=who)
    x_of(pub.emu).conversations.post_as(fan, f"@{pub.emu.default_user('x').username} postgres vacuum help?")
    sweeper(pub).sweep(pub.member, force=True)
    with pub.env.hub.transaction(pub.member) as conn:
        return next(o for o in inbox.list_opportunities(conn, pub.member, pub.clock()) if o.author_handle == who)


def _posts(pub: PubEnv) -> list[dict[str, object]]:
    return [json.loads(r.body) for r in pub.emu.requests if r.endpoint == "create_tweet"]


def _row(pub: PubEnv, reply_id: UUID) -> dict[str, object]:
    with pub.env.hub.owner() as conn:
        row = conn.execute("SELECT * FROM engagement_replies WHERE id = %s", [reply_id]).fetchone()
    assert row is not None
    return dict(row)


def _left_sending(pub: PubEnv, reply_id: UUID) -> None:
    """As a sender that died after marking the row and before it learned the answer."""
    with pub.env.hub.owner() as conn:
        conn.execute(
            "UPDATE engagement_replies SET state = 'sending', sending_at = %s WHERE id = %s", [pub.clock(), reply_id]
        )


@pytest.mark.parametrize("fault", ["x/user_tweets:503*9", "x/user_tweets:402*9"])
def test_a_failed_check_of_a_reply_left_sending_sends_nothing_and_keeps_it_unknown(pub: PubEnv, fault: str) -> None:
    reply = confirm(pub, str(_mention(pub).id), "Start with autovacuum.")
    _left_sending(pub, reply.id)
    pub.emu.faults.add(fault)
    after = sender(pub).send(pub.member, reply.id)
    assert after is not None and after.state == "unknown", after
    assert _posts(pub) == []  # nothing sent while psn cannot tell whether it is live
    assert "not sent again" in str(_row(pub, reply.id)["error_message"])
    pub.emu.faults.clear()
    again = sender(pub).send(pub.member, reply.id)  # the check works now: not found, sent once
    assert again is not None and again.state == "sent"
    assert len(_posts(pub)) == 1
    assert sender(pub).send(pub.member, reply.id) is not None and len(_posts(pub)) == 1


def test_a_refused_reply_can_be_replaced_by_a_new_one_that_goes_out_once(pub: PubEnv) -> None:
    found = _mention(pub)
    first = confirm(pub, str(found.id), "First try.")
    pub.emu.faults.add("x/create_tweet:402*1")  # X refuses it: nothing posted
    refused = sender(pub).send(pub.member, first.id)
    assert refused is not None and refused.state == "failed"
    second = confirm(pub, str(found.id), "Second try.")  # what the notification tells the user to do
    assert second.id != first.id and second.state == "confirmed"
    sent = sender(pub).send(pub.member, second.id)
    assert sent is not None and sent.state == "sent"
    assert [p["text"] for p in _posts(pub)] == ["First try.", "Second try."]
    assert sender(pub).send_open(pub.member) == [] and len(_posts(pub)) == 2
    from psn_core.services.engage.errors import OpportunityExpired

    with pytest.raises(OpportunityExpired, match="already replied"):
        confirm(pub, str(found.id), "Third?")


def test_concurrent_confirms_keep_the_daily_cap(pub: PubEnv) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from psn_core.errors import PSNError
    from psn_core.services.strategy import strategy_path

    path = strategy_path(pub.settings.workspace)
    path.write_text(path.read_text().replace("daily_replies: {x: 3,", "daily_replies: {x: 1,"), encoding="utf-8")
    refs = [str(_mention(pub, f"fan_{i}").id) for i in range(10)]

    def attempt(ref: str) -> str:
        try:
            return confirm(pub, ref, "Thanks!").state
        except PSNError as exc:
            return type(exc).__name__

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(attempt, refs))
    assert results.count("confirmed") == 1, results
    with pub.env.hub.owner() as conn:
        assert conn.execute("SELECT count(*) AS n FROM engagement_replies").fetchone()["n"] == 1  # type: ignore[index]


def _held_by_a_429(pub: PubEnv) -> UUID:
    reply = confirm(pub, str(_mention(pub).id), "Held reply.")
    pub.emu.faults.add("x/create_tweet:429*9")
    held = sender(pub).send(pub.member, reply.id)
    assert held is not None and held.state == "confirmed", held  # nothing went out: the next run sends it
    pub.emu.faults.clear()
    return reply.id


def test_a_held_reply_waits_for_the_end_of_quiet_hours(pub: PubEnv) -> None:
    from datetime import timedelta

    from psn_core.services.strategy import strategy_path

    reply_id = _held_by_a_429(pub)
    before = len(_posts(pub))
    local = pub.clock().astimezone(pub.settings.zone)
    start, end = (local - timedelta(minutes=5)).strftime("%H:%M"), (local + timedelta(hours=1)).strftime("%H:%M")
    path = strategy_path(pub.settings.workspace)
    path.write_text(path.read_text() + f"  quiet_hours: {{start: '{start}', end: '{end}'}}\n", encoding="utf-8")
    pub.clock.advance(minutes=16)  # past the request window the 429 used up
    still = sender(pub).send(pub.member, reply_id)
    assert still is not None and still.state == "confirmed" and len(_posts(pub)) == before
    assert "quiet hours" in str(_row(pub, reply_id)["error_message"])
    pub.clock.advance(hours=1, minutes=1)
    sent = sender(pub).send(pub.member, reply_id)
    assert sent is not None and sent.state == "sent" and len(_posts(pub)) == before + 1


def test_a_held_reply_past_48_hours_fails_with_a_message_and_is_not_sent(pub: PubEnv) -> None:
    reply_id = _held_by_a_429(pub)
    before = len(_posts(pub))
    pub.clock.advance(hours=49)
    late = sender(pub).send(pub.member, reply_id)
    assert late is not None and late.state == "failed" and len(_posts(pub)) == before
    assert "48 hours" in str(_row(pub, reply_id)["error_message"])
    with pub.env.hub.owner() as conn:
        kinds = [r["kind"] for r in conn.execute("SELECT kind FROM notifications").fetchall()]
    assert "engage_reply_expired" in kinds


def test_more_than_a_page_of_mentions_is_read_in_full_and_only_once(pub: PubEnv) -> None:
    x = x_of(pub.emu)
    me = pub.emu.default_user("x").username
    fans = [pub.emu.create_user("x", username=f"many_{i}") for i in range(130)]
    for fan in fans:
        x.conversations.post_as(fan, f"@{me} a question")
    first = sweeper(pub).sweep(pub.member)
    assert next(a for a in first.accounts if a.platform == "x").new == 130  # two pages, nothing lost
    pages = [r for r in pub.emu.requests if r.endpoint == "user_mentions"]
    assert len(pages) == 2 and "pagination_token" in pages[1].query
    for fan in fans[:3]:
        x.conversations.post_as(fan, f"@{me} and another")
    pub.clock.advance(minutes=16)
    later = sweeper(pub).sweep(pub.member)
    assert next(a for a in later.accounts if a.platform == "x").new == 3  # since the newest: the 3 new ones


def test_a_search_not_read_for_a_week_asks_from_a_time_not_from_a_stale_id(pub: PubEnv) -> None:
    x = x_of(pub.emu)
    stranger = pub.emu.create_user("x", username="stranger")
    x.conversations.post_as(stranger, "postgres vacuum, anyone?")
    sweeper(pub).sweep(pub.member)
    pub.clock.advance(days=8)
    x.conversations.post_as(stranger, "postgres vacuum again")
    sweeper(pub).sweep(pub.member)
    [late] = [r for r in pub.emu.requests if r.endpoint == "search_recent"][1:]
    assert "since_id" not in late.query and late.query["start_time"].startswith(
        (pub.clock() - __import__("datetime").timedelta(days=6)).strftime("%Y-%m-%d")
    )
