"""The producer side of the worker's queue: which queue a task goes to, how it is stored, and enqueueing.

Enqueueing needs no worker: :class:`Producer` puts a message on a hub's queue that the consumer
(``psn worker``) runs, because both sides register psn's tasks through :func:`task` here: the same
name, the same queue, the same JSON.

A personal hub has one queue (``psn``). A company hub has one queue per member (``psn-<member id>``),
because a publish can only run on the machine holding the key that decrypts the tokens of the member who
connected the account: an editor's approval queues the publish in the account owner's queue, and only the
owner's worker consumes it. The queue lives in the hub's Postgres (PostgresHuey), or in Redis when
PSN_QUEUE_URL names one (personal hubs of large deployments).

Each queue's rows are readable and writable only by the member who owns it (row-level security, migration
0013): huey's connections say which member they act for. Nobody queues into another member's queue: when
an editor approves (or schedules) a post on an account another member connected, :meth:`Producer.enqueue_publish`
queues nothing and answers :data:`~psn_core.services.posting.posts.NOT_QUEUED`; the target stays scheduled
with no queue entry, and the owner's worker queues it itself (its watchdog, every minute).

Queue rows are JSON of a closed set of types, never pickle. huey stores tasks with pickle by default, and
unpickling runs code; psn's tasks only carry strings and times, so the queue holds JSON instead, and a row
can at worst name a target, which the publisher checks under the consumer's own row-level security (and
only ever publishes a due, scheduled target once).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
from huey import Huey, PostgresHuey, RedisHuey
from huey.registry import Message
from huey.serializer import Serializer

from psn_core.config import Settings
from psn_core.errors import InvalidSetting, UnsafeRuntimeRole
from psn_core.hub.database import Hub, act_for_member
from psn_core.services.company.hubs import CompanyHub, company_settings
from psn_core.services.posting.posts import NOT_QUEUED, Enqueue

QUEUE = "psn"
# huey's scheduler looks at its schedule once a second: a publish is handed over a little early and the
# publisher waits out the rest (it never publishes before the due time).
HEADSTART = timedelta(seconds=1.5)

# huey files a task under "<module of its function>.<task name>" and runs a queued row only if its consumer
# registered that exact string. Every psn task is filed under the worker's module, where the tasks have
# always been defined, whoever registers it: a producer's rows run on the consumer, and rows queued before
# an upgrade still run after it.
TASK_MODULE = "psn_core.worker.app"
PUBLISH_TASK = "publish_target"
SWEEP_TASK = "analytics_sweep_now"
REPLY_TASK = "send_reply"

_FIELDS = frozenset(Message._fields)


class QueueDataRejected(ValueError):
    """A queue row that is not psn's JSON (huey logs it and drops the row; the watchdog re-queues)."""


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Message):
        return {"__message__": {k: _encode(v) for k, v in value._asdict().items()}}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: _encode(v) for k, v in value.items()}}
    raise TypeError(f"psn's queue carries only strings, numbers, times and tuples, not {type(value).__name__}")


def _decode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "__datetime__" and isinstance(inner, str):
            return datetime.fromisoformat(inner)
        if tag == "__tuple__" and isinstance(inner, list):
            return tuple(_decode(v) for v in inner)
        if tag == "__dict__" and isinstance(inner, dict):
            return {str(k): _decode(v) for k, v in inner.items()}
        if tag == "__message__" and isinstance(inner, dict) and set(inner) <= _FIELDS:
            return Message(**{k: _decode(v) for k, v in inner.items()})
    raise QueueDataRejected("a queue row is not psn's JSON format")


