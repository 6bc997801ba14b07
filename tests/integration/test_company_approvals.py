"""The approval workflow end to end on a real company hub: submit, notify, review with calendar context,
approve (scheduled and queued), reject with a reason, expire unapproved posts; one hub at a time."""

from __future__ import annotations

import ast
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from psn_core.cli.main import cli
from psn_core.crypto import load_keyring
from psn_core.errors import NotPermitted, PostInvalid, PostNotFound
from psn_core.notifications.store import pending_critical
from psn_core.services.company import approvals, pending_posts
from psn_core.services.company import brand as company_brand
from psn_core.services.company.hubs import CompanyHub, Identity, write_connection
from psn_core.services.posting.posts import PartInput, get_post
from psn_core.services.posting.publishing import Publisher
from psn_core.services.posting.schedule_time import resolve
from psn_core.timefmt import utcnow
from tests.integration.test_company_members import Company, _connect_account, make_company
from tests.support.hubs import HubEnv, make_settings
from tests.support.series_world import make_series

pytestmark = pytest.mark.pg
UTC_ZONE = ZoneInfo("UTC")


class Queue:
    """The services' Enqueue, recording instead of queueing."""

    def __init__(self) -> None:
        self.entries: list[tuple[uuid.UUID, uuid.UUID, datetime]] = []

    def __call__(self, member_id: uuid.UUID, target_id: uuid.UUID, when: datetime) -> str:
        self.entries.append((member_id, target_id, when))
        return f"run-{len(self.entries)}"


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    company = make_company(hub_env)
    _connect_account(company)
    return company


@pytest.fixture
def hubs(acme: Company) -> Iterator[dict[str, CompanyHub]]:
    def open_as(who: Identity) -> CompanyHub:
        return CompanyHub(acme.env.settings, acme.connection_as(who))

    opened = {
        "ada": open_as(acme.admin),
        "eve": open_as(acme.editor),
        "ann": open_as(acme.ann),
        "bob": open_as(acme.bob),
    }
    yield opened
    for hub in opened.values():
        hub.close()


def _post(hub: CompanyHub, text: str, at: datetime, queue: Queue, tmp_path: Path) -> approvals.CompanyPostResult:
    when = resolve(at, "UTC", utcnow())
    return approvals.post_for_company(
        hub, ["x"], [PartInput(text=text)], when, queue, media_dir=tmp_path / "media", media_host=None
    )


def _notes(hub: CompanyHub) -> list[tuple[str, str, str]]:
    with hub.transaction() as conn:
        rows = conn.execute("SELECT tier, kind, body FROM notifications ORDER BY id").fetchall()
    return [(r["tier"], r["kind"], r["body"]) for r in rows]


def _waiting(hub: CompanyHub) -> list[str]:
    """Kinds of the member's critical notifications still waiting (what the CLI footer shows)."""
    with hub.transaction() as conn:
        return [n.kind for n in pending_critical(conn, hub.who.member_id)]


def _statuses(hub: CompanyHub, post_id: uuid.UUID) -> set[str]:
    with hub.transaction() as conn:
        return {r["status"] for r in conn.execute("SELECT status FROM post_targets WHERE post_id = %s", [post_id])}


