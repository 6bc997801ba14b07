"""H1: media are content-addressed files of the workspace's media folder, checked when the post is saved
and again right before upload. A contributor who points her pending post's media at the admin's key file
(`../.psn/master.key`), a link planted in the media folder, or bytes changed after attaching: all refused,
and nothing outside the folder is read or deleted."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.errors import MediaReferenceRefused
from psn_core.media import store as media_store
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.company import approvals
from psn_core.services.company.hubs import CompanyHub, member_transaction
from psn_core.services.posting.dry_run import dry_run
from psn_core.services.posting.media_blobs import media_bytes
from psn_core.services.posting.posts import PartInput, get_target
from psn_core.services.posting.pruning import prune_media
from psn_core.services.posting.renderings import Rendering, check_rendering
from psn_core.services.posting.schedule_time import resolve
from psn_core.timefmt import utcnow
from tests.integration.test_company_members import Company, _connect_account, make_company
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env
from tests.unit.media.media_factory import MediaFactory

pytestmark = pytest.mark.pg

KEY_PATH = "../.psn/master.key"


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def pub(hub_env: HubEnv, clock: ManualClock) -> Iterator[PubEnv]:
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=1)) as emu:
        yield make_pub_env(hub_env, emu, clock)


def _secret_file(workspace: Path) -> bytes:
    key = workspace / ".psn" / "master.key"
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        key.write_bytes(b"SECRET-KEY-MATERIAL-" + os.urandom(16).hex().encode())
    return key.read_bytes()


def _set_media_path(conn: psycopg.Connection[dict[str, object]], target_id: uuid.UUID, path: str) -> None:
    conn.execute(
        "UPDATE post_targets SET rendering = jsonb_set(rendering, '{parts,0,media,0,path}', %s::jsonb) WHERE id = %s",
        [json.dumps(path), target_id],
    )


def _uploaded(pub: PubEnv, needle: bytes) -> bool:
    return any(needle in (r.body or "").encode("utf-8", "replace") for r in pub.emu.requests)


# --- the contributor's attack on a company hub: refused when saved ---------------------------------


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    company = make_company(hub_env)
    _connect_account(company)
    return company


def _contributor_post_with_photo(acme: Company, tmp_path: Path) -> tuple[uuid.UUID, Path]:
    ann_media = tmp_path / "ann" / "media"
    photo = MediaFactory(tmp_path).image("launch.jpg", (1080, 1080))
    with CompanyHub(acme.env.settings, acme.connection_as(acme.ann)) as ann:
        when = resolve(utcnow() + timedelta(hours=2), "UTC", utcnow())
        result = approvals.post_for_company(
            ann, ["x"], [PartInput(text="Launch", media=[photo])], when, lambda *_: "run", media_dir=ann_media,
            media_host=None,
        )  # fmt: skip
    assert result.status == "pending_approval"
    return result.post.targets[0].id, ann_media


def test_contributor_cannot_point_her_pending_posts_media_at_the_key_file(acme: Company, tmp_path: Path) -> None:
    target_id, _ = _contributor_post_with_photo(acme, tmp_path)
    for path in (KEY_PATH, "/etc/passwd", "media/../../x.jpg", "a" * 64 + ".jpg/../../k"):
        with pytest.raises(psycopg.errors.CheckViolation), member_transaction(acme.hub, acme.ann) as conn:
            _set_media_path(conn, target_id, path)
    with member_transaction(acme.hub, acme.ann) as conn:
        row = conn.execute("SELECT rendering FROM post_targets WHERE id = %s", [target_id]).fetchone()
    assert row is not None and media_store.is_media_name(row["rendering"]["parts"][0]["media"][0]["path"])


def test_company_media_travel_through_the_hub_to_the_owner_and_no_other_contributor(
    acme: Company, tmp_path: Path
) -> None:
    target_id, ann_media = _contributor_post_with_photo(acme, tmp_path)
    with member_transaction(acme.hub, acme.admin) as conn:
        rendering = Rendering.model_validate(
            conn.execute("SELECT rendering FROM post_targets WHERE id = %s", [target_id]).fetchone()["rendering"]  # type: ignore[index]
        )
    [name] = [m.path for p in rendering.parts for m in p.media]
    assert rendering.media_digests() == [name.partition(".")[0]]
    ada_media, bob_media = tmp_path / "ada" / "media", tmp_path / "bob" / "media"
    with CompanyHub(acme.env.settings, acme.connection_as(acme.admin)) as ada:
        data = media_bytes(ada.hub, acme.admin.member_id, ada_media, name)
    assert data == (ann_media / name).read_bytes() == (ada_media / name).read_bytes()
    with CompanyHub(acme.env.settings, acme.connection_as(acme.bob)) as bob, pytest.raises(MediaReferenceRefused):
        media_bytes(bob.hub, acme.bob.member_id, bob_media, name)  # another contributor reads nothing
    with pytest.raises(psycopg.errors.CheckViolation), member_transaction(acme.hub, acme.bob) as conn:
        conn.execute(
            "INSERT INTO media_blobs (digest, member_id, ext, data) VALUES (%s, %s, 'jpg', %s)",
            [name.partition(".")[0], acme.bob.member_id, b"other bytes"],
        )


# --- the same rendering reaching the worker anyway: refused right before upload --------------------


def test_publisher_refuses_a_media_path_outside_the_folder_and_never_reads_the_key(pub: PubEnv, tmp_path: Path) -> None:
    secret = _secret_file(pub.settings.workspace)
    photo = MediaFactory(tmp_path).image("photo.jpg", (1080, 1080))
    post = pub.create({"x": [PartInput(text="with a photo", media=[photo])]})
    target_id = post.targets[0].id
    with pub.env.hub.owner() as conn:  # a row the CHECK never saw (stored before it existed)
        conn.execute("ALTER TABLE post_targets DROP CONSTRAINT post_targets_media_names")
        _set_media_path(conn, target_id, KEY_PATH)
    scheduled = pub.schedule(post)
    result = pub.publish(scheduled)["x"]
    assert result.status == "failed" and result.error_class == "MediaReferenceRefused"
    assert "content" in (result.error_message or "")
    assert pub.requests("x", "media_upload") == 0 and pub.requests("x", "create_tweet") == 0
    assert not _uploaded(pub, secret[:20])


def test_a_link_in_the_media_folder_is_refused_at_save_and_at_upload(pub: PubEnv, tmp_path: Path) -> None:
    secret = _secret_file(pub.settings.workspace)
    media = pub.settings.workspace / "media"
    media.mkdir(parents=True, exist_ok=True)
    name = media_store.sha256_hex(secret) + ".jpg"
    (media / name).symlink_to(pub.settings.workspace / ".psn" / "master.key")
    with pytest.raises(MediaReferenceRefused, match="symbolic link"):
        media_store.read_media(media, name)
    # Saved: a post whose media resolves to the link is refused by check_rendering.
    photo = MediaFactory(tmp_path).image("photo.jpg", (1080, 1080))
    post = pub.create({"x": [PartInput(text="photo", media=[photo])]})
    stored = post.targets[0].rendering.parts[0].media[0].path
    (media / stored).unlink()
    (media / stored).symlink_to(pub.settings.workspace / ".psn" / "master.key")
    problems = check_rendering(PLATFORMS["x"], post.targets[0].rendering, media, None)
    assert len(problems) == 1 and "symbolic link" in problems[0]
    # Upload: the worker refuses it too, and sends nothing.
    failed = pub.publish(pub.schedule(post))["x"]
    assert failed.status == "failed" and failed.error_class == "MediaReferenceRefused"
    assert pub.requests("x", "media_upload") == 0 and not _uploaded(pub, secret[:20])
    # Attaching the photo again replaces the link itself (never what it points to) with the real bytes.
    pub.create({"x": [PartInput(text="again", media=[photo])]})
    assert not (media / stored).is_symlink() and (media / stored).read_bytes() == photo.read_bytes()
    assert (pub.settings.workspace / ".psn" / "master.key").read_bytes() == secret


def test_bytes_changed_after_attaching_are_refused_before_upload(pub: PubEnv, tmp_path: Path) -> None:
    photo = MediaFactory(tmp_path).image("photo.jpg", (1080, 1080))
    post = pub.create({"x": [PartInput(text="photo", media=[photo])]})
    stored = pub.settings.workspace / "media" / post.targets[0].rendering.parts[0].media[0].path
    stored.write_bytes(MediaFactory(tmp_path).image("other.jpg", (1080, 1080)).read_bytes() + b"x")
    with pytest.raises(MediaReferenceRefused, match="changed"):
        dry_run("x", post.targets[0].rendering, stored.parent, sandbox=False, open_sandbox=_no_sandbox)
    result = pub.publish(pub.schedule(post))["x"]
    assert result.status == "failed" and result.error_class == "MediaReferenceRefused"
    assert pub.requests("x", "media_upload") == 0


def _no_sandbox() -> object:
    raise AssertionError("the media check comes before the sandbox opens")


def test_pruning_never_deletes_the_folder_or_anything_outside_it(pub: PubEnv, tmp_path: Path) -> None:
    secret = _secret_file(pub.settings.workspace)
    photo = MediaFactory(tmp_path).image("photo.jpg", (1080, 1080))
    post = pub.schedule(pub.create({"x": [PartInput(text="photo", media=[photo])]}))
    assert pub.publish(post)["x"].status == "published"
    media = pub.settings.workspace / "media"
    keep = media / "notes.txt"
    keep.write_text("not media")
    with pub.env.hub.owner() as conn:
        conn.execute("ALTER TABLE post_targets DROP CONSTRAINT post_targets_media_names")
        conn.execute(
            "UPDATE post_targets SET rendering = jsonb_set(rendering, '{parts,0,media}',"
            ' \'[{"path": "", "kind": "image", "mime_type": "image/jpeg", "size_bytes": 1},'
            ' {"path": "../.psn/master.key", "kind": "image", "mime_type": "image/jpeg", "size_bytes": 1},'
            ' {"path": "notes.txt", "kind": "image", "mime_type": "image/jpeg", "size_bytes": 1}]\')'
            " WHERE id = %s",
            [post.targets[0].id],
        )
    with pub.env.hub.transaction(pub.member) as conn:
        report = prune_media(conn, pub.member, media, pub.clock() + timedelta(days=30))
        get_target(conn, pub.member, post.targets[0].id)
    assert report.deleted == []
    assert media.is_dir() and keep.exists()
    assert (pub.settings.workspace / ".psn" / "master.key").read_bytes() == secret


def test_names_that_are_not_content_addresses_are_never_read_or_deleted(tmp_path: Path) -> None:
    media = tmp_path / "media"
    for bad in ("", ".", "..", KEY_PATH, "/etc/passwd", "A" * 64 + ".jpg", "a" * 63 + ".jpg", "a" * 64 + ".j/pg"):
        with pytest.raises(MediaReferenceRefused):
            media_store.read_media(media, bad)
        assert media_store.remove_media(media, bad) is False
