"""`psn auth` as a user runs it: the browser lands on the one-shot callback server, or the user pastes
the redirect on a headless machine; `psn auth status` shows expiry in the user's zone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2
import pytest

from psn_core.emulator import Emulator
from tests.support.cli_runner import clean_env, run_psn
from tests.support.platform_env import as_env_lines, emulator_overrides

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def psn(ws: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_psn(ws, *args, check=False, stdin=stdin)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, emu: Emulator) -> Iterator[Path]:
    ws = tmp_path_factory.mktemp("auth-ws")
    done = psn(ws, "init", "--name", "Ana", "--timezone", "Europe/Madrid")
    assert done.returncode == 0, done.stderr
    with (ws / "hub.env").open("a") as env:
        env.write(as_env_lines(emulator_overrides(emu)))
    yield ws
    psn(ws, "hub", "stop")


def _account_rows(out: str) -> dict[str, list[str]]:
    """`psn auth status` read back (piped: one table row per account, its first line): account ->
    [status, first line of the token column, first line of the notes column]."""
    rows = {}
    for line in out.splitlines():
        cells = [cell.strip() for cell in re.split(r" {3,}", line.strip())]
        if len(cells) == 4 and " @" in cells[0]:
            rows[cells[0].removesuffix(" (sandbox)")] = cells[1:]
    return rows


def _browser(url: str) -> None:
    """Open the authorization URL and follow the redirect to psn's callback, like a browser."""
    with httpx2.Client(follow_redirects=True, timeout=10) as http:
        landed = http.get(url)
    assert landed.status_code == 200 and "account connected" in landed.text


def test_auth_with_the_callback_server(workspace: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "psn_core.cli", "auth", "x", "--no-browser"],
        cwd=workspace,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip().startswith("http"):
            url = line.strip()
        if "Waiting for the sign-in" in line:
            break
    assert url, "psn auth printed no URL"
    _browser(url)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Connected X as @psn_tester_1" in out and "(Europe/Madrid)" in out


