"""Attack M3 (issue 15): the worker's queue tables of a company hub, probed as a hostile member would.

The admin's worker queue (``psn-<admin id>``) holds a publish. A contributor, a member the admin removed,
and anyone holding only the hub's runtime password (an old invite's address) try to read it, to put a
task in it, and to delete its entries, with raw SQL on their own connections. Every attempt must fail,
while the admin's own worker still sees its entries.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import sql

from psn_core.queue import Producer, open_queue, queue_name
from psn_core.services.company import members
from psn_core.services.company.hubs import CompanyHub
from tests.integration.test_company_members import Company
from tests.support.hubs import HOSTILES, hostile_sessions, refused_at_the_door

pytestmark = pytest.mark.pg

QUEUE_TABLES = ("huey_task", "huey_schedule", "huey_kv", "huey_counter")


def _admin_queue(attacked_acme: Company) -> str:
    return queue_name(attacked_acme.admin.member_id)


@pytest.fixture
def queued(attacked_acme: Company) -> Iterator[None]:
    """The admin's own producer queues a publish (and a counter and a key) in the admin's queue."""
    admin = CompanyHub(attacked_acme.env.settings, attacked_acme.connection_as(attacked_acme.admin))
    with Producer.for_company_hub(attacked_acme.env.settings, admin) as producer:
        producer.enqueue_publish(attacked_acme.admin.member_id, uuid.uuid4(), datetime.now(UTC) + timedelta(hours=1))
    with attacked_acme.hub.owner() as conn:  # what huey keeps beside tasks (schedule, counters, results)
        q = _admin_queue(attacked_acme)
        conn.execute("INSERT INTO huey_schedule (queue, data, timestamp) VALUES (%s, 'x', 1)", [q])
        conn.execute("INSERT INTO huey_counter (queue, key, value) VALUES (%s, 'k', 1)", [q])
        conn.execute("INSERT INTO huey_kv (queue, key, value) VALUES (%s, 'k', 'v')", [q])
    yield
    admin.close()


def _owner_count(attacked_acme: Company, table: str) -> int:
    with attacked_acme.hub.owner() as conn:
        query = sql.SQL("SELECT count(*) AS n FROM {} WHERE queue = %s").format(sql.Identifier(table))
        row = conn.execute(query, [_admin_queue(attacked_acme)]).fetchone()
    assert row is not None
    return int(row["n"])


@pytest.mark.parametrize("who", HOSTILES)
@pytest.mark.usefixtures("queued")
def test_a_hostile_member_reads_nothing_of_the_admins_queue(attacked_acme: Company, who: str) -> None:
    if who != "contributor":
        assert refused_at_the_door(hostile_sessions(attacked_acme.hub, attacked_acme.ann, attacked_acme.bob)[who]), (
            f"{who} got in"
        )
        return
    with hostile_sessions(attacked_acme.hub, attacked_acme.ann, attacked_acme.bob)[who]() as conn:
        for table in QUEUE_TABLES:
            rows = conn.execute(sql.SQL("SELECT queue FROM {}").format(sql.Identifier(table))).fetchall()
            assert rows == [], f"{who} read {table}"
        assert conn.execute("SELECT count(*) AS n FROM huey_task WHERE queue LIKE 'psn%'").fetchone() == {"n": 0}


@pytest.mark.parametrize("who", HOSTILES)
@pytest.mark.usefixtures("queued")
def test_a_hostile_member_cannot_put_a_task_in_the_admins_queue(attacked_acme: Company, who: str) -> None:
    if who != "contributor":
        assert refused_at_the_door(hostile_sessions(attacked_acme.hub, attacked_acme.ann, attacked_acme.bob)[who]), (
            f"{who} got in"
        )
        return
    task = json.dumps({"__message__": {"id": "x", "name": "psn_core.worker.app.publish_target"}}).encode()
    for table, insert in (
        ("huey_task", "INSERT INTO huey_task (queue, data, priority) VALUES (%s, %s, 0)"),
        ("huey_schedule", "INSERT INTO huey_schedule (queue, data, timestamp) VALUES (%s, %s, 0)"),
        ("huey_kv", "INSERT INTO huey_kv (queue, key, value) VALUES (%s, 'planted', %s)"),
    ):
        before = _owner_count(attacked_acme, table)
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege),
            hostile_sessions(attacked_acme.hub, attacked_acme.ann, attacked_acme.bob)[who]() as conn,
        ):
            conn.execute(insert, [_admin_queue(attacked_acme), task])
        assert _owner_count(attacked_acme, table) == before, f"{who} wrote into {table}"


@pytest.mark.parametrize("who", HOSTILES)
@pytest.mark.usefixtures("queued")
def test_a_hostile_member_cannot_delete_or_change_the_admins_entries(attacked_acme: Company, who: str) -> None:
    if who != "contributor":
        assert refused_at_the_door(hostile_sessions(attacked_acme.hub, attacked_acme.ann, attacked_acme.bob)[who]), (
            f"{who} got in"
        )
        return
    before = {table: _owner_count(attacked_acme, table) for table in QUEUE_TABLES}
    assert all(before.values())
    with hostile_sessions(attacked_acme.hub, attacked_acme.ann, attacked_acme.bob)[who]() as conn:
        for table in QUEUE_TABLES:
            deleted = conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table))).rowcount
            assert deleted == 0, f"{who} deleted from {table}"
        assert conn.execute("UPDATE huey_task SET priority = -1").rowcount == 0
        assert conn.execute("UPDATE huey_counter SET value = 0").rowcount == 0
    assert {table: _owner_count(attacked_acme, table) for table in QUEUE_TABLES} == before


@pytest.mark.usefixtures("queued")
def test_an_editor_cannot_touch_the_admins_queue_either_but_the_admins_worker_reads_it(attacked_acme: Company) -> None:
    with members.member_transaction(attacked_acme.hub, attacked_acme.editor) as conn:
        assert conn.execute("SELECT count(*) AS n FROM huey_task").fetchone() == {"n": 0}
        assert conn.execute("DELETE FROM huey_schedule").rowcount == 0
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        members.member_transaction(attacked_acme.hub, attacked_acme.editor) as conn,
    ):
        conn.execute("INSERT INTO huey_task (queue, data) VALUES (%s, 'x')", [_admin_queue(attacked_acme)])
    admin = CompanyHub(attacked_acme.env.settings, attacked_acme.connection_as(attacked_acme.admin))
    huey = open_queue(attacked_acme.env.settings, admin.hub, _admin_queue(attacked_acme), attacked_acme.admin.member_id)
    try:
        assert huey.storage.queue_size() == 1 and huey.storage.schedule_size() == 1
    finally:
        huey.storage.close()
        admin.close()
