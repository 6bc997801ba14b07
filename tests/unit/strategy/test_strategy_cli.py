"""The real `psn strategy ...` commands in a subprocess, as a user runs them (no hub needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli_runner import run_psn

PERSONAL = """\
name: Ana
persona: personal
traits: {formality: 8, humor: 3, assertiveness: 5, technical_depth: 6, controversy_budget: 2}
languages:
  en: {}
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / ".psn").mkdir()
    (tmp_path / "voices").mkdir()
    return tmp_path


def test_init_show_check_and_a_broken_file(ws: Path) -> None:
    missing = run_psn(ws, "strategy", "check", check=False)
    assert missing.returncode == 1 and "psn strategy init" in missing.stderr
    (ws / "voices" / "personal.yaml").write_text(PERSONAL)
    init = run_psn(ws, "strategy", "init")
    assert "defaults from voices/personal.yaml" in init.stdout and "expertise, lessons, industry" in init.stdout
    again = run_psn(ws, "strategy", "init", check=False)
    assert again.returncode == 1 and "will not overwrite" in again.stderr and "--force" in again.stderr
    shown = run_psn(ws, "strategy", "show")
    assert "expertise" in shown.stdout and "50%" in shown.stdout and "linkedin 3, x 2 (5 in all)" in shown.stdout
    assert run_psn(ws, "strategy", "check").stdout.strip().endswith("strategy.yaml is valid.")

    path = ws / "strategy.yaml"
    lines = path.read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, start=1) if line.strip() == "linkedin: 3")
    path.write_text(path.read_text().replace("linkedin: 3", "linkedin: -3"))
    check = run_psn(ws, "strategy", "check", check=False)
    assert check.returncode == 1
    assert f"line {number}: frequency.linkedin: Input should be greater than or equal to 0" in check.stderr
    assert "psn uses its last valid version" in check.stderr
    shown = run_psn(ws, "strategy", "show")  # psn keeps working, and says so on stderr
    assert "Strategy from its last valid version" in shown.stdout and "linkedin 3" in shown.stdout
    assert shown.stderr.startswith("Warning: strategy.yaml is invalid (line") and "psn strategy check" in shown.stderr
    as_json = json.loads(run_psn(ws, "strategy", "check", "--json", check=False).stdout)
    assert as_json["ok"] is False and as_json["source"] == "last-valid"
    assert as_json["problems"] == [
        {"field": "frequency.linkedin", "line": number, "message": "Input should be greater than or equal to 0"}
    ]


def test_init_options_and_json(ws: Path) -> None:
    done = run_psn(
        ws, "strategy", "init", "--talks-like", "friends", "--language", "es", "--platform", "instagram", "--json"
    )
    written = json.loads(done.stdout)
    assert written["seeded_from"] == "the answers given"
    assert written["strategy"]["frequency"] == {"instagram": 2} and written["strategy"]["languages"] == {"es": 1.0}
    shown = json.loads(run_psn(ws, "strategy", "show", "--json").stdout)
    assert shown["source"] == "file" and shown["shares"] == {
        "stories": 0.5,
        "opinions": 1 / 3,
        "behind-the-scenes": 1 / 6,
    }
    assert shown["recent_changes"][0]["action"] == "init"
    bad = run_psn(ws, "strategy", "init", "--force", "--language", "Spanish!", check=False)
    assert bad.returncode == 2 and "Invalid option: languages" in bad.stderr


def test_lock_and_unlock(ws: Path) -> None:
    run_psn(ws, "strategy", "init", "--talks-like", "between", "--language", "en")
    locked = run_psn(ws, "strategy", "lock", "frequency.x", "pillars")
    assert "Locked: frequency.x, pillars" in locked.stdout
    assert "locked: frequency.x, pillars" in run_psn(ws, "strategy", "show").stdout
    bad = run_psn(ws, "strategy", "lock", "frequency.myspace", check=False)
    assert bad.returncode == 1 and "not a strategy field" in bad.stderr
    not_locked = run_psn(ws, "strategy", "unlock", "languages", check=False)
    assert not_locked.returncode == 1 and "languages is not locked" in not_locked.stderr
    run_psn(ws, "strategy", "unlock", "pillars")
    shown = json.loads(run_psn(ws, "strategy", "show", "--json").stdout)
    assert shown["strategy"]["locked"] == ["frequency.x"]
    assert [c["evidence"] for c in shown["recent_changes"][-2:]] == [
        "`psn strategy lock` (the user)",
        "`psn strategy unlock` (the user)",
    ]
