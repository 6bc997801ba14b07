"""Company hubs, each member on a login role of their own: roles, removal and invite codes enforced by the
hub itself (RLS + grants)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from psn_core.errors import CompanyNotFound, HubUnreachable, InviteRateLimited, InviteRejected, NotPermitted
from psn_core.hub.database import Hub, connect
from psn_core.services.company import brand as company_brand
from psn_core.services.company import hubs as company
from psn_core.services.company import invites as company_invites
from psn_core.services.company.hubs import CompanyConnection, CompanyHub, Identity, member_transaction
from psn_core.timefmt import utcnow
from tests.support.hubs import Company, HubEnv, guess_codes, make_company, make_settings
from tests.support.hubs import connect_account as _connect_account

pytestmark = pytest.mark.pg


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    return make_company(hub_env)


def _draft(hub: Hub, who: Identity, idea: str) -> uuid.UUID:
    """A draft by ``who`` on the company's X account (owned by the admin who connected it)."""
    with member_transaction(hub, who) as conn:
        account = conn.execute("SELECT id, member_id FROM accounts WHERE platform = 'x'").fetchone()
        assert account is not None
        post = conn.execute(
            "INSERT INTO posts (member_id, idea, timezone) VALUES (%s, %s, 'UTC') RETURNING id",
            [account["member_id"], idea],
        ).fetchone()
        assert post is not None
        conn.execute(
            "INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering)"
            ' VALUES (%s, %s, %s, \'x\', \'{"parts": [{"text": "hi"}]}\')',
            [post["id"], account["member_id"], account["id"]],
        )
        return uuid.UUID(str(post["id"]))


def _ideas(hub: Hub, who: Identity) -> set[str]:
    with member_transaction(hub, who) as conn:
        return {r["idea"] for r in conn.execute("SELECT idea FROM posts").fetchall()}


# --- roles and drafts ----------------------------------------------------------------------------


def test_contributor_cannot_see_another_contributors_drafts_but_editors_can(acme: Company) -> None:
    _connect_account(acme)
    _draft(acme.hub, acme.ann, "ann's idea")
    _draft(acme.hub, acme.bob, "bob's idea")
    assert _ideas(acme.hub, acme.ann) == {"ann's idea"}
    assert _ideas(acme.hub, acme.bob) == {"bob's idea"}
    assert _ideas(acme.hub, acme.editor) == {"ann's idea", "bob's idea"}
    assert _ideas(acme.hub, acme.admin) == {"ann's idea", "bob's idea"}


def test_contributor_cannot_schedule_a_company_post_even_with_raw_sql(acme: Company) -> None:
    _connect_account(acme)
    post_id = _draft(acme.hub, acme.ann, "sneaky")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.ann) as conn:
        conn.execute("UPDATE post_targets SET status = 'scheduled' WHERE post_id = %s", [post_id])


def test_contributors_see_only_themselves_on_the_roster_and_cannot_promote_themselves(acme: Company) -> None:
    with member_transaction(acme.hub, acme.ann) as conn:
        assert [m.display_name for m in company.list_members(conn)] == ["Ann"]
    with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.ann) as conn:
        conn.execute("UPDATE members SET role = 'admin' WHERE id = %s", [acme.ann.member_id])
    with member_transaction(acme.hub, acme.editor) as conn:
        assert {m.display_name for m in company.list_members(conn)} == {"Ada", "Eve", "Ann", "Bob"}
        with pytest.raises(NotPermitted):
            company.set_role(conn, "Ann", "editor")


def test_nobody_joins_a_company_hub_by_inserting_their_own_member_row(acme: Company) -> None:
    stranger = uuid.uuid4()
    with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.ann) as conn:
        conn.execute("INSERT INTO members (id, display_name, role) VALUES (%s, 'Mallory', 'admin')", [stranger])


def test_a_member_id_without_its_login_role_reads_nothing(acme: Company) -> None:
    _connect_account(acme)
    _draft(acme.hub, acme.ann, "ann's idea")
    with pytest.raises(HubUnreachable, match="CONNECT privilege"):  # psn_app may not enter a company hub
        _ideas(acme.hub, Identity(acme.admin.member_id, "not-the-key"))
    with member_transaction(acme.hub, acme.bob) as conn:  # bob claims to be the admin: the setting counts for nothing
        conn.execute("SELECT set_config('psn.member_id', %s, true)", [str(acme.admin.member_id)])
        assert conn.execute(
            "SELECT count(*) AS n FROM accounts WHERE member_id = %s", [acme.admin.member_id]
        ).fetchone() == {"n": 1}
        assert {r["display_name"] for r in conn.execute("SELECT display_name FROM members")} == {"Bob"}
        assert company.current_role(conn) == "contributor"


