"""Enqueueing needs no worker: what the producer queues is a message the worker's registered task runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from psn_core.queue import HEADSTART, PUBLISH_TASK, SWEEP_TASK, JsonSerializer, Producer, queue_name
from psn_core.services.posting.posts import NOT_QUEUED
from psn_core.worker.app import Worker
from tests.support.hubs import HubEnv, new_member

pytestmark = pytest.mark.pg


def _queued(env: HubEnv) -> list[tuple[str, bytes]]:
    with env.hub.owner() as conn:
        rows = conn.execute("SELECT queue, data FROM huey_task ORDER BY id").fetchall()
    return [(r["queue"], bytes(r["data"])) for r in rows]


def test_a_queued_publish_runs_as_the_workers_publish_task(hub_env: HubEnv) -> None:
    member, target = new_member(hub_env.hub), uuid4()
    settings = hub_env.settings.model_copy(update={"member_id": member})
    eta = datetime(2030, 1, 2, 9, 30, tzinfo=UTC)
    with Producer(settings, hub_env.hub) as producer:
        run_id = producer.enqueue_publish(member, target, eta)

    [(queue, data)] = _queued(hub_env)
    consumer = Worker(settings, hub=hub_env.hub)
    task = consumer.huey.deserialize_task(data)
    assert queue == queue_name(None) == consumer.queue_name
    # the wire name every psn version has used: rows queued before an upgrade still run after it
    assert JsonSerializer().deserialize(data).name == "psn_core.worker.app.publish_target"
    assert type(task) is consumer.tasks[PUBLISH_TASK].task_class
    assert (task.id, task.args, task.kwargs) == (run_id, (str(member), str(target)), {})
    assert task.eta == (eta - HEADSTART).replace(tzinfo=None) and task.retries == 0


def test_a_requested_sweep_runs_as_the_workers_sweep_task(hub_env: HubEnv) -> None:
    member = new_member(hub_env.hub)
    settings = hub_env.settings.model_copy(update={"member_id": member})
    with Producer(settings, hub_env.hub) as producer:
        run_id = producer.enqueue_sweep(member, force=True)

    [(queue, data)] = _queued(hub_env)
    consumer = Worker(settings, hub=hub_env.hub)
    task = consumer.huey.deserialize_task(data)
    assert queue == consumer.queue_name
    assert type(task) is consumer.tasks[SWEEP_TASK].task_class
    assert (task.id, task.args) == (run_id, (True,))


def test_a_company_producer_queues_only_into_its_own_members_queue(hub_env: HubEnv) -> None:
    """Another member's publish is left to that member's worker (its watchdog queues it): nobody writes
    into someone else's queue."""
    author, owner = new_member(hub_env.hub), new_member(hub_env.hub)
    settings = hub_env.settings.model_copy(update={"member_id": author})
    with Producer(settings, hub_env.hub, per_member_queue=True) as producer:
        assert producer.enqueue_publish(owner, uuid4(), datetime.now(UTC) + timedelta(hours=1)) == NOT_QUEUED
        assert producer.enqueue_publish(author, uuid4(), datetime.now(UTC) + timedelta(hours=1)) != NOT_QUEUED
    assert [queue for queue, _data in _queued(hub_env)] == [queue_name(author)]
