"""Every path that rewrites a voice profile keeps what the author wrote around the values.

The profile below has a top comment, inline comments, comments between list items and between
keys, a key order psn would not choose, flow and block lists, quoted strings and an unknown key.
After each write only the changed lines differ; everything else is byte-identical.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

import pytest

from psn_core.services.voice.files import ProfilePatch, add_anti_pattern, example_profiles, init_profile, update_profile
from psn_core.voice import load_profile, save_profile
from psn_core.voice.anti_patterns import PhraseAntiPattern
from psn_core.voice.edits import Suggestion, apply_suggestion
from psn_core.voice.onboarding import CoreAnswers
from psn_core.voice.roundtrip import update_yaml_text

PROFILE = """\
# My voice. Hand-edited: psn must keep these comments.
# Second line of the header.

persona: personal   # the file name says so too
name: me
version: 1
my_notes: keep it weird  # psn does not know this key

platforms:
    x: {emoji: none, max_length: 200}   # flow mapping
    linkedin:
        tone: "warm, precise"   # quoted on purpose
traits:
    humor: 6        # funny-ish
    formality: 3
    # assertiveness is the one to watch
    assertiveness: 7
languages:
    en:
        never_use:
          - synergy    # corporate
          # between list items: a reminder
          - leverage
          - delve      # the model's favourite
        signature_phrases: [boring fix, 'huge difference']   # flow list
        sentence_length:
            target_words: 11
anti_patterns:
  - kind: max_hashtags   # two at most
    max: 2
"""


@pytest.fixture
def voices(tmp_path: Path) -> Path:
    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "personal.yaml").write_text(PROFILE, encoding="utf-8")
    (folder / "personal.yaml").chmod(0o640)
    return folder


def _changes(before: str, after: str) -> list[str]:
    """The lines removed (-) and added (+), in order."""
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    return [line.rstrip() for line in diff if line[:1] in "+-"]


def _written(voices: Path) -> str:
    path = voices / "personal.yaml"
    assert path.stat().st_mode & 0o777 == 0o640  # the mode survives the atomic replace
    assert [p.name for p in voices.iterdir()] == ["personal.yaml"]  # no temp file left
    return path.read_text(encoding="utf-8")


def test_a_trait_change_rewrites_only_that_value(voices: Path) -> None:
    update_profile(voices, ProfilePatch(traits={"humor": 8}))
    assert _changes(PROFILE, _written(voices)) == [
        "-     humor: 6        # funny-ish",
        "+     humor: 8        # funny-ish",
    ]


def test_adding_and_removing_never_use_words_keeps_the_comments_of_the_other_items(voices: Path) -> None:
    update_profile(voices, ProfilePatch(language="en", add_never_use=["basically"], remove_never_use=["leverage"]))
    after = _written(voices)
    assert _changes(PROFILE, after) == ["-           - leverage", "+           - basically"]
    assert "# between list items: a reminder" in after
    assert load_profile(voices / "personal.yaml").languages["en"].never_use == ["synergy", "delve", "basically"]


def test_a_flow_list_stays_a_flow_list_and_keeps_its_quotes(voices: Path) -> None:
    update_profile(voices, ProfilePatch(language="en", add_signature_phrases=["ship it"]))
    assert _changes(PROFILE, _written(voices)) == [
        "-         signature_phrases: [boring fix, 'huge difference']   # flow list",
        # The comment stays; its column moves only because the line grew past it.
        "+         signature_phrases: [boring fix, 'huge difference', ship it] # flow list",
    ]


def test_a_platform_style_change_keeps_the_flow_mapping_and_the_quoted_tone(voices: Path) -> None:
    update_profile(voices, ProfilePatch(platform="x", platform_style={"emoji": "rare"}))
    assert _changes(PROFILE, _written(voices)) == [
        "-     x: {emoji: none, max_length: 200}   # flow mapping",
        "+     x: {emoji: rare, max_length: 200}   # flow mapping",
    ]


def test_adding_an_anti_pattern_appends_one_item_and_changes_nothing_else(voices: Path) -> None:
    add_anti_pattern(voices, PhraseAntiPattern(kind="phrase", phrase="game-changer", reason="Hype."))
    assert _changes(PROFILE, _written(voices)) == [
        "+   - reason: Hype.",
        "+     kind: phrase",
        "+     phrase: game-changer",
    ]


def test_accepting_a_suggestion_keeps_the_file_as_written(voices: Path) -> None:
    path = voices / "personal.yaml"
    suggestion = Suggestion(kind="never_use", language="en", value="basically", evidence=4, reason="removed 4 times")
    # What accept_suggestion writes (tests/integration/test_voice_service.py runs it with the hub).
    save_profile(apply_suggestion(load_profile(path), suggestion), path)
    assert _changes(PROFILE, _written(voices)) == ["+           - basically"]


def test_replacing_the_profile_from_answers_keeps_the_comments_of_the_keys_that_stay(voices: Path) -> None:
    answers = CoreAnswers(
        name="me", talks_like="friends", writing_sample="Shipped it. Honestly, shipped it again.", never_use=["synergy"]
    )
    written = init_profile(voices, answers, force=True)
    after = _written(voices)
    assert written.replaced
    assert after.startswith("# My voice. Hand-edited: psn must keep these comments.\n# Second line of the header.\n")
    assert "persona: personal   # the file name says so too\n" in after
    assert "          - synergy    # corporate\n" in after
    # The author's key order is followed; the key psn does not know goes, since the file was replaced.
    keys = [line.split(":")[0] for line in after.splitlines() if line[:1].isalpha()]
    assert keys[:3] == ["persona", "name", "version"]
    assert load_profile(voices / "personal.yaml").traits == written.profile.traits


def test_saving_an_unchanged_profile_changes_no_byte(voices: Path) -> None:
    path = voices / "personal.yaml"
    save_profile(load_profile(path), path)
    assert _written(voices) == PROFILE


def test_a_multi_line_value_is_written_as_a_literal_block() -> None:
    text = update_yaml_text("a: 1  # one\nb: short\n", {"a": 1, "b": "line one\nline two\n"})
    assert text == "a: 1  # one\nb: |\n  line one\n  line two\n"


def test_the_cli_start_up_does_not_load_ruamel() -> None:
    code = "import sys, psn_core.cli.main, psn_core.voice.store; print('ruamel' in ' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_comments_before_an_explicit_document_start_are_kept() -> None:
    text = "# header\n---\nname: me   # mine\n"
    assert update_yaml_text(text, {"name": "you"}) == "# header\n---\nname: you  # mine\n"


def test_every_shipped_example_is_saved_back_byte_for_byte(tmp_path: Path) -> None:
    for name, text in example_profiles().items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        save_profile(load_profile(path), path)
        assert path.read_text(encoding="utf-8") == text, name