def test_auth_by_pasting_the_redirect(workspace: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "psn_core.cli", "auth", "linkedin", "--paste"],
        cwd=workspace,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    url = proc.stdout.readline().strip() and proc.stdout.readline().strip()
    with httpx2.Client(follow_redirects=False, timeout=10) as http:
        redirect = http.get(url).headers["location"]
    out, err = proc.communicate(redirect + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert "Connected LinkedIn as @" in out


def test_paste_of_nothing_fails_clearly(workspace: Path) -> None:
    done = psn(workspace, "auth", "tiktok", "--paste", stdin="\n")
    assert done.returncode == 1
    assert "No redirect URL was given" in done.stderr and "What to do" in done.stderr


def test_auth_status_lists_accounts_in_the_users_zone(workspace: Path) -> None:
    out = psn(workspace, "auth", "status").stdout
    rows = _account_rows(out)
    assert rows["X @psn_tester_1"][0] == "active"
    assert rows["X @psn_tester_1"][1].startswith("expires ") and "(Europe/Madrid)" in rows["X @psn_tester_1"][1]
    # what the granted scopes enable, per account (the emulator's LinkedIn app is an approved one); every
    # platform declares the scopes its features need, and the emulator grants what psn asks for
    (linkedin,) = [row for account, row in rows.items() if account.startswith("LinkedIn @")]
    assert linkedin[2] == "features: publish: yes; analytics: yes; reconcile: yes"
    assert rows["X @psn_tester_1"][2] == "features: publish: yes; analytics: yes; reconcile: yes"
    as_json = json.loads(psn(workspace, "auth", "status", "--json").stdout)
    assert {(a["platform"], a["handle"]) for a in as_json["accounts"]} >= {("x", "psn_tester_1")}


def test_auth_remove_asks_refuses_while_posts_wait_then_cancels_them_with_notice(workspace: Path) -> None:
    when = (datetime.now(ZoneInfo("Europe/Madrid")) + timedelta(days=2)).strftime("%Y-%m-%d 12:00")
    posted = psn(workspace, "post", "Bye LinkedIn", "--to", "linkedin", "--at", when, "--yes")
    assert posted.returncode == 0, posted.stderr
    declined = psn(workspace, "auth", "remove", "linkedin", stdin="n\n")
    refused = psn(workspace, "auth", "remove", "linkedin", "--yes")
    unknown = psn(workspace, "auth", "remove", "x", "--account", "@nobody", "--yes")
    removed = psn(workspace, "auth", "remove", "linkedin", "--yes", "--cancel-pending")
    status = psn(workspace, "auth", "status").stdout
    assert declined.returncode == 1 and "Aborted" in declined.stderr
    assert refused.returncode == 1 and "still has 1 post(s) waiting to go out" in refused.stderr
    assert "'Bye LinkedIn'" in refused.stderr and "--cancel-pending" in refused.stderr
    assert unknown.returncode == 1 and "You have no X account @nobody connected" in unknown.stderr
    assert removed.returncode == 0, removed.stderr
    assert "Removed LinkedIn @" in removed.stdout and "cancelled [" in removed.stdout
    assert "cancelled 1 post(s) waiting on it" in removed.stdout and "still lists psn" in removed.stdout
    rows = _account_rows(status)
    assert "X @psn_tester_1" in rows, status
    assert rows["X @psn_tester_1"][0] == "active", status
    (linkedin,) = [row for account, row in rows.items() if account.startswith("LinkedIn @")]
    assert linkedin[0] == "disconnected"
    assert "what to do: run `psn auth linkedin` to reconnect (removed by you)" in status
    queue = psn(workspace, "queue").stdout
    assert "Bye LinkedIn" not in queue


def test_calendar_shows_a_week_or_a_month_in_the_users_zone_as_text_or_json(workspace: Path) -> None:
    day = (datetime.now(ZoneInfo("Europe/Madrid")) + timedelta(days=2)).date()
    posted = psn(workspace, "post", "Calendar check", "--to", "x", "--at", f"{day} 12:00", "--yes")
    assert posted.returncode == 0, posted.stderr
    week = psn(workspace, "calendar", "week", "--from", str(day))
    as_json = psn(workspace, "calendar", "month", "--from", str(day), "--json")
    wrong = psn(workspace, "calendar", "year")
    assert week.returncode == 0, week.stderr
    lines = week.stdout.splitlines()
    assert lines[0].endswith("times in Europe/Madrid") and lines[0].startswith("Mon ")
    assert "  Personal: 1 post(s)" in lines
    (entry,) = [line for line in lines if "Calendar check" in line]  # a table row: time, id, account, status, text
    fields = entry.split()
    at = fields.index("12:00")
    assert fields[at + 2 :] == ["X", "@psn_tester_1", "scheduled", "Calendar", "check"], entry
    assert f'"target_id": "{fields[at + 1]}' in as_json.stdout  # the target's id, which --json has in full
    days = [line for line in lines[1:] if line[:3] in {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}]
    assert len(days) == 7 and days[0].startswith("Mon ") and days[6].startswith("Sun ")
    month = json.loads(as_json.stdout)
    assert month["period"] == "month" and month["first_day"] == str(day.replace(day=1))
    assert [e["text"] for d in month["days"] for e in d["entries"]] == ["Calendar check"]
    assert wrong.returncode == 2 and "'year' is not one of" in wrong.stderr


def test_post_at_words_echoes_the_time_in_the_zone_and_utc_and_refuses_the_past(workspace: Path) -> None:
    # the CLI reads the real clock (it takes no injected one): the expectation brackets the call with it
    madrid = ZoneInfo("Europe/Madrid")
    before = datetime.now(madrid)
    posted = psn(workspace, "post", "In plain words", "--to", "x", "--at", "tomorrow 9am", "--yes")
    after = datetime.now(madrid)
    past = psn(workspace, "post", "Too late", "--to", "x", "--at", "yesterday 9am", "--yes")
    assert posted.returncode == 0, posted.stderr
    echoes = []
    for day in {before.date() + timedelta(days=1), after.date() + timedelta(days=1)}:
        nine = datetime.combine(day, datetime.min.time().replace(hour=9), madrid).astimezone(ZoneInfo("UTC"))
        echoes.append(f"{day} 09:00 (Europe/Madrid) = {nine:%Y-%m-%d %H:%M} UTC")
    assert any("Scheduled post " in line and any(e in line for e in echoes) for line in posted.stdout.splitlines())
    assert past.returncode == 1 and "is in the past" in past.stderr and "What to do:" in past.stderr
    assert "Too late" not in psn(workspace, "queue").stdout


def test_post_from_an_idea_links_it_and_develops_the_idea(workspace: Path) -> None:
    made = json.loads(psn(workspace, "idea", "Why we bake at four #platform:x", "--json").stdout)
    day = (datetime.now(ZoneInfo("Europe/Madrid")) + timedelta(days=3)).date()
    args = ("post", "From the bank", "--to", "x", "--at", f"{day} 12:00", "--yes", "--idea-id")
    posted = psn(workspace, *args, made["id"][:8])
    missing = psn(workspace, *args, "00000000")
    assert posted.returncode == 0, posted.stderr
    (idea,) = json.loads(psn(workspace, "ideas", "list", "--state", "developed", "--json").stdout)
    assert idea["id"] == made["id"] and len(idea["post_ids"]) == 1
    assert missing.returncode == 1 and "No idea you can see" in missing.stderr


def test_post_as_a_series_episode_links_it_and_marks_the_occurrence(workspace: Path) -> None:
    # the CLI reads the real clock: the series starts on the day the expectation is computed from
    madrid = ZoneInfo("Europe/Madrid")
    day = (datetime.now(madrid) + timedelta(days=4)).date()
    create = ("series", "create", "Friday wins", "--start", str(day), "--at", "12:00", "--platform", "x", "--json")
    made = json.loads(psn(workspace, *create).stdout)
    args = ("post", "Win #1", "--to", "x", "--at", f"{day} 12:00", "--yes", "--series")
    posted = psn(workspace, *args, "friday-wins")
    missing = psn(workspace, *args, "no-such-series")
    assert posted.returncode == 0, posted.stderr
    due = json.loads(psn(workspace, "series", "due", "--from", str(day), "--days", "1", "--json").stdout)
    assert [(d["series_id"], d["label"], d["already_scheduled"]) for d in due] == [(made["id"], "#1", True)]
    assert missing.returncode == 1 and "No series 'no-such-series'" in missing.stderr
