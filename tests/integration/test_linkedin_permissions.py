"""LinkedIn without the permissions it grants to approved apps only (issue 17).

Every app gets `openid profile w_member_social`; reading one's own posts (r_member_social) and post
statistics (r_member_postAnalytics) are for approved apps. Without them psn cannot reconcile a publish of
unknown outcome, so the user checks (never a silent re-send), and the analytics sweep skips LinkedIn with
the reason. The emulator's apps are approved (tests/support asks for the scopes); these tests do not ask.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest

from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.emulator.linkedin import LinkedInEmulator
from psn_core.platforms.linkedin import LinkedInPlatform
from psn_core.services.accounts.features import feature_access, granted_scopes
from psn_core.services.analytics.sweep import AnalyticsSweeper
from psn_core.services.posting.ledger import Ledger
from psn_core.services.posting.posts import TargetView, retry_target
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env, parts

pytestmark = pytest.mark.pg

TEXT = "Shipping week #psn: the scheduler (beta) is out"


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=5, hold_seconds=3)) as emulator:
        yield emulator


@pytest.fixture
def pub(hub_env: HubEnv, emu: Emulator, clock: ManualClock) -> PubEnv:
    # An ordinary app: no PSN_LINKEDIN_EXTRA_SCOPES, so only the self-serve scopes are asked for and granted.
    return make_pub_env(hub_env, emu, clock, platform_read_timeout=1.0, linkedin_extra_scopes="")


def created(pub: PubEnv) -> list[str]:
    return list(cast(LinkedInEmulator, pub.emu.platform("linkedin")).posts)


def rows(pub: PubEnv, query: str, *args: object) -> list[dict[str, object]]:
    with pub.env.hub.transaction(pub.member) as conn:
        return conn.execute(query, list(args)).fetchall()


def assert_handed_to_the_user(pub: PubEnv, target: TargetView) -> None:
    assert target.status == "needs_attention", (target.error_class, target.error_message)
    assert target.error_class == "OutcomeUnverifiable"
    assert target.error_action is not None and LinkedInPlatform.activity_url in target.error_action
    assert f"psn retry {target.id}" in target.error_action
    sent = rows(pub, "SELECT tier, body AS message, action FROM notifications WHERE kind = 'post_failed'")
    assert len(sent) == 1 and sent[0]["tier"] == "critical"
    assert TEXT in str(sent[0]["message"]) and "r_member_social" in str(sent[0]["message"])
    assert "may have gone out" in str(sent[0]["message"])
    assert LinkedInPlatform.activity_url in str(sent[0]["action"])
    assert not pub.queue[1:], "nothing re-queued: psn never re-sends on its own"
    assert pub.requests("linkedin", "list_posts") == 0  # it would be refused: psn does not ask


def test_the_account_holds_only_the_self_serve_scopes(pub: PubEnv) -> None:
    with pub.env.hub.transaction(pub.member) as conn:
        granted = granted_scopes(conn, pub.accounts["linkedin"].id)
    assert set(granted) == {"openid", "profile", "w_member_social"}
    described = [f.describe() for f in feature_access(LinkedInPlatform, granted)]
    assert described[0] == "publish: yes"
    assert described[1].startswith("analytics: no (needs r_member_postAnalytics")
    assert described[2].startswith("reconcile: no (needs r_member_social")


def test_unknown_outcome_without_r_member_social_asks_the_user_and_never_resends(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"linkedin": parts(TEXT)}))
    pub.emu.faults.add("linkedin/create_post:timeout_after_write*1")
    target = pub.publish(post)["linkedin"]
    assert_handed_to_the_user(pub, target)
    assert len(created(pub)) == 1 and pub.requests("linkedin", "create_post") == 1
    ledger = rows(pub, "SELECT state, error_class FROM publish_ledger WHERE target_id = %s", target.id)
    assert [(r["state"], r["error_class"]) for r in ledger] == [("abandoned", "OutcomeUnknown")]


def test_a_send_left_in_flight_without_r_member_social_goes_to_the_user(pub: PubEnv) -> None:
    # A publisher died after committing its ledger row: the next one cannot list the account's posts.
    post = pub.schedule(pub.create({"linkedin": parts(TEXT)}))
    target_id = post.targets[0].id
    Ledger(pub.env.hub, pub.member, target_id, 0, clock=pub.clock).sending()
    target = pub.publish(post)["linkedin"]
    assert_handed_to_the_user(pub, target)
    assert pub.requests("linkedin", "create_post") == 0


def test_psn_retry_after_the_user_checked_sends_it(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"linkedin": parts(TEXT)}))
    pub.emu.faults.add("linkedin/create_post:timeout_after_write*1")
    target = pub.publish(post)["linkedin"]
    assert target.status == "needs_attention"
    cast(LinkedInEmulator, pub.emu.platform("linkedin")).posts.clear()  # the user looked: it is not there
    with pub.env.hub.transaction(pub.member) as conn:
        retry_target(conn, pub.member, target.id, pub.clock())
    done = pub.publisher().publish(pub.member, target.id)
    assert done.status == "published", (done.error_class, done.error_message)
    assert pub.requests("linkedin", "create_post") == 2 and len(created(pub)) == 1


def test_sweep_skips_linkedin_metrics_without_the_analytics_scope(pub: PubEnv) -> None:
    done = pub.publish(pub.schedule(pub.create({"linkedin": parts(TEXT)})))
    assert done["linkedin"].status == "published"
    pub.clock.advance(hours=2)
    sweeper = AnalyticsSweeper(pub.env.hub, pub.settings, load_keyring(pub.settings), clock=pub.clock)
    result = sweeper.sweep(pub.member, force=True)
    linkedin = next(a for a in result.accounts if a.platform == "linkedin")
    assert linkedin.collected == 0 and linkedin.stopped is None
    assert linkedin.skipped is not None and "r_member_postAnalytics" in linkedin.skipped
    assert pub.requests("linkedin", "post_analytics") == 0
    assert "skipped: LinkedIn post analytics need" in str(result)
