"""strategy.yaml: validation names the field and line, writes keep every other byte, locks refuse
automatic changes, a broken file falls back to the last valid one, and the defaults from onboarding."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from psn_core.services import strategy as service
from psn_core.strategy.defaults import StrategySeed, default_data, default_text, seed_from_formality
from psn_core.strategy.errors import (
    StrategyChangeInvalid,
    StrategyExists,
    StrategyInvalid,
    StrategyLocked,
    StrategyNotFound,
)
from psn_core.strategy.files import parse_strategy
from psn_core.strategy.model import pillar_names
from psn_core.strategy.slots import preferred_slots, wall_instant

REPO = Path(__file__).resolve().parents[3]
FIXED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

HAND_WRITTEN = """\
# my strategy, written by hand
version: 1
pillars:
  - name: baking     # the main thing
    weight: 3
  - name: business
    weight: 1
    description: "Running a small shop"   # quoted on purpose

frequency: {x: 4, linkedin: 2}   # flow style kept
times:
  x:
    - days: weekdays
      at: ["08:30", 17:30]
languages:
  en: 0.6
  es: 0.4
avoid_topics:
  - politics
locked: [frequency.x]   # the user's own lock
"""


def clock() -> datetime:
    return FIXED


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / ".psn").mkdir()
    (tmp_path / "strategy.yaml").write_text(HAND_WRITTEN)
    return tmp_path


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(StrategyInvalid) as caught:
        parse_strategy(text)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def test_hand_written_file_loads_with_yaml_12_times_and_relative_weights() -> None:
    strategy, _ = parse_strategy(HAND_WRITTEN)
    assert strategy.times["x"][0].at == ["08:30", "17:30"]  # 17:30 unquoted is a time, not 1050
    assert strategy.times["x"][0].days == ["mon", "tue", "wed", "thu", "fri"]
    assert strategy.shares() == {"baking": 0.75, "business": 0.25}
    assert strategy.language_shares() == {"en": 0.6, "es": 0.4}
    assert pillar_names(strategy) == ["baking", "business"] and pillar_names(None) == []


def test_every_problem_names_its_field_and_line() -> None:
    broken = HAND_WRITTEN.replace("weight: 1\n", "weight: -1\n").replace("linkedin: 2}", "myspace: 2}")
    found = problems_of(broken)
    assert (7, "pillars[1].weight", "Input should be greater than 0") in found
    assert any(line == 10 and "frequency.myspace" in field for line, field, _ in found)
    duplicate = HAND_WRITTEN.replace("name: business", "name: Baking").replace("- name: Baking", "- name: baking")
    assert problems_of(duplicate) == [(6, "pillars[1].name", "'baking' is already pillar 1")]
    bad_lock = HAND_WRITTEN.replace("[frequency.x]", "[frequency.x, frequency.myspace]")
    ((line, field, message),) = problems_of(bad_lock)
    assert (line, field) == (20, "locked[1]") and "not a strategy field" in message
    assert problems_of(HAND_WRITTEN.replace("version: 1", "version: 1\npilars: []"))[0][:2] == (3, "pilars")
    assert problems_of("pillars: [\n")[0][0] == 2  # broken YAML: its line too
    assert problems_of(HAND_WRITTEN.replace('at: ["08:30", 17:30]', 'at: ["25:00"]'))[0][:2] == (14, "times.x[0].at[0]")


def test_a_change_keeps_every_other_byte_and_is_logged(ws: Path) -> None:
    change = service.apply_change(ws, "frequency.linkedin", 3, "linkedin posts got 2x engagement", now=clock)
    assert (change.old, change.new, change.changed) == (2, 3, True)
    assert (ws / "strategy.yaml").read_text() == HAND_WRITTEN.replace("linkedin: 2}", "linkedin: 3}")
    service.apply_change(ws, "pillars.business.weight", 2, "business posts do well", now=clock)
    assert (ws / "strategy.yaml").read_text() == HAND_WRITTEN.replace("linkedin: 2}", "linkedin: 3}").replace(
        "    weight: 1\n", "    weight: 2\n"
    )
    (first, second) = [json.loads(line) for line in (ws / ".psn/strategy-changes.jsonl").read_text().splitlines()]
    assert first == {
        "at": "2026-03-02T09:00:00+00:00",
        "actor": "psn",
        "path": "frequency.linkedin",
        "old": 2,
        "new": 3,
        "evidence": "linkedin posts got 2x engagement",
        "unlocked": [],
    }
    assert second["path"] == "pillars.business.weight" and (second["old"], second["new"]) == (1, 2)
    again = service.apply_change(ws, "frequency.linkedin", 3, "same again", now=clock)
    assert again.changed is False and len((ws / ".psn/strategy-changes.jsonl").read_text().splitlines()) == 2


def test_adding_and_removing_fields(ws: Path) -> None:
    service.apply_change(ws, "pillars.recipes", {"weight": 1, "description": "What we bake"}, "new theme", now=clock)
    service.apply_change(ws, "frequency.tiktok", 1, "try tiktok", now=clock)
    service.apply_change(ws, "languages.es", None, "drop spanish", now=clock)
    strategy = service.load_strategy(ws)
    assert strategy is not None
    assert pillar_names(strategy) == ["baking", "business", "recipes"]
    assert strategy.frequency == {"x": 4, "linkedin": 2, "tiktok": 1}
    assert strategy.languages == {"en": 0.6}
    text = (ws / "strategy.yaml").read_text()
    assert text.startswith("# my strategy, written by hand\n") and "# the main thing" in text
    assert "# the user's own lock" in text


def test_a_locked_field_is_refused_and_nothing_changes(ws: Path) -> None:
    for path, value in [("frequency.x", 7), ("frequency", {"x": 5, "linkedin": 2})]:
        with pytest.raises(StrategyLocked) as caught:
            service.apply_change(ws, path, value, "x posts do well", now=clock)
        assert caught.value.lock == "frequency.x" and "locked" in caught.value.message
        assert "only they can unlock it" in caught.value.action
    # a change of the parent that leaves the locked value alone is fine
    service.apply_change(ws, "frequency", {"x": 4, "linkedin": 5}, "linkedin up", now=clock)
    assert service.load_strategy(ws).frequency == {"x": 4, "linkedin": 5}  # type: ignore[union-attr]
    # psn may not unlock; the user may, explicitly, and the lock goes in the same write
    with pytest.raises(StrategyLocked):
        service.apply_change(ws, "frequency.x", 7, "x posts do well", unlock=["frequency.x"], now=clock)
    with pytest.raises(StrategyLocked):
        service.apply_change(ws, "frequency.x", 7, "the user said so", actor="user", now=clock)
    change = service.apply_change(
        ws, "frequency.x", 7, "user: post more on X", actor="user", unlock=["frequency.x"], now=clock
    )
    assert change.unlocked == ["frequency.x"]
    strategy = service.load_strategy(ws)
    assert strategy is not None and strategy.frequency["x"] == 7 and strategy.locked == []


def test_locking_the_pillars_protects_every_pillar(ws: Path) -> None:
    service.apply_changes(ws, [], "the user locked them", actor="user", lock=["pillars"])
    before = (ws / "strategy.yaml").read_text()
    for path, value in [("pillars.baking.weight", 5), ("pillars.new", {"weight": 1}), ("pillars.business", None)]:
        with pytest.raises(StrategyLocked):
            service.apply_change(ws, path, value, "data says so", now=clock)
    assert (ws / "strategy.yaml").read_text() == before


def test_bad_changes_are_refused_and_change_nothing(ws: Path) -> None:
    for path, value, evidence in [
        ("pillars.baking.weight", -1, "x"),
        ("frequency.myspace", 1, "x"),
        ("locked", [], "x"),
        ("pillars.baking.weight", 2, " "),
        ("languages", {}, "x"),
        ("pillars", [{"name": "a", "weight": 1}, {"name": "a", "weight": 2}], "x"),
    ]:
        with pytest.raises(StrategyChangeInvalid):
            service.apply_change(ws, path, value, evidence, now=clock)
    assert (ws / "strategy.yaml").read_text() == HAND_WRITTEN
    with pytest.raises(StrategyNotFound):
        service.apply_change(ws.parent, "frequency.x", 1, "x")
    assert not (ws.parent / ".psn").exists()  # a folder without a strategy is left as it was


def test_a_broken_file_falls_back_to_the_last_valid_one_and_says_so(ws: Path) -> None:
    assert service.strategy_state(ws).source == "file"  # a clean read keeps a copy
    assert (ws / ".psn/strategy.last-valid.yaml").read_text() == HAND_WRITTEN
    (ws / "strategy.yaml").write_text(HAND_WRITTEN.replace("weight: 3", "weight: lots"))
    state = service.strategy_state(ws)
    assert state.source == "last-valid" and state.strategy is not None
    assert pillar_names(state.strategy) == ["baking", "business"]
    assert state.warning is not None and "line 5" in state.warning and "last valid" in state.warning
    assert "psn strategy check" in state.warning
    with pytest.raises(StrategyInvalid):  # psn never rewrites a file the user is fixing
        service.apply_change(ws, "frequency.linkedin", 3, "data", now=clock)
    (ws / ".psn/strategy.last-valid.yaml").unlink()
    state = service.strategy_state(ws)
    assert state.source == "none" and state.strategy is None and "no earlier valid version" in (state.warning or "")
    (ws / "strategy.yaml").unlink()
    (ws / "strategy.yaml").mkdir()  # not a file at all: reported, not a traceback
    assert "cannot be read" in (service.strategy_state(ws).warning or "")
    assert service.strategy_state(ws.parent).source == "none"  # no file at all: no warning
    assert service.strategy_state(ws.parent).warning is None


def test_concurrent_changes_lose_nothing(ws: Path) -> None:
    errors: list[BaseException] = []

    def change(platform: str, count: int) -> None:
        try:
            service.apply_change(ws, f"frequency.{platform}", count, "test", now=clock)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=change, args=(p, n)) for p, n in [("linkedin", 5), ("tiktok", 2), ("instagram", 3)]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert service.load_strategy(ws).frequency == {"x": 4, "linkedin": 5, "tiktok": 2, "instagram": 3}  # type: ignore[union-attr]


def test_init_writes_the_default_from_the_onboarding_answers_once(tmp_path: Path) -> None:
    seed = StrategySeed(talks_like="work", languages=["es", "en"], platforms=["linkedin"])
    written = service.init_strategy(tmp_path, seed, now=clock)
    assert written.replaced is False and written.path == tmp_path / "strategy.yaml"
    strategy = service.load_strategy(tmp_path)
    assert strategy is not None and pillar_names(strategy) == ["expertise", "lessons", "industry"]
    assert strategy.frequency == {"linkedin": 3} and strategy.language_shares() == {"es": 0.6, "en": 0.4}
    with pytest.raises(StrategyExists):
        service.init_strategy(tmp_path, seed, now=clock)
    assert service.init_strategy(tmp_path, StrategySeed(), force=True, now=clock).replaced is True


def test_defaults_follow_how_the_user_talks() -> None:
    assert seed_from_formality(2, ["en"]).talks_like == "friends"
    assert seed_from_formality(8, ["en"]).talks_like == "work"
    friends = default_data(StrategySeed(talks_like="friends"))
    assert friends["frequency"] == {"x": 5, "instagram": 2} and friends["pillars"][0]["name"] == "stories"
    for talks in ("friends", "between", "work"):
        text = default_text(StrategySeed(talks_like=talks))  # type: ignore[arg-type]
        assert parse_strategy(text)[1] == default_data(StrategySeed(talks_like=talks))  # type: ignore[arg-type]


def test_the_shipped_example_is_the_default_and_the_root_copy_links_to_it() -> None:
    example = REPO / "psn_core/strategy/data/strategy.example.yaml"
    assert example.read_text() == default_text(StrategySeed())
    assert (REPO / "strategy.example.yaml").resolve() == example.resolve()


@pytest.mark.dates
def test_preferred_times_are_wall_clock_in_the_zone_across_dst() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    strategy, _ = parse_strategy(HAND_WRITTEN)
    # the week the clocks go forward (Sunday 2026-03-29): 08:30 stays 08:30 local on both sides
    slots = preferred_slots(strategy, "x", date(2026, 3, 23), date(2026, 3, 29), "Europe/Madrid")
    local = [s.astimezone(madrid) for s in slots]
    assert [(s.day, s.strftime("%H:%M")) for s in local] == [
        (d, t) for d in (23, 24, 25, 26, 27) for t in ("08:30", "17:30")
    ]
    assert {s.utcoffset().total_seconds() for s in local} == {3600}  # type: ignore[union-attr]
    after = preferred_slots(strategy, "x", date(2026, 3, 30), date(2026, 3, 30), "Europe/Madrid")
    assert [s.astimezone(madrid).strftime("%H:%M%z") for s in after] == ["08:30+0200", "17:30+0200"]
    assert preferred_slots(strategy, "tiktok", date(2026, 3, 23), date(2026, 3, 29), "Europe/Madrid") == []
    # a time the clocks skip moves forward by the gap; one that repeats is the first of the two
    assert wall_instant(date(2026, 3, 29), time(2, 30), madrid).astimezone(madrid).strftime("%H:%M") == "03:30"
    assert wall_instant(date(2026, 10, 25), time(2, 30), madrid) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_several_changes_are_written_together_or_not_at_all(ws: Path) -> None:
    with pytest.raises(StrategyChangeInvalid):
        service.apply_changes(ws, [("frequency.linkedin", 3), ("pillars.baking.weight", 0)], "two at once")
    with pytest.raises(StrategyLocked):
        service.apply_changes(ws, [("frequency.linkedin", 3), ("frequency.x", 1)], "two at once")
    assert (ws / "strategy.yaml").read_text() == HAND_WRITTEN
    assert not (ws / ".psn/strategy-changes.jsonl").exists()
    done = service.apply_changes(ws, [("frequency.linkedin", 3), ("avoid_topics", ["politics", "crypto"])], "both")
    assert [c.changed for c in done] == [True, True]
    strategy = service.load_strategy(ws)
    assert strategy is not None and strategy.avoid_topics == ["politics", "crypto"]


def test_only_the_user_locks_or_unlocks(ws: Path) -> None:
    with pytest.raises(StrategyLocked, match="Only the user"):
        service.apply_changes(ws, [], "psn wants a lock", lock=["pillars"])
    with pytest.raises(StrategyLocked, match="Only the user"):
        service.apply_change(ws, "frequency.x", 9, "psn wants more", unlock=["frequency.x"])
    with pytest.raises(StrategyChangeInvalid, match="not locked"):
        service.apply_change(ws, "frequency.linkedin", 9, "user", actor="user", unlock=["frequency.linkedin"])
    assert (ws / "strategy.yaml").read_text() == HAND_WRITTEN


def test_a_write_that_fails_leaves_the_old_file(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash while writing (here: the disk is full at the rename) keeps the old file and no temp file."""
    import os

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError, match="No space"):
        service.apply_change(ws, "frequency.linkedin", 3, "more linkedin")
    assert (ws / "strategy.yaml").read_text() == HAND_WRITTEN
    assert sorted(p.name for p in ws.iterdir()) == [".psn", "strategy.yaml"]