def test_a_removed_members_connection_reads_nothing_at_once(acme: Company) -> None:
    _connect_account(acme)
    _draft(acme.hub, acme.ann, "ann's idea")
    with member_transaction(acme.hub, acme.admin) as conn:
        removed = company.remove_member(conn, "Ann", utcnow())
    assert removed.removed_at is not None
    with pytest.raises(HubUnreachable, match="not permitted to log in"), member_transaction(acme.hub, acme.ann):
        pass  # her login role is disabled at once
    with acme.hub.owner() as conn:  # and were it enabled again by mistake, the hub's RLS still refuses her
        login = conn.execute(
            "SELECT role_name FROM member_logins WHERE member_id = %s", [acme.ann.member_id]
        ).fetchone()
        assert login is not None
        conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(login["role_name"])))
    with member_transaction(acme.hub, acme.ann) as conn:
        for table in ("posts", "post_targets", "accounts", "members", "notifications"):
            count = conn.execute(sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table))).fetchone()
            assert count == {"n": 0}, table
        assert company.current_role(conn) is None
    with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.ann) as conn:
        conn.execute("INSERT INTO settings_kv (member_id, key, value) VALUES (%s, 'k', '1')", [acme.ann.member_id])


def test_the_last_admin_cannot_be_removed_or_demoted(acme: Company) -> None:
    with member_transaction(acme.hub, acme.admin) as conn:
        with pytest.raises(NotPermitted, match="last admin"):
            company.remove_member(conn, "Ada", utcnow())
        with pytest.raises(NotPermitted, match="last admin"):
            company.set_role(conn, "Ada", "editor")
        assert company.set_role(conn, "Eve", "admin").role == "admin"


# --- invites -------------------------------------------------------------------------------------


def test_invite_codes_are_stored_only_as_a_hash(acme: Company) -> None:
    with member_transaction(acme.hub, acme.admin) as conn:
        invite = company_invites.create_invite(conn, utcnow(), this_machine=True)
        row = conn.execute("SELECT code_hash FROM invites WHERE id = %s", [invite.id]).fetchone()
    assert row == {"code_hash": company_invites.code_hash(invite.code)}
    assert invite.code.replace("-", "") not in str(row)
    assert len(invite.code) == 14 and invite.role == "contributor"


def test_invites_expire_after_seven_days(acme: Company) -> None:
    with member_transaction(acme.hub, acme.admin) as conn:
        invite = company_invites.create_invite(conn, utcnow(), this_machine=True)
    assert timedelta(days=6, hours=23) < invite.expires_at - utcnow() <= timedelta(days=7)
    with acme.hub.owner() as conn:
        conn.execute("UPDATE invites SET expires_at = now() - interval '1 second' WHERE id = %s", [invite.id])
    with pytest.raises(InviteRejected, match="expired"):
        company_invites.redeem_invite(invite.hub, invite.code, display_name="Late", timezone="UTC")
    with member_transaction(acme.hub, acme.admin) as conn:
        assert [i.state for i in company_invites.list_invites(conn, utcnow()) if i.id == invite.id] == ["expired"]


def test_an_invite_is_single_use_and_case_and_dashes_do_not_matter(acme: Company) -> None:
    with member_transaction(acme.hub, acme.admin) as conn:
        invite = company_invites.create_invite(conn, utcnow(), this_machine=True)
    typed = invite.code.replace("-", " ").lower()
    company_invites.redeem_invite(invite.hub, typed, display_name="First", timezone="UTC")
    with pytest.raises(InviteRejected, match="already used"):
        company_invites.redeem_invite(invite.hub, invite.code, display_name="Second", timezone="UTC")


def test_a_revoked_invite_cannot_be_redeemed(acme: Company) -> None:
    with member_transaction(acme.hub, acme.admin) as conn:
        invite = company_invites.create_invite(conn, utcnow(), note="for Zoe", this_machine=True)
        revoked = company_invites.revoke_invite(conn, str(invite.id)[:8], utcnow())
    assert revoked.state == "revoked"
    with pytest.raises(InviteRejected, match="revoked"):
        company_invites.redeem_invite(invite.hub, invite.code, display_name="Zoe", timezone="UTC")


