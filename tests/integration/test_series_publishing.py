"""A post of a series through the real flow: saved as a reviewed draft with its series (linked, its pillar
and format recorded), drafted with the series' template and next label, scheduled and published by the real
Publisher against the emulator on two platforms, X's answer lost and its target published later by the
retry that reconciles it through the ledger, then queued again: one episode, counted once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from psn_core.emulator import Emulator, ManualClock
from psn_core.services.posting import drafts, posts
from psn_core.services.posting.saved_drafts import DraftTarget, ReviewedDraft, save_draft
from psn_core.services.series import due_episodes, store
from psn_core.services.series.errors import SeriesNotFound, SeriesTransitionRefused
from psn_core.services.voice.files import voices_dir
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env
from tests.support.series_world import make_series

pytestmark = [pytest.mark.pg, pytest.mark.dates]

MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def pub(hub_env: HubEnv, clock: ManualClock) -> Iterator[PubEnv]:
    with Emulator(clock=clock) as emu:
        yield make_pub_env(hub_env, emu, clock, platform_read_timeout=1.0)


def _draft(series: str | None, **extra: object) -> ReviewedDraft:
    targets = [DraftTarget(account="x", parts=["Tip #4: ship small."]), DraftTarget(account="linkedin", parts=["Tip"])]
    return ReviewedDraft(targets=targets, idea="tip", series_id=series, **extra)  # type: ignore[arg-type]


def test_a_series_post_saved_drafted_and_published_twice_is_one_episode(pub: PubEnv) -> None:
    now = pub.clock()
    with pub.env.hub.transaction(pub.member) as conn:
        series = make_series(
            conn, pub.member, now, starts_on=now.date(), at=time(9, 0), first_episode=4, pillar="craft"
        )
    context = drafts.drafting_context(
        pub.env.hub, voices_dir(pub.settings.workspace), pub.member, platform="x", language="en", series=series.slug
    )
    assert context.series is not None
    assert (context.series.label, context.series.intro, context.series.hashtags) == ("#4", "Tip #4:", ["#tips"])
    assert any("episode #4" in note for note in context.notes)
    with pub.env.hub.transaction(pub.member) as conn:
        saved = save_draft(conn, pub.settings, pub.member, _draft(series.slug, format="short_take"))
        topics = conn.execute("SELECT pillar, format FROM post_topics WHERE post_id = %s", [saved.id]).fetchone()
    assert topics == {"pillar": "craft", "format": "short_take"}  # the pillar from its series
    pub.emu.faults.add("x/create_tweet:timeout_after_write*1")  # X takes the post but the answer is lost
    view = pub.schedule(saved)
    first = pub.publish(view)
    assert (first["linkedin"].status, first["x"].status, first["x"].error_class) == (
        "published",
        "scheduled",
        "OutcomeUnknown",
    )
    with pub.env.hub.transaction(pub.member) as conn:
        assert store.get_series(conn, series.id).episodes_published == 1  # LinkedIn made it the episode
    pub.clock.advance(minutes=1)
    member, target, _ = pub.queue[-1]
    retried = pub.publisher().publish(member, target)  # the retry reconciles X: its target becomes published
    assert retried.status == "published" and pub.requests("x", "create_tweet") == 1
    again = pub.publish(view)  # and a duplicate queue entry for both finds nothing to do
    assert {t.status for t in again.values()} == {"published"}
    with pub.env.hub.transaction(pub.member) as conn:
        ledger = [r["state"] for r in conn.execute("SELECT state FROM publish_ledger WHERE target_id = %s", [target])]
        assert ledger == ["reconciled"]
        after = store.get_series(conn, series.id)
        episodes = conn.execute("SELECT episode_number, post_id FROM series_episodes").fetchall()
        assert posts.get_post(conn, pub.member, saved.id).id == saved.id
    assert (after.episodes_published, after.next_label) == (1, "#5")
    assert episodes == [{"episode_number": 4, "post_id": saved.id}]


def test_a_draft_for_an_unknown_or_retired_series_is_refused_and_nothing_is_saved(pub: PubEnv) -> None:
    now = pub.clock()
    with pub.env.hub.transaction(pub.member) as conn:
        series = make_series(conn, pub.member, now, starts_on=date(2026, 1, 6))
        store.move(conn, series.id, "retire", now)
        with pytest.raises(SeriesNotFound):
            save_draft(conn, pub.settings, pub.member, _draft("no-such-series"))
        with pytest.raises(SeriesTransitionRefused, match="retired"):
            save_draft(conn, pub.settings, pub.member, _draft(series.slug))
        assert conn.execute("SELECT count(*) AS n FROM posts").fetchone() == {"n": 0}


def test_a_scheduled_series_post_marks_its_occurrence_as_taken(pub: PubEnv) -> None:
    now = pub.clock()
    with pub.env.hub.transaction(pub.member) as conn:
        series = make_series(conn, pub.member, now, cadence="rrule", rrule="FREQ=DAILY", starts_on=now.date())
        target = due_episodes(conn, start=now, end=now + timedelta(days=3), zone=MADRID)[0]
        assert not target.already_scheduled
        saved = save_draft(conn, pub.settings, pub.member, _draft(str(series.id), occurrence_at=target.due_at))
    pub.schedule(saved, target.due_at)
    with pub.env.hub.transaction(pub.member) as conn:
        again = due_episodes(conn, start=now, end=now + timedelta(days=3), zone=MADRID)
    assert (again[0].due_at, again[0].already_scheduled, again[0].post_id) == (target.due_at, True, saved.id)
    assert not again[1].already_scheduled and again[1].episode_number == again[0].episode_number + 1
