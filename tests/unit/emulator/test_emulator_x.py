"""X API v2 emulator: OAuth with PKCE, posting and threads, metrics, media processing, rate limits."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx2

from psn_core.emulator import Emulator, ManualClock
from psn_core.emulator import make_pkce_pair as pkce_pair


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _authorize(emu: Emulator, http: httpx2.Client, challenge: str, scope: str) -> str:
    app = emu.default_app("x")
    response = http.get(
        f"{emu.url_for('x')}/i/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "scope": scope,
            "state": "st4te",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["st4te"]
    return query["code"][0]


def _token(emu: Emulator, http: httpx2.Client, **form: str) -> httpx2.Response:
    app = emu.default_app("x")
    return http.post(f"{emu.url_for('x')}/2/oauth2/token", data=form, auth=(app.client_id, app.client_secret))


def test_x_code_exchange_checks_the_pkce_verifier(emu: Emulator, http: httpx2.Client) -> None:
    verifier, challenge = pkce_pair()
    app = emu.default_app("x")
    code = _authorize(emu, http, challenge, "tweet.read tweet.write users.read offline.access")

    wrong = _token(
        emu,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri=app.redirect_uri,
        code_verifier="not-the-verifier",
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"

    code = _authorize(emu, http, challenge, "tweet.read tweet.write users.read offline.access")
    ok = _token(
        emu, http, grant_type="authorization_code", code=code, redirect_uri=app.redirect_uri, code_verifier=verifier
    )
    body = ok.json()
    assert ok.status_code == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["refresh_token"]
    me = http.get(f"{emu.url_for('x')}/2/users/me", headers=bearer(body["access_token"]))
    assert me.json()["data"]["username"] == emu.default_user("x").username


def test_x_authorize_without_code_challenge_redirects_with_error(emu: Emulator, http: httpx2.Client) -> None:
    app = emu.default_app("x")
    response = http.get(
        f"{emu.url_for('x')}/i/oauth2/authorize",
        params={"client_id": app.client_id, "redirect_uri": app.redirect_uri, "state": "s"},
    )
    assert "error=invalid_request" in response.headers["location"]


def test_x_refresh_rotates_and_the_used_refresh_token_is_invalid_grant(emu: Emulator, http: httpx2.Client) -> None:
    verifier, challenge = pkce_pair()
    code = _authorize(emu, http, challenge, "tweet.read offline.access")
    first = _token(
        emu,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri=emu.default_app("x").redirect_uri,
        code_verifier=verifier,
    ).json()

    second = _token(emu, http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]

    reused = _token(emu, http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_x_access_token_expires_after_two_hours(emu: Emulator, http: httpx2.Client, clock: ManualClock) -> None:
    token = emu.grant_tokens("x").access_token
    clock.advance(hours=2)
    response = http.get(f"{emu.url_for('x')}/2/users/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"


def test_x_thread_and_metrics_that_grow_with_time(emu: Emulator, http: httpx2.Client, clock: ManualClock) -> None:
    token = emu.grant_tokens("x").access_token
    base = emu.url_for("x")
    first = http.post(f"{base}/2/tweets", json={"text": "one"}, headers=bearer(token))
    assert first.status_code == 201
    first_id = first.json()["data"]["id"]
    reply = http.post(
        f"{base}/2/tweets", json={"text": "two", "reply": {"in_reply_to_tweet_id": first_id}}, headers=bearer(token)
    )
    assert reply.status_code == 201

    clock.advance(minutes=50)
    read = http.get(
        f"{base}/2/tweets",
        params={
            "ids": f"{first_id},{reply.json()['data']['id']}",
            "tweet.fields": "public_metrics,non_public_metrics,conversation_id",
        },
        headers=bearer(token),
    ).json()["data"]
    assert read[1]["conversation_id"] == first_id
    early = read[0]["public_metrics"]["impression_count"]
    assert early > 0
    assert "non_public_metrics" in read[0]
    clock.advance(minutes=50)
    later = http.get(
        f"{base}/2/tweets/{first_id}", params={"tweet.fields": "public_metrics"}, headers=bearer(token)
    ).json()["data"]
    assert later["public_metrics"]["impression_count"] > early

    recent = http.get(
        f"{base}/2/users/{emu.default_user('x').user_id}/tweets", params={"max_results": 5}, headers=bearer(token)
    ).json()
    assert [t["text"] for t in recent["data"]] == ["two", "one"]


def test_x_duplicate_text_is_refused(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("x").access_token
    url = f"{emu.url_for('x')}/2/tweets"
    assert http.post(url, json={"text": "same"}, headers=bearer(token)).status_code == 201
    again = http.post(url, json={"text": "same"}, headers=bearer(token))
    assert again.status_code == 403
    assert "duplicate" in again.json()["detail"]


def test_x_video_upload_goes_through_processing_before_it_can_be_posted(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    token = emu.grant_tokens("x").access_token
    base = emu.url_for("x")
    init = http.post(
        f"{base}/2/media/upload/initialize",
        headers=bearer(token),
        json={"media_type": "video/mp4", "total_bytes": 6, "media_category": "tweet_video"},
    )
    media_id = init.json()["data"]["id"]
    for index, chunk in enumerate([b"abc", b"def"]):
        appended = http.post(
            f"{base}/2/media/upload/{media_id}/append",
            headers=bearer(token),
            data={"segment_index": str(index)},
            files={"media": ("c", chunk)},
        )
        assert appended.status_code == 200
    final = http.post(f"{base}/2/media/upload/{media_id}/finalize", headers=bearer(token)).json()["data"]
    assert final["processing_info"]["state"] == "pending"
    assert final["processing_info"]["check_after_secs"] >= 1

    early = http.post(f"{base}/2/tweets", headers=bearer(token), json={"text": "v", "media": {"media_ids": [media_id]}})
    assert early.status_code == 400

    clock.advance(seconds=10)
    status = http.get(
        f"{base}/2/media/upload", params={"media_id": media_id, "command": "STATUS"}, headers=bearer(token)
    ).json()["data"]
    assert status["processing_info"]["state"] == "in_progress"
    clock.advance(seconds=30)
    status = http.get(
        f"{base}/2/media/upload", params={"media_id": media_id, "command": "STATUS"}, headers=bearer(token)
    ).json()["data"]
    assert status["processing_info"]["state"] == "succeeded"
    posted = http.post(
        f"{base}/2/tweets", headers=bearer(token), json={"text": "v", "media": {"media_ids": [media_id]}}
    )
    assert posted.status_code == 201


def test_x_finalize_with_missing_bytes_is_rejected(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("x").access_token
    base = emu.url_for("x")
    media_id = http.post(
        f"{base}/2/media/upload/initialize",
        headers=bearer(token),
        json={"media_type": "image/png", "total_bytes": 10, "media_category": "tweet_image"},
    ).json()["data"]["id"]
    appended = http.post(
        f"{base}/2/media/upload/{media_id}/append",
        headers=bearer(token),
        data={"segment_index": "0"},
        files={"media": ("c", b"abc")},
    )
    assert appended.status_code == 200
    final = http.post(f"{base}/2/media/upload/{media_id}/finalize", headers=bearer(token))
    assert final.status_code == 400


def test_x_rate_limit_headers_count_down_to_429(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("x").access_token
    url = f"{emu.url_for('x')}/2/users/me"
    remaining = [http.get(url, headers=bearer(token)).headers["x-rate-limit-remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    limited = http.get(url, headers=bearer(token))
    assert limited.status_code == 429
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert int(limited.headers["x-rate-limit-reset"]) > 0
    assert limited.json()["title"] == "Too Many Requests"


def test_x_failed_processing_fault_reports_failed_state(emu: Emulator, http: httpx2.Client, clock: ManualClock) -> None:
    emu.faults.add("x:processing_failed")
    token = emu.grant_tokens("x").access_token
    base = emu.url_for("x")
    media_id = http.post(
        f"{base}/2/media/upload/initialize", headers=bearer(token), json={"media_type": "video/mp4", "total_bytes": 1}
    ).json()["data"]["id"]
    http.post(
        f"{base}/2/media/upload/{media_id}/append",
        headers=bearer(token),
        data={"segment_index": "0"},
        files={"media": ("c", b"x")},
    )
    http.post(f"{base}/2/media/upload/{media_id}/finalize", headers=bearer(token))
    clock.advance(minutes=5)
    info = http.get(
        f"{base}/2/media/upload", params={"media_id": media_id, "command": "STATUS"}, headers=bearer(token)
    ).json()["data"]["processing_info"]
    assert info["state"] == "failed"


def test_x_returns_text_with_tco_links_entities_and_html_escapes(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("x").access_token
    base = emu.url_for("x")
    sent = "Fish & chips <3 at https://example.com/menu?a=1&b=2."
    made = http.post(f"{base}/2/tweets", json={"text": sent}, headers=bearer(token))
    assert made.status_code == 201
    listed = http.get(
        f"{base}/2/users/{emu.default_user('x').user_id}/tweets",
        params={"max_results": 5, "tweet.fields": "entities"},
        headers=bearer(token),
    ).json()["data"][0]
    assert listed["text"].startswith("Fish &amp; chips &lt;3 at https://t.co/") and listed["text"].endswith(".")
    (link,) = listed["entities"]["urls"]
    assert link["expanded_url"] == "https://example.com/menu?a=1&b=2"
    assert link["url"] in listed["text"]
