"""Voice profiles on disk: examples load, round trips keep the author's file, errors name field+line."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml

from psn_core.voice import check_naturalness, list_profiles, load_profile, parse_profile, save_profile
from psn_core.voice.errors import VoiceProfileInvalid, VoiceProfileNotFound
from psn_core.voice.profile import LanguageVoice

REPO = Path(__file__).resolve().parents[3]

HAND_WRITTEN = """\
traits:
  humor: 7
  formality: 2
  my_scale_note: humor 7 means dad jokes
name: mine
persona: personal
languages:
  es:
    never_use: [sinergia]
    favourite_emoji: "🙃"
  en:
    never_use: [synergy]
anti_patterns:
  - kind: phrase
    phrase: circle back
    added_by: me
my_notes:
  - keep it weird
"""


def _write(tmp_path: Path, text: str, name: str = "voice.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problem(exc: pytest.ExceptionInfo[VoiceProfileInvalid]) -> tuple[str, int | None]:
    first = exc.value.problems[0]
    return first.field, first.line


def test_every_shipped_example_profile_loads() -> None:
    examples = [p for p in list_profiles(REPO / "voices") if p.name.endswith(".example.yaml")]
    personas = {load_profile(p).persona for p in examples}
    assert personas == {"personal", "brand_operator", "brand_ambassador"}


def test_round_trip_keeps_key_order_unknown_fields_and_adds_no_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path, HAND_WRITTEN)
    profile = load_profile(path)
    section = profile.languages["en"]
    section.never_use = [*section.never_use, "leverage"]
    save_profile(profile, path)

    saved = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert list(saved) == ["traits", "name", "persona", "languages", "anti_patterns", "my_notes"]
    assert list(saved["traits"]) == ["humor", "formality", "my_scale_note"]
    assert list(saved["languages"]) == ["es", "en"]
    assert saved["languages"]["es"]["favourite_emoji"] == "🙃"
    assert saved["anti_patterns"][0]["added_by"] == "me"
    assert saved["my_notes"] == ["keep it weird"]
    assert saved["languages"]["en"]["never_use"] == ["synergy", "leverage"]
    assert "platforms" not in saved
    assert "version" not in saved


def test_saving_twice_gives_the_same_file(tmp_path: Path) -> None:
    path = _write(tmp_path, HAND_WRITTEN)
    save_profile(load_profile(path), path)
    first = path.read_text(encoding="utf-8")
    save_profile(load_profile(path), path)
    assert path.read_text(encoding="utf-8") == first


def test_save_keeps_file_mode_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = _write(tmp_path, HAND_WRITTEN)
    os.chmod(path, 0o600)
    save_profile(load_profile(path), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["voice.yaml"]


def test_invalid_in_memory_edit_never_reaches_the_disk(tmp_path: Path) -> None:
    path = _write(tmp_path, HAND_WRITTEN)
    before = path.read_text(encoding="utf-8")
    broken = load_profile(path).model_copy(update={"persona": "brand_operator"})  # no guardrails
    with pytest.raises(VoiceProfileInvalid):
        save_profile(broken, path)
    assert path.read_text(encoding="utf-8") == before


def test_new_profile_is_written_with_name_and_persona_first(tmp_path: Path) -> None:
    profile = parse_profile("name: fresh\nlanguages:\n  en:\n    never_use: [delve]\n")
    profile._source = None
    save_profile(profile, tmp_path / "fresh.yaml")
    saved = yaml.safe_load((tmp_path / "fresh.yaml").read_text(encoding="utf-8"))
    assert list(saved)[:3] == ["version", "name", "persona"]
    assert load_profile(tmp_path / "fresh.yaml").languages["en"].never_use == ["delve"]


def test_missing_file_is_reported_as_not_found(tmp_path: Path) -> None:
    with pytest.raises(VoiceProfileNotFound):
        load_profile(tmp_path / "nope.yaml")


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\ntraits:\n  humor: [1, 2\n  formality: 3\n")
    with pytest.raises(VoiceProfileInvalid) as exc:
        load_profile(path)
    assert exc.value.problems[0].line is not None
    assert exc.value.problems[0].line >= 3
    assert str(path) in exc.value.message


def test_wrong_type_names_the_field_and_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\ntraits:\n  formality: 3\n  humor: lots\n")
    with pytest.raises(VoiceProfileInvalid) as exc:
        load_profile(path)
    assert _problem(exc) == ("traits.humor", 4)
    assert "line 4: traits.humor" in exc.value.message


def test_out_of_range_trait_names_the_field_and_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\n\ntraits:\n  controversy_budget: 11\n")
    with pytest.raises(VoiceProfileInvalid) as exc:
        load_profile(path)
    assert _problem(exc) == ("traits.controversy_budget", 4)


def test_bad_list_item_names_its_index_and_line(tmp_path: Path) -> None:
    text = "name: x\nlanguages:\n  es:\n    never_use:\n      - sinergia\n      - {oops: 1}\n"
    with pytest.raises(VoiceProfileInvalid) as exc:
        load_profile(_write(tmp_path, text))
    assert _problem(exc) == ("languages.es.never_use[1]", 6)


def test_bad_regex_anti_pattern_names_the_pattern_line(tmp_path: Path) -> None:
    text = "name: x\nanti_patterns:\n  - kind: phrase\n    phrase: ok\n  - kind: regex\n    pattern: '(unclosed'\n"
    with pytest.raises(VoiceProfileInvalid) as exc:
        load_profile(_write(tmp_path, text))
    assert _problem(exc) == ("anti_patterns[1].pattern", 6)


def test_missing_guardrail_company_points_at_the_guardrails_section(tmp_path: Path) -> None:
    text = "name: acme\npersona: brand_operator\nguardrails:\n  never_use: [guarantee]\n"
    with pytest.raises(VoiceProfileInvalid) as exc:
        load_profile(_write(tmp_path, text))
    assert _problem(exc) == ("guardrails.company", 4)


def test_brand_persona_without_guardrails_is_rejected() -> None:
    with pytest.raises(VoiceProfileInvalid, match="needs a guardrails section"):
        parse_profile("name: acme\npersona: brand_ambassador\n")


def test_personal_profile_with_guardrails_is_rejected() -> None:
    with pytest.raises(VoiceProfileInvalid, match="only apply to brand personas"):
        parse_profile("name: me\nguardrails:\n  company: Acme\n")


def test_ambassador_controversy_budget_stays_inside_company_limit() -> None:
    text = (
        "name: a\npersona: brand_ambassador\ntraits: {controversy_budget: 6}\n"
        "guardrails:\n  company: Acme\n  max_controversy: 2\n"
    )
    with pytest.raises(VoiceProfileInvalid, match=r"exceeds guardrails\.max_controversy"):
        parse_profile(text)


def test_spanish_section_is_independent_of_english() -> None:
    profile = parse_profile(HAND_WRITTEN)
    only_en = parse_profile("name: x\nlanguages:\n  en:\n    never_use: [synergy]\n    openings: [Quick one.]\n")
    assert only_en.language("es") == LanguageVoice()  # nothing is derived from en

    profile.languages["en"].never_use.append("circle back")
    assert profile.languages["es"].never_use == ["sinergia"]

    es_report = check_naturalness("Hablamos de synergy y de nada más, la verdad.", profile, "es")
    assert not [t for t in es_report.tells if t.code == "never_use"]
    es_report = check_naturalness("Hablamos de sinergia y de nada más, la verdad.", profile, "es")
    assert [t.excerpt for t in es_report.tells if t.code == "never_use"] == ["sinergia"]


def test_company_guardrail_words_apply_in_every_language() -> None:
    profile = load_profile(REPO / "voices" / "brand_ambassador.example.yaml")
    assert "guarantee" in profile.never_use("en")
    assert "guarantee" in profile.never_use("es")
    assert "humbled" in profile.never_use("en")
    assert "humbled" not in profile.never_use("es")
