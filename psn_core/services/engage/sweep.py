"""The engagement sweep: the only code that reads conversations from the platforms. The worker runs it.

Per active account whose platform is on in ``engagement.platforms`` and whose API has reads
(``EngagementSpec.reads``): each source (X mentions and, with keywords, recent search; Instagram comments on
the newest posts) at most every ``EVERY[source]``, from where the last read stopped (``since_id``). Every
request goes through a BACKGROUND :class:`~psn_core.services.accounts.budgets.BudgetGate`: the sweep stops
when 20% of the account's budget is left (that reserve is publishing's), records when it may read again
(``engagement_sources.resume_at``) and skips the source until then, with no retries in between. A refusal
(X's Free level has no search; a permission not granted) is recorded with its sentence for
``psn engage status``, and the other sources go on. Finds are stored scored and deduplicated
(inbox.record); new high-score ones and answers to the user's replies become ENGAGEMENT notifications.
Last, the outcome of recent replies is collected (replies.collect_outcomes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from psn_core.errors import PlatformError, PSNError, RateLimited
from psn_core.hub import sql
from psn_core.hub.sql import Queries
from psn_core.platforms.engagement import ENGAGEMENT, Inbound, conversations_for
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.budgets import Priority
from psn_core.services.accounts.callers import PlatformCaller
from psn_core.services.accounts.features import granted_scopes
from psn_core.services.engage import inbox
from psn_core.services.engage.models import AccountSweep, SweepReport
from psn_core.services.strategy import load_strategy
from psn_core.strategy.engagement import Engagement
from psn_core.strategy.model import pillar_names
from psn_core.timefmt import local

Q = Queries.load(__package__)
ACCESS_LEVEL = "not available on your access level"
ACCESS_RETRY = timedelta(days=1)
SEARCH_SINCE_FOR = timedelta(days=6)
RECENT_SKEW = timedelta(minutes=5)
EVERY = {"mentions": timedelta(minutes=15), "search": timedelta(hours=1), "comments": timedelta(hours=1)}


@dataclass(frozen=True)
class EngageAccount:
    id: UUID
    platform: str
    handle: str
    remote_user_id: str


@dataclass(frozen=True)
class SourceState:
    source: str
    since_id: str | None
    checked_at: datetime | None
    resume_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def search_query(config: Engagement, handle: str) -> str:
    """X recent search for the keywords, leaving out the user's own posts and retweets."""
    words = " OR ".join(f'"{k}"' if " " in k else k for k in config.keywords)
    return f"({words}) -from:{handle} -is:retweet" if words else ""


def newest(items: list[Inbound]) -> str | None:
    numeric = [int(i.remote_id) for i in items if i.remote_id.isdigit()]
    return str(max(numeric)) if numeric else None


