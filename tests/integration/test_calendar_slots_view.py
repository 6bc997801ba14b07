"""The calendar's slots on real hubs: Ana (Madrid; an editor of Acme) sees her personal hub and Acme side by
side in the week the clocks move forward, each post with its badge, Acme's claimed slots with their
holders, empty slots at her strategy's preferred times that are still to come (claimable on Acme only),
and a warning when a post lands next to someone's claimed slot. A claimed slot drafted by its claimer
shows as the post. The clock is fixed (tests/support/calendar_world.py), never the real date."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner

from psn_core.cli.main import cli
from psn_core.services.company import approvals, slots
from psn_core.services.company.hubs import CompanyHub, member_transaction
from psn_core.services.ideas import bank
from psn_core.services.ideas.tags import parse_idea
from psn_core.services.posting import posts
from psn_core.services.posting.calendar import Calendar
from psn_core.services.posting.schedule_time import resolve
from psn_core.timefmt import utcnow
from tests.support.calendar_world import MADE, MADRID, NOW, ZONE, World, company_env, world

pytestmark = pytest.mark.pg
__all__ = ["company_env", "world"]  # fixtures

STRATEGY = """\
pillars:
  - name: craft
    weight: 1
times:
  x:
    - days: daily
      at: "09:00"
  linkedin:
    - days: weekdays
      at: "08:15"
"""


def _at(local: str) -> datetime:
    return resolve(local, ZONE, MADE).utc


def _slots(cal: Calendar) -> dict[date, list[tuple[str, str, str, str]]]:
    """Each day's (local HH:MM, hub, account, badge) of its slots, days with slots only."""
    return {
        d.date: [(f"{s.at.astimezone(MADRID):%H:%M}", s.hub, s.account, s.badge) for s in d.slots]
        for d in cal.days
        if d.slots
    }


def _ann_claims(world: World, local: str, note: str = "") -> slots.SlotClaim:
    with member_transaction(world.acme.hub, world.acme.ann) as conn:
        return slots.claim(conn, "x", _at(local), NOW, MADRID, note).claim


def test_the_week_shows_badges_claimed_slots_and_the_empty_slots_still_to_come(world: World) -> None:
    (world.settings.workspace / "strategy.yaml").write_text(STRATEGY)
    world.post(world.x, "Coffee thoughts", "2027-03-25 09:00")  # fills Ana's own X slot on Thursday
    anns = _ann_claims(world, "2027-03-25 09:00", "launch thread")
    with CompanyHub(world.settings, world.acme.connection_as(world.acme.editor)) as eve, eve.transaction() as conn:
        mine = slots.claim(conn, "x:@acme", _at("2027-03-26 09:00"), NOW, MADRID).claim
    world.company_post("Acme teaser", "2027-03-26 09:10")  # Ann's post next to Ana's claimed slot

    cal = world.calendar()

    assert _slots(cal) == {
        date(2027, 3, 25): [
            ("08:15", "personal", "linkedin:@ana", "empty slot"),
            ("09:00", "acme", "x:@acme", "claimed slot"),
        ],
        date(2027, 3, 26): [
            ("08:15", "personal", "linkedin:@ana", "empty slot"),
            ("09:00", "personal", "x:@ana", "empty slot"),
            ("09:00", "acme", "x:@acme", "claimed slot"),
        ],
        date(2027, 3, 27): [("09:00", "personal", "x:@ana", "empty slot"), ("09:00", "acme", "x:@acme", "empty slot")],
        date(2027, 3, 28): [("09:00", "personal", "x:@ana", "empty slot"), ("09:00", "acme", "x:@acme", "empty slot")],
    }  # Mon-Wed 09:00 have passed at the clock's Wednesday 12:00; Sunday (23 hours long) still has its 09:00
    thursday = cal.days[3].slots[1]
    assert (thursday.claim_id, thursday.claimer, thursday.mine, thursday.note) == (
        anns.id,
        "Ann",
        False,
        "launch thread",
    )
    friday = cal.days[4].slots[2]
    assert (friday.claim_id, friday.claimer, friday.mine) == (mine.id, "Eve", True)
    saturday = cal.days[5].slots
    assert [s.claimable for s in saturday] == [False, True]  # only a company's empty slots are claimed
    badges = {(e.hub, e.text): e.badge for d in cal.days for e in d.entries}
    assert badges == {("personal", "Coffee thoughts"): "scheduled", ("acme", "Acme teaser"): "pending approval"}
    (warning,) = [o for o in cal.overlaps if o.kind == "claimed_slot"]
    assert warning.message.startswith("Acme: Eve claimed the X @acme slot at 2027-03-26 09:00 (Europe/Madrid)")
    assert "strategy.yaml" in cal.slots_note


def test_a_claimed_slot_drafted_by_its_claimer_shows_as_the_post(world: World) -> None:
    (world.settings.workspace / "strategy.yaml").write_text(STRATEGY)
    claim = _ann_claims(world, "2027-03-25 09:00")
    with CompanyHub(world.settings, world.acme.connection_as(world.acme.ann)) as ann:
        done = approvals.post_for_company(
            ann, ["x"], [posts.PartInput(text="Launch thread")], resolve("2027-03-25 09:00", ZONE, MADE),
            lambda *_: "unused", media_dir=world.settings.workspace / "media", media_host=None,
        )  # fmt: skip
    assert done.slots == [claim.id]
    thursday = world.calendar().days[3]
    assert [(s.hub, s.badge) for s in thursday.slots if s.hub == "acme"] == []  # neither claimed nor empty now
    assert [(e.hub, e.badge, e.text) for e in thursday.entries] == [("acme", "pending approval", "Launch thread")]


