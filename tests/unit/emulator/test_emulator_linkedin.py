"""LinkedIn emulator: OAuth, versioned REST headers, posts with media, analytics, limits."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import httpx2

from psn_core.emulator import Emulator, ManualClock, make_pkce_pair

REST = {"LinkedIn-Version": "202505", "X-Restli-Protocol-Version": "2.0.0"}


def rest(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **REST}


def _code(emu: Emulator, http: httpx2.Client, **extra: str) -> str:
    app = emu.default_app("linkedin")
    response = http.get(
        f"{emu.url_for('linkedin')}/oauth/v2/authorization",
        params={
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "state": "xyz",
            "scope": "openid profile w_member_social",
            **extra,
        },
    )
    assert response.status_code == 302
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def _token(emu: Emulator, http: httpx2.Client, **form: str) -> httpx2.Response:
    app = emu.default_app("linkedin")
    return http.post(
        f"{emu.url_for('linkedin')}/oauth/v2/accessToken",
        data={"client_id": app.client_id, "client_secret": app.client_secret, **form},
    )


def _post_body(emu: Emulator, content: dict[str, object] | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "author": f"urn:li:person:{emu.default_user('linkedin').user_id}",
        "commentary": "Hello LinkedIn",
        "visibility": "PUBLIC",
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
    }
    if content:
        body["content"] = content
    return body


def test_linkedin_code_exchange_gives_60_day_token_and_userinfo(emu: Emulator, http: httpx2.Client) -> None:
    app = emu.default_app("linkedin")
    verifier, challenge = make_pkce_pair()
    code = _code(emu, http, code_challenge=challenge)
    bad = _token(
        emu, http, grant_type="authorization_code", code=code, redirect_uri=app.redirect_uri, code_verifier="wrong"
    )
    assert bad.json()["error"] == "invalid_grant"
    code = _code(emu, http, code_challenge=challenge)
    body = _token(
        emu, http, grant_type="authorization_code", code=code, redirect_uri=app.redirect_uri, code_verifier=verifier
    ).json()
    assert body["expires_in"] == 60 * 86400
    assert body["refresh_token_expires_in"] == 365 * 86400
    info = http.get(
        f"{emu.url_for('linkedin')}/v2/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    ).json()
    assert info["sub"] == emu.default_user("linkedin").user_id


def test_linkedin_wrong_client_secret_is_refused(emu: Emulator, http: httpx2.Client) -> None:
    response = http.post(
        f"{emu.url_for('linkedin')}/oauth/v2/accessToken",
        data={
            "grant_type": "authorization_code",
            "code": _code(emu, http),
            "client_id": emu.default_app("linkedin").client_id,
            "client_secret": "nope",
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_linkedin_refresh_keeps_the_refresh_token_and_its_shrinking_ttl(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    first = _token(
        emu,
        http,
        grant_type="authorization_code",
        code=_code(emu, http),
        redirect_uri=emu.default_app("linkedin").redirect_uri,
    ).json()
    clock.advance(days=59)
    refreshed = _token(emu, http, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert refreshed["access_token"] != first["access_token"]
    assert refreshed["refresh_token"] == first["refresh_token"]
    assert refreshed["refresh_token_expires_in"] == 306 * 86400
    emu.faults.add("linkedin:revoke_token")
    revoked = _token(emu, http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert revoked.json()["error"] == "invalid_grant"


def test_linkedin_rest_calls_need_the_version_headers(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("linkedin").access_token
    url = f"{emu.url_for('linkedin')}/rest/posts"
    missing = http.post(url, json=_post_body(emu), headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 400
    assert missing.json()["code"] == "VERSION_MISSING"
    stale = http.post(url, json=_post_body(emu), headers={**rest(token), "LinkedIn-Version": "202001"})
    assert stale.status_code == 426
    assert stale.json()["code"] == "NONEXISTENT_VERSION"


def test_linkedin_text_post_returns_201_with_the_urn_and_analytics_grow(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    token = emu.grant_tokens("linkedin").access_token
    base = emu.url_for("linkedin")
    created = http.post(f"{base}/rest/posts", json=_post_body(emu), headers=rest(token))
    assert created.status_code == 201
    urn = created.headers["x-restli-id"]
    assert urn.startswith("urn:li:share:")
    clock.advance(hours=3)
    entity = f"(share:{quote(urn, safe='')})"  # Rest.li 2.0: structure literal, the URN encoded
    stats = http.get(
        f"{base}/rest/memberCreatorPostAnalytics?q=entity&entity={entity}&queryType=IMPRESSION&aggregation=TOTAL",
        headers=rest(token),
    ).json()
    assert stats["elements"][0]["count"] > 0
    social = http.get(f"{base}/rest/socialMetadata/{urn}", headers=rest(token)).json()
    assert social["commentSummary"]["count"] >= 0
    listed = http.get(
        f"{base}/rest/posts", params={"q": "author", "author": _post_body(emu)["author"]}, headers=rest(token)
    ).json()
    assert [p["id"] for p in listed["elements"]] == [urn]


def test_linkedin_image_goes_waiting_processing_available_then_posts(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    token = emu.grant_tokens("linkedin").access_token
    base = emu.url_for("linkedin")
    owner = _post_body(emu)["author"]
    init = http.post(
        f"{base}/rest/images",
        params={"action": "initializeUpload"},
        json={"initializeUploadRequest": {"owner": owner}},
        headers=rest(token),
    ).json()["value"]
    image = init["image"]

    def status() -> str:
        return str(http.get(f"{base}/rest/images/{image}", headers=rest(token)).json()["status"])

    assert status() == "WAITING_UPLOAD"
    assert http.put(init["uploadUrl"], content=b"\x89PNG...").status_code == 201
    assert status() == "PROCESSING"
    too_early = http.post(f"{base}/rest/posts", json=_post_body(emu, {"media": {"id": image}}), headers=rest(token))
    assert too_early.status_code == 422
    clock.advance(seconds=31)
    assert status() == "AVAILABLE"
    posted = http.post(
        f"{base}/rest/posts", json=_post_body(emu, {"media": {"id": image, "altText": "a"}}), headers=rest(token)
    )
    assert posted.status_code == 201


def test_linkedin_video_parts_need_finalize_with_etags(emu: Emulator, http: httpx2.Client, clock: ManualClock) -> None:
    token = emu.grant_tokens("linkedin").access_token
    base = emu.url_for("linkedin")
    owner = _post_body(emu)["author"]
    init = http.post(
        f"{base}/rest/videos",
        params={"action": "initializeUpload"},
        headers=rest(token),
        json={"initializeUploadRequest": {"owner": owner, "fileSizeBytes": 10}},
    ).json()["value"]
    part = init["uploadInstructions"][0]
    etag = http.put(part["uploadUrl"], content=b"0123456789").headers["etag"]
    finalized = http.post(
        f"{base}/rest/videos",
        params={"action": "finalizeUpload"},
        headers=rest(token),
        json={"finalizeUploadRequest": {"video": init["video"], "uploadToken": "", "uploadedPartIds": [etag]}},
    )
    assert finalized.status_code == 200
    clock.advance(seconds=31)
    assert http.get(f"{base}/rest/videos/{init['video']}", headers=rest(token)).json()["status"] == "AVAILABLE"


def test_linkedin_document_stuck_in_processing_under_fault(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    emu.faults.add("linkedin:stuck")
    token = emu.grant_tokens("linkedin").access_token
    base = emu.url_for("linkedin")
    init = http.post(
        f"{base}/rest/documents",
        params={"action": "initializeUpload"},
        headers=rest(token),
        json={"initializeUploadRequest": {"owner": _post_body(emu)["author"]}},
    ).json()["value"]
    http.put(init["uploadUrl"], content=b"%PDF-1.7")
    clock.advance(hours=5)
    assert http.get(f"{base}/rest/documents/{init['document']}", headers=rest(token)).json()["status"] == "PROCESSING"


def test_linkedin_daily_post_limit_answers_429(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("linkedin").access_token
    url = f"{emu.url_for('linkedin')}/rest/posts"
    codes = [
        http.post(url, json={**_post_body(emu), "commentary": str(i)}, headers=rest(token)).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]


def test_linkedin_returns_commentary_as_little_text(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("linkedin").access_token
    base = emu.url_for("linkedin")
    body = {**_post_body(emu), "commentary": "Plain \\#escaped, #tag and \\(parens\\) & more"}
    assert http.post(f"{base}/rest/posts", json=body, headers=rest(token)).status_code == 201
    author = body["author"]
    listed = http.get(f"{base}/rest/posts", params={"q": "author", "author": author}, headers=rest(token)).json()
    assert listed["elements"][0]["commentary"] == "Plain \\#escaped, {hashtag|\\#|tag} and \\(parens\\) & more"


# --- strictness: what LinkedIn refuses, the emulator refuses --------------------------------------


def _analytics(emu: Emulator, http: httpx2.Client, token: str, query: str) -> httpx2.Response:
    return http.get(f"{emu.url_for('linkedin')}/rest/memberCreatorPostAnalytics?{query}", headers=rest(token))


def _shared(emu: Emulator, http: httpx2.Client, token: str) -> str:
    created = http.post(f"{emu.url_for('linkedin')}/rest/posts", json=_post_body(emu), headers=rest(token))
    return str(created.headers["x-restli-id"])


def test_linkedin_analytics_entity_form_encoded_is_refused_as_linkedin_does(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("linkedin").access_token
    urn = _shared(emu, http, token)
    # What psn used to send: the whole record form-encoded by httpx params, parentheses and colons included.
    old = http.get(
        f"{emu.url_for('linkedin')}/rest/memberCreatorPostAnalytics",
        params={"q": "entity", "entity": f"(share:{urn})", "queryType": "IMPRESSION", "aggregation": "TOTAL"},
        headers=rest(token),
    )
    assert old.status_code == 400
    assert old.json()["code"] == "ILLEGAL_ARGUMENT"
    assert old.json()["errorDetails"]["inputErrors"][0]["input"]["inputPath"]["fieldPath"] == "entity"
    bare = _analytics(emu, http, token, f"q=entity&entity=(share:{urn})&queryType=IMPRESSION&aggregation=TOTAL")
    assert bare.status_code == 400  # the URN's own colons left unencoded: not Rest.li 2.0 either
    good = f"q=entity&entity=(share:{quote(urn, safe='')})&queryType=IMPRESSION&aggregation=TOTAL"
    assert _analytics(emu, http, token, good).status_code == 200


def test_linkedin_unencoded_urn_in_a_finder_is_refused(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("linkedin").access_token
    author = str(_post_body(emu)["author"])
    base = emu.url_for("linkedin")
    raw = http.get(f"{base}/rest/posts?q=author&author={author}", headers=rest(token))
    assert raw.status_code == 400
    encoded = http.get(f"{base}/rest/posts?q=author&author={quote(author, safe='')}", headers=rest(token))
    assert encoded.status_code == 200


def test_linkedin_rest_calls_need_the_restli_protocol_header(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("linkedin").access_token
    url = f"{emu.url_for('linkedin')}/rest/posts"
    headers = {"Authorization": f"Bearer {token}", "LinkedIn-Version": "202505"}
    assert http.post(url, json=_post_body(emu), headers=headers).status_code == 400
    assert http.post(url, json=_post_body(emu), headers=rest(token)).status_code == 201


def _scoped_token(emu: Emulator, scope: str) -> str:
    app, user = emu.default_app("linkedin"), emu.default_user("linkedin")
    return emu.platform("linkedin").grant_for_tests(app, user, scope).access_token


def _denied(response: httpx2.Response) -> bool:
    body = response.json()
    return response.status_code == 403 and body["code"] == "ACCESS_DENIED" and body["serviceErrorCode"] == 100


def test_linkedin_self_serve_scopes_cannot_read_posts_or_analytics(emu: Emulator, http: httpx2.Client) -> None:
    # What psn asked for before (and what every app can get): it may post, not read posts or statistics.
    token = _scoped_token(emu, "openid profile w_member_social")
    base = emu.url_for("linkedin")
    urn = _shared(emu, http, token)
    author = quote(str(_post_body(emu)["author"]), safe="")
    assert _denied(http.get(f"{base}/rest/posts?q=author&author={author}", headers=rest(token)))
    assert _denied(http.get(f"{base}/rest/posts/{quote(urn, safe='')}", headers=rest(token)))
    stats = f"q=entity&entity=(share:{quote(urn, safe='')})&queryType=IMPRESSION&aggregation=TOTAL"
    assert _denied(_analytics(emu, http, token, stats))
    approved = _scoped_token(emu, "openid profile w_member_social r_member_social r_member_postAnalytics")
    assert http.get(f"{base}/rest/posts?q=author&author={author}", headers=rest(approved)).status_code == 200
    assert _analytics(emu, http, approved, stats).status_code == 200


def test_linkedin_posting_needs_w_member_social(emu: Emulator, http: httpx2.Client) -> None:
    token = _scoped_token(emu, "openid profile")
    base = emu.url_for("linkedin")
    assert _denied(http.post(f"{base}/rest/posts", json=_post_body(emu), headers=rest(token)))
    init = {"initializeUploadRequest": {"owner": _post_body(emu)["author"]}}
    assert _denied(http.post(f"{base}/rest/images?action=initializeUpload", json=init, headers=rest(token)))
    organization = {**_post_body(emu), "author": "urn:li:organization:42"}
    member_only = _scoped_token(emu, "openid profile w_member_social")
    assert _denied(http.post(f"{base}/rest/posts", json=organization, headers=rest(member_only)))


def test_linkedin_userinfo_needs_openid(emu: Emulator, http: httpx2.Client) -> None:
    token = _scoped_token(emu, "w_member_social")
    answer = http.get(f"{emu.url_for('linkedin')}/v2/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert _denied(answer)