def test_ten_people_redeeming_one_code_at_once_exactly_one_joins_and_the_others_are_told_why(acme: Company) -> None:
    # more than the invite role's 5 connections: the ones turned away at the door hear about the code too
    with member_transaction(acme.hub, acme.admin) as conn:
        invite = company_invites.create_invite(conn, utcnow(), this_machine=True)
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def redeem(name: str) -> None:
        barrier.wait()
        try:
            company_invites.redeem_invite(invite.hub, invite.code, display_name=name, timezone="UTC")
            outcomes.append("joined")
        except InviteRejected:
            outcomes.append("refused")

    threads = [threading.Thread(target=redeem, args=(f"P{i}",)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["joined"] + ["refused"] * 9


def test_wrong_codes_are_rate_limited(acme: Company) -> None:
    with member_transaction(acme.hub, acme.admin) as conn:
        invite = company_invites.create_invite(conn, utcnow(), this_machine=True)
    with pytest.raises(InviteRejected, match="not valid"):  # by the hub, or by SCRAM where passwords are checked
        company_invites.redeem_invite(invite.hub, "AAAA-BBBB-CCCC", display_name="Guess", timezone="UTC")
    guess_codes(invite.hub, invite.code, [f"AAAA-BBBB-{i:04d}" for i in range(5)])
    with pytest.raises(InviteRateLimited):  # even the right code waits now
        company_invites.redeem_invite(invite.hub, invite.code, display_name="Real", timezone="UTC")


def test_only_admins_create_or_list_invites_and_the_hub_enforces_it(acme: Company) -> None:
    with member_transaction(acme.hub, acme.editor) as conn:
        with pytest.raises(NotPermitted):
            company_invites.create_invite(conn, utcnow(), this_machine=True)
        assert conn.execute("SELECT count(*) AS n FROM invites").fetchone() == {"n": 0}
    with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.editor) as conn:
        conn.execute("INSERT INTO invites (code_hash, expires_at) VALUES (repeat('a', 64), now() + interval '1 day')")


def test_a_personal_hub_refuses_invites(hub_env: HubEnv) -> None:
    # the hub says it is no invite; a server that checks passwords refuses the code as psn_app's password first
    with pytest.raises(InviteRejected, match=r"not an invite|not valid"):
        company_invites.redeem_invite(
            hub_env.hub.target.app_conninfo, "AAAA-BBBB-CCCC", display_name="X", timezone="UTC"
        )


# --- creating, joining, syncing ------------------------------------------------------------------


def test_create_join_and_sync_a_company_hub(hub_env: HubEnv, tmp_path: Path) -> None:
    slug = f"co-{uuid.uuid4().hex[:8]}"
    created = company.create_company(hub_env.settings, slug, admin_name="Ada", display_name="Acme Inc")
    try:
        admin_file = created.connection_file.read_text()
        assert "PSN_DATABASE_URL" in admin_file and created.connection_file.stat().st_mode & 0o777 == 0o600
        admin_conn = company.read_connection(hub_env.settings.workspace, slug)
        with CompanyHub(hub_env.settings, admin_conn) as admin_hub:
            with admin_hub.transaction() as conn:
                assert company.current_role(conn) == "admin"
                invite = company_invites.create_invite(conn, utcnow(), role="editor", this_machine=True)
                profile = hub_env.settings.workspace / "voices" / "brand_ambassador.yaml"
                profile.parent.mkdir(exist_ok=True)
                example = Path(__file__).parents[2] / "voices" / "brand_ambassador.example.yaml"
                profile.write_text(example.read_text())
                company_brand.set_brand_voice(conn, profile)
            admin_url = admin_conn.app_conninfo.get_secret_value()
            assert "psn_app" not in admin_url and hub_env.settings.app_password is not None
            assert hub_env.settings.app_password.get_secret_value() not in admin_url  # never the personal hub's
        other = make_settings(tmp_path / "member-ws", hub_env.server.conninfo("postgres"))
        joined = company_invites.join_company(other, slug, hub_url=invite.hub, code=invite.code, display_name="Eve")
        member_file = joined.connection_file.read_text()
        assert joined.role == "editor" and joined.name == "Acme Inc"
        assert "PSN_DATABASE_URL" not in member_file and "psn_app" not in member_file
        assert invite.code.replace("-", "") not in member_file and "PSN_MEMBER_KEY" not in member_file
        with CompanyHub.open(other, slug) as member_hub:
            with member_hub.transaction() as conn:
                assert company.current_role(conn) == "editor"
                me = conn.execute("SELECT current_user AS u").fetchone()
                assert me is not None and me["u"] == company.login_role_of(
                    member_hub.connection.app_conninfo.get_secret_value()
                )
                assert me["u"].endswith(str(joined.member_id).replace("-", ""))
            synced = company_brand.sync_brand_voice(member_hub, other.workspace)
        assert synced.name == f"brand-ambassador-{slug}.yaml"
        assert synced.read_text() == example.read_text()
    finally:
        hub_env.server.drop_database(created.database)


def test_an_unreachable_company_hub_fails_fast_with_a_clear_error(hub_env: HubEnv) -> None:
    settings = make_settings(hub_env.settings.workspace, hub_env.server.conninfo("postgres"), connect_timeout=2)
    dead = CompanyConnection(
        slug="gone", name="Gone", database="gone", app_conninfo="host=127.0.0.1 port=9 user=psn_app dbname=gone",  # type: ignore[arg-type]
        member_id=uuid.uuid4(), member_key="k",  # type: ignore[arg-type]
    )  # fmt: skip
    started = time.monotonic()
    with (
        CompanyHub(settings, dead) as hub,
        pytest.raises(HubUnreachable, match="company hub 'gone'"),
        hub.transaction(),
    ):
        pass
    assert time.monotonic() - started < 5


def test_connections_list_and_a_missing_company_is_a_clear_error(hub_env: HubEnv) -> None:
    assert company.list_connections(hub_env.settings.workspace) == []
    with pytest.raises(CompanyNotFound, match="no connection to a company called 'nope'"):
        CompanyHub.open(hub_env.settings, "nope")
    with connect(hub_env.hub.target.owner_conninfo, timeout=5, label="t") as conn:
        assert conn.execute("SELECT psn_hub_kind() AS k").fetchone() == {"k": "personal"}
