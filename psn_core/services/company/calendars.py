"""The calendar across hubs: the personal hub, then every company hub in connections/, side by side
(see :mod:`psn_core.services.posting.calendar` for periods, days and the overlap rule).

It lives here, not in the posting wing, because it opens the company hubs it reads: the publishing path
works only on the one hub it was given (tests/integration/test_company_approvals.py checks that).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg

from psn_core.config import Settings
from psn_core.errors import PSNError
from psn_core.hub.database import Hub
from psn_core.services.company.hubs import CompanyHub, list_connections
from psn_core.services.posting.calendar import (
    PERSONAL,
    Calendar,
    HubRead,
    HubStatus,
    Period,
    Window,
    assemble,
    period_window,
    read_hub,
)


def _company(settings: Settings, slug: str, window: Window, zone: ZoneInfo) -> tuple[HubStatus, list[HubRead]]:
    """One company hub's rows, or its status saying why it could not be read (never raises)."""
    try:
        with CompanyHub.open(settings, slug) as company, company.transaction() as conn:
            reads = read_hub(conn, None, slug, company.name, window, zone)
        return HubStatus(hub=slug, name=company.name, reachable=True, entries=0), reads
    except PSNError as exc:
        problem, action = exc.message, exc.action
    except psycopg.Error as exc:
        problem = f"The company hub {slug!r} refused this workspace ({type(exc).__name__})."
        action = "Run `psn doctor`, which checks each company connection: an admin may have removed you from it."
    return HubStatus(hub=slug, name=slug, reachable=False, entries=0, problem=problem, what_to_do=action), []


def get_calendar(
    hub: Hub,
    settings: Settings,
    member_id: UUID,
    period: Period,
    start: date | None,
    now: datetime,
) -> Calendar:
    """The calendar of ``period`` holding ``start`` (today in the user's zone at ``now`` by default):
    the personal hub, then every company hub in connections/ (an unreachable one reported, not fatal).

    Raises:
        HubUnreachable: the personal hub could not be reached.
    """
    zone = settings.zone
    window = period_window(period, start, zone, now)
    with hub.transaction(member_id) as conn:
        reads = read_hub(conn, member_id, PERSONAL, "Personal", window, zone)
    hubs = [HubStatus(hub=PERSONAL, name="Personal", reachable=True, entries=0)]
    for slug in list_connections(settings.workspace):
        status, company_reads = _company(settings, slug, window, zone)
        hubs.append(status)
        reads.extend(company_reads)
    return assemble(window, zone, hubs, reads)