def test_after_a_rejection_the_claimers_resubmission_at_her_slot_is_linked_and_not_a_warning(world: World) -> None:
    claim = _ann_claims(world, "2027-03-25 09:00")

    def ann_posts(text: str) -> approvals.CompanyPostResult:
        with CompanyHub(world.settings, world.acme.connection_as(world.acme.ann)) as ann:
            return approvals.post_for_company(
                ann, ["x"], [posts.PartInput(text=text)], resolve("2027-03-25 09:00", ZONE, MADE),
                lambda *_: "unused", media_dir=world.settings.workspace / "media", media_host=None,
            )  # fmt: skip

    first = ann_posts("Launch thread")
    with member_transaction(world.acme.hub, world.acme.admin) as conn:
        approvals.reject(conn, str(first.post.id), "Not on launch day", NOW)
    with world.acme.hub.owner() as conn:
        after_reject = conn.execute("SELECT post_id FROM calendar_slots WHERE id = %s", [claim.id]).fetchone()
    again = ann_posts("Launch thread, reworded")
    cal = world.calendar()
    assert first.slots == [claim.id] and after_reject == {"post_id": None}
    assert again.slots == [claim.id]
    assert [o.message for o in cal.overlaps if o.kind == "claimed_slot"] == []


def test_without_a_strategy_there_are_no_empty_slots_and_the_calendar_says_why(world: World) -> None:
    _ann_claims(world, "2027-03-25 09:00")
    cal = world.calendar()
    assert [(s.hub, s.badge) for d in cal.days for s in d.slots] == [("acme", "claimed slot")]
    assert "No strategy.yaml" in cal.slots_note and "psn strategy init" in cal.slots_note


def test_psn_calendar_week_month_claim_and_release_from_the_command_line(world: World) -> None:
    """The CLI reads the real clock, so its days derive from it (three and four days ahead, 09:00 in Madrid)."""
    ws = world.settings.workspace
    (ws / "strategy.yaml").write_text(STRATEGY)
    s = world.settings
    assert s.database_url is not None and s.app_password is not None
    (ws / "hub.env").write_text(
        f"PSN_DATABASE_URL={s.database_url.get_secret_value()}\nPSN_APP_PASSWORD={s.app_password.get_secret_value()}\n"
        f"PSN_MEMBER_ID={world.ana}\nPSN_TIMEZONE={ZONE}\n"
    )

    def psn(*args: str) -> tuple[int, str]:
        done = CliRunner().invoke(cli, ["--workspace", str(ws), *args], catch_exceptions=False)
        return done.exit_code, done.output

    now = utcnow()
    day = (now + timedelta(days=3)).astimezone(MADRID).date()
    following = day + timedelta(days=1)
    with member_transaction(world.acme.hub, world.acme.ann) as conn:
        anns = slots.claim(conn, "x", resolve(f"{day} 09:00", ZONE, now).utc, now, MADRID).claim
    code, week = psn("calendar", "--week", str(day), "--json")
    assert code == 0, week
    shown = json.loads(week)
    monday = day - timedelta(days=day.weekday())
    assert (shown["period"], shown["first_day"], shown["last_day"]) == ("week", str(monday), str(monday + timedelta(6)))
    claimed = [x for d in shown["days"] for x in d["slots"] if x["badge"] == "claimed slot"]
    assert [(c["claim_id"], c["claimer"]) for c in claimed] == [(str(anns.id), "Ann")]
    code, month = psn("calendar", "--month", str(day), "--json")
    assert code == 0 and json.loads(month)["first_day"] == str(day.replace(day=1))
    code, taken = psn("calendar", "claim", "x", f"{day} 09:00", "--company", "acme")
    assert code == 1 and "already claimed by Ann" in taken and "nothing changed" in taken
    code, held = psn("calendar", "claim", "x:@acme", str(following), "09:00", "--note", "recap", "--json")
    assert code == 0, held
    mine = json.loads(held)["claim"]
    assert (mine["claimer"], mine["note"], mine["local_time"]) == ("Eve", "recap", f"{following} 09:00 ({ZONE})")
    with CompanyHub(world.settings, world.acme.connection_as(world.acme.editor)) as eve, eve.transaction() as conn:
        idea = bank.capture(conn, world.acme.editor.member_id, parse_idea("Weekly recap #platform:x"), now).id
    code, posted = psn(
        "company", "post", "acme", "Recap", "--to", "x:@acme", "--at", f"{following} 09:00",
        "--idea-id", str(idea)[:8], "--yes",
    )  # fmt: skip
    assert code == 0 and "Scheduled post" in posted, posted
    with world.acme.hub.owner() as conn:
        linked = conn.execute(
            "SELECT s.post_id, i.state FROM calendar_slots s JOIN idea_posts l ON l.post_id = s.post_id"
            " JOIN ideas i ON i.id = l.idea_id WHERE s.id = %s",
            [mine["id"]],
        ).fetchone()
    assert linked is not None and linked["state"] == "developed"  # the claim and the idea both point to the post
    code, table = psn("calendar", "--week", str(day))
    assert code == 0 and "claimed slot" in table and "held by Ann" in table
    code, released = psn("calendar", "release", str(anns.id)[:8])  # Ana is an editor of Acme: she may
    assert code == 0 and f"Released the X @acme slot at {day} 09:00 ({ZONE})" in released
    code, old_style = psn("calendar", "day", "--from", str(day), "--json")
    assert code == 0 and json.loads(old_style)["period"] == "day"
    code, wrong = psn("calendar", "year")
    assert code == 2 and "'year' is not one of 'day', 'week', 'month', nor claim or release" in wrong
