"""Every X request psn makes, checked against X's own OpenAPI contract (tests/data/fidelity/xdk/openapi.json).

The real client (XPlatform) runs every verb it has against the emulator through a recording transport:
who am I, followers, a post, a thread, an image and a video upload (initialize, append, finalize,
STATUS) and the post that carries them, publish status, metrics and the timeline reconciliation reads.
Each request captured on the wire must be an operation of the contract (path and method), with only
the parameters it declares and values its schemas accept, a body its request schema accepts, a bearer
token, and scopes that psn asks for when it connects an account. The token endpoints are OAuth 2.0, not
API operations: they are checked against the contract's security scheme instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.emulator.x_contract import DEFAULT_SPEC, XContract
from psn_core.platforms.models import MediaKind, PlatformConfig, PostPart, PublishRequest, UploadRequest
from psn_core.platforms.x import XPlatform

FIDELITY = Path(__file__).resolve().parents[1] / "data" / "fidelity" / "xdk"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048 + b"\xff\xd9"
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (9 * 1024 * 1024)  # three segments of at most 4 MB
# Every operation psn calls; a new kind of request must be added here (and so be checked).
PSN_OPERATIONS = {
    "getUsersMe",
    "createPosts",
    "getPostsById",
    "getPostsByIds",
    "getUsersPosts",
    "initializeMediaUpload",
    "appendMediaUpload",
    "finalizeMediaUpload",
    "getMediaUploadStatus",
}


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: httpx2.Headers
    body: bytes
    status: int


class Recording(httpx2.BaseTransport):
    """Passes every request on and keeps what went over the wire."""

    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.sent: list[Sent] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        response = self.inner.handle_request(request)
        path = request.url.path.removeprefix("/x")
        self.sent.append(
            Sent(
                request.method,
                path,
                list(request.url.params.multi_items()),
                request.headers,
                body,
                response.status_code,
            )
        )
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(scope="module")
def contract() -> XContract:
    return XContract.load(FIDELITY / "openapi.json")


@pytest.fixture(scope="module")
def captured() -> Iterator[list[Sent]]:
    clock = ManualClock(datetime.now(UTC))
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=5.0)) as emu:
        app, user = emu.default_app("x"), emu.default_user("x")
        grant = emu.platform("x").grant_for_tests(app, user, " ".join(XPlatform.oauth.scopes))
        config = PlatformConfig(
            client_id=app.client_id,
            client_secret=app.client_secret,
            redirect_uri=app.redirect_uri,
            base_url=emu.url_for("x"),
            poll_interval=1.0,
            poll_timeout=120.0,
        )
        recording = Recording()
        http = httpx2.Client(transport=recording, timeout=10.0)
        client = XPlatform(
            config, client=http, sleep=lambda s: clock.advance(seconds=max(s, 1.0)), clock=lambda: clock().timestamp()
        )
        token = grant.access_token
        client.get_current_user(token)
        client.fetch_follower_count(token)
        single = client.publish(token, PublishRequest(parts=(PostPart(text="contract: one post"),)))
        thread = client.publish(
            token, PublishRequest(parts=tuple(PostPart(text=f"contract: part {i}") for i in range(1, 4)))
        )
        image = client.upload_media(
            token, UploadRequest(kind=MediaKind.IMAGE, mime_type="image/jpeg", total_bytes=len(JPEG)), JPEG
        )
        video = client.upload_media(
            token, UploadRequest(kind=MediaKind.VIDEO, mime_type="video/mp4", total_bytes=len(VIDEO)), VIDEO
        )
        client.publish(token, PublishRequest(parts=(PostPart(text="contract: with an image", media=(image,)),)))
        client.publish(
            token,
            PublishRequest(
                parts=(PostPart(text="contract: reply with a video", media=(video,)),), reply_to_id=single.post_id
            ),
        )
        client.publish_status(token, thread.post_id)
        client.fetch_metrics(token, [single.post_id, *thread.part_ids])
        client.list_recent_posts(token, limit=20)
        http.close()
        yield recording.sent


def test_every_request_psn_makes_is_an_operation_of_the_contract(contract: XContract, captured: list[Sent]) -> None:
    operations = set()
    for sent in captured:
        matched = contract.match(sent.method, sent.path)
        assert matched is not None, f"{sent.method} {sent.path} is not in X's contract"
        operations.add(matched[0].operation_id)
        assert sent.status < 400, f"{sent.method} {sent.path} answered {sent.status}"
    assert operations == PSN_OPERATIONS


def test_every_request_has_the_parameters_and_body_the_contract_accepts(
    contract: XContract, captured: list[Sent]
) -> None:
    for sent in captured:
        matched = contract.match(sent.method, sent.path)
        assert matched is not None
        operation, path_params = matched
        violation = contract.check(operation, path_params, sent.query, sent.headers.get("content-type", ""), sent.body)
        assert violation is None, f"{sent.method} {sent.path}: {violation}"


def test_the_upload_uses_the_current_endpoints_and_never_the_retired_command_form(captured: list[Sent]) -> None:
    steps = [(s.method, s.path.rsplit("/", 1)[-1]) for s in captured if s.path.startswith("/2/media/upload")]
    assert ("POST", "initialize") in steps and ("POST", "append") in steps and ("POST", "finalize") in steps
    assert all(not (method == "POST" and last == "upload") for method, last in steps)
    for sent in captured:
        commands = [value for name, value in sent.query if name == "command"]
        assert commands in ([], ["STATUS"])
        assert b'name="command"' not in sent.body and b"command=" not in sent.body
    appends = [s for s in captured if s.path.endswith("/append")]
    assert len({s.path for s in appends}) == 2  # one session per media item, named in the path
    initialize = next(s for s in captured if s.path.endswith("/initialize"))
    assert initialize.headers["content-type"] == "application/json"
    assert json.loads(initialize.body)["media_category"] == "tweet_image"


def test_every_request_carries_a_user_token_with_the_scopes_it_needs(contract: XContract, captured: list[Sent]) -> None:
    requested = set(XPlatform.oauth.scopes)
    for sent in captured:
        assert sent.headers["authorization"].startswith("Bearer ")
        matched = contract.match(sent.method, sent.path)
        assert matched is not None
        assert matched[0].missing_scopes(requested) == [], f"{sent.method} {sent.path} needs more scopes"


def test_psn_asks_for_scopes_x_offers_and_uses_its_token_endpoint(contract: XContract) -> None:
    flow = contract.spec["components"]["securitySchemes"]["OAuth2UserToken"]["flows"]["authorizationCode"]
    assert set(XPlatform.oauth.scopes) <= set(flow["scopes"])
    assert "offline.access" in XPlatform.oauth.scopes  # refresh tokens
    assert urlsplit(flow["tokenUrl"]).path == XPlatform.oauth.token_path
    needed = set().union(*(op.scopes or set() for op in contract.operations if op.operation_id in PSN_OPERATIONS))
    assert needed <= set(XPlatform.oauth.scopes)


def test_the_emulator_validates_against_the_same_contract() -> None:
    assert DEFAULT_SPEC.read_bytes() == (FIDELITY / "openapi.json").read_bytes()
    assert (FIDELITY / "LICENSE").read_text().startswith("MIT License")
