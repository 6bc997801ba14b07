"""The huey worker: the consumer of psn's queue (psn_core.queue is the producer side).

Every task is a thin edge that calls one service. Periodic tasks are staggered so they never fire in
the same minute (token refresh at :01/:06/..., transport health at :02/:07/..., the digest check at :03,
the daily token health check at 06:17 UTC, media pruning at 04:41 UTC, idea expiry at 04:53 UTC, the
daily trend intake at 05:37 UTC and its lighter poll at :37 every four hours from 00:37, the weekly
learning run on Mondays at 05:29 UTC, the engagement sweep at :08/:23/:38/:53). Confirmed replies are
sent at once (``send_reply``) and every minute (``send_replies``: any reply still open, reconciled before
anything is sent again). The
publish watchdog runs every minute. Publishes are queued with an ETA at the post's time. ``psn worker``
runs the consumer; several consumers on several machines are safe (the queue is dequeued with
``FOR UPDATE SKIP LOCKED``).

A company hub is served by ``psn worker --company NAME``: one process per hub, never two hubs in one,
consuming the queue of this workspace's member in that hub (psn_core.queue says why each member has one).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from huey import crontab

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.errors import ConfigError, PSNError
from psn_core.hub.database import Hub
from psn_core.queue import (
    PUBLISH_TASK,
    REPLY_TASK,
    SWEEP_TASK,
    Producer,
    open_queue,
    periodic_task,
    queue_name,
    task,
)
from psn_core.services import notifications
from psn_core.services.accounts.tokens import TokenService
from psn_core.services.analytics.sweep import AnalyticsSweeper
from psn_core.services.company import approvals
from psn_core.services.engage.replies import ReplySender
from psn_core.services.engage.sweep import EngagementSweeper
from psn_core.services.ideas import bank as ideas
from psn_core.services.posting.pruning import prune
from psn_core.services.posting.publishing import Publisher
from psn_core.services.posting.watchdog import run_watchdog
from psn_core.services.strategy import load_strategy
from psn_core.services.trends import intake as trends
from psn_core.services.trends.models import IntakeReport, Mode
from psn_core.timefmt import utcnow

if TYPE_CHECKING:
    import httpx2

    from psn_core.services.company.hubs import CompanyHub

log = logging.getLogger("psn.worker")


def _job(
    level: int, event: str, task_name: str, started: float | None = None, *, message: str = "", **fields: object
) -> float:
    """Log one job event (psn_core.worker.joblog prints it); returns the time it was logged."""
    now = time.monotonic()
    extra: dict[str, object] = {"event": event, "task": task_name, **{k: str(v) for k, v in fields.items()}}
    if started is not None:
        extra["duration_ms"] = round((now - started) * 1000)
    log.log(level, message or f"{task_name} {event}", extra=extra)
    return now


class Worker:
    """The huey consumer bound to one hub, with psn's tasks registered on it.

    ``hub`` (a company hub, carrying the member key) replaces the personal hub from ``settings``; with
    ``per_member_queue`` each member has a queue of their own in that hub (company hubs).
    """

    def __init__(self, settings: Settings, *, hub: Hub | None = None, per_member_queue: bool = False) -> None:
        if settings.member_id is None:
            raise ConfigError("The worker needs PSN_MEMBER_ID (the member whose work it runs).", "Run `psn init`.")
        self.settings = settings
        self.member_id: UUID = settings.member_id
        self.company = per_member_queue  # a company hub's worker (per-member queue), not the personal one
        self.hub = hub if hub is not None else Hub.open(settings)
        self.queue_name = queue_name(self.member_id if per_member_queue else None)
        self.huey = open_queue(settings, self.hub, self.queue_name, self.member_id)
        # What the tasks queue (a publisher's retry, the watchdog): through the producer, like everyone.
        self.producer = Producer(settings, self.hub, per_member_queue=per_member_queue)
        self.tasks: dict[str, Any] = {}
        self._register()

    @classmethod
    def for_company(cls, settings: Settings, slug: str) -> Worker:
        """The worker of this workspace's member in company hub ``slug`` (connections/<slug>.env).

        Raises:
            CompanyNotFound: the workspace is not connected to that company.
        """
        from psn_core.services.company.hubs import CompanyHub

        return cls.for_company_hub(settings, CompanyHub.open(settings, slug))

    @classmethod
    def for_company_hub(cls, settings: Settings, company: CompanyHub) -> Worker:
        """The worker of this workspace's member in an opened company hub (its own queue there)."""
        from psn_core.services.company.hubs import company_settings

        return cls(company_settings(settings, company.connection), hub=company.hub, per_member_queue=True)

    def tokens(self) -> TokenService:
        return TokenService(self.hub, self.settings, load_keyring(self.settings))

    def publisher(self) -> Publisher:
        return Publisher(self.hub, self.settings, load_keyring(self.settings), enqueue=self.producer.enqueue_publish)

    def analytics(self) -> AnalyticsSweeper:
        return AnalyticsSweeper(self.hub, self.settings, load_keyring(self.settings))

    def engagement(self) -> EngagementSweeper:
        return EngagementSweeper(self.hub, self.settings, load_keyring(self.settings))

    def replies(self) -> ReplySender:
        return ReplySender(self.hub, self.settings, load_keyring(self.settings))

    def _send_reply(self, member_id: str, reply_id: str) -> None:
        started = _job(logging.INFO, "start", REPLY_TASK, reply_id=reply_id)
        try:
            view = self.replies().send(UUID(member_id), UUID(reply_id))
            outcome = view.state if view is not None else "held by another sender"
            _job(logging.INFO, "finish", REPLY_TASK, started, outcome=outcome, reply_id=reply_id)
        except PSNError as exc:
            _job(
                logging.WARNING, "failed", REPLY_TASK, started, outcome="error", message=f"{exc.message} ({exc.action})"
            )

    # --- registration ------------------------------------------------------------------------------

    def _periodic(self, name: str, schedule: Callable[..., bool], body: Callable[[], object]) -> None:
        def run() -> None:
            started = _job(logging.DEBUG, "start", name)
            try:
                result = body()
                _job(logging.DEBUG, "finish", name, started, outcome="done", message=str(result))
            except PSNError as exc:  # an edge: record and carry on; the next run tries again
                _job(logging.WARNING, "failed", name, started, outcome="error", message=f"{exc.message} ({exc.action})")

        self.tasks[name] = periodic_task(self.huey, name, schedule, run)

    def _publish(self, member_id: str, target_id: str) -> None:
        publisher = self.publisher()
        started = _job(logging.INFO, "start", "publish", target_id=target_id)
        try:
            view = publisher.publish(UUID(member_id), UUID(target_id))
            _job(
                logging.INFO,
                "finish",
                "publish",
                started,
                outcome=view.status,
                target_id=target_id,
                post_id=view.post_id,
            )
        except PSNError as exc:
            _job(
                logging.WARNING,
                "failed",
                "publish",
                started,
                outcome="error",
                target_id=target_id,
                message=f"{exc.message} ({exc.action})",
            )
        except Exception as exc:  # the task edge: a bug must not loop silently through the watchdog
            log.exception("publish %s: unexpected error", target_id)
            publisher.unexpected_failure(UUID(member_id), UUID(target_id), exc)

    def _sweep_now(self, force: bool = False) -> None:
        started = _job(logging.INFO, "start", SWEEP_TASK)
        try:
            result = self.analytics().sweep(self.member_id, force=force)
            _job(logging.INFO, "finish", SWEEP_TASK, started, outcome="done", message=str(result))
        except PSNError as exc:
            _job(
                logging.WARNING, "failed", SWEEP_TASK, started, outcome="error", message=f"{exc.message} ({exc.action})"
            )

    def _register(self) -> None:
        member, hub, settings = self.member_id, self.hub, self.settings
        self.tasks[PUBLISH_TASK] = task(self.huey, PUBLISH_TASK, self._publish)
        self.tasks[SWEEP_TASK] = task(self.huey, SWEEP_TASK, self._sweep_now)
        self.tasks[REPLY_TASK] = task(self.huey, REPLY_TASK, self._send_reply)
        self._periodic("send_replies", crontab(minute="*"), lambda: self.replies().send_open(member))
        self._periodic("engagement_sweep", crontab(minute="8,23,38,53"), lambda: self.engagement().sweep(member))
        self._periodic(
            "publish_watchdog",
            crontab(minute="*"),
            lambda: run_watchdog(hub, member, self.producer.enqueue_publish, utcnow()),
        )
        self._periodic("expire_unapproved", crontab(minute="*"), self._expire_unapproved)
        self._periodic(
            "prune_media",
            crontab(minute="41", hour="4"),
            lambda: prune(hub, member, settings.workspace / "media", utcnow()),
        )
        self._periodic("expire_ideas", crontab(minute="53", hour="4"), lambda: self.expire_ideas(utcnow()))
        if not self.company:  # trends follow the workspace's strategy.yaml: fetched once, into the personal hub
            self._periodic("collect_trends", crontab(minute="37", hour="5"), lambda: self.collect_trends(utcnow()))
            self._periodic(
                "poll_trends", crontab(minute="37", hour="*/4"), lambda: self.collect_trends(utcnow(), "poll")
            )
        self._periodic("learn_weekly", crontab(minute="29", hour="5", day_of_week="1"), lambda: self.learn(utcnow()))
        self._periodic("refresh_tokens", crontab(minute="1-59/5"), lambda: self.tokens().refresh_due(member))
        self._periodic("token_health", crontab(minute="17", hour="6"), lambda: self.tokens().check_expiry(member))
        self._periodic(
            "deliver_notifications", crontab(minute="*"), lambda: notifications.run_delivery(settings, hub, member)
        )
        self._periodic(
            "ping_notification_transport",
            crontab(minute="2-59/5"),
            lambda: notifications.run_health_ping(settings, hub, member),
        )
        self._periodic(
            "notification_digest", crontab(minute="3"), lambda: notifications.run_digest(settings, hub, member)
        )
        # analytics: sweeps at :13/:43, a user's refresh picked up within a minute
        self._periodic("analytics_sweep", crontab(minute="13,43"), lambda: self.analytics().sweep(member))
        self._periodic("analytics_requested", crontab(minute="*"), lambda: self.analytics().run_requested(member))

    def expire_ideas(self, now: datetime) -> int:
        """Timely ideas 48 h after capture, seasonal ones 30 days after: killed as expired (daily)."""
        with self.hub.transaction(self.member_id) as conn:
            return ideas.expire(conn, now)

    def collect_trends(self, now: datetime, mode: Mode = "daily", client: httpx2.Client | None = None) -> IntakeReport:
        """Read the trend sources strategy.yaml lists (read afresh each run, so edits apply): daily at full
        depth with the 30-day expiry, or the lighter poll."""
        strategy = load_strategy(self.settings.workspace)
        return trends.collect(self.hub, self.member_id, strategy, now, mode=mode, client=client)

    def learn(self, now: datetime) -> object:
        """The weekly learning run: the preference model refreshed; in the personal hub also the small
        strategy changes the evidence supports and the proposals (a company hub: its models only)."""
        from psn_core.services.learning.loop import refresh_company, run_weekly

        zone = self.settings.zone
        with self.hub.transaction(self.member_id) as conn:
            if self.company:
                return refresh_company(conn, self.member_id, zone=zone, now=now)
            return run_weekly(conn, self.member_id, workspace=self.settings.workspace, zone=zone, now=now)

    def _expire_unapproved(self) -> object:
        """Company posts still waiting for approval at their time: never published, authors told."""
        with self.hub.transaction(self.member_id) as conn:
            return approvals.expire_overdue(conn, utcnow())

    # --- running -----------------------------------------------------------------------------------

    def run(self, workers: int = 2) -> None:
        """Run the consumer until SIGINT/SIGTERM (huey stops cleanly, finishing running tasks)."""
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
        consumer.run()

    def close(self) -> None:
        self.producer.close()
        self.hub.close()