def test_a_key_written_twice_is_an_error_not_a_silent_override() -> None:
    """YAML keeps the last of two equal keys: a second `locked: []` would drop the user's locks unseen."""
    sneaky = HAND_WRITTEN + "locked: []\n"
    assert problems_of(sneaky) == [(21, "locked", "is written twice")]
    nested = HAND_WRITTEN.replace("  en: 0.6\n", "  en: 0.6\n  en: 0.9\n")
    assert problems_of(nested) == [(17, "languages.en", "is written twice")]


@pytest.mark.parametrize(
    ("lock", "path", "value"),
    [
        ("pillars.baking", "pillars", [{"name": "baking", "weight": 9}, {"name": "business", "weight": 1}]),
        ("pillars.baking", "pillars", [{"name": "bread", "weight": 3}, {"name": "business", "weight": 1}]),
        ("pillars.baking", "pillars.baking", None),
        ("pillars.baking", "pillars.baking.description", "sneaky"),
        ("frequency", "frequency.tiktok", 1),
        ("times", "times.x", None),
        ("times.x", "times", {"linkedin": [{"days": "daily", "at": "09:00"}]}),
        ("languages", "languages.es", 0.5),
        ("avoid_topics", "avoid_topics", []),
    ],
)
def test_no_path_around_a_lock(ws: Path, lock: str, path: str, value: object) -> None:
    """Each attempt reaches a locked value through a parent, a child, a rename or a removal: all refused."""
    service.apply_changes(ws, [], "the user locks", actor="user", lock=[lock])
    before = (ws / "strategy.yaml").read_text()
    with pytest.raises(StrategyLocked) as caught:
        service.apply_change(ws, f"  {path}", value, "automatic tuning", now=clock)
    assert caught.value.lock == lock
    assert (ws / "strategy.yaml").read_text() == before


