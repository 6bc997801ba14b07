"""The dry run shows the exact requests each platform would receive, from the real clients."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psn_core.emulator.sandbox import open_sandbox
from psn_core.errors import ContentRejected
from psn_core.services.posting.dry_run import dry_run
from psn_core.services.posting.renderings import RenderedPart, Rendering, store_media
from tests.unit.media.media_factory import MediaFactory


@pytest.fixture
def photo_item(tmp_path: Path):  # type: ignore[no-untyped-def]
    return store_media(MediaFactory(tmp_path).image("p.jpg", (1080, 1080)), tmp_path / "media")


def test_linkedin_dry_run_is_the_upload_then_the_post(photo_item, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sent = dry_run(
        "linkedin",
        Rendering(parts=[RenderedPart(text="hello", media=[photo_item])]),
        tmp_path / "media",
        sandbox=False,
        open_sandbox=open_sandbox,
    )
    assert [(r.method, r.path.split("/")[1]) for r in sent] == [("POST", "rest"), ("PUT", "upload"), ("POST", "rest")]
    post = json.loads(sent[-1].body)
    assert post["commentary"] == "hello" and post["author"].startswith("urn:li:person:")


def test_instagram_dry_run_shows_the_container_and_publish_parameters(photo_item, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sent = dry_run(
        "instagram",
        Rendering(parts=[RenderedPart(text="caption here", media=[photo_item])]),
        tmp_path / "media",
        sandbox=False,
        open_sandbox=open_sandbox,
    )
    container, publish = sent
    assert container.path.endswith("/media") and container.query["caption"] == "caption here"
    assert publish.path.endswith("/media_publish") and publish.query["creation_id"]


def test_a_post_the_client_refuses_fails_the_dry_run_too(tmp_path: Path) -> None:
    with pytest.raises(ContentRejected):
        dry_run(
            "x", Rendering(parts=[RenderedPart(text="y" * 400)]), tmp_path, sandbox=False, open_sandbox=open_sandbox
        )
