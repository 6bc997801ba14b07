"""`psn doctor`'s engagement line: what each connected account can do with its conversations, when psn last
read them (the last sweep) and what failed: a source the platform refused, a reply that failed. The clock is
the tests' own (the emulator's manual clock), so the times shown derive from it."""

from __future__ import annotations

import pytest

from psn_core.services.doctor import Check, run_doctor
from psn_core.services.engage.models import Opportunity
from psn_core.timefmt import local
from tests.integration.engage.conftest import sweeper
from tests.support.publishing_env import PubEnv

pytestmark = pytest.mark.pg


def engagement(pub: PubEnv) -> Check:
    settings = pub.settings.model_copy(update={"member_id": pub.member})  # as `psn doctor` runs for the member
    return {c.name: c for c in run_doctor(settings, pub.clock()).checks}["engagement"]


def test_doctor_says_what_each_account_can_do_the_last_sweep_and_what_failed(pub: PubEnv) -> None:
    handles = {name: view.handle for name, view in pub.accounts.items()}
    before = engagement(pub)
    assert before.status == "ok" and before.fix is None, before
    assert f"x @{handles['x']}: reads mentions, search, replies" in before.detail
    assert f"tiktok @{handles['tiktok']}: " in before.detail and before.detail.count("no replies") >= 1
    assert before.detail.endswith("not swept yet (the worker reads every 15 minutes)")

    swept_at = pub.clock()
    pub.emu.faults.add("x/user_mentions:402*1")  # the platform refuses one source of one account
    sweeper(pub).sweep(pub.member)
    pub.clock.advance(minutes=5)
    after = engagement(pub)
    assert after.status == "warn", after
    assert f"last sweep {local(swept_at, pub.settings.zone)}" in after.detail
    assert "failing: x mentions and replies to your posts: X refused mentions" in after.detail
    assert after.fix is not None and "psn engage status" in after.fix

    pub.clock.advance(minutes=20)
    sweeper(pub).sweep(pub.member)  # read again, answered: nothing fails any more
    healed = engagement(pub)
    assert healed.status == "ok" and "failing" not in healed.detail, healed
    assert f"last sweep {local(pub.clock(), pub.settings.zone)}" in healed.detail


def test_failed_replies_and_accounts_off_are_named() -> None:
    import uuid
    from zoneinfo import ZoneInfo

    from psn_core.services.engage.models import AccountAbilities
    from psn_core.services.engage.status import health

    def account(platform: str, enabled: bool) -> AccountAbilities:
        return AccountAbilities(
            account_id=uuid.uuid4(),
            platform=platform,
            handle="me",
            enabled=enabled,
            can_reply=enabled,
            sources=[],
            rule="",
            cannot="",
            replies_today=0,
            daily_cap=3,
        )

    zone = ZoneInfo("Europe/Madrid")
    assert health([], 0, zone) == ("skip", "no connected accounts (`psn auth x` connects one)", None)
    status, detail, fix = health([account("x", False), account("tiktok", False)], 2, zone)
    assert (status, fix is not None) == ("warn", True)
    assert detail == (
        "x @me: off in strategy.yaml, no replies; tiktok @me: no conversations through its API, no replies; "
        "not swept yet (the worker reads every 15 minutes); failing: 2 replies failed or unsettled in the last day"
    )
    assert health([account("x", False)], 0, zone)[0] == "ok"


def test_a_reply_the_platform_refused_is_a_failure_of_the_last_day(pub: PubEnv) -> None:
    from tests.integration.engage.conftest import confirm, sender, x_of

    fan = pub.emu.create_user("x", username="pg_fan")
    x_of(pub.emu).conversations.post_as(fan, f"@{pub.emu.default_user('x').username} how do you tune postgres?")
    sweeper(pub).sweep(pub.member)
    [found] = [o for o in _inbox(pub) if o.platform == "x"]
    reply = confirm(pub, str(found.id), "Autovacuum first.")
    pub.emu.faults.add("x/create_tweet:402*1")
    sent = sender(pub).send(pub.member, reply.id)
    assert sent is not None and sent.state == "failed", sent
    failed = engagement(pub)
    assert failed.status == "warn" and failed.detail.endswith("failing: 1 reply failed or unsettled in the last day")
    pub.clock.advance(hours=25)
    sweeper(pub).sweep(pub.member)
    assert "failing" not in engagement(pub).detail  # a day later it is history


def _inbox(pub: PubEnv) -> list[Opportunity]:
    from psn_core.services.engage import inbox

    with pub.env.hub.transaction(pub.member) as conn:
        return inbox.list_opportunities(conn, pub.member, pub.clock())


def test_a_read_the_access_level_refuses_is_asked_again_a_day_later_and_is_no_warning(pub: PubEnv) -> None:
    pub.emu.world.config = pub.emu.world.config.model_copy(update={"x_access_level": "free"})

    def reads() -> int:
        return sum(1 for r in pub.emu.requests if r.endpoint in ("user_mentions", "search_recent"))

    sweeper(pub).sweep(pub.member)
    first = reads()
    assert first == 2  # mentions and search, each refused with 403 client-not-enrolled
    for _ in range(4):  # every 15 minutes for an hour: X is not asked again
        pub.clock.advance(minutes=16)
        sweeper(pub).sweep(pub.member)
    assert reads() == first
    check = engagement(pub)
    assert check.status == "ok" and "failing" not in check.detail, check
    assert "mentions, search: not available on your access level" in check.detail
    pub.clock.advance(hours=24)
    sweeper(pub).sweep(pub.member)
    assert reads() == first + 2  # a day later it asks again (the user may have upgraded)
