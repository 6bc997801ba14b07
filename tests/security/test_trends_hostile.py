"""The trends tables probed as a hostile would, with raw SQL on their own connections. The admin of a
company hub has a trend and a source's fetch state there. A contributor, a member the admin removed, and
anyone holding only the hub's runtime password (an old invite's address) try to read them, rewrite or
delete them, clear the once-only announcement (to have it raised again), point the admin's source
elsewhere, and slip a trend into the admin's intake. Every attempt must fail: nothing read, and the
admin's rows exactly as they were."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from psn_core.services.company import members
from psn_core.services.trends import store
from tests.integration.test_company_members import Company
from tests.support.clock import start_instant
from tests.support.hubs import HOSTILES, hostile_or_refused, try_attack

pytestmark = pytest.mark.pg

ATTACKS: dict[str, tuple[str, Callable[[uuid.UUID, uuid.UUID], list[Any]]]] = {
    "rewrite its title": ("UPDATE trends SET title = 'pwned' WHERE id = %s", lambda trend, admin: [trend]),
    "clear its announcement": ("UPDATE trends SET notified_at = NULL WHERE id = %s", lambda trend, admin: [trend]),
    "take it over": (
        "UPDATE trends SET member_id = psn_current_member() WHERE id = %s",
        lambda trend, admin: [trend],
    ),
    "delete it": ("DELETE FROM trends WHERE id = %s", lambda trend, admin: [trend]),
    "slip a trend into the admin's intake": (
        "INSERT INTO trends (member_id, url, title, source, kind, first_seen_at, last_seen_at, score)"
        " VALUES (%s, 'https://evil.example/x', 'Click me', 'feed:x', 'feed', now(), now(), 1)",
        lambda trend, admin: [admin],
    ),
    "point the admin's source elsewhere": (
        "UPDATE trend_sources SET url = 'https://evil.example/feed', etag = 'x' WHERE member_id = %s",
        lambda trend, admin: [admin],
    ),
    "erase the admin's source state": ("DELETE FROM trend_sources WHERE member_id = %s", lambda trend, admin: [admin]),
    "forge a source state for the admin": (
        "INSERT INTO trend_sources (member_id, source, kind, url) VALUES (%s, 'feed:evil', 'feed', 'https://e.x')",
        lambda trend, admin: [admin],
    ),
}


@pytest.fixture
def trend(attacked_acme: Company) -> uuid.UUID:
    """The admin's announced trend and their feed's fetch state, written as the admin."""
    t0 = start_instant()
    with members.member_transaction(attacked_acme.hub, attacked_acme.admin) as conn:
        made = conn.execute(
            "INSERT INTO trends (url, title, source, kind, score, first_seen_at, last_seen_at, notified_at)"
            " VALUES ('https://example.com/a', 'Rye is back', 'feed:https://example.com/rss', 'feed', 0.9, %s, %s, %s)"
            " RETURNING id",
            [t0, t0, t0],
        ).fetchone()
        conn.execute(
            "INSERT INTO trend_sources (source, kind, url, etag) VALUES ('feed:https://example.com/rss', 'feed',"
            " 'https://example.com/rss', '\"v1\"')"
        )
        assert made is not None and [t.title for t in store.list_trends(conn, now=t0)] == ["Rye is back"]
    return made["id"]  # type: ignore[no-any-return]


def _snapshot(attacked_acme: Company) -> tuple[list[Any], list[Any]]:
    with attacked_acme.hub.owner() as conn:
        trends = conn.execute("SELECT id, member_id, url, title, notified_at, score FROM trends ORDER BY id").fetchall()
        sources = conn.execute("SELECT member_id, source, url, etag FROM trend_sources ORDER BY source").fetchall()
    return trends, sources


@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_cannot_read_the_admins_trends(attacked_acme: Company, trend: uuid.UUID, who: str) -> None:
    hostile = hostile_or_refused(attacked_acme, who)
    if hostile is None:
        return
    with hostile() as conn:
        seen = conn.execute("SELECT title FROM trends").fetchall()
        states = conn.execute("SELECT url FROM trend_sources").fetchall()
        assert store.list_trends(conn, now=start_instant()) == []
    assert seen == [] and states == [], f"{who} read the admin's trends"


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_cannot_touch_the_admins_trends(
    attacked_acme: Company, trend: uuid.UUID, who: str, attack: str
) -> None:
    before = _snapshot(attacked_acme)
    assert len(before[0]) == 1 and len(before[1]) == 1
    statement, params = ATTACKS[attack]
    try_attack(
        attacked_acme,
        who,
        attack,
        statement,
        params(trend, attacked_acme.admin.member_id),
        lambda: _snapshot(attacked_acme),
    )