class JsonSerializer(Serializer):  # type: ignore[misc]
    """huey's Serializer with JSON in place of pickle."""

    def _serialize(self, data: Any) -> bytes:
        return json.dumps(_encode(data), separators=(",", ":")).encode("utf-8")

    def _deserialize(self, data: bytes) -> Any:
        try:
            decoded = json.loads(bytes(data).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise QueueDataRejected("a queue row is not JSON") from exc
        return _decode(decoded)


# --- queues and tasks ----------------------------------------------------------------------------------


def queue_name(member_id: UUID | None) -> str:
    """A personal hub's one queue (``psn``), or a company hub member's own queue (``psn-<member id>``)."""
    return QUEUE if member_id is None else f"{QUEUE}-{member_id}"


def open_queue(settings: Settings, hub: Hub, name: str, member_id: UUID | None) -> Huey:
    """The huey app of queue ``name``: in the hub's Postgres by default; in Redis when PSN_QUEUE_URL names one.

    Its Postgres connections act for ``member_id`` (the queue's owner): the hub shows and accepts the rows
    of that member's own queue only.

    Raises:
        InvalidSetting: PSN_QUEUE_URL is not a Redis URL, or the redis client is not installed.
    """
    url = settings.queue_url.get_secret_value().strip() if settings.queue_url else ""
    common: dict[str, Any] = {"results": False, "utc": True, "immediate": False, "serializer": JsonSerializer()}
    if not url:
        return PostgresHuey(name, connection=lambda: _connect(settings, hub, member_id), create_tables=False, **common)
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise InvalidSetting(
            "PSN_QUEUE_URL must be a Redis URL (redis://, rediss:// or unix://).",
            "Leave it empty to keep the queue in the hub's Postgres.",
        )
    try:
        import redis  # noqa: F401 - only needed for this option
    except ImportError as exc:
        raise InvalidSetting(
            "PSN_QUEUE_URL names Redis but the redis client is not installed.", "Run `pip install psn[redis]`."
        ) from exc
    return RedisHuey(name, url=url, **common)


def _connect(settings: Settings, hub: Hub, member_id: UUID | None) -> psycopg.Connection[Any]:
    """huey's own connections: the hub's runtime role (psn_app; in a company hub the member's own login
    role), checked the same way as every runtime connection, acting for the queue's owner for the whole
    session (huey runs its statements in autocommit)."""
    conn = psycopg.connect(hub.target.app_conninfo, connect_timeout=settings.connect_timeout, autocommit=True)
    row = conn.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    name, superuser, bypass = row.fetchone() or ("?", True, True)
    if superuser or bypass or name != hub.target.app_role:
        conn.close()
        raise UnsafeRuntimeRole(f"The worker's queue connection runs as {name!r}, not a plain {hub.target.app_role}.")
    if member_id is not None:
        act_for_member(conn, member_id, hub.member_key, local=False)
    return conn


def task(huey: Huey, name: str, body: Callable[..., object]) -> Any:
    """Register ``body`` on ``huey`` as psn's task ``name``, filed under :data:`TASK_MODULE`.

    retries=0: a publish is never retried blindly by the queue; the publisher reschedules itself.
    """
    return huey.task(name=name, retries=0)(_filed(name, body))


def periodic_task(huey: Huey, name: str, schedule: Callable[..., bool], body: Callable[[], object]) -> Any:
    """Register ``body`` on ``huey`` as psn's periodic task ``name`` (the consumer's scheduler queues it)."""
    return huey.periodic_task(schedule, name=name)(_filed(name, body))


def _filed(name: str, body: Callable[..., object]) -> Callable[..., object]:
    def run(*args: Any) -> object:
        return body(*args)

    run.__module__, run.__name__, run.__qualname__, run.__doc__ = TASK_MODULE, name, name, body.__doc__
    return run


def _runs_in_the_worker(*_args: Any) -> None:
    raise RuntimeError("psn's tasks run in `psn worker`, never where they are queued.")


# --- producing ------------------------------------------------------------------------------------------


class Producer:
    """Puts psn's tasks on one hub's queues; runs nothing (``psn worker`` does).

    With ``per_member_queue`` (company hubs) this workspace's member queues into their own queue only: a
    publish that needs another member's tokens is left to that member's worker (see the module's doc);
    otherwise everything goes to the hub's one queue. huey connects lazily, on the first enqueue.
    """

    def __init__(self, settings: Settings, hub: Hub, *, per_member_queue: bool = False) -> None:
        self.settings = settings
        self.hub = hub
        self.per_member_queue = per_member_queue
        self._lock = threading.Lock()  # the MCP server's tools enqueue from several threads
        self._queues: dict[str, Huey] = {}
        self._tasks: dict[tuple[str, str], Any] = {}  # (queue, task name) -> the stand-in huey enqueues with

    @classmethod
    def for_company_hub(cls, settings: Settings, company: CompanyHub) -> Producer:
        """The producer of this workspace's member in an opened company hub (one queue per member)."""
        return cls(company_settings(settings, company.connection), company.hub, per_member_queue=True)

    def queue_of(self, member_id: UUID) -> str:
        """The queue that ``member_id``'s worker consumes (only theirs can decrypt their tokens)."""
        return queue_name(member_id if self.per_member_queue else None)

    def enqueue_publish(self, member_id: UUID, target_id: UUID, eta: datetime) -> str:
        """Queue the publish of one target at ``eta`` (the services' Enqueue); returns huey's task id, or
        NOT_QUEUED for another member's target in a company hub (their worker's watchdog queues it).

        Raises:
            InvalidSetting: PSN_QUEUE_URL is not a usable Redis URL.
        """
        if self.per_member_queue and member_id != self.settings.member_id:
            return NOT_QUEUED
        run_id = uuid4().hex
        publish = self._task(member_id, PUBLISH_TASK)
        publish.schedule(args=(str(member_id), str(target_id)), eta=eta - HEADSTART, id=run_id)
        return run_id

    def enqueue_sweep(self, member_id: UUID, *, force: bool = False) -> str:
        """Queue an analytics sweep of ``member_id`` to run now (`psn analytics --refresh`); returns its task id.

        Raises:
            InvalidSetting: PSN_QUEUE_URL is not a usable Redis URL.
        """
        sweep = self._task(member_id, SWEEP_TASK)
        message = sweep.s(force)
        sweep.huey.enqueue(message)
        return str(message.id)

    def enqueue_reply(self, member_id: UUID, reply_id: UUID) -> str:
        """Queue the sending of a reply the user confirmed, now; returns its task id (the worker's
        send_replies task also picks up any confirmed reply whose entry was lost).

        Raises:
            InvalidSetting: PSN_QUEUE_URL is not a usable Redis URL.
        """
        send = self._task(member_id, REPLY_TASK)
        message = send.s(str(member_id), str(reply_id))
        send.huey.enqueue(message)
        return str(message.id)

    def _task(self, member_id: UUID, name: str) -> Any:
        queue = self.queue_of(member_id)
        with self._lock:
            if (queue, name) not in self._tasks:
                if queue not in self._queues:
                    self._queues[queue] = open_queue(self.settings, self.hub, queue, member_id)
                self._tasks[(queue, name)] = task(self._queues[queue], name, _runs_in_the_worker)
            return self._tasks[(queue, name)]

    def close(self) -> None:
        """Close huey's connections (the hub is the caller's)."""
        with self._lock:
            self._close_queues()

    def _close_queues(self) -> None:
        for huey in self._queues.values():
            huey.storage.close()
        self._queues.clear()
        self._tasks.clear()

    def __enter__(self) -> Producer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def company_enqueue(settings: Settings, company: CompanyHub) -> Enqueue:
    """The services' Enqueue for a company hub: a publish of this member's own account lands in their
    queue; one of an account another member connected is left to that member's `psn worker --company`,
    which queues it within a minute (NOT_QUEUED). Nothing runs here."""
    return Producer.for_company_hub(settings, company).enqueue_publish
