"""The engagement inbox end to end on the emulator: a mention arrives, the sweep scores it, the user triages
it, confirms an edited reply, the worker's sender posts exactly one reply with in_reply_to, and the next
sweep collects its outcome. Then every refusal, each with its own sentence and nothing posted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from psn_core.notifications import build_digest
from psn_core.services.engage import inbox
from psn_core.services.engage.errors import (
    AuthorBlocked,
    OpportunityExpired,
    QuietHoursNow,
    RepliesNotAllowed,
    ReplyCapReached,
    ReplyInvalid,
)
from psn_core.services.engage.models import Opportunity
from tests.integration.engage.conftest import confirm, ig_of, sender, sweeper, x_of
from tests.support.publishing_env import PubEnv

pytestmark = pytest.mark.pg


def inbox_of(pub: PubEnv, **kw: object) -> list[Opportunity]:
    with pub.env.hub.transaction(pub.member) as conn:
        return inbox.list_opportunities(conn, pub.member, pub.clock(), **kw)  # type: ignore[arg-type]


def reply_requests(pub: PubEnv) -> list[dict[str, object]]:
    import json

    return [json.loads(r.body) for r in pub.emu.requests if r.endpoint == "create_tweet"]


def test_a_mention_becomes_a_scored_opportunity_and_one_reply_with_in_reply_to(pub: PubEnv) -> None:
    x = x_of(pub.emu)
    me = pub.emu.default_user("x")
    fan = pub.emu.create_user("x", username="pg_fan")
    mention = x.conversations.post_as(fan, f"@{me.username} how do you tune postgres vacuum?")
    x.conversations.post_as(fan, "nothing to do with anyone")

    report = sweeper(pub).sweep(pub.member)
    x_line = next(a for a in report.accounts if a.platform == "x")
    assert x_line.new == 1, report  # found by mentions and by the keyword search: stored once
    [found] = inbox_of(pub)
    assert found.remote_id == mention.id and found.addressed and found.can_reply
    assert found.score_parts["relevance"] == 1.0 and found.score >= 0.8  # both keywords, addressed, fresh
    assert report.notified == 1  # a high score is an ENGAGEMENT notification ...
    with pub.env.hub.owner() as conn:
        rows = conn.execute("SELECT bucket, request_limit FROM budget_ledger WHERE platform = 'x'").fetchall()
    limits = {r["bucket"]: r["request_limit"] for r in rows}
    assert limits["GET /2/users/:id/mentions"] == 300, limits  # the reads spent from their own documented windows
    digest = build_digest(pub.env.hub, pub.member, pub.clock())
    assert digest is not None and "engage opportunity: 1" in digest.text  # ... so the daily digest has it
    assert "@pg_fan" in digest.text

    again = sweeper(pub).sweep(pub.member, force=True)  # the same mention again: deduplicated
    assert next(a for a in again.accounts if a.platform == "x").new == 0

    with pub.env.hub.transaction(pub.member) as conn:
        [triaged] = inbox.triage(conn, [(str(found.id)[:8], "yes")], pub.clock())
    assert triaged.state == "yes"

    draft = "Autovacuum first: lower the scale factor on the big tables."
    edited = draft.replace("Autovacuum first", "Start with autovacuum")
    reply = confirm(pub, str(found.id), edited)
    assert reply.state == "confirmed" and reply_requests(pub) == []  # nothing leaves before the sender

    sent = sender(pub).send(pub.member, reply.id)
    assert sent is not None and sent.state == "sent"
    assert reply_requests(pub) == [{"text": edited, "reply": {"in_reply_to_tweet_id": mention.id}}]
    assert x.tweets[str(sent.remote_id)].in_reply_to_tweet_id == mention.id
    assert sender(pub).send(pub.member, reply.id) is not None and len(reply_requests(pub)) == 1  # once

    pub.clock.advance(hours=2)
    x.conversations.post_as(fan, "thanks, that fixed it", reply_to=str(sent.remote_id))
    later = sweeper(pub).sweep(pub.member)
    assert later.outcomes == 1
    with pub.env.hub.owner() as conn:
        row = conn.execute("SELECT outcome, answered_at FROM engagement_replies WHERE id = %s", [reply.id]).fetchone()
        kinds = [r["kind"] for r in conn.execute("SELECT kind FROM notifications ORDER BY created_at").fetchall()]
    assert row is not None and row["outcome"]["impressions"] > 0
    assert "engage_answered" in kinds  # the answer to the user's reply was noticed


def test_instagram_comment_reply_posts_under_the_comment(pub: PubEnv) -> None:
    ig = ig_of(pub.emu)
    me = pub.emu.default_user("instagram")
    fan = pub.emu.create_user("instagram", username="fan.ig")
    media = ig.conversations.add_media(me, "Our postgres meetup")
    comment = ig.conversations.comment_as(fan, media.id, "Will there be a recording?")
    sweeper(pub).sweep(pub.member)
    [found] = inbox_of(pub, platform="instagram")
    assert found.remote_id == comment.id and found.addressed
    with pytest.raises(ReplyInvalid, match="at most 4"):
        confirm(pub, str(found.id), "Yes! #a #b #c #d #e")
    with pytest.raises(ReplyInvalid, match="the limit is 300"):
        confirm(pub, str(found.id), "y" * 301)
    reply = confirm(pub, str(found.id), "Yes, next week on our channel!")
    sent = sender(pub).send(pub.member, reply.id)
    assert sent is not None and sent.state == "sent"
    posted = ig.conversations.comments[str(sent.remote_id)]
    assert posted.parent_id == comment.id and posted.text == "Yes, next week on our channel!"

    pub.clock.advance(hours=2)
    ig.conversations.comment_as(fan, media.id, "Thank you!", reply_to=comment.id)
    assert sweeper(pub).sweep(pub.member).outcomes == 1
    with pub.env.hub.owner() as conn:
        row = conn.execute("SELECT outcome FROM engagement_replies WHERE id = %s", [reply.id]).fetchone()
        told = conn.execute("SELECT body FROM notifications WHERE kind = 'engage_answered'").fetchall()
    assert row is not None and row["outcome"]["replies"] == 1
    assert [t["body"] for t in told] == [f"Your Instagram reply (@{me.username}) got 1 answer(s)."]


def test_refusals_say_why_and_post_nothing(pub: PubEnv) -> None:
    x = x_of(pub.emu)
    me = pub.emu.default_user("x")
    fans = [pub.emu.create_user("x", username=f"fan_{i}") for i in range(5)]
    blocked = pub.emu.create_user("x", username="spam_bot")
    for fan in fans:
        x.conversations.post_as(fan, f"@{me.username} postgres question from {fan.username}")
    x.conversations.post_as(blocked, f"@{me.username} buy followers")
    sweeper(pub).sweep(pub.member)
    found = {o.author_handle: o for o in inbox_of(pub)}
    assert "spam_bot" not in found  # a blocked author never reaches the inbox

    with pytest.raises(ReplyInvalid, match="the limit is 280"):
        confirm(pub, str(found["fan_0"].id), "x" * 281)
    for i in range(3):
        confirm(pub, str(found[f"fan_{i}"].id), f"Answer number {i}")
    with pytest.raises(ReplyCapReached, match="cap is 3"):
        confirm(pub, str(found["fan_3"].id), "one too many")
    with pytest.raises(OpportunityExpired, match="already replied"):
        confirm(pub, str(found["fan_0"].id), "again")
    pub.clock.advance(hours=49)
    with pytest.raises(OpportunityExpired, match="older than 48 hours"):
        confirm(pub, str(found["fan_4"].id), "late")
    assert [o for o in inbox_of(pub) if o.author_handle == "fan_4"] == []  # expired, out of the inbox
    assert not any(r.endpoint == "create_tweet" for r in pub.emu.requests)


def test_an_author_cooldown_and_a_blocklisted_author_are_refused(pub: PubEnv) -> None:
    x = x_of(pub.emu)
    me = pub.emu.default_user("x")
    fan = pub.emu.create_user("x", username="chatty")
    first = x.conversations.post_as(fan, f"@{me.username} postgres one")
    second = x.conversations.post_as(fan, f"@{me.username} postgres two")
    del first, second
    sweeper(pub).sweep(pub.member)
    one, two = inbox_of(pub)
    confirm(pub, str(one.id), "Thanks!")
    with pytest.raises(ReplyCapReached, match="cooldown"):
        confirm(pub, str(two.id), "Thanks again!")
    # blocklisting after the find still refuses the reply
    from psn_core.services.strategy import strategy_path

    path = strategy_path(pub.settings.workspace)
    path.write_text(path.read_text().replace('["@spam_bot"]', '["@spam_bot", "chatty"]'), encoding="utf-8")
    pub.clock.advance(hours=13)
    with pytest.raises(AuthorBlocked):
        confirm(pub, str(two.id), "Thanks again!")


def test_no_reply_is_sent_in_quiet_hours(pub: PubEnv) -> None:
    from psn_core.services.strategy import strategy_path

    path = strategy_path(pub.settings.workspace)
    local = pub.clock().astimezone(pub.settings.zone)
    start, end = (local - timedelta(hours=1)).strftime("%H:%M"), (local + timedelta(hours=1)).strftime("%H:%M")
    path.write_text(path.read_text() + f"  quiet_hours: {{start: '{start}', end: '{end}'}}\n", encoding="utf-8")
    x = x_of(pub.emu)
    x.conversations.post_as(pub.emu.create_user("x", username="night_owl"), f"@{pub.emu.default_user('x').username} hi")
    sweeper(pub).sweep(pub.member)
    [found] = inbox_of(pub)
    with pytest.raises(QuietHoursNow, match=f"quiet hours \\({start}-{end}, Europe/Madrid\\)"):
        confirm(pub, str(found.id), "Hello!")
    pub.clock.advance(hours=1, minutes=1)
    assert confirm(pub, str(found.id), "Hello!").state == "confirmed"


def test_keyword_finds_are_offered_but_x_replies_stay_with_the_user(pub: PubEnv) -> None:
    x = x_of(pub.emu)
    stranger = pub.emu.create_user("x", username="stranger")
    x.conversations.post_as(stranger, "anyone else fighting postgres vacuum today?")
    sweeper(pub).sweep(pub.member)
    [found] = inbox_of(pub)
    assert found.source == "search" and not found.addressed and not found.can_reply
    with pytest.raises(RepliesNotAllowed, match="mentioned you"):
        confirm(pub, str(found.id), "Same here!")
