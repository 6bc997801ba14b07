"""The series migration probed as a hostile would, with raw SQL on their own connections. The admin's
series sits in a company hub with one published episode. A contributor, a member the admin removed, and
anyone holding only the hub's runtime password (an old invite's address) try to pause, retire, rename or
delete it, bump its episode count, forge or erase its episodes, move or unlink its posts, and create a
series in the admin's name. Every attempt must fail and leave the series, its episodes and its posts
exactly as they were."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from psn_core.errors import NotPermitted
from psn_core.services.company import members
from psn_core.services.series import store
from tests.integration.test_company_members import Company, _draft
from tests.support.hubs import HOSTILES, HubEnv, attacked_company, try_attack
from tests.support.series_world import make_series

pytestmark = pytest.mark.pg

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # fixed: the series names its own dates
Params = Callable[[uuid.UUID, uuid.UUID, uuid.UUID], list[Any]]  # (series, its post, the attacker)
ATTACKS: dict[str, tuple[str, Params]] = {
    "pause it": ("UPDATE series SET state = 'paused' WHERE id = %s", lambda s, p, me: [s]),
    "retire it": ("UPDATE series SET state = 'retired' WHERE id = %s", lambda s, p, me: [s]),
    "rename it": ("UPDATE series SET name = 'pwned', template = '{}' WHERE id = %s", lambda s, p, me: [s]),
    "bump its count": ("UPDATE series SET episodes_published = 99 WHERE id = %s", lambda s, p, me: [s]),
    "take it over": ("UPDATE series SET member_id = %s WHERE id = %s", lambda s, p, me: [me, s]),
    "delete it": ("DELETE FROM series WHERE id = %s", lambda s, p, me: [s]),
    "forge an episode": (
        "INSERT INTO series_episodes (series_id, episode_number, post_id, member_id, published_at)"
        " SELECT id, 99, %s, member_id, now() FROM series WHERE id = %s",
        lambda s, p, me: [p, s],
    ),
    "renumber an episode": ("UPDATE series_episodes SET episode_number = 7 WHERE series_id = %s", lambda s, p, me: [s]),
    "erase its episodes": ("DELETE FROM series_episodes WHERE series_id = %s", lambda s, p, me: [s]),
    "unlink its post": ("DELETE FROM series_posts WHERE series_id = %s", lambda s, p, me: [s]),
    "move its post": (
        "UPDATE series_posts SET occurrence_at = now(), member_id = %s WHERE series_id = %s",
        lambda s, p, me: [me, s],
    ),
    "create one in the admin's name": (
        "INSERT INTO series (member_id, name, slug, cadence, rrule, starts_on, time_of_day, timezone, platforms)"
        " SELECT member_id, 'Fake', 'fake', 'weekly', 'FREQ=WEEKLY', '2026-03-03', '09:00', 'UTC', '{x}'"
        " FROM series WHERE id = %s",
        lambda s, p, me: [s],
    ),
}


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    """The attacked company, with the admin's X account (the admin's posts and claims go on it)."""
    return attacked_company(hub_env, x_account=True)


@pytest.fixture
def series(acme: Company) -> tuple[uuid.UUID, uuid.UUID]:
    """The admin's series and its post, published: episode 1."""
    post = _draft(acme.hub, acme.admin, "episode one")
    with members.member_transaction(acme.hub, acme.admin) as conn:
        made = make_series(conn, acme.admin.member_id, NOW, name="Weekly wins")
        store.link_post(conn, made.id, post)
        conn.execute("UPDATE post_targets SET status = 'publishing' WHERE post_id = %s", [post])
        conn.execute("UPDATE post_targets SET status = 'published', published_at = now() WHERE post_id = %s", [post])
    return made.id, post


def _snapshot(acme: Company, series: uuid.UUID) -> tuple[Any, ...]:
    with acme.hub.owner() as conn:
        row = conn.execute(
            "SELECT name, state, template, member_id, episodes_published FROM series WHERE id = %s", [series]
        ).fetchone()
        episodes = conn.execute("SELECT * FROM series_episodes ORDER BY post_id").fetchall()
        links = conn.execute("SELECT * FROM series_posts ORDER BY post_id").fetchall()
        count = conn.execute("SELECT count(*) AS n FROM series").fetchone()
    return row, episodes, links, count


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_cannot_touch_the_admins_series(
    acme: Company, series: tuple[uuid.UUID, uuid.UUID], who: str, attack: str
) -> None:
    series_id, post = series
    before = _snapshot(acme, series_id)
    assert before[0] is not None and before[0]["episodes_published"] == 1 and len(before[1]) == 1
    statement, params = ATTACKS[attack]
    try_attack(
        acme, who, attack, statement, params(series_id, post, acme.ann.member_id), lambda: _snapshot(acme, series_id)
    )


def test_a_contributor_sees_the_series_and_may_make_an_episode_but_not_change_it(
    acme: Company, series: tuple[uuid.UUID, uuid.UUID]
) -> None:
    series_id, _ = series
    own = _draft(acme.hub, acme.ann, "Ann's episode")
    with members.member_transaction(acme.hub, acme.ann) as conn:
        assert [s.id for s in store.list_series(conn)] == [series_id]
        store.link_post(conn, series_id, own)
    with members.member_transaction(acme.hub, acme.ann) as conn, pytest.raises(NotPermitted, match="editor"):
        store.move(conn, series_id, "pause", NOW)
    with members.member_transaction(acme.hub, acme.editor) as conn:  # an editor may
        assert store.move(conn, series_id, "pause", NOW).state == "paused"