def test_a_file_saved_meanwhile_is_not_overwritten(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user saves strategy.yaml in an editor while psn computes its change: psn writes nothing."""
    edited = HAND_WRITTEN.replace("  - politics\n", "  - politics\n  - football\n")
    real_render = service.render

    def user_saves_meanwhile(data: dict[str, object], existing: str | None) -> str:
        (ws / "strategy.yaml").write_text(edited)
        return real_render(data, existing)

    monkeypatch.setattr(service, "render", user_saves_meanwhile)
    with pytest.raises(StrategyChangeInvalid, match="changed while psn was changing it") as caught:
        service.apply_change(ws, "frequency.linkedin", 3, "more linkedin")
    assert "Run the change again" in caught.value.action
    assert (ws / "strategy.yaml").read_text() == edited


def test_doctor_reports_the_strategy(ws: Path) -> None:
    from psn_core.config import Settings
    from psn_core.services.doctor import _Doctor

    settings = Settings.load(ws, database_url="postgresql://nobody@127.0.0.1:9/none", app_password="unused-password")
    doctor = _Doctor(settings)
    doctor.strategy()
    (ws / "strategy.yaml").write_text(HAND_WRITTEN.replace("weight: 3", "weight: 0"))
    doctor.strategy()
    (ws / "strategy.yaml").unlink()
    doctor.strategy()
    fine, broken, missing = doctor.checks
    assert (fine.status, fine.detail) == ("ok", "strategy.yaml: 2 pillars, 6 posts a week")
    assert broken.status == "warn" and "line 5" in broken.detail and "last valid" in broken.detail
    assert broken.fix is not None and "psn strategy check" in broken.fix
    assert missing.status == "skip" and "psn strategy init" in missing.detail
