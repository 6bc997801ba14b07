"""`psn engage status`: what psn can and cannot do with each connected account's conversations, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.platforms.engagement import ENGAGEMENT
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.features import granted_scopes
from psn_core.services.engage.models import AccountAbilities, SourceLine
from psn_core.services.engage.sweep import ACCESS_LEVEL, EngageAccount, SourceState
from psn_core.strategy.engagement import Engagement
from psn_core.timefmt import local

Q = Queries.load(__package__)
WHAT = {
    "mentions": "mentions and replies to your posts",
    "search": "recent posts with your keywords",
    "comments": "comments on your newest posts",
}


def _line(
    source: str, state: SourceState | None, config: Engagement, lacking: list[str], now: datetime, zone: ZoneInfo
) -> SourceLine:
    what = WHAT[source]
    checked_at = state.checked_at if state else None
    if lacking:
        return SourceLine(source=source, state="refused", note=f"{what}: needs the {', '.join(lacking)} permission")
    if source == "search" and (not config.keywords or not config.search):
        return SourceLine(source=source, state="off", note=f"{what}: off (no engagement.keywords, or search: false)")
    later = state.resume_at if state is not None and state.resume_at and state.resume_at > now else None
    if state is not None and state.last_error and ACCESS_LEVEL in state.last_error:
        again = f"; psn asks again {local(later, zone)}" if later else ""
        note = f"{what}: {state.last_error}{again}"
        return SourceLine(source=source, state="unavailable", note=note, checked_at=checked_at)
    if state is not None and state.last_error:
        again = f" (asked again {local(later, zone)})" if later else ""
        note = f"{what}: {state.last_error}{again}"
        return SourceLine(source=source, state="refused", note=note, checked_at=checked_at)
    if later is not None:
        note = f"{what}: budget kept for publishing until {local(later, zone)}"
        return SourceLine(source=source, state="waiting", note=note, checked_at=checked_at)
    checked = f", last read {local(checked_at, zone)}" if checked_at else ", not read yet"
    return SourceLine(source=source, state="ready", note=f"{what}{checked}", checked_at=checked_at)


def abilities(conn: Conn, member_id: UUID, config: Engagement, now: datetime, zone: ZoneInfo) -> list[AccountAbilities]:
    """One line per active account: each source's state, whether replies can be posted, the platform's rule."""
    out = []
    day_start = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    for account in sql.many(conn, Q.engage_accounts, {"member": member_id}, EngageAccount):
        spec = ENGAGEMENT[account.platform]
        granted = granted_scopes(conn, account.id)
        lacking = [s for s in spec.scopes if granted and s not in granted]
        states = {s.source: s for s in sql.many(conn, Q.source_state, {"account": account.id}, SourceState)}
        enabled = config.enabled(account.platform)
        sources = [_line(s, states.get(s), config, lacking, now, zone) for s in spec.reads] if enabled else []
        params = {"member": member_id, "platform": account.platform, "since": day_start}
        cannot = spec.cannot
        if not enabled and spec.reads:
            cannot = f"Off in strategy.yaml (engagement.platforms.{account.platform}). " + cannot
        if "search" in spec.reads and spec.search_note:
            cannot = (cannot + " " + spec.search_note).strip()
        out.append(
            AccountAbilities(
                account_id=account.id,
                platform=account.platform,
                handle=account.handle,
                enabled=enabled and bool(spec.reads),
                can_reply=spec.can_reply and enabled and not lacking,
                sources=sources,
                rule=spec.reply_rule or f"{PLATFORMS[account.platform].display_name}: no replies through its API.",
                cannot=cannot,
                replies_today=int(sql.value(conn, Q.replies_today, params) or 0),
                daily_cap=config.cap(account.platform),
            )
        )
    return out


def failed_replies(conn: Conn, member_id: UUID, since: datetime) -> int:
    """Replies confirmed since ``since`` that failed (the platform said no) or whose outcome is unknown."""
    return int(sql.value(conn, Q.failed_replies, {"member": member_id, "since": since}) or 0)


def health(
    accounts: list[AccountAbilities], failed: int, zone: ZoneInfo
) -> tuple[Literal["ok", "warn", "skip"], str, str | None]:
    """What `psn doctor` says about engagement: what each connected account can do, when psn last read the
    conversations (the last sweep) and what failed: a source refused, or replies of the last day that failed.
    (ok|warn|skip, detail, fix)."""
    if not accounts:
        return "skip", "no connected accounts (`psn auth x` connects one)", None
    parts = []
    for a in accounts:
        reads = [s.source for s in a.sources if s.state in ("ready", "waiting")]
        idle = "off in strategy.yaml" if ENGAGEMENT[a.platform].reads else "no conversations through its API"
        can = f"reads {', '.join(reads)}" if reads else "reads nothing" if a.enabled else idle
        absent = [s.source for s in a.sources if s.state == "unavailable"]
        can += f" ({', '.join(absent)}: {ACCESS_LEVEL})" if absent else ""
        parts.append(f"{a.platform} @{a.handle}: {can}, {'replies' if a.can_reply else 'no replies'}")
    seen = [s.checked_at for a in accounts for s in a.sources if s.checked_at is not None]
    swept = f"last sweep {local(max(seen), zone)}" if seen else "not swept yet (the worker reads every 15 minutes)"
    failing = [f"{a.platform} {s.note}" for a in accounts for s in a.sources if s.state == "refused"]
    if failed:
        failing.append(f"{failed} repl{'y' if failed == 1 else 'ies'} failed or unsettled in the last day")
    detail = f"{'; '.join(parts)}; {swept}"
    if failing:
        fix = "`psn engage status` says why for each account; grant a missing permission with `psn auth <platform>`."
        return "warn", f"{detail}; failing: {'; '.join(failing)}", fix
    return "ok", detail, None
