"""Series on a real hub: the states enforced by Postgres (every allowed and forbidden move, also as raw
SQL), bad input refused with nothing saved, and an episode counted exactly once when a post of the series
is published: several targets, retries, 20 concurrent publishes of one episode (+1), and 20 posts of one
series published at once (+20, numbered 1 to 20 without a gap or a repeat)."""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import UTC, date, datetime

import psycopg
import pytest

from psn_core.hub.database import act_for_member
from psn_core.services.series import store
from psn_core.services.series.errors import SeriesInputInvalid, SeriesNotFound, SeriesTransitionRefused
from psn_core.services.series.models import STATES, TRANSITIONS
from tests.support.hubs import HubEnv, new_member
from tests.support.series_world import account, make_series, post, publish

pytestmark = pytest.mark.pg

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # fixed: these tests name their own dates
AT = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
PATH = {"active": [], "paused": ["paused"], "retired": ["retired"]}


@pytest.fixture
def ana(hub_env: HubEnv) -> uuid.UUID:
    return new_member(hub_env.hub, "Ana")


def _count(env: HubEnv, member: uuid.UUID, series: uuid.UUID) -> tuple[int, list[int]]:
    with env.hub.transaction(member) as conn:
        row = conn.execute("SELECT episodes_published AS n FROM series WHERE id = %s", [series]).fetchone()
        numbers = conn.execute(
            "SELECT episode_number AS e FROM series_episodes WHERE series_id = %s ORDER BY 1", [series]
        ).fetchall()
    assert row is not None
    return row["n"], [r["e"] for r in numbers]


@pytest.mark.parametrize(("from_state", "to_state"), sorted(TRANSITIONS))
def test_every_allowed_move_works_from_raw_sql(hub_env: HubEnv, ana: uuid.UUID, from_state: str, to_state: str) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW)
        for step in PATH[from_state]:
            conn.execute("UPDATE series SET state = %s WHERE id = %s", [step, series.id])
        conn.execute("UPDATE series SET state = %s WHERE id = %s", [to_state, series.id])
        assert store.get_series(conn, series.id).state == to_state


FORBIDDEN = sorted((a, b) for a, b in itertools.product(STATES, STATES) if a != b and (a, b) not in TRANSITIONS)


@pytest.mark.parametrize(("from_state", "to_state"), FORBIDDEN)
def test_every_forbidden_move_raises_even_from_raw_sql(
    hub_env: HubEnv, ana: uuid.UUID, from_state: str, to_state: str
) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW)
        for step in PATH[from_state]:
            conn.execute("UPDATE series SET state = %s WHERE id = %s", [step, series.id])
    with pytest.raises(psycopg.errors.CheckViolation), hub_env.hub.transaction(ana) as conn:
        conn.execute("UPDATE series SET state = %s WHERE id = %s", [to_state, series.id])
    with hub_env.hub.transaction(ana) as conn:
        assert store.get_series(conn, series.id).state == from_state
        if from_state == "retired":
            with pytest.raises(SeriesTransitionRefused, match="retired"):
                store.move(conn, series.id, "resume", NOW)


