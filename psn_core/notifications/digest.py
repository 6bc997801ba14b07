"""The daily digest: ENGAGEMENT items (likes, comments, trends) folded into one message a day.

The digest for a local day is built at the first run at or after the member's digest hour in their
own zone (so a DST change moves it with the wall clock), from every ENGAGEMENT item still waiting.
It is itself a stored notification (tier ENGAGEMENT, kind ``digest``), queued like any other, so quiet
hours, the threshold and the daily cap apply to it. A unique index allows one digest per local day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from uuid import UUID

from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.notifications import store
from psn_core.notifications.models import DigestReport, Notification, Tier
from psn_core.notifications.policy import digest_due

Q = Queries.load(__package__)
DIGEST_KIND = "digest"
DIGEST_ACTION = "Run `psn notifications` to see every item, then `psn notifications ack --all`."
_EXAMPLES_PER_KIND = 3
_MAX_BODY = 1900


def assemble(items: list[Notification], day: date, timezone: str) -> str:
    """The digest text: a headline, then per kind a count and the first few items."""
    by_kind: dict[str, list[Notification]] = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    total = sum(i.repeat_count for i in items)
    lines = [f"Your engagement for {day:%A %d %B %Y} ({timezone}): {total} update{'s' if total != 1 else ''}."]
    for kind in sorted(by_kind, key=lambda k: (-sum(i.repeat_count for i in by_kind[k]), k)):
        group = by_kind[kind]
        count = sum(i.repeat_count for i in group)
        lines.append(f"- {kind.replace('_', ' ')}: {count}")
        lines += [f"  · {i.body}" for i in group[:_EXAMPLES_PER_KIND]]
        if len(group) > _EXAMPLES_PER_KIND:
            lines.append(f"  · and {len(group) - _EXAMPLES_PER_KIND} more")
    text = "\n".join(lines)
    return text if len(text) <= _MAX_BODY else text[: _MAX_BODY - 1] + "…"


def build_digest(hub: Hub, member_id: UUID, now: datetime) -> DigestReport | None:
    """Build today's digest when it is due and there is something to say; None otherwise.

    Raises:
        HubUnreachable: the hub is down.
    """
    with hub.transaction(member_id) as conn:
        prefs = store.get_prefs(conn, member_id)
        zone = store.member_zone(conn, member_id)
        day = digest_due(prefs, now, zone)
        if day is None:
            return None
        # one builder at a time per member; the unique index is the last line of defence
        store.serialise(conn, f"{member_id}:digest")
        if _digest_exists(conn, member_id, day):
            return None
        items = _waiting_items(conn, member_id, now)
        if not items:
            return None
        text = assemble(items, day, zone.key)
        digest = {
            "member": member_id,
            "tier": Tier.ENGAGEMENT.value,
            "kind": DIGEST_KIND,
            "key": f"digest:{day}",
            "title": "daily digest",
            "body": text,
            "action": DIGEST_ACTION,
            "now": now,
            "day": day,
        }
        digest_id = int(sql.value(conn, Q.insert_digest, digest))
        sql.run(conn, Q.mark_digested, {"digest": digest_id, "member": member_id, "ids": [i.id for i in items]})
    return DigestReport(digest_id=digest_id, local_date=day, items=len(items), text=text)


def _digest_exists(conn: Conn, member_id: UUID, day: date) -> bool:
    return bool(sql.value(conn, Q.digest_exists, {"member": member_id, "day": day}))


def _waiting_items(conn: Conn, member_id: UUID, now: datetime) -> list[Notification]:
    return [n for n in store.list_unacknowledged(conn, member_id) if n.state == "digest" and n.created_at <= now]
