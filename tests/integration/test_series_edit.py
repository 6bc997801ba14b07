"""Editing a series: `psn series edit` as a user runs it (a real hub), and the service in a company hub
where the hub decides who may edit. Only what is given changes; a cadence that never fires, a retired series,
an edit with nothing in it or another member's series (for a contributor) is refused and changes nothing.
Dates are fixed (a series from March 2026; a rule whose UNTIL is in 2020 never fires, whatever today is)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from psn_core.errors import NotPermitted
from psn_core.services.company.hubs import member_transaction
from psn_core.services.series import store
from psn_core.services.series.edit import SeriesEdit, edit_series
from psn_core.services.series.errors import SeriesInputInvalid, SeriesTransitionRefused
from psn_core.services.series.models import SeriesTemplate
from tests.integration.test_company_members import Company, make_company
from tests.integration.test_series_cli import CREATE, psn
from tests.integration.test_series_cli import ws as ws  # the fixture: a workspace on a real hub
from tests.support.hubs import HubEnv
from tests.support.series_world import make_series

pytestmark = pytest.mark.pg

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _shown(ws: Path, slug: str = "tuesday-tips") -> dict[str, Any]:
    series: dict[str, Any] = json.loads(psn(ws, "series", "show", slug, "--json").stdout)["series"]
    return series


def test_edit_changes_only_what_is_given(ws: Path) -> None:
    made = psn(ws, *CREATE, "--intro", "Tip {label}:", "--hashtag", "#tips", "--structure", "hook", "--json")
    assert made.exit_code == 0, made.output
    before = json.loads(made.stdout)
    changes = ("--name", "Thursday tips", "--rrule", "FREQ=WEEKLY;BYDAY=TH", "--label", "Tip #{n}")
    edited = psn(ws, "series", "edit", "tuesday-tips", *changes, "--outro", "See you Thursday", "--json")
    assert edited.exit_code == 0, edited.output
    after = json.loads(edited.stdout)
    assert (after["name"], after["cadence"], after["rrule"], after["label_pattern"], after["next_label"]) == (
        "Thursday tips",
        "rrule",
        "FREQ=WEEKLY;BYDAY=TH",
        "Tip #{n}",
        "Tip #1",
    )
    # the template keeps its intro, hashtags and structure: only the outro was given
    assert after["template"] == {
        "structure": ["hook"],
        "intro": "Tip {label}:",
        "outro": "See you Thursday",
        "hashtags": ["#tips"],
    }
    unchanged = ("id", "slug", "starts_on", "time_of_day", "timezone", "platforms", "state", "episodes_published")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert _shown(ws) == after

    to_monthly = ("--cadence", "monthly", "--at", "18:30", "--json")
    monthly = json.loads(psn(ws, "series", "edit", "tuesday-tips", *to_monthly).stdout)
    assert (monthly["cadence"], monthly["rrule"], monthly["time_of_day"]) == (
        "monthly",
        "FREQ=MONTHLY;BYMONTHDAY=3",  # the first day, 2026-03-03, is kept: its day of the month
        "18:30:00",
    )
    text = psn(ws, "series", "edit", "tuesday-tips", "--description", "Short tips")
    assert text.exit_code == 0 and text.stdout.startswith("Edited series tuesday-tips: tuesday-tips [active]")


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (("--name", "Changed", "--rrule", "FREQ=WEEKLY;UNTIL=20200101T000000Z"), "never fires"),
        (("--cadence", "rrule", "--rrule", "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2"), "never fires"),
        (("--name", "Changed", "--cadence", "rrule"), "needs its rule"),
        (("--name", "Changed", "--label", "Ep {x}"), "label pattern"),
        (("--name", "Changed", "--at", "25:00"), "not a time of day"),
        ((), "Nothing to change"),
    ],
)
def test_a_bad_edit_is_refused_and_changes_nothing(ws: Path, extra: tuple[str, ...], said: str) -> None:
    assert psn(ws, *CREATE, "--json").exit_code == 0
    before = _shown(ws)
    refused = psn(ws, "series", "edit", "tuesday-tips", *extra)
    assert refused.exit_code != 0 and said in refused.output, refused.output
    assert _shown(ws) == before


def test_a_retired_series_is_not_edited(ws: Path) -> None:
    assert psn(ws, *CREATE).exit_code == 0
    assert psn(ws, "series", "retire", "tuesday-tips").exit_code == 0
    before = _shown(ws)
    refused = psn(ws, "series", "edit", "tuesday-tips", "--name", "Back again")
    assert refused.exit_code != 0 and "retired" in refused.output and "nothing was changed" in refused.output
    assert _shown(ws) == before


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    return make_company(hub_env)


def test_in_a_company_the_creator_and_editors_edit_a_series_and_other_contributors_cannot(acme: Company) -> None:
    with member_transaction(acme.hub, acme.ann) as conn:
        anns = make_series(conn, acme.ann.member_id, NOW)
    rename = SeriesEdit(name="Ann's tips")
    with member_transaction(acme.hub, acme.ann) as conn:
        assert edit_series(conn, anns.id, rename, NOW).name == "Ann's tips"  # the creator, a contributor
    with member_transaction(acme.hub, acme.bob) as conn, pytest.raises(NotPermitted) as refused:
        edit_series(conn, anns.id, SeriesEdit(name="Bob's now"), NOW)
    assert "only whoever created this series or an editor" in refused.value.message
    template = SeriesTemplate(structure=["hook"], intro="Ep {label}")
    with member_transaction(acme.hub, acme.editor) as conn:
        edited = edit_series(conn, anns.id, SeriesEdit(template=template, label_pattern="Ep {n}"), NOW)
    assert (edited.template, edited.label_pattern, edited.name) == (template, "Ep {n}", "Ann's tips")
    with member_transaction(acme.hub, acme.ann) as conn:
        assert store.get_series(conn, anns.id) == edited


def test_the_service_refuses_a_never_firing_cadence_and_a_retired_series(acme: Company) -> None:
    with member_transaction(acme.hub, acme.admin) as conn:
        made = make_series(conn, acme.admin.member_id, NOW)
        never = SeriesEdit(cadence="rrule", rrule="FREQ=DAILY;COUNT=0", time_of_day=time(7, 0))
        with pytest.raises(SeriesInputInvalid, match="never fires"):
            edit_series(conn, made.id, never, NOW)
        assert store.get_series(conn, made.id) == made
        moved = edit_series(conn, made.id, SeriesEdit(starts_on=date(2026, 3, 5)), NOW)
        assert moved.rrule == "FREQ=WEEKLY;BYDAY=TH"  # weekly follows its (new) first day's weekday
        store.move(conn, made.id, "retire", NOW)
        retired = store.get_series(conn, made.id)
        with pytest.raises(SeriesTransitionRefused, match="retired"):
            edit_series(conn, made.id, SeriesEdit(name="Again"), NOW)
        assert store.get_series(conn, made.id) == retired
