"""Series in a company hub, each member on their own login role: every member sees the hub's series and
which episodes are taken, even by posts they cannot read; and in a personal hub nobody sees another
member's series or its posts' times."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from psn_core.services.company import approvals
from psn_core.services.company.hubs import CompanyHub, member_transaction
from psn_core.services.posting.posts import PartInput
from psn_core.services.posting.schedule_time import resolve
from psn_core.services.series import due_episodes, store
from psn_core.services.series.errors import SeriesNotFound
from tests.integration.test_company_members import Company, _connect_account, _draft, make_company
from tests.support.hubs import HubEnv, new_member
from tests.support.series_world import account, make_series, post

pytestmark = pytest.mark.pg

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # fixed: these tests name their own dates
WINDOW = {"start": datetime(2026, 3, 2, tzinfo=UTC), "end": datetime(2026, 3, 16, tzinfo=UTC)}
MADRID = ZoneInfo("Europe/Madrid")
FIRST = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Madrid


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    company = make_company(hub_env)
    _connect_account(company)
    return company


def test_a_contributor_sees_an_episode_taken_by_a_post_they_cannot_read(acme: Company) -> None:
    with member_transaction(acme.hub, acme.admin) as conn:
        series = make_series(conn, acme.admin.member_id, NOW)
    editors_post = _draft(acme.hub, acme.editor, "the editor's episode")
    with member_transaction(acme.hub, acme.editor) as conn:
        conn.execute(
            "UPDATE post_targets SET status = 'scheduled', due_at = %s WHERE post_id = %s", [FIRST, editors_post]
        )
        store.link_post(conn, series.id, editors_post)
    with member_transaction(acme.hub, acme.ann) as conn:
        assert conn.execute("SELECT count(*) AS n FROM posts WHERE id = %s", [editors_post]).fetchone() == {"n": 0}
        due = due_episodes(conn, **WINDOW, zone=MADRID)
    assert [(e.due_at, e.already_scheduled, e.episode_number) for e in due] == [
        (FIRST, True, 1),
        (datetime(2026, 3, 10, 8, 0, tzinfo=UTC), False, 2),
    ]


def test_in_a_personal_hub_nobody_sees_another_members_series_or_its_posts(hub_env: HubEnv) -> None:
    ana, bo = new_member(hub_env.hub, "Ana"), new_member(hub_env.hub, "Bo")
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW)
        made, _ = post(conn, ana, account(conn, ana), due=FIRST)
        store.link_post(conn, series.id, made)
    with hub_env.hub.transaction(bo) as conn:
        assert store.list_series(conn, states=["active", "paused", "retired"]) == []
        assert due_episodes(conn, **WINDOW, zone=MADRID) == []
        times = conn.execute("SELECT * FROM psn_series_post_times(%s)", [[series.id]]).fetchall()
        links = conn.execute("SELECT count(*) AS n FROM series_posts").fetchone()
        changed = conn.execute("UPDATE series SET state = 'paused' WHERE id = %s", [series.id]).rowcount
    assert (times, links, changed) == ([], {"n": 0}, 0)
    with hub_env.hub.transaction(ana) as conn:
        assert store.get_series(conn, series.id).state == "active"
        assert len(conn.execute("SELECT * FROM psn_series_post_times(%s)", [[series.id]]).fetchall()) == 1


def test_a_company_post_for_a_series_is_that_occurrences_episode(acme: Company, tmp_path: Path) -> None:
    with member_transaction(acme.hub, acme.admin) as conn:
        series = make_series(conn, acme.admin.member_id, NOW, pillar="ai")
    hub = CompanyHub(acme.env.settings, acme.connection_as(acme.editor))
    try:
        done = approvals.post_for_company(
            hub,
            ["x"],
            [PartInput(text="Tool #1: psql.")],
            resolve(FIRST, "UTC", NOW),
            lambda member, target, when: "run-1",
            media_dir=tmp_path / "media",
            media_host=None,
            series=series.slug,
            occurrence_at=FIRST,
        )
        with pytest.raises(SeriesNotFound):  # a wrong series changes nothing
            approvals.post_for_company(
                hub,
                ["x"],
                [PartInput(text="x")],
                resolve(FIRST, "UTC", NOW),
                lambda *_: "run-2",
                media_dir=tmp_path / "media",
                media_host=None,
                series="no-such-series",
            )
    finally:
        hub.close()
    with member_transaction(acme.hub, acme.editor) as conn:
        link = conn.execute("SELECT series_id, occurrence_at FROM series_posts WHERE post_id = %s", [done.post.id])
        assert link.fetchone() == {"series_id": series.id, "occurrence_at": FIRST}
        topic = conn.execute("SELECT pillar FROM post_topics WHERE post_id = %s", [done.post.id]).fetchone()
        assert topic == {"pillar": "ai"}
        assert conn.execute("SELECT count(*) AS n FROM posts").fetchone() == {"n": 1}


def test_a_slug_two_members_use_is_ambiguous_and_changes_nothing(acme: Company) -> None:
    with member_transaction(acme.hub, acme.admin) as conn:
        admins = make_series(conn, acme.admin.member_id, NOW, name="Tips")
    with member_transaction(acme.hub, acme.editor) as conn:
        editors = make_series(conn, acme.editor.member_id, NOW, name="Tips")
    with member_transaction(acme.hub, acme.editor) as conn:
        with pytest.raises(SeriesNotFound) as refused:
            store.get_series(conn, "tips")
        assert store.get_series(conn, str(editors.id)[:8]).id == editors.id  # an id prefix names one
    assert str(admins.id)[:8] in str(refused.value) and str(editors.id)[:8] in str(refused.value)
    with member_transaction(acme.hub, acme.admin) as conn:
        assert store.get_series(conn, admins.id).state == "active"