def test_pause_resume_retire_through_the_service(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW)
        assert store.move(conn, series.slug, "pause", NOW).state == "paused"
        with pytest.raises(SeriesTransitionRefused, match="paused"):
            store.move(conn, series.slug, "pause", NOW)
        assert store.move(conn, series.slug, "resume", NOW).state == "active"
        retired = store.move(conn, series.slug, "retire", AT)  # psn's clock is when it happened
        assert (retired.state, retired.state_changed_at) == ("retired", AT)
        assert [s.id for s in store.list_series(conn)] == []
        assert [s.id for s in store.list_series(conn, states=["retired"])] == [series.id]
        with pytest.raises(SeriesTransitionRefused, match="retired"):  # no new episodes of a retired series
            store.link_post(conn, series.id, post(conn, ana, account(conn, ana))[0])
    with pytest.raises(psycopg.errors.CheckViolation), hub_env.hub.transaction(ana) as conn:
        conn.execute("UPDATE series SET name = 'renamed' WHERE id = %s", [series.id])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cadence": "rrule", "rrule": "FREQ=WEEKLY;UNTIL=20250101T000000Z"}, "never fires"),
        ({"cadence": "rrule", "rrule": "FREQ=DAILY;COUNT=0"}, "never fires"),
        ({"cadence": "rrule", "rrule": "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2"}, "never fires"),
        ({"zone": "Mars/Olympus"}, "time zone"),
        ({"label_pattern": "Ep {number}"}, "names"),
        ({"label_pattern": "S{season}E{episode}"}, "season length"),
        ({"platforms": ("x", "myspace")}, "platforms"),
        ({"format": "list"}, "not a post format psn knows.*thread"),
        ({"format": "Thread!"}, "not a post format psn knows"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(
    hub_env: HubEnv, ana: uuid.UUID, changes: dict[str, object], message: str
) -> None:
    with hub_env.hub.transaction(ana) as conn:
        with pytest.raises(SeriesInputInvalid, match=message):
            make_series(conn, ana, NOW, **changes)  # type: ignore[arg-type]
        assert conn.execute("SELECT count(*) AS n FROM series").fetchone() == {"n": 0}


def test_an_unknown_pillar_and_a_second_series_of_the_same_slug_are_refused(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        spec = store.SeriesSpec(
            name="Tips", starts_on=date(2026, 3, 3), time_of_day="09:00", timezone="UTC", platforms=["x"], pillar="ai"
        )
        with pytest.raises(SeriesInputInvalid, match="not one of your strategy's pillars"):
            store.create_series(conn, ana, spec, NOW, pillars={"growth", "craft"})
        assert store.create_series(conn, ana, spec, NOW, pillars={"ai"}).pillar == "ai"
        with pytest.raises(SeriesInputInvalid, match="already have a series 'tips'"):
            store.create_series(conn, ana, spec, NOW, pillars=None)
        with pytest.raises(SeriesNotFound):
            store.get_series(conn, "nope")


def test_the_episode_count_and_state_times_cannot_be_forged(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW)
        acc = account(conn, ana)
        made, _ = post(conn, ana, acc, due=AT)
    for statement, params in (
        ("UPDATE series SET episodes_published = 5 WHERE id = %s", [series.id]),
        ("UPDATE series SET member_id = gen_random_uuid() WHERE id = %s", [series.id]),
        (
            "INSERT INTO series_episodes (series_id, episode_number, post_id, member_id, published_at)"
            " VALUES (%s, 1, %s, %s, now())",
            [series.id, made, ana],
        ),
        ("DELETE FROM series WHERE id = %s", [series.id]),
        (
            "INSERT INTO series (member_id, name, slug, cadence, rrule, starts_on, time_of_day, timezone,"
            " platforms, episodes_published)"
            " VALUES (%s, 'x', 'x', 'weekly', 'FREQ=WEEKLY', '2026-03-03', '09:00', 'UTC', '{x}', 9)",
            [ana],
        ),
    ):
        refused = (psycopg.errors.InsufficientPrivilege, psycopg.errors.CheckViolation)
        with pytest.raises(refused), hub_env.hub.transaction(ana) as conn:
            conn.execute(statement, params)
    assert _count(hub_env, ana, series.id) == (0, [])


def test_a_post_of_a_series_is_counted_once_whatever_its_targets_and_retries(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW, first_episode=7)
        made, targets = post(conn, ana, account(conn, ana), targets=3, due=AT)
        store.link_post(conn, series.id, made)
        store.link_post(conn, series.id, made)  # linking twice changes nothing
    for target in [*targets, targets[0], targets[1]]:  # three targets, then two repeated publishes
        with hub_env.hub.transaction(ana) as conn:
            publish(conn, target, AT)
    assert _count(hub_env, ana, series.id) == (1, [7])
    with hub_env.hub.transaction(ana) as conn:
        again = store.get_series(conn, series.id)
    assert (again.episodes_published, again.next_episode, again.next_label) == (1, 8, "#8")


def test_a_post_without_a_series_changes_no_series(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW)
        _, targets = post(conn, ana, account(conn, ana), due=AT)
        publish(conn, targets[0], AT)
    assert _count(hub_env, ana, series.id) == (0, [])


def _concurrently(env: HubEnv, member: uuid.UUID, targets: list[uuid.UUID]) -> list[BaseException]:
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target: uuid.UUID) -> None:
        try:
            with env.hub.app() as conn, conn.transaction():  # a connection each, outside the pool
                act_for_member(conn, member, None, local=True)
                barrier.wait(timeout=30)
                conn.execute(
                    "UPDATE post_targets SET status = 'published', published_at = %s WHERE id = %s", [AT, target]
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_twenty_concurrent_publishes_of_one_episode_count_it_once(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW)
        made, targets = post(conn, ana, account(conn, ana), targets=20, due=AT)
        store.link_post(conn, series.id, made)
    assert _concurrently(hub_env, ana, targets) == []
    with hub_env.hub.transaction(ana) as conn:
        published = conn.execute("SELECT count(*) AS n FROM post_targets WHERE status = 'published'").fetchone()
    assert published == {"n": 20}
    assert _count(hub_env, ana, series.id) == (1, [1])


def test_twenty_posts_of_one_series_published_at_once_are_episodes_one_to_twenty(
    hub_env: HubEnv, ana: uuid.UUID
) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW)
        acc = account(conn, ana)
        targets = []
        for _ in range(20):
            made, made_targets = post(conn, ana, acc, due=AT)
            store.link_post(conn, series.id, made)
            targets += made_targets
    assert _concurrently(hub_env, ana, targets) == []
    assert _count(hub_env, ana, series.id) == (20, list(range(1, 21)))


def test_a_post_linked_after_it_was_published_counts_then_and_once(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW)
        made, targets = post(conn, ana, account(conn, ana), targets=2, due=AT)
        publish(conn, targets[0], AT)
        store.link_post(conn, series.id, made)
        store.link_post(conn, series.id, made)
        publish(conn, targets[1], AT)
    assert _count(hub_env, ana, series.id) == (1, [1])
