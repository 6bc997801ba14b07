"""The huey worker: its queue lives in the hub database (PostgresHuey, no Redis needed).

Every task is a thin edge that calls one service. Periodic tasks are staggered so they never fire in
the same minute (token refresh at :01/:06/..., transport health at :02/:07/..., the digest check at :03,
the daily token health check at 06:17 UTC, media pruning at 04:41 UTC). The publish watchdog runs
every minute. Publishes are queued with an ETA at the post's time. ``psn worker`` runs the consumer;
several consumers on several machines are safe (the queue is dequeued with ``FOR UPDATE SKIP LOCKED``).

A company hub is served by ``psn worker --company NAME``: one process per hub, never two hubs in one.
Its queue lives in the company hub, one queue per member (``psn-<member id>``), because a publish can
only run on the machine holding the key that decrypts the tokens of the member who connected the
account: an editor's approval queues the publish in the account owner's queue, and only the owner's
worker consumes it. Queue rows are JSON, never pickle (psn_core.queue).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import psycopg
from huey import Huey, PostgresHuey, RedisHuey, crontab

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.errors import ConfigError, InvalidSetting, PSNError, UnsafeRuntimeRole
from psn_core.hub.database import APP_ROLE, Hub
from psn_core.queue import JsonSerializer
from psn_core.services import notifications
from psn_core.services.accounts.tokens import TokenService
from psn_core.services.analytics.sweep import AnalyticsSweeper
from psn_core.services.company import approvals
from psn_core.services.posting.pruning import prune_media, prune_published_drafts, prune_uploads
from psn_core.services.posting.publishing import Publisher
from psn_core.services.posting.watchdog import run_watchdog
from psn_core.timefmt import utcnow

if TYPE_CHECKING:
    from psn_core.services.company.hubs import CompanyHub
    from psn_core.services.posting.posts import Enqueue

log = logging.getLogger("psn.worker")
QUEUE = "psn"
HEADSTART = timedelta(seconds=1.5)


def queue_name(member_id: UUID | None) -> str:
    """A personal hub's one queue (``psn``), or a company hub member's own queue (``psn-<member id>``)."""
    return QUEUE if member_id is None else f"{QUEUE}-{member_id}"


class Worker:
    """The huey app bound to one hub, with psn's tasks registered on it.

    ``hub`` (a company hub, carrying the member key) replaces the personal hub from ``settings``; with
    ``per_member_queue`` each member has a queue of their own in that hub (company hubs).
    """

    def __init__(
        self, settings: Settings, *, immediate: bool = False, hub: Hub | None = None, per_member_queue: bool = False
    ) -> None:
        if settings.member_id is None:
            raise ConfigError("The worker needs PSN_MEMBER_ID (the member whose work it runs).", "Run `psn init`.")
        self.settings = settings
        self.member_id: UUID = settings.member_id
        self.hub = hub if hub is not None else Hub.open(settings)
        self.per_member_queue = per_member_queue
        self.immediate = immediate
        self.queue_name = queue_name(self.member_id if per_member_queue else None)
        self.huey = self._queue(self.queue_name)
        self._others: dict[UUID, Any] = {}  # other members' publish tasks (company hubs), for enqueueing only
        self.tasks: dict[str, Any] = {}
        self._register()

    @classmethod
    def for_company(cls, settings: Settings, slug: str, *, immediate: bool = False) -> Worker:
        """The worker of this workspace's member in company hub ``slug`` (connections/<slug>.env).

        Raises:
            CompanyNotFound: the workspace is not connected to that company.
        """
        from psn_core.services.company.hubs import CompanyHub

        return cls.for_company_hub(settings, CompanyHub.open(settings, slug), immediate=immediate)

    @classmethod
    def for_company_hub(cls, settings: Settings, company: CompanyHub, *, immediate: bool = False) -> Worker:
        """The worker of this workspace's member in an opened company hub (its own queue there)."""
        from psn_core.services.company.hubs import company_settings

        return cls(
            company_settings(settings, company.connection), immediate=immediate, hub=company.hub, per_member_queue=True
        )

    def _queue(self, name: str) -> Huey:
        """The hub's Postgres by default; Redis when PSN_QUEUE_URL names one (large deployments)."""
        url = self.settings.queue_url.get_secret_value().strip() if self.settings.queue_url else ""
        common: dict[str, Any] = {"results": False, "utc": True, "immediate": self.immediate,
                                  "serializer": JsonSerializer()}  # fmt: skip
        if not url:
            return PostgresHuey(name, connection=self._connect, create_tables=False, **common)
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

    def _connect(self) -> psycopg.Connection[Any]:
        """huey's own connections: psn_app like every runtime connection, checked the same way."""
        conn = psycopg.connect(
            self.hub.target.app_conninfo, connect_timeout=self.settings.connect_timeout, autocommit=True
        )
        row = conn.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        name, superuser, bypass = row.fetchone() or ("?", True, True)
        if superuser or bypass or name != APP_ROLE:
            conn.close()
            raise UnsafeRuntimeRole(f"The worker's queue connection runs as {name!r}, not a plain {APP_ROLE}.")
        return conn

    def tokens(self) -> TokenService:
        return TokenService(self.hub, self.settings, load_keyring(self.settings))

    def publisher(self) -> Publisher:
        return Publisher(self.hub, self.settings, load_keyring(self.settings), enqueue=self.enqueue_publish)

    def enqueue_publish(self, member_id: UUID, target_id: UUID, eta: datetime) -> str:
        """Queue the publish of one target at ``eta`` (the services' Enqueue); returns huey's task id."""
        run_id = uuid4().hex
        # huey's scheduler looks at its schedule once a second: hand the task over a little early and let
        # the publisher wait out the rest (it never publishes before the due time).
        early = eta - HEADSTART
        self._publish_task_of(member_id).schedule(args=(str(member_id), str(target_id)), eta=early, id=run_id)
        return run_id

    def _publish_task_of(self, member_id: UUID) -> Any:
        """The publish task in the queue that ``member_id``'s worker consumes (only theirs can decrypt
        their tokens). Enqueueing there needs no task code: the task's name is the same everywhere."""
        if not self.per_member_queue or member_id == self.member_id:
            return self.publish_task
        task = self._others.get(member_id)
        if task is None:
            other = self._queue(queue_name(member_id))
            task = self._others[member_id] = other.task(name="publish_target", retries=0)(self._publish)
        return task

    # --- registration ------------------------------------------------------------------------------

    def _periodic(self, name: str, schedule: Callable[..., bool], body: Callable[[], object]) -> None:
        def run() -> None:
            try:
                result = body()
                log.info("%s: %s", name, result)
            except PSNError as exc:  # an edge: record and carry on; the next run tries again
                log.warning("%s failed: %s (%s)", name, exc.message, exc.action)

        run.__name__ = name
        self.tasks[name] = self.huey.periodic_task(schedule, name=name)(run)

    def _publish(self, member_id: str, target_id: str) -> None:
        publisher = self.publisher()
        try:
            view = publisher.publish(UUID(member_id), UUID(target_id))
            log.info("publish %s: %s", target_id, view.status)
        except PSNError as exc:
            log.warning("publish %s failed: %s (%s)", target_id, exc.message, exc.action)
        except Exception as exc:  # the task edge: a bug must not loop silently through the watchdog
            log.exception("publish %s: unexpected error", target_id)
            publisher.unexpected_failure(UUID(member_id), UUID(target_id), exc)

    def _register(self) -> None:
        member = self.member_id
        # retries=0: a publish is never retried blindly by the queue; the publisher reschedules itself.
        self.publish_task = self.huey.task(name="publish_target", retries=0)(self._publish)
        self._periodic(
            "publish_watchdog",
            crontab(minute="*"),
            lambda: run_watchdog(self.hub, member, self.enqueue_publish, utcnow()),
        )
        self._periodic("expire_unapproved", crontab(minute="*"), self._expire_unapproved)
        self._periodic("prune_media", crontab(minute="41", hour="4"), self._prune)
        self._periodic("refresh_tokens", crontab(minute="1-59/5"), lambda: self.tokens().refresh_due(member))
        self._periodic("token_health", crontab(minute="17", hour="6"), lambda: self.tokens().check_expiry(member))
        self._periodic(
            "deliver_notifications",
            crontab(minute="*"),
            lambda: notifications.run_delivery(self.settings, self.hub, member),
        )
        self._periodic(
            "ping_notification_transport",
            crontab(minute="2-59/5"),
            lambda: notifications.run_health_ping(self.settings, self.hub, member),
        )
        self._periodic(
            "notification_digest",
            crontab(minute="3"),
            lambda: notifications.run_digest(self.settings, self.hub, member),
        )
        self._register_analytics(member)

    # --- analytics: sweeps at :13/:43, a user's refresh picked up within a minute ------------------

    def analytics(self) -> AnalyticsSweeper:
        return AnalyticsSweeper(self.hub, self.settings, load_keyring(self.settings))

    def enqueue_sweep(self, *, force: bool = False) -> str:
        """Queue an analytics sweep to run now (`psn analytics --refresh`); returns huey's task id."""
        return str(self.sweep_task(force).id)

    def _sweep_now(self, force: bool = False) -> None:
        try:
            log.info("analytics_sweep_now: %s", self.analytics().sweep(self.member_id, force=force))
        except PSNError as exc:
            log.warning("analytics_sweep_now failed: %s (%s)", exc.message, exc.action)

    def _register_analytics(self, member: UUID) -> None:
        self.sweep_task = self.huey.task(name="analytics_sweep_now", retries=0)(self._sweep_now)
        self._periodic("analytics_sweep", crontab(minute="13,43"), lambda: self.analytics().sweep(member))
        self._periodic("analytics_requested", crontab(minute="*"), lambda: self.analytics().run_requested(member))

    def _expire_unapproved(self) -> object:
        """Company posts still waiting for approval at their time: never published, authors told."""
        with self.hub.transaction(self.member_id) as conn:
            return approvals.expire_overdue(conn, utcnow())

    def _prune(self) -> object:
        with self.hub.transaction(self.member_id) as conn:
            uploads = prune_uploads(conn, self.member_id, utcnow())
            drafts = prune_published_drafts(conn, self.member_id, utcnow())
            return prune_media(conn, self.member_id, self.settings.workspace / "media", utcnow()), uploads, drafts

    # --- running -----------------------------------------------------------------------------------

    def run(self, workers: int = 2) -> None:
        """Run the consumer until SIGINT/SIGTERM (huey stops cleanly, finishing running tasks)."""
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
        consumer.run()

    def close(self) -> None:
        self.hub.close()


def company_enqueue(settings: Settings, company: CompanyHub) -> Enqueue:
    """The services' Enqueue for a company hub: each publish lands in the queue of the member who
    connected the account (whose `psn worker --company` consumes it). Nothing runs here."""
    return Worker.for_company_hub(settings, company).enqueue_publish
