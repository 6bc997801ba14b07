"""The emulator's conversation endpoints refuse what X and Instagram refuse: reads on an access level
without them, replies X no longer takes from apps, comments over Instagram's limits, missing permissions,
and each endpoint's rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import httpx2
import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.emulator.instagram import InstagramEmulator
from psn_core.emulator.x import XEmulator


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def x_world(emu: Emulator) -> tuple[XEmulator, str]:
    x = cast(XEmulator, emu.platform("x"))
    return x, emu.grant_tokens("x").access_token


def ig_world(emu: Emulator) -> tuple[InstagramEmulator, str]:
    return cast(InstagramEmulator, emu.platform("instagram")), emu.grant_tokens("instagram").access_token


@pytest.fixture
def free_emu(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, config=EmulatorConfig(x_access_level="free")) as emulator:
        yield emulator


def test_x_mentions_list_posts_naming_the_user_and_replies_to_their_posts(emu: Emulator, http: httpx2.Client) -> None:
    x, token = x_world(emu)
    me = emu.default_user("x")
    fan = emu.create_user("x", username="fan_one")
    mine = x.conversations.post_as(me, "My post about postgres")
    x.conversations.post_as(fan, f"@{me.username} what do you think of vacuum?")
    x.conversations.post_as(fan, "Great point", reply_to=mine.id)
    x.conversations.post_as(fan, "unrelated chatter")
    response = http.get(
        f"{emu.url_for('x')}/2/users/{me.user_id}/mentions",
        params={
            "tweet.fields": "author_id,conversation_id,created_at",
            "expansions": "author_id",
            "user.fields": "public_metrics",
            "max_results": "10",
        },
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert {t["text"] for t in body["data"]} == {f"@{me.username} what do you think of vacuum?", "Great point"}
    assert body["includes"]["users"][0]["public_metrics"]["followers_count"] > 0
    assert response.headers["x-rate-limit-limit"] == "300"


def test_x_recent_search_finds_a_conversation_and_keywords(emu: Emulator, http: httpx2.Client) -> None:
    x, token = x_world(emu)
    fan = emu.create_user("x", username="fan_two")
    root = x.conversations.post_as(fan, "Postgres tips thread")
    x.conversations.post_as(fan, "one more tip", reply_to=root.id)
    url = f"{emu.url_for('x')}/2/tweets/search/recent"
    thread = http.get(url, params={"query": f"conversation_id:{root.id}"}, headers=bearer(token)).json()
    assert len(thread["data"]) == 2
    words = http.get(url, params={"query": "postgres -is:reply"}, headers=bearer(token)).json()
    assert [t["id"] for t in words["data"]] == [root.id]


def test_a_free_x_app_may_not_read_mentions_or_search(free_emu: Emulator, http: httpx2.Client) -> None:
    _, token = x_world(free_emu)
    me = free_emu.default_user("x")
    for path, params in (
        (f"/2/users/{me.user_id}/mentions", {}),
        ("/2/tweets/search/recent", {"query": "postgres"}),
    ):
        response = http.get(f"{free_emu.url_for('x')}{path}", params=params, headers=bearer(token))
        assert response.status_code == 403
        assert response.json()["type"] == "https://api.x.com/2/problems/client-forbidden"


def test_x_takes_replies_only_where_the_author_engaged_the_user(emu: Emulator, http: httpx2.Client) -> None:
    x, token = x_world(emu)
    me = emu.default_user("x")
    stranger = emu.create_user("x", username="stranger")
    cold = x.conversations.post_as(stranger, "postgres is great")
    warm = x.conversations.post_as(stranger, f"@{me.username} postgres is great")
    url = f"{emu.url_for('x')}/2/tweets"
    refused = http.post(
        url, json={"text": "Agreed!", "reply": {"in_reply_to_tweet_id": cold.id}}, headers=bearer(token)
    )
    assert refused.status_code == 403 and "not been mentioned" in refused.json()["detail"]
    taken = http.post(url, json={"text": "Agreed!", "reply": {"in_reply_to_tweet_id": warm.id}}, headers=bearer(token))
    assert taken.status_code == 201
    assert x.tweets[taken.json()["data"]["id"]].in_reply_to_tweet_id == warm.id


def test_x_mentions_need_the_read_scopes(emu: Emulator, http: httpx2.Client) -> None:
    x = cast(XEmulator, emu.platform("x"))
    token = x.grant_for_tests(emu.default_app("x"), emu.default_user("x"), "tweet.write").access_token
    me = emu.default_user("x")
    response = http.get(f"{emu.url_for('x')}/2/users/{me.user_id}/mentions", headers=bearer(token))
    assert response.status_code == 403 and "users.read" in response.json()["detail"]


def test_instagram_comments_list_and_reply_once_under_the_top_level_comment(emu: Emulator, http: httpx2.Client) -> None:
    ig, token = ig_world(emu)
    me, fan = emu.default_user("instagram"), emu.create_user("instagram", username="fan.three")
    media = ig.conversations.add_media(me, "Golden hour")
    top = ig.conversations.comment_as(fan, media.id, "Where was this?")
    nested = ig.conversations.comment_as(fan, media.id, "Asking again", reply_to=top.id)
    base = emu.url_for("instagram")
    listed = http.get(
        f"{base}/v23.0/{media.id}/comments", params={"fields": "id,text,username,timestamp"}, headers=bearer(token)
    )
    assert [c["id"] for c in listed.json()["data"]] == [top.id]
    made = http.post(f"{base}/v23.0/{nested.id}/replies", data={"message": "Lisbon!"}, headers=bearer(token))
    assert made.status_code == 200, made.text
    assert ig.conversations.comments[made.json()["id"]].parent_id == top.id  # joined the top-level comment
    replies = http.get(f"{base}/{top.id}/replies", params={"fields": "id,text,username"}, headers=bearer(token))
    assert {r["text"] for r in replies.json()["data"]} == {"Asking again", "Lisbon!"}


@pytest.mark.parametrize(
    "message",
    ["x" * 301, "#a #b #c #d #e", "see https://a.example and https://b.example", "STOP SHOUTING"],
)
def test_instagram_refuses_replies_over_its_comment_limits(emu: Emulator, http: httpx2.Client, message: str) -> None:
    ig, token = ig_world(emu)
    media = ig.conversations.add_media(emu.default_user("instagram"), "post")
    top = ig.conversations.comment_as(emu.create_user("instagram"), media.id, "nice")
    response = http.post(
        f"{emu.url_for('instagram')}/{top.id}/replies", data={"message": message}, headers=bearer(token)
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == 100
    assert not any(c.parent_id == top.id for c in ig.conversations.comments.values())


def test_instagram_comments_need_manage_comments(emu: Emulator, http: httpx2.Client) -> None:
    ig = cast(InstagramEmulator, emu.platform("instagram"))
    token = ig.grant_for_tests(
        emu.default_app("instagram"), emu.default_user("instagram"), "instagram_business_basic"
    ).access_token
    media = ig.conversations.add_media(emu.default_user("instagram"), "post")
    response = http.get(f"{emu.url_for('instagram')}/{media.id}/comments", headers=bearer(token))
    assert response.status_code == 403 and response.json()["error"]["code"] == 10


def test_instagram_comment_reads_spend_the_hourly_calls(emu: Emulator, http: httpx2.Client) -> None:
    ig, token = ig_world(emu)
    media = ig.conversations.add_media(emu.default_user("instagram"), "post")
    statuses = [
        http.get(f"{emu.url_for('instagram')}/{media.id}/comments", headers=bearer(token)).status_code
        for _ in range(11)  # the test emulator allows 10 calls an hour
    ]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
