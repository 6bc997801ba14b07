"""Progressive profiling: three answers give a valid profile that psn can use right away."""

from __future__ import annotations

from pathlib import Path

from psn_core.voice import check_naturalness, load_profile
from psn_core.voice.onboarding import CORE_QUESTIONS, CoreAnswers, build_profile, write_profile_from_answers

SAMPLE = (
    "Spent three hours last night chasing a bug. Three hours! I'd rewritten the retry logic twice "
    "before I checked the env file. The env file. It's always the env file, and I still don't learn.\n\n"
    "Anyway, the retry logic is nicer now, so the bug paid rent."
)


def test_three_answers_write_a_profile_that_loads_back(tmp_path: Path) -> None:
    answers = CoreAnswers(
        name="me", talks_like="friends", writing_sample=SAMPLE, never_use=["synergy", " delve ", "synergy"]
    )
    path = tmp_path / "me.yaml"
    written = write_profile_from_answers(answers, path)
    loaded = load_profile(path)
    assert loaded.persona == "personal"
    assert loaded.languages["en"].never_use == ["synergy", "delve"]
    assert loaded.languages["en"].sentence_length == written.languages["en"].sentence_length
    assert "retry" in loaded.languages["en"].vocabulary
    assert len(CORE_QUESTIONS) == 3


def test_talking_like_at_work_gives_a_more_formal_voice() -> None:
    casual = build_profile(CoreAnswers(name="a", talks_like="friends", writing_sample=SAMPLE))
    formal = build_profile(CoreAnswers(name="a", talks_like="work", writing_sample=SAMPLE))
    assert casual.traits.formality < formal.traits.formality


def test_spanish_answers_fill_only_the_spanish_section() -> None:
    profile = build_profile(
        CoreAnswers(
            name="a",
            language="es",
            talks_like="between",
            writing_sample="Ayer perdí la tarde con un bug. Una coma. Qué día.",
            never_use=["sinergia"],
        )
    )
    assert list(profile.languages) == ["es"]
    report = check_naturalness("Mucha sinergia hoy.", profile, "es")
    assert [t.excerpt for t in report.tells if t.code == "never_use"] == ["sinergia"]