def test_contributor_post_waits_for_approval_and_an_editor_approves_it(
    acme: Company, hubs: dict[str, CompanyHub], tmp_path: Path
) -> None:
    queue = Queue()
    at = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
    mine = _post(hubs["ada"], "Launch day", at - timedelta(hours=1), queue, tmp_path)
    assert mine.status == "scheduled" and len(queue.entries) == 1

    submitted = _post(hubs["ann"], "Our new feature", at, queue, tmp_path)
    assert submitted.status == "pending_approval"
    assert submitted.context == ["Posting as: Ann for Acme on X"]
    assert len(queue.entries) == 1  # nothing queued for a pending post
    for approver in ("ada", "eve"):
        assert [(t, k) for t, k, _ in _notes(hubs[approver])] == [("critical", "approval_requested")]
        assert 'Member "Ann" submitted company post' in _notes(hubs[approver])[0][2]
    assert _notes(hubs["bob"]) == []

    with hubs["bob"].transaction() as conn, pytest.raises(NotPermitted):
        pending_posts.list_pending(conn, utcnow(), UTC_ZONE)
    with hubs["eve"].transaction() as conn:
        pending = pending_posts.list_pending(conn, utcnow(), UTC_ZONE)
    assert [(p.author, p.targets[0].text) for p in pending] == [("Ann", "Our new feature")]
    assert len(pending[0].nearby) == 1 and pending[0].nearby[0].startswith("X @acme: scheduled")
    reviewed = pending[0].content_hash
    assert len(reviewed) == 64 and pending[0].targets[0].parts[0].media == []

    with hubs["ann"].transaction() as conn, pytest.raises(NotPermitted):
        approvals.approve(conn, str(submitted.post.id), reviewed, utcnow())
    view = approvals.approve_and_enqueue(hubs["eve"], str(submitted.post.id)[:8], reviewed[:16], queue, utcnow())
    assert {t.status for t in view.targets} == {"scheduled"}
    assert queue.entries[-1] == (acme.admin.member_id, view.targets[0].id, at)
    assert ("critical", "approval_approved") in [(t, k) for t, k, _ in _notes(hubs["ann"])]
    for approver in ("ada", "eve"):  # the decided request no longer waits on anyone
        assert _waiting(hubs[approver]) == []


def test_a_rejected_post_is_cancelled_and_the_author_told_why(hubs: dict[str, CompanyHub], tmp_path: Path) -> None:
    submitted = _post(hubs["ann"], "Hot take", utcnow() + timedelta(hours=2), Queue(), tmp_path)
    with hubs["eve"].transaction() as conn:
        with pytest.raises(PostInvalid):
            approvals.reject(conn, str(submitted.post.id), " ", utcnow())
        approvals.reject(conn, str(submitted.post.id), "Too spicy for the brand", utcnow())
    assert _statuses(hubs["ann"], submitted.post.id) == {"cancelled"}
    kinds = {k: body for _, k, body in _notes(hubs["ann"])}
    assert "Too spicy for the brand" in kinds["approval_rejected"]
    with hubs["eve"].transaction() as conn, pytest.raises(PostNotFound):
        approvals.approve(conn, str(submitted.post.id), "0" * 64, utcnow())


def test_a_post_not_approved_by_its_time_is_not_published_and_the_author_is_told(
    acme: Company, hubs: dict[str, CompanyHub], tmp_path: Path
) -> None:
    submitted = _post(hubs["ann"], "Too late", utcnow() + timedelta(hours=1), Queue(), tmp_path)
    target_id = submitted.post.targets[0].id
    publisher = Publisher(hubs["ada"].hub, acme.env.settings, load_keyring(acme.env.settings), enqueue=Queue())
    assert publisher.publish(acme.admin.member_id, target_id).status == "pending_approval"  # never claimed

    later = utcnow() + timedelta(hours=2)
    with hubs["eve"].transaction() as conn:
        assert pending_posts.list_pending(conn, later, UTC_ZONE) == []  # the listing expires it first
    assert _statuses(hubs["ann"], submitted.post.id) == {"expired"}
    assert ("critical", "approval_expired") in [(t, k) for t, k, _ in _notes(hubs["ann"])]
    assert _waiting(hubs["eve"]) == _waiting(hubs["ada"]) == []  # nothing left to decide
    assert publisher.publish(acme.admin.member_id, target_id).status == "expired"
    with hubs["ada"].transaction() as conn:
        assert get_post(conn, acme.admin.member_id, submitted.post.id).targets[0].published_at is None


def test_an_author_sweeping_their_own_overdue_post_is_told_too(hubs: dict[str, CompanyHub], tmp_path: Path) -> None:
    submitted = _post(hubs["bob"], "Mine", utcnow() + timedelta(minutes=30), Queue(), tmp_path)
    with hubs["bob"].transaction() as conn:
        assert approvals.expire_overdue(conn, utcnow() + timedelta(hours=1)) == [submitted.post.id]
    assert [k for _, k, _ in _notes(hubs["bob"])] == ["approval_expired"]


