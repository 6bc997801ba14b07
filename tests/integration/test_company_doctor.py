"""`psn doctor` checks every connected company hub as this workspace's member of it: the connection
file, reachability as psn_app, migrations, RLS, membership, the synced brand voice and the worker."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.errors import NotPermitted
from psn_core.services.company import brand as company_brand
from psn_core.services.company import hubs as company
from psn_core.services.company.hubs import Identity, member_transaction, write_connection
from psn_core.services.doctor import DoctorReport, run_doctor
from psn_core.timefmt import utcnow
from tests.integration.test_company_members import Company, _connect_account, _draft, make_company
from tests.support.hubs import HubEnv, make_settings

pytestmark = pytest.mark.pg

EXAMPLE = Path(__file__).parents[2] / "voices" / "brand_ambassador.example.yaml"


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    made = make_company(hub_env)
    _connect_account(made)
    return made


def _workspace(acme: Company, who: Identity, folder: Path, *, app: str | None = None) -> Settings:
    write_connection(folder, acme.connection_as(who, app=app))
    return make_settings(folder, acme.env.server.conninfo(acme.env.database), connect_timeout=2)


def _company(report: DoctorReport) -> dict[str, tuple[str, str, str | None]]:
    prefix = "company acme: "
    return {c.name[len(prefix) :]: (c.status, c.detail, c.fix) for c in report.checks if c.name.startswith(prefix)}


def test_a_healthy_connection_passes_and_the_brand_voice_must_be_synced(acme: Company, tmp_path: Path) -> None:
    settings = _workspace(acme, acme.admin, tmp_path / "ada")
    checks = _company(run_doctor(settings))
    assert list(checks) == [
        "connection", "reachable", "migrations", "row-level security", "identity", "membership", "brand voice",
        "worker",
    ]  # fmt: skip
    assert {k: v[0] for k, v in checks.items()} == {**{k: "ok" for k in checks}, "brand voice": "warn"}
    assert checks["membership"][1] == "Ada, admin"
    assert "no brand voice yet" in checks["brand voice"][1]

    with member_transaction(acme.hub, acme.admin) as conn:
        company_brand.set_brand_voice(conn, EXAMPLE)
    assert "brand-ambassador-acme.yaml is missing" in _company(run_doctor(settings))["brand voice"][1]
    with company.CompanyHub.open(settings, "acme") as hub:
        synced = company_brand.sync_brand_voice(hub, settings.workspace)
    assert _company(run_doctor(settings))["brand voice"][0] == "ok"
    synced.write_text(synced.read_text() + "\n# edited by hand\n")
    status, detail, fix = _company(run_doctor(settings))["brand voice"]
    assert status == "warn" and "differs" in detail and fix == "Run `psn company sync acme`."


def test_a_removed_member_and_a_readable_connection_file_are_reported(acme: Company, tmp_path: Path) -> None:
    settings = _workspace(acme, acme.bob, tmp_path / "bob")
    (settings.workspace / "connections" / "acme.env").chmod(0o644)
    with member_transaction(acme.hub, acme.admin) as conn:
        company.remove_member(conn, "Bob", utcnow())
    checks = _company(run_doctor(settings))
    assert checks["connection"][0] == "warn" and "0644" in checks["connection"][1]
    status, detail, fix = checks["membership"]
    assert status == "fail" and "removed" in detail and fix is not None and "new invite code" in fix
    assert checks["brand voice"][0] == checks["worker"][0] == "skip"


def test_overdue_posts_on_accounts_you_connected_mean_your_company_worker_is_not_running(
    acme: Company, tmp_path: Path
) -> None:
    post = _draft(acme.hub, acme.admin, "late")
    with acme.hub.owner() as conn:
        conn.execute(
            "UPDATE post_targets SET status = 'scheduled', due_at = now() - interval '10 minutes' WHERE post_id = %s",
            [post],
        )
    admin = _company(run_doctor(_workspace(acme, acme.admin, tmp_path / "ada")))
    assert admin["worker"][0] == "fail" and "psn worker --company acme" in (admin["worker"][2] or "")
    editor = _company(run_doctor(_workspace(acme, acme.editor, tmp_path / "eve")))
    assert editor["worker"][0] == "ok"  # not her accounts: not her worker


def test_an_unreachable_company_hub_fails_one_line_and_skips_the_rest(acme: Company, tmp_path: Path) -> None:
    settings = _workspace(acme, acme.ann, tmp_path / "ann", app="host=127.0.0.1 port=9 user=psn_app dbname=gone")
    checks = _company(run_doctor(settings))
    assert checks["reachable"][0] == "fail" and checks["hub"][0] == "skip"
    assert set(checks) == {"connection", "reachable", "hub"}


def test_only_the_admin_holding_the_owner_address_migrates_a_company_hub(hub_env: HubEnv, tmp_path: Path) -> None:
    slug = f"co-{uuid.uuid4().hex[:8]}"
    created = company.create_company(hub_env.settings, slug, admin_name="Ada")
    try:
        done = company.migrate_company(hub_env.settings, slug)
        assert done.applied == [] and not done.you_moved and done.waiting == []  # already current
        member = company.read_connection(hub_env.settings.workspace, slug).model_copy(update={"owner_conninfo": None})
        write_connection(tmp_path, member.model_copy(update={"slug": slug}))
        with pytest.raises(NotPermitted, match="owner address"):
            company.migrate_company(make_settings(tmp_path, hub_env.server.conninfo("postgres")), slug)
    finally:
        hub_env.server.drop_database(created.database)
