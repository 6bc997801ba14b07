"""Which file a persona names: a company's brand voice is voices/brand-ambassador-<company>.yaml, whichever
spelling of the persona is used, and a file written by an earlier psn (brand_ambassador-<company>.yaml)
is still found."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from psn_core.services.voice.files import (
    check_persona,
    example_profiles,
    load_persona_profile,
    persona_kind,
    profile_path,
)
from psn_core.voice.errors import VoiceInputInvalid, VoiceProfileInvalid


@pytest.mark.parametrize(
    ("given", "key", "kind"),
    [
        ("personal", "personal", "personal"),
        ("brand_operator", "brand_operator", "brand_operator"),
        ("brand-ambassador", "brand_ambassador", "brand_ambassador"),
        ("brand_ambassador-acme", "brand-ambassador-acme", "brand_ambassador"),
        ("brand-ambassador-acme", "brand-ambassador-acme", "brand_ambassador"),
        ("brand_operator-acme-eu", "brand-operator-acme-eu", "brand_operator"),
    ],
)
def test_persona_spellings_name_one_key(given: str, key: str, kind: str) -> None:
    assert check_persona(given) == key and persona_kind(given) == kind


@pytest.mark.parametrize("bad", ["brand", "personal-", "Brand-ambassador-acme", "personal-../etc", "ops-acme"])
def test_other_names_are_refused(bad: str) -> None:
    with pytest.raises(VoiceInputInvalid):
        check_persona(bad)


def _brand_example() -> str:
    (name,) = [n for n in example_profiles() if n.startswith("brand_ambassador")]
    return example_profiles()[name]


def test_the_company_brand_file_is_found_by_either_spelling_and_checked(tmp_path: Path) -> None:
    (tmp_path / "brand-ambassador-acme.yaml").write_text(_brand_example())
    for spelling in ("brand_ambassador-acme", "brand-ambassador-acme"):
        assert profile_path(tmp_path, spelling) == tmp_path / "brand-ambassador-acme.yaml"
        assert load_persona_profile(tmp_path, spelling).persona == "brand_ambassador"
    shutil.copy(tmp_path / "brand-ambassador-acme.yaml", tmp_path / "brand-operator-acme.yaml")
    with pytest.raises(VoiceProfileInvalid):  # the file says brand_ambassador, its name brand_operator
        load_persona_profile(tmp_path, "brand-operator-acme")


def test_a_brand_file_with_the_older_underscore_name_is_still_found(tmp_path: Path) -> None:
    (tmp_path / "brand_ambassador-acme.yaml").write_text(_brand_example())
    assert profile_path(tmp_path, "brand-ambassador-acme") == tmp_path / "brand_ambassador-acme.yaml"
    assert load_persona_profile(tmp_path, "brand-ambassador-acme").persona == "brand_ambassador"