def test_editors_and_admins_schedule_company_posts_directly(hubs: dict[str, CompanyHub], tmp_path: Path) -> None:
    queue = Queue()
    result = _post(hubs["eve"], "Editor post", utcnow() + timedelta(hours=1), queue, tmp_path)
    assert result.status == "scheduled" and len(queue.entries) == 1
    assert result.context == ["Posting as: Eve for Acme on X"]


# --- one hub at a time ---------------------------------------------------------------------------

PUBLISHING_PATH = ("posting", "accounts", "company/approvals.py", "company/pending_posts.py")  # under psn_core/services
OPENS_A_HUB = {"Hub.open", "CompanyHub.open", "Settings.load", "resolve_target", "read_connection"}


def _called_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            names.add(func.id)
        elif isinstance(func, ast.Attribute):
            names.add(func.attr)
            if isinstance(func.value, ast.Name):
                names.add(f"{func.value.id}.{func.attr}")
    return names


def test_no_publishing_code_path_opens_a_hub_of_its_own() -> None:
    """Publishing works on the one hub it was given: no module on the path resolves, opens or loads
    another hub (Hub.open, CompanyHub.open, resolve_target, read_connection, Settings.load)."""
    root = Path(__file__).parents[2] / "psn_core" / "services"
    modules = [
        path
        for entry in PUBLISHING_PATH
        for path in ((root / entry).glob("*.py") if (root / entry).is_dir() else [root / entry])
    ]
    assert len(modules) >= 10, modules
    for module in modules:
        found = _called_names(ast.parse(module.read_text())) & OPENS_A_HUB
        assert not found, (module.name, found)


# --- the CLI edge --------------------------------------------------------------------------------


