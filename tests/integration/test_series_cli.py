"""`psn series ...` as a user runs it (click's runner, a real hub): create, list, show, due, pause, resume,
retire, detect, each with --json; refusals that change nothing. Dates are fixed (a series from March 2026,
due from a named day), so nothing depends on today."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.support.cli_runner import invoke_psn as psn
from tests.support.cli_runner import member_workspace
from tests.support.hubs import HubEnv, new_member

pytestmark = pytest.mark.pg


@pytest.fixture
def ws(hub_env: HubEnv) -> Path:
    member = new_member(hub_env.hub, "Ana")
    folder = member_workspace(hub_env, member)
    return folder


CREATE = ("series", "create", "Tuesday tips", "--start", "2026-03-03", "--at", "09:00", "--platform", "x")


def test_create_list_show_due_and_the_states(ws: Path) -> None:
    made = psn(ws, *CREATE, "--platform", "linkedin", "--intro", "Tip {label}:", "--hashtag", "#tips", "--json")
    assert made.exit_code == 0, made.output
    series = json.loads(made.stdout)
    assert (series["slug"], series["rrule"], series["timezone"], series["next_label"]) == (
        "tuesday-tips",
        "FREQ=WEEKLY;BYDAY=TU",
        "Europe/Madrid",
        "#1",
    )
    assert series["template"]["intro"] == "Tip {label}:"
    listed = psn(ws, "series", "list")
    assert "tuesday-tips [active]" in listed.stdout and "weekly at 09:00 (Europe/Madrid)" in listed.stdout

    due = json.loads(psn(ws, "series", "due", "--from", "2026-03-23", "--days", "14", "--json").stdout)
    # 09:00 in Madrid, before and after the clocks change on 29 March
    assert [(d["due_at"], d["label"]) for d in due] == [
        ("2026-03-24T08:00:00Z", "#1"),
        ("2026-03-31T07:00:00Z", "#2"),
    ]
    text = psn(ws, "series", "due", "--from", "2026-03-23", "--days", "14").stdout
    assert "Tue 2026-03-24 09:00 (Europe/Madrid)  tuesday-tips #1 [to write] on x, linkedin" in text

    shown = json.loads(psn(ws, "series", "show", "tuesday-tips", "--json").stdout)
    assert shown["analytics"]["episodes"] == 0 and shown["series"]["id"] == series["id"]
    assert "0 posts, 0 episodes published (last never)" in psn(ws, "series", "show", "tuesday-tips").stdout

    assert "is paused now" in psn(ws, "series", "pause", "tuesday-tips").stdout
    assert json.loads(psn(ws, "series", "due", "--from", "2026-03-23", "--json").stdout) == []
    assert json.loads(psn(ws, "series", "resume", series["id"][:8], "--json").stdout)["state"] == "active"
    assert "is retired now" in psn(ws, "series", "retire", "tuesday-tips").stdout
    refused = psn(ws, "series", "resume", "tuesday-tips")
    assert refused.exit_code != 0 and "retired" in refused.output
    assert json.loads(psn(ws, "series", "list", "--state", "all", "--json").stdout)[0]["state"] == "retired"


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (("--cadence", "rrule", "--rrule", "FREQ=WEEKLY;UNTIL=20200101T000000Z"), "never fires"),
        (("--cadence", "rrule", "--rrule", "FREQ=DAILY;COUNT=0"), "never fires"),
        (("--cadence", "rrule", "--rrule", "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2"), "never fires"),
        (("--at", "25:00"), "not a time of day"),
        (("--label", "Ep {x}"), "label pattern"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(ws: Path, extra: tuple[str, ...], said: str) -> None:
    refused = psn(ws, *CREATE, *extra)
    assert refused.exit_code != 0 and said in refused.output
    assert json.loads(psn(ws, "series", "list", "--state", "all", "--json").stdout) == []


def test_an_unknown_pillar_is_refused_when_there_is_a_strategy(ws: Path) -> None:
    assert psn(ws, "strategy", "init").exit_code == 0
    pillars = json.loads(psn(ws, "strategy", "show", "--json").stdout)["strategy"]["pillars"]
    refused = psn(ws, *CREATE, "--pillar", "no-such-pillar")
    assert refused.exit_code != 0 and "not one of your strategy's pillars" in refused.output
    made = psn(ws, *CREATE, "--pillar", pillars[0]["name"], "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["pillar"] == pillars[0]["name"]


def test_detect_says_when_nothing_repeats(ws: Path) -> None:
    assert json.loads(psn(ws, "series", "detect", "--json").stdout) == []
    assert "Nothing repeats enough yet" in psn(ws, "series", "detect").stdout


def test_the_member_id_is_not_needed_on_the_command_line(ws: Path) -> None:
    assert uuid.UUID(json.loads(psn(ws, *CREATE, "--json").stdout)["member_id"])


def test_create_starts_today_by_default_and_reads_a_first_day_in_words(ws: Path) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    madrid = ZoneInfo("Europe/Madrid")
    before = datetime.now(madrid).date()  # the command reads the real clock: expectations derive from it
    made = psn(ws, "series", "create", "Daily notes", "--platform", "x", "--json")
    after = datetime.now(madrid).date()
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["starts_on"] in {before.isoformat(), after.isoformat()}
    worded = psn(ws, "series", "create", "Next notes", "--platform", "x", "--start", "tomorrow", "--json")
    assert worded.exit_code == 0, worded.output
    assert json.loads(worded.stdout)["starts_on"] in {(d + timedelta(days=1)).isoformat() for d in (before, after)}
    refused = psn(ws, "series", "create", "Odd notes", "--platform", "x", "--start", "3/4")
    assert refused.exit_code != 0 and "is not a day psn understands" in refused.output
    assert "odd-notes" not in psn(ws, "series", "list").stdout
