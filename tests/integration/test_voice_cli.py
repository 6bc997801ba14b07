"""The real `psn voice ...` commands, run as a user would, in a workspace made by `psn init`."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from psn_core.config import Settings
from psn_core.hub.database import Hub
from psn_core.services.voice.learning import record_edit
from tests.support.cli_runner import run_psn

pytestmark = [pytest.mark.pg, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]

SAMPLE = """\
Shipped the boring fix today. Took two hours, saved us a weekend.
Honestly? Flame graphs don't lie. The slow bit was a query we ran 400 times per request.
Ask me in two weeks if it held up.
"""

DRAFTS = [
    (
        "We basically rebuilt the onboarding flow over the last two weeks and it is now much faster for new users.",
        "We rebuilt onboarding in two weeks. It's much faster for new users.",
    ),
    (
        "The migration basically went smoothly and we did not lose any data during the whole weekend window.",
        "The migration went smoothly. We lost no data all weekend.",
    ),
    (
        "Our support queue is basically empty for the first time since we launched the product back in March.",
        "Support queue's empty for the first time since we launched in March.",
    ),
]


def psn(workspace: Path, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_psn(workspace, *args, check=check, stdin=stdin)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    ws = tmp_path_factory.mktemp("voice-ws")
    psn(ws, "init", "--name", "Ana", "--timezone", "Europe/Madrid")
    yield ws
    psn(ws, "hub", "stop", check=False)


def test_init_copies_the_example_profiles(workspace: Path) -> None:
    copied = {p.name: p.read_text(encoding="utf-8") for p in (workspace / "voices").iterdir()}
    # The repository's voices/*.example.yaml link to the packaged copies, so both always match.
    shipped = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "voices").glob("*.example.yaml")}
    assert copied == shipped
    assert sorted(copied) == ["brand_ambassador.example.yaml", "brand_operator.example.yaml", "personal.example.yaml"]


def test_voice_init_writes_a_profile_without_prompts_and_refuses_to_overwrite(workspace: Path) -> None:
    done = psn(
        workspace,
        "voice",
        "init",
        "--talks-like",
        "friends",
        "--sample",
        SAMPLE,
        "--never-use",
        "synergy, leverage",
        "--never-use",
        "delve",
    )
    path = workspace / "voices" / "personal.yaml"
    assert f"Wrote {path}" in done.stdout
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["persona"] == "personal"
    assert raw["languages"]["en"]["never_use"] == ["synergy", "leverage", "delve"]
    again = psn(workspace, "voice", "init", "--talks-like", "work", "--sample", "Hi.", check=False)
    assert again.returncode == 1
    assert "already exists" in again.stderr and "--force" in again.stderr
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == raw


def test_voice_init_asks_the_three_questions_when_flags_are_missing(tmp_path: Path, workspace: Path) -> None:
    answers = "between\nFirst line I wrote.\nSecond line, a bit longer than the first one.\n.\nsynergy, delve\n"
    done = psn(workspace, "voice", "init", "--force", stdin=answers)
    assert "friends, to colleagues" in done.stdout and "never use" in done.stdout
    section = yaml.safe_load((workspace / "voices" / "personal.yaml").read_text())["languages"]["en"]
    assert section["never_use"] == ["synergy", "delve"]
    # Leave the profile the other tests expect.
    psn(workspace, "voice", "init", "--force", "--talks-like", "friends", "--sample", SAMPLE, "--never-use", "synergy")


def test_voice_show_summarises_and_names_field_and_line_of_a_broken_file(workspace: Path) -> None:
    shown = psn(workspace, "voice", "show")
    assert "(personal) from" in shown.stdout and "never use: synergy" in shown.stdout
    broken = workspace / "voices" / "brand_operator.yaml"
    broken.write_text("name: acme\npersona: brand_operator\ntraits:\n  humor: 42\n", encoding="utf-8")
    try:
        done = psn(workspace, "voice", "show", "--persona", "brand_operator", check=False)
    finally:
        broken.unlink()
    assert done.returncode == 1
    assert "line 4: traits.humor" in done.stderr


def test_voice_check_scores_text_and_shows_tells_with_spans(workspace: Path) -> None:
    text = "In today's fast-paced world, we need to leverage synergy to unlock growth."
    done = psn(workspace, "voice", "check", text)
    assert "Naturalness" in done.stdout and "/100" in done.stdout
    assert "[0-" in done.stdout  # the opening phrase is flagged from character 0
    assert "synergy" in done.stdout
    draft = workspace / "draft.txt"
    draft.write_text("Shipped it. Ask me in two weeks.", encoding="utf-8")
    from_file = psn(workspace, "voice", "check", str(draft))
    assert "Naturalness" in from_file.stdout
    long_sentence = "We shipped the small fix that everyone asked for " * 8
    assert "Naturalness" in psn(workspace, "voice", "check", long_sentence).stdout


def test_suggestions_and_report_follow_recorded_edits(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    none_yet = psn(workspace, "voice", "report")
    assert "not enough data yet (0 of 10)" in none_yet.stdout
    assert "No pending suggestions" in psn(workspace, "voice", "suggestions").stdout
    for key in [k for k in os.environ if k.startswith("PSN_")]:
        monkeypatch.delenv(key)
    settings = Settings.load(workspace)
    assert settings.member_id is not None
    with Hub.open(settings) as hub:
        for draft, final in DRAFTS * 4:
            with hub.transaction(settings.member_id) as conn:
                record_edit(
                    conn,
                    workspace / "voices",
                    settings.member_id,
                    language="en",
                    platform="linkedin",
                    format="story",
                    draft=draft,
                    final=final,
                )
    listed = psn(workspace, "voice", "suggestions").stdout
    line = next(x for x in listed.splitlines() if "never_use: basically" in x)
    suggestion_id = line.split()[0].lstrip("#")
    accepted = psn(workspace, "voice", "suggestions", "--accept", suggestion_id).stdout
    assert f"Accepted #{suggestion_id}" in accepted
    section = yaml.safe_load((workspace / "voices" / "personal.yaml").read_text())["languages"]["en"]
    assert "basically" in section["never_use"]
    again = psn(workspace, "voice", "suggestions", "--dismiss", suggestion_id, check=False)
    assert again.returncode == 1 and f"no pending voice suggestion #{suggestion_id}" in again.stderr
    report = psn(workspace, "voice", "report").stdout
    assert "12 edits" in report
    assert "Europe/Madrid" in report
    assert "personal/en: 12 edits" in report
    assert "not available yet" in report