class Cli:
    """`psn` in a workspace of its own connected to Acme as one member (their connections/acme.env)."""

    def __init__(self, ws: Path, hub: CompanyHub, env: str) -> None:
        ws.mkdir()
        (ws / "hub.env").write_text(env)
        write_connection(ws, hub.connection)
        self.ws = ws

    def __call__(self, *args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--workspace", str(self.ws), *args], input=stdin, catch_exceptions=False)


def test_psn_approve_lists_and_rejects_from_the_command_line(
    acme: Company, hubs: dict[str, CompanyHub], tmp_path: Path
) -> None:
    submitted = _post(hubs["ann"], "From the CLI", utcnow() + timedelta(hours=2), Queue(), tmp_path)
    psn = Cli(tmp_path / "eve-ws", hubs["eve"], "PSN_TIMEZONE=Europe/Madrid\n")

    listed = psn("approve")
    assert listed.exit_code == 0, listed.output
    assert "1 post(s) of Acme waiting for approval." in listed.output
    assert f'[{str(submitted.post.id)[:8]}] by member "Ann", due' in listed.output
    assert "(Europe/Madrid)" in listed.output and 'x @acme: "From the CLI"' in listed.output
    (as_json,) = json.loads(psn("approve", "--json").stdout)
    assert as_json["post_id"] == str(submitted.post.id) and as_json["author"] == "Ann"
    assert as_json["targets"][0]["parts"][0]["text"] == "From the CLI" and as_json["content_hash"]
    assert psn("approve", "--reject", str(submitted.post.id)[:8]).exit_code != 0  # a reason is required
    rejected = psn("approve", "--reject", str(submitted.post.id)[:8], "--reason", "Off brand")
    assert rejected.exit_code == 0 and "the author was told why" in rejected.output
    assert _waiting(hubs["eve"]) == [] and _waiting(hubs["ann"]) == ["approval_rejected"]
    ann = Cli(tmp_path / "ann-ws", hubs["ann"], "PSN_TIMEZONE=UTC\n")
    footer = ann("company", "members", "acme")  # any company command tells Ann, on stderr
    assert footer.exit_code == 0 and "! 1 critical notification in acme needs you:" in footer.stderr
    assert "rejected your company post" in footer.stderr and "ack ID --company acme" in footer.stderr
    roster = json.loads(ann("company", "members", "acme", "--json").stdout)  # the footer stays on stderr
    assert {"id", "display_name", "role", "timezone", "created_at", "removed_at"} <= set(roster[0])
    assert "Ann" in [m["display_name"] for m in roster]
    assert _statuses(hubs["ann"], submitted.post.id) == {"cancelled"}
    refused = psn("approve", "--company", "nope")
    assert refused.exit_code == 1 and "no connection to a company called 'nope'" in refused.output


# --- the company queue -----------------------------------------------------------------------------


def test_an_editors_approval_is_queued_by_the_account_owners_worker(
    acme: Company, hubs: dict[str, CompanyHub], tmp_path: Path
) -> None:
    """Each member has a queue of their own in the company hub, which only they read and write; only the
    owner's tokens can publish. So the editor's approval queues nothing, and the owner's watchdog queues
    the approved target in the owner's queue."""
    from psn_core.queue import Producer, queue_name
    from psn_core.services.posting.watchdog import run_watchdog
    from psn_core.worker.app import Worker

    submitted = _post(hubs["ann"], "Queued for Ada", utcnow() + timedelta(hours=1), Queue(), tmp_path)
    eve, ada = hubs["eve"], hubs["ada"]
    assert Worker.for_company_hub(acme.env.settings, eve).queue_name == queue_name(acme.editor.member_id)
    assert queue_name(acme.editor.member_id) != queue_name(None)
    with eve.transaction() as conn:
        reviewed = approvals.content_hash(conn, submitted.post.id)
    with Producer.for_company_hub(acme.env.settings, eve) as producer:
        approvals.approve_and_enqueue(eve, str(submitted.post.id), reviewed, producer.enqueue_publish, utcnow())
    with acme.hub.owner() as conn:
        assert conn.execute("SELECT count(*) AS n FROM huey_task").fetchone() == {"n": 0}
    with Producer.for_company_hub(acme.env.settings, ada) as producer:
        report = run_watchdog(ada.hub, acme.admin.member_id, producer.enqueue_publish, utcnow())
    assert report.queued == [t.id for t in submitted.post.targets]
    with acme.hub.owner() as conn:
        # (a task with an ETA is queued as it is; the consumer of that queue moves it to its schedule)
        queues = [r["queue"] for r in conn.execute("SELECT queue FROM huey_task").fetchall()]
    assert queues == [queue_name(acme.admin.member_id)]


def test_an_approver_gets_the_approval_request_on_whatsapp_from_their_company_worker(
    acme: Company, hubs: dict[str, CompanyHub], tmp_path: Path
) -> None:
    """`psn notifications --company acme setup waha` stores Eve's transport in the company hub; the
    delivery task of her `psn worker --company acme` sends the CRITICAL approval request there."""
    from psn_core.services import notifications
    from psn_core.services.company.hubs import company_settings
    from tests.fakes.waha import FakeWaha

    with FakeWaha(api_key="waha-company-key-0123") as waha:
        eve = hubs["eve"]
        psn = Cli(tmp_path / "eve-ws", eve, f"PSN_TIMEZONE=Europe/Madrid\nPSN_WAHA_BASE_URL={waha.base_url}\n")
        eve_settings = make_settings(psn.ws, acme.env.server.conninfo(acme.env.database))  # and her key file
        setup = ["notifications", "--company", "acme", "setup", "waha"]
        done = psn(*setup, "--phone", "+34600111222", "--api-key", waha.api_key)
        assert done.exit_code == 0, done.output
        assert "Notifications go by waha to +34600111222" in done.output

        _post(hubs["ann"], "Please approve", utcnow() + timedelta(hours=2), Queue(), tmp_path)
        settings = company_settings(eve_settings, eve.connection)  # what `psn worker --company acme` runs with
        report = notifications.run_delivery(settings, eve.hub, acme.editor.member_id)
        assert report is not None
        assert [m.chat_id for m in waha.sent] == ["34600111222@c.us"]
        assert 'Member "Ann" submitted company post' in waha.sent[0].text and "psn approve" in waha.sent[0].text
        listed = psn("notifications", "--company", "acme")
        assert "CRITICAL" in listed.output and "ack ID --company acme" in listed.output


def test_psn_company_post_checks_the_synced_brand_guardrails_before_anything_reaches_the_hub(
    acme: Company, hubs: dict[str, CompanyHub], tmp_path: Path
) -> None:
    psn = Cli(tmp_path / "ann-ws", hubs["ann"], "PSN_TIMEZONE=UTC\n")
    ws = psn.ws

    at = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    declined = psn("company", "post", "acme", "Not this one", "--to", "x", "--at", at, stdin="n\n")
    assert declined.exit_code == 1 and "Send it for approval? [y/N]" in declined.output
    assert declined.output.index("Posting as: Ann for Acme on X") < declined.output.index("Send it for approval?")
    unsynced = psn("company", "post", "acme", "Hello from Acme", "--to", "x", "--at", at, stdin="y\n")
    assert unsynced.exit_code == 0, unsynced.output
    assert "waits for approval by an editor or admin, due" in unsynced.output
    assert "Posting as: Ann for Acme on X" in unsynced.output and "run `psn company sync acme`" in unsynced.output

    example = Path(__file__).parents[2] / "voices" / "brand_ambassador.example.yaml"
    with hubs["ada"].transaction() as conn:
        company_brand.set_brand_voice(conn, example)
    assert psn("company", "sync", "acme").exit_code == 0
    assert (ws / "voices" / "brand-ambassador-acme.yaml").exists()

    refused = psn("company", "post", "acme", "We guarantee delivery by Friday", "--to", "x", "--at", at, "--yes")
    assert refused.exit_code == 1
    assert "brand guardrails forbid: guarantee" in refused.output and "nothing was sent" in refused.output
    with hubs["ada"].transaction() as conn:
        texts = [r["rendering"]["parts"][0]["text"] for r in conn.execute("SELECT rendering FROM post_targets")]
    assert texts == ["Hello from Acme"]

    german = psn("company", "post", "acme", "Wir guarantee Lieferung", "--to", "x", "--at", at, "--language", "de",
                 "--yes")  # fmt: skip
    assert german.exit_code == 1 and "forbid: guarantee" in german.output  # no German tells: guardrails still hold
    sent = psn("company", "post", "acme", "Delivery lands on Friday", "--to", "x", "--at", at, "--yes")
    assert sent.exit_code == 0, sent.output
    assert "stay off pricing changes before launch" in sent.output and "'I work at Acme.'" in sent.output
    assert "for approval" in sent.output

    changed = tmp_path / "brand_ambassador.yaml"
    changed.write_text(example.read_text().replace("never_use: [guarantee]", "never_use: [guarantee, synergy]"))
    with hubs["ada"].transaction() as conn:
        company_brand.set_brand_voice(conn, changed)
    stale = psn("company", "post", "acme", "Delivery lands on Monday", "--to", "x", "--at", at, "--yes")
    assert "brand voice changed since your last sync" in stale.output


def test_psn_company_post_with_series_makes_the_post_an_episode_of_the_company_series(
    acme: Company, hubs: dict[str, CompanyHub], tmp_path: Path
) -> None:
    with hubs["ada"].transaction() as conn:
        series = make_series(conn, acme.admin.member_id, utcnow(), name="Tool Tuesday", pillar="ai")
    psn = Cli(tmp_path / "ann-ws", hubs["ann"], "PSN_TIMEZONE=UTC\n")
    at = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    sent = psn("company", "post", "acme", "Tool #1: psql", "--to", "x", "--at", at, "--series", "tool-tuesday", "--yes")
    assert sent.exit_code == 0, sent.output
    with hubs["ada"].transaction() as conn:
        linked = conn.execute("SELECT l.series_id, t.pillar FROM series_posts l JOIN post_topics t USING (post_id)")
        assert linked.fetchall() == [{"series_id": series.id, "pillar": "ai"}]
