"""The X emulator refuses what X's OpenAPI contract refuses: retired forms, unknown paths, missing scopes,
bad parameters and bodies, each with X's own error shape."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from jsonschema import Draft4Validator

from psn_core.emulator import Emulator
from psn_core.emulator.x_contract import x_contract

PSN_SCOPES = "tweet.read tweet.write users.read media.write offline.access"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_invalid_request(response: httpx2.Response) -> dict[str, Any]:
    """A 400 in X's invalid-request problem shape (checked against the contract's own schema)."""
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    components = x_contract().spec["components"]
    schema = {"$ref": "#/components/schemas/InvalidRequestProblem", "components": components}
    Draft4Validator(schema).validate(body)
    assert body["errors"][0]["message"]
    return body


@pytest.fixture
def token(emu: Emulator) -> str:
    return emu.grant_tokens("x").access_token


def _initialize(http: httpx2.Client, base: str, token: str) -> str:
    made = http.post(
        f"{base}/2/media/upload/initialize",
        headers=bearer(token),
        json={"media_type": "image/png", "total_bytes": 3, "media_category": "tweet_image"},
    )
    assert made.status_code == 200, made.text
    return str(made.json()["data"]["id"])


# --- the retired command form --------------------------------------------------------------------


def test_x_refuses_the_retired_init_command_form(emu: Emulator, http: httpx2.Client, token: str) -> None:
    base = emu.url_for("x")
    multipart = [("command", (None, "INIT")), ("media_type", (None, "image/png")), ("total_bytes", (None, "3"))]
    assert_invalid_request(http.post(f"{base}/2/media/upload", headers=bearer(token), files=multipart))
    urlencoded = {"command": "INIT", "media_type": "image/png", "total_bytes": "3"}
    assert_invalid_request(http.post(f"{base}/2/media/upload", headers=bearer(token), data=urlencoded))
    assert emu.platform("x").media.items == {}  # type: ignore[attr-defined]


def test_x_refuses_the_retired_append_and_finalize_command_forms(
    emu: Emulator, http: httpx2.Client, token: str
) -> None:
    base = emu.url_for("x")
    media_id = _initialize(http, base, token)
    append = http.post(
        f"{base}/2/media/upload",
        headers=bearer(token),
        data={"command": "APPEND", "media_id": media_id, "segment_index": "0"},
        files={"media": ("chunk", b"abc")},
    )
    body = assert_invalid_request(append)
    assert "command" in body["errors"][0]["message"] or "media_category" in body["errors"][0]["message"]
    finalize = http.post(
        f"{base}/2/media/upload",
        headers=bearer(token),
        files=[("command", (None, "FINALIZE")), ("media_id", (None, media_id))],
    )
    assert_invalid_request(finalize)
    assert emu.platform("x").media.items[media_id].segments == {}  # type: ignore[attr-defined]


def test_x_status_takes_only_the_status_command(emu: Emulator, http: httpx2.Client, token: str) -> None:
    base = emu.url_for("x")
    media_id = _initialize(http, base, token)
    wrong = http.get(
        f"{base}/2/media/upload", params={"command": "FINALIZE", "media_id": media_id}, headers=bearer(token)
    )
    body = assert_invalid_request(wrong)
    assert body["errors"][0]["parameters"] == {"command": ["FINALIZE"]}


def test_x_one_shot_upload_takes_the_whole_file(emu: Emulator, http: httpx2.Client, token: str) -> None:
    made = http.post(
        f"{emu.url_for('x')}/2/media/upload",
        headers=bearer(token),
        data={"media_category": "tweet_image"},
        files={"media": ("one.jpg", b"\xff\xd8\xff\xd9", "image/jpeg")},
    )
    assert made.status_code == 200, made.text
    assert made.json()["data"]["id"]


# --- paths, methods, scopes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/2/nonsense"), ("POST", "/1.1/media/upload.json"), ("DELETE", "/2/users/me"), ("PUT", "/2/tweets")],
)
def test_x_answers_unknown_paths_and_methods_with_404(
    emu: Emulator, http: httpx2.Client, token: str, method: str, path: str
) -> None:
    response = http.request(method, f"{emu.url_for('x')}{path}", headers=bearer(token))
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 34


@pytest.mark.parametrize(
    ("scope", "method", "path", "kwargs"),
    [
        ("tweet.read tweet.write users.read", "POST", "/2/media/upload/initialize", {"json": {"total_bytes": 3}}),
        ("tweet.read users.read media.write", "POST", "/2/tweets", {"json": {"text": "no tweet.write"}}),
        ("tweet.read", "GET", "/2/users/me", {}),
    ],
)
def test_x_refuses_a_token_without_the_operations_scopes(
    emu: Emulator, http: httpx2.Client, scope: str, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    app, user = emu.default_app("x"), emu.default_user("x")
    narrow = emu.platform("x").grant_for_tests(app, user, scope).access_token
    response = http.request(method, f"{emu.url_for('x')}{path}", headers=bearer(narrow), **kwargs)
    assert response.status_code == 403
    body = response.json()
    assert (body["title"], body["status"]) == ("Forbidden", 403)
    assert emu.platform("x").tweets == {}  # type: ignore[attr-defined]


def test_x_psn_scopes_open_every_endpoint(emu: Emulator, http: httpx2.Client) -> None:
    app, user = emu.default_app("x"), emu.default_user("x")
    token = emu.platform("x").grant_for_tests(app, user, PSN_SCOPES).access_token
    assert _initialize(http, emu.url_for("x"), token)


def test_x_a_bad_token_is_401_before_the_contract(emu: Emulator, http: httpx2.Client) -> None:
    response = http.post(f"{emu.url_for('x')}/2/tweets", headers=bearer("nope"), json={"bogus": 1})
    assert response.status_code == 401


# --- bodies and parameters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/2/media/upload/initialize", {"media_type": "image/png", "total_bytes": "3"}),
        ("/2/media/upload/initialize", {"media_type": "image/heic", "total_bytes": 3}),
        ("/2/media/upload/initialize", {"media_type": "image/png", "total_bytes": 3, "media_category": "photo"}),
        ("/2/media/upload/initialize", {"media_type": "image/png", "total_bytes": 3, "media_id": "1"}),
        ("/2/tweets", {"text": "hi", "tweet_mode": "extended"}),
        ("/2/tweets", {"text": "hi", "media": {"media_ids": ["1", "2", "3", "4", "5"]}}),
        ("/2/tweets", {"text": "hi", "media": {"media_ids": [1]}}),
        ("/2/tweets", {"text": "hi", "reply": {"in_reply_to_status_id": "1"}}),
    ],
)
def test_x_refuses_bodies_that_break_the_schema(
    emu: Emulator, http: httpx2.Client, token: str, path: str, body: dict[str, Any]
) -> None:
    assert_invalid_request(http.post(f"{emu.url_for('x')}{path}", headers=bearer(token), json=body))
    assert emu.platform("x").tweets == {}  # type: ignore[attr-defined]


def test_x_append_needs_an_integer_segment_and_the_media(emu: Emulator, http: httpx2.Client, token: str) -> None:
    base = emu.url_for("x")
    media_id = _initialize(http, base, token)
    url = f"{base}/2/media/upload/{media_id}/append"
    no_media = http.post(url, headers=bearer(token), files=[("segment_index", (None, "0"))])
    assert_invalid_request(no_media)
    not_a_number = http.post(url, headers=bearer(token), data={"segment_index": "first"}, files={"media": ("c", b"a")})
    assert_invalid_request(not_a_number)
    bad_id = http.post(
        f"{base}/2/media/upload/abc/append",
        headers=bearer(token),
        data={"segment_index": "0"},
        files={"media": ("c", b"a")},
    )
    assert_invalid_request(bad_id)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/2/tweets", {"tweet.fields": "public_metrics"}),  # ids is required
        ("/2/tweets", {"ids": "1,x"}),
        ("/2/tweets", {"ids": "1", "tweet.fields": "public_metrics,views"}),
        ("/2/users/me", {"user.fields": "followers"}),
        ("/2/users/me", {"max_results": "5"}),  # not a parameter of this operation
        ("/2/users/{me}/tweets", {"max_results": "2"}),
        ("/2/users/{me}/tweets", {"max_results": "500"}),
    ],
)
def test_x_refuses_bad_query_parameters(
    emu: Emulator, http: httpx2.Client, token: str, path: str, params: dict[str, str]
) -> None:
    url = emu.url_for("x") + path.replace("{me}", emu.default_user("x").user_id)
    assert_invalid_request(http.get(url, headers=bearer(token), params=params))


def test_x_accepts_tweet_fields_by_their_wire_name(emu: Emulator, http: httpx2.Client, token: str) -> None:
    base = emu.url_for("x")
    made = http.post(f"{base}/2/tweets", headers=bearer(token), json={"text": "fields"})
    assert made.status_code == 201
    fields = "created_at,entities,attachments,note_tweet,referenced_tweets,public_metrics,non_public_metrics"
    listed = http.get(
        f"{base}/2/tweets", headers=bearer(token), params={"ids": made.json()["data"]["id"], "tweet.fields": fields}
    )
    assert listed.status_code == 200, listed.text