class EngagementSweeper(PlatformCaller):
    """Reads every account's conversations within its budget; safe to run in several workers."""

    def config(self) -> tuple[Engagement, list[str]]:
        """The engagement section and pillar names of the strategy in use (defaults without one)."""
        strategy = load_strategy(self.settings.workspace)
        return (strategy.engagement if strategy else Engagement()), pillar_names(strategy)

    def sweep(self, member_id: UUID, *, force: bool = False) -> SweepReport:
        """Read what is due for every account of the member, notify, collect reply outcomes.

        Raises:
            HubUnreachable (platform errors stop one source or account, never the sweep).
        """
        from psn_core.services.engage.replies import collect_outcomes

        now = self.clock()
        config, pillars = self.config()
        with self.hub.transaction(member_id) as conn:
            expired = inbox.expire(conn, now)
            accounts = sql.many(conn, Q.engage_accounts, {"member": member_id}, EngageAccount)
        report = SweepReport(at=now, accounts=[], expired=expired)
        for account in accounts:
            report.accounts.append(self._account(member_id, account, config, pillars, force))
        with self.hub.transaction(member_id) as conn:
            report.notified = inbox.notify_high_scores(conn, member_id, config.notify_score, self.clock())
        report.outcomes = collect_outcomes(self.hub, self.settings, self.tokens, member_id, self.clock)
        return report

    def _account(
        self, member_id: UUID, account: EngageAccount, config: Engagement, pillars: list[str], force: bool
    ) -> AccountSweep:
        spec = ENGAGEMENT[account.platform]
        cls = PLATFORMS[account.platform]
        view = AccountSweep(account_id=account.id, platform=account.platform, handle=account.handle)
        if not spec.reads:
            view.skipped = spec.cannot
            return view
        if not config.enabled(account.platform):
            view.skipped = f"{cls.display_name} is off in engagement.platforms."
            return view
        with self.hub.transaction(member_id) as conn:
            granted = granted_scopes(conn, account.id)
            states = {s.source: s for s in sql.many(conn, Q.source_state, {"account": account.id}, SourceState)}
        lacking = [s for s in spec.scopes if granted and s not in granted]
        if lacking:
            view.skipped = f"needs the {', '.join(lacking)} permission; run `psn auth {account.platform}` and grant it."
            return view
        with self.client(member_id, account.id, account.platform, Priority.BACKGROUND) as client:
            conversations = conversations_for(client)
            for source in spec.reads:
                if view.stopped:
                    break
                self._source(
                    member_id, account, conversations, source, states.get(source), config, pillars, view, force
                )
        return view

    def _source(
        self,
        member_id: UUID,
        account: EngageAccount,
        conversations: object,
        source: str,
        state: SourceState | None,
        config: Engagement,
        pillars: list[str],
        view: AccountSweep,
        force: bool,
    ) -> None:
        from psn_core.platforms.engagement import Conversations

        assert isinstance(conversations, Conversations)
        now = self.clock()
        query = search_query(config, account.handle) if source == "search" and config.search else ""
        if source == "search" and not query:
            return
        if state is not None and state.resume_at is not None and state.resume_at > now:
            return  # the budget said when: not before, forced or not
        fresh = state is not None and state.checked_at is not None and now - state.checked_at < EVERY[source]
        if fresh and not force and state is not None and state.last_error is None:
            return
        since = state.since_id if state else None
        start_time = None
        # X refuses a since_id past its 7-day search window: from a time instead (and the old id forgotten)
        last = state.checked_at if source == "search" and state is not None else None
        if last is not None and (since is None or now - last > SEARCH_SINCE_FOR):
            since, start_time = None, max(last - RECENT_SKEW, now - SEARCH_SINCE_FOR)
        items: list[Inbound] = []
        error: str | None = None
        resume: datetime | None = None
        try:
            items = self.tokens.call(
                member_id,
                account.id,
                lambda token: conversations.read(
                    token, source, user_id=account.remote_user_id, since_id=since, query=query, start_time=start_time
                ),
            )
        except RateLimited as exc:
            items = list(getattr(exc, "psn_partial", []))
            resume = self.clock() + timedelta(seconds=exc.retry_after or 60)
            error = None
            view.stopped = f"{exc.message} (reading again after {local(resume, self.settings.zone)})"
        except PlatformError as exc:
            error = f"{PLATFORMS[account.platform].display_name} refused {source}: {exc.message}"
            if exc.status_code is not None and 400 <= exc.status_code < 500:  # asking again soon changes nothing
                level = _access_refused(exc)
                resume = self.clock() + (ACCESS_RETRY if level else EVERY[source])
                error = f"{ACCESS_LEVEL} ({error})" if level else error
        except PSNError as exc:  # one account's failure never stops the others
            error = exc.message
        self._store(member_id, account, source, items, config, pillars, view, error, resume, since)

    def _store(
        self,
        member_id: UUID,
        account: EngageAccount,
        source: str,
        items: list[Inbound],
        config: Engagement,
        pillars: list[str],
        view: AccountSweep,
        error: str | None,
        resume: datetime | None,
        since: str | None,
    ) -> None:
        now = self.clock()
        with self.hub.transaction(member_id) as conn:
            new = inbox.record(conn, member_id, account.id, account.platform, items, config, pillars, now)
            answered = {
                r["remote_id"]
                for r in conn.execute(
                    Q.reply_remote_ids,
                    {
                        "member": member_id,
                        "platform": account.platform,
                        "ids": [i.in_reply_to_id for i in items if i.in_reply_to_id],
                    },
                ).fetchall()
            }
            for item in items:
                if item.in_reply_to_id in answered and item.remote_id:
                    inbox.notify_answered(conn, member_id, account.platform, item, now)
            sql.run(
                conn,
                Q.save_source,
                {
                    "account": account.id,
                    "member": member_id,
                    "source": source,
                    "since_id": newest(items) if resume is None else since,
                    "keep_since": source != "search" or since is not None,
                    "now": now,
                    "resume_at": resume,
                    "error": error,
                },
            )
        view.found += len(items)
        view.new += len(new)


def _access_refused(exc: PlatformError) -> bool:
    """The app's access level does not include this read (X: 403 client-not-enrolled / client-forbidden)."""
    said = f"{exc.message} {exc.raw}".lower()
    return exc.status_code == 403 and any(
        k in said for k in ("client-not-enrolled", "client-forbidden", "access level")
    )
