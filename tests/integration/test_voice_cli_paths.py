"""The CLI paths of voice match and edit learning, as a user runs them (in-process `psn`, a real hub, an X
account connected to the emulator through the real OAuth path): `psn voice import` from pasted text, a
file, X and a refused private URL; `psn voice check` showing voice match beside naturalness; `psn post
--ai-draft` recording the edit with the catalog's format."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import Result

from psn_core.emulator import Emulator
from psn_core.timefmt import utcnow
from tests.support.cli_runner import invoke_psn, member_workspace
from tests.support.hubs import HubEnv, make_settings, new_member
from tests.support.platform_env import as_env_lines, connect_account, emulator_overrides
from tests.support.voice_samples import EN_GENERIC, EN_MINE, EN_SAMPLES

pytestmark = pytest.mark.pg


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


class Psn:
    def __init__(self, ws: Path, env: HubEnv, member: uuid.UUID) -> None:
        self.ws, self.env, self.member = ws, env, member

    def __call__(self, *args: str, stdin: str | None = None) -> Result:
        return invoke_psn(self.ws, *args, stdin=stdin)

    def rows(self, query: str) -> list[dict[str, object]]:
        with self.env.hub.transaction(self.member) as conn:
            return conn.execute(query).fetchall()


@pytest.fixture
def psn(hub_env: HubEnv, emu: Emulator) -> Psn:
    ws = hub_env.settings.workspace
    overrides = emulator_overrides(emu)
    settings = make_settings(ws, hub_env.server.conninfo(hub_env.database), **overrides)
    member = new_member(hub_env.hub, "Ana")
    connect_account(hub_env.hub, settings, member, "x")
    member_workspace(hub_env, member)
    with (ws / "hub.env").open("a") as env:
        env.write(as_env_lines(overrides))
    return Psn(ws, hub_env, member)


def test_voice_import_from_text_and_a_file_then_check_shows_voice_match(psn: Psn, tmp_path: Path) -> None:
    before = psn("voice", "check", EN_MINE)
    pasted = psn("voice", "import", "--text", "-", stdin="\n\n".join(EN_SAMPLES[:4]))
    posts = tmp_path / "posts.txt"
    posts.write_text("\n---\n".join(EN_SAMPLES[4:]), encoding="utf-8")
    filed = psn("voice", "import", "--file", str(posts))
    mine = psn("voice", "check", EN_MINE)
    generic = psn("voice", "check", EN_GENERIC)
    baseline = psn("voice", "baseline")
    assert before.exit_code == 0, before.output
    assert "Voice match: none. Voice match needs at least 3 of your own texts" in before.output
    assert pasted.exit_code == 0, pasted.output
    assert "Imported 4 new text(s) from text (0 already there) for personal/en." in pasted.output
    assert filed.exit_code == 0 and "Imported 3 new text(s) from file" in filed.output
    assert "baseline: 7 sample(s) and 0 published post(s)" in filed.output
    assert "Naturalness " in mine.output and "(sounds like you; against 7 of your texts" in mine.output
    assert "(does not sound like you;" in generic.output
    assert "  off: hashtags per post: you 0, this draft 3 (higher than yours)." in generic.output
    assert "Baseline personal/en: 7 sample(s), 0 published post(s)" in baseline.output


def test_voice_import_refuses_a_private_address_url(psn: Psn) -> None:
    refused = psn("voice", "import", "--url", "http://192.168.1.20/about")
    local = psn("voice", "import", "--url", "http://localhost:9/")
    two = psn("voice", "import", "--url", "http://example.com/", "--text", "hi")
    assert refused.exit_code == 1 and "resolves to a private address (192.168.1.20)" in refused.output
    assert "What to do:" in refused.output
    assert local.exit_code == 1 and "loopback" in local.output
    assert two.exit_code == 2 and "Give exactly one source" in two.output
    assert psn.rows("SELECT count(*) AS n FROM voice_samples") == [{"n": 0}]


def test_voice_import_from_x_reads_the_connected_account(psn: Psn) -> None:
    empty = psn("voice", "import", "--x")  # a new emulator account has posted nothing yet
    assert empty.exit_code == 1 and "There was no text to import from the x" in empty.output
    assert psn.rows("SELECT count(*) AS n FROM budget_ledger WHERE platform = 'x'") != [{"n": 0}]


def test_psn_post_with_an_ai_draft_records_the_edit_with_the_catalogs_format(psn: Psn) -> None:
    at = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d 12:00")
    common = ("--to", "x", "--at", at, "--yes")
    story = psn(
        "post",
        "We shipped it.",
        *common,
        "--ai-draft",
        "We are thrilled to share that we shipped.",
        "--format",
        "story",
    )
    asked = psn("post", "Who else ships on Fridays?", *common, "--ai-draft", "Do you ship on Fridays?")
    own = psn("post", "My own words, no draft.", *common)
    wrong = psn("post", "Another one", *common, "--ai-draft", "x", "--format", "text")
    assert story.exit_code == 0, story.output
    assert asked.exit_code == 0 and own.exit_code == 0
    assert wrong.exit_code == 1 and "'text' is not a post format psn knows" in wrong.output
    edits = psn.rows("SELECT platform, format, final_text FROM draft_edits ORDER BY id")
    assert edits == [
        {"platform": "x", "format": "story", "final_text": "We shipped it."},
        {"platform": "x", "format": "question", "final_text": "Who else ships on Fridays?"},
    ]
    origins = psn.rows("SELECT idea, origin FROM posts ORDER BY created_at")
    assert [r["origin"] for r in origins] == ["ai_reviewed", "ai_reviewed", "human"]
