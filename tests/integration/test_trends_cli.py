"""`psn trends ...` as a user runs them (click's runner, a real hub, sources on 127.0.0.1), the failing
source in `psn trends status` and `psn doctor`, and the worker's daily intake and lighter poll."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.services.doctor import run_doctor
from psn_core.services.trends import store
from psn_core.timefmt import utcnow
from psn_core.worker.app import Worker
from tests.support.cli_runner import invoke_psn as psn
from tests.support.cli_runner import member_workspace
from tests.support.clock import start_instant
from tests.support.feed_server import Route
from tests.support.hubs import HubEnv, make_settings, new_member
from tests.support.trends_world import FEED, HN_TOP, sources_at, trends_section, write_strategy

pytestmark = pytest.mark.pg

STARTER = "https://example.com/news/sourdough-starter"


@pytest.fixture
def workspace(hub_env: HubEnv) -> tuple[Path, uuid.UUID]:
    member = new_member(hub_env.hub, "Ana")
    ws = member_workspace(hub_env, member)
    return ws, member


def test_refresh_list_status_and_spark(workspace: tuple[Path, uuid.UUID]) -> None:
    ws, _ = workspace
    assert "No trend sources" in psn(ws, "trends", "status").stdout
    # the commands run on the real clock: the sources' dates are rendered from it too
    with sources_at(utcnow()) as server:
        server.routes["/down.rss"] = Route(status=500, body=b"oops", content_type="text/plain")
        write_strategy(ws, trends_section(server, feeds=[server.url(FEED), server.url("/down.rss")]))
        done = psn(ws, "trends", "refresh")
        report = json.loads(psn(ws, "trends", "refresh", "--source", "hacker_news", "--json").stdout)
        unknown = psn(ws, "trends", "refresh", "--source", "myspace")
    assert done.exit_code == 0, done.output
    assert f"feed:{server.url('/down.rss')}: failed ({server.url('/down.rss')} answered HTTP 500)" in done.stdout
    assert "hacker_news: fetched (3 items, 2 new)" in done.stdout and "announced as breaking" in done.stdout
    assert [(s["source"], s["outcome"]) for s in report["sources"]] == [("hacker_news", "not_modified")]
    assert unknown.exit_code == 1 and "No trend source 'myspace'" in unknown.stderr

    listed = json.loads(psn(ws, "trends", "list", "--json").stdout)
    assert listed[0]["url"] == STARTER and all(t["score"] > 0 for t in listed)
    everything = json.loads(psn(ws, "trends", "list", "--all", "--limit", "100", "--json").stdout)
    assert len(everything) > len(listed)
    shown = psn(ws, "trends", "list", "--pillar", "sourdough")
    assert listed[0]["id"][:8] in shown.stdout and "small-business" not in shown.stdout

    status = {s["source"]: s for s in json.loads(psn(ws, "trends", "status", "--json").stdout)}
    down = status[f"feed:{server.url('/down.rss')}"]
    assert down["last_outcome"] == "failed" and down["last_error"].endswith("answered HTTP 500")
    assert status["hacker_news"]["etag"] == '"top-v1"'
    table = psn(ws, "trends", "status").stdout
    assert "failing" in table and "1 source(s) failing: the others still run" in table

    sparked = psn(ws, "trends", "spark", listed[0]["id"][:8])
    assert sparked.exit_code == 0 and "is idea" in sparked.stdout and "psn ideas promote" in sparked.stdout
    ideas = json.loads(psn(ws, "ideas", "list", "--json").stdout)
    assert [(i["source"], i["pillar"]) for i in ideas] == [("trend", "sourdough")]
    again = json.loads(psn(ws, "trends", "spark", listed[0]["id"], "--json").stdout)
    assert again["idea"]["id"] == ideas[0]["id"]
    missing = psn(ws, "trends", "spark", "abcdef12")
    assert missing.exit_code == 1 and "No trend of yours" in missing.stderr and "psn trends list" in missing.stderr


def test_doctor_names_the_failing_source(workspace: tuple[Path, uuid.UUID]) -> None:
    ws, _ = workspace
    settings = Settings.load(ws)
    checks = {c.name: c for c in run_doctor(settings).checks}
    assert checks["trend sources"].status == "skip"
    with sources_at(utcnow()) as server:
        server.routes["/moved.rss"] = Route(body=b"<!DOCTYPE html><html></html>", content_type="text/html")
        write_strategy(ws, trends_section(server, feeds=[server.url("/moved.rss"), server.url(FEED)]))
        assert "not fetched yet" in {c.name: c for c in run_doctor(settings).checks}["trend sources"].detail
        assert psn(ws, "trends", "refresh").exit_code == 0
    check = {c.name: c for c in run_doctor(settings).checks}["trend sources"]
    assert check.status == "warn" and check.fix and "strategy.yaml" in check.fix
    assert check.detail == (
        f"1 of 5 failing: {server.url('/moved.rss')} answered with a web page (HTML), not an RSS or Atom feed "
        "(failing 1x)"
    )


def test_the_worker_collects_daily_and_polls_every_four_hours(hub_env: HubEnv) -> None:
    member = new_member(hub_env.hub, "Ana")
    settings = make_settings(hub_env.settings.workspace, hub_env.server.conninfo(hub_env.database), member_id=member)
    t0 = start_instant()
    worker = Worker(settings)
    try:
        assert {"collect_trends", "poll_trends"} <= set(worker.tasks)
        assert worker.collect_trends(t0).sources == []  # no strategy.yaml: nothing to read, nothing fails
        with sources_at(t0) as server:
            write_strategy(settings.workspace, trends_section(server))
            daily = worker.collect_trends(t0)
            poll = worker.collect_trends(t0 + timedelta(hours=4), "poll")
            asked = server.seen(HN_TOP)
        assert daily.mode == "daily" and daily.new > 0 and not daily.failed
        assert poll.mode == "poll" and poll.new == 0 and not poll.failed
        assert asked[1].headers["if-none-match"] == '"top-v1"'
        assert worker.collect_trends(t0 + timedelta(days=30)).expired == daily.new
    finally:
        worker.close()
    with hub_env.hub.transaction(member) as conn:
        assert store.list_trends(conn, now=t0 + timedelta(days=30)) == []
