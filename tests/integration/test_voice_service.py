"""Voice in the hub (real Postgres as psn_app): edits stored and learned from, suggestions, report, formats."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from psn_core.services.voice.files import copy_example_profiles
from psn_core.services.voice.learning import (
    PlatformRules,
    accept_suggestion,
    dismiss_suggestion,
    draft_context,
    list_suggestions,
    recent_formats,
    record_edit,
)
from psn_core.services.voice.report import REPORT_MIN_EDITS, voice_report
from psn_core.voice import load_profile
from psn_core.voice.errors import SuggestionNotFound, VoiceInputInvalid
from tests.support.hubs import HubEnv, new_member

pytestmark = pytest.mark.pg

PROFILE = """\
# Hand-written: psn keeps this comment.
name: me
persona: personal
my_notes: keep it weird  # and this one
languages:
  en:
    never_use: [synergy]               # a flow list stays one
    favourite_emoji: "🙃"
platforms:
  x: {max_length: 200, emoji: none}
"""

# What a model drafted and what the writer approved: "basically" goes every time.
BASICALLY = [
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
    (
        "The new pricing page basically answers every question people used to email us about each week.",
        "The new pricing page answers what people used to email us about.",
    ),
]

X_RULES = PlatformRules(platform="x", capabilities=["text", "threads", "images", "video"], max_text_length=280)


@pytest.fixture
def voices(hub_env: HubEnv) -> Path:
    folder = hub_env.settings.workspace / "voices"
    folder.mkdir(exist_ok=True)
    (folder / "personal.yaml").write_text(PROFILE, encoding="utf-8")
    return folder


@pytest.fixture
def member(hub_env: HubEnv) -> uuid.UUID:
    return new_member(hub_env.hub, "Ana")


def _record(
    env: HubEnv,
    voices: Path,
    member: uuid.UUID,
    pairs: list[tuple[str, str]],
    *,
    persona: str = "personal",
    language: str = "en",
    platform: str = "x",
    fmt: str = "short_take",
    at: datetime | None = None,
) -> None:
    for draft, final in pairs:
        with env.hub.transaction(member) as conn:
            record_edit(
                conn,
                voices,
                member,
                persona=persona,
                language=language,
                platform=platform,
                format=fmt,
                draft=draft,
                final=final,
                at=at,
            )


def test_edit_pairs_are_stored_per_language_and_persona(hub_env: HubEnv, voices: Path, member: uuid.UUID) -> None:
    copy_example_profiles(voices)
    (voices / "brand_operator.yaml").write_text((voices / "brand_operator.example.yaml").read_text())
    _record(hub_env, voices, member, BASICALLY[:2])
    _record(hub_env, voices, member, [("Hemos basicamente terminado la migración.", "Migración hecha.")], language="es")
    _record(hub_env, voices, member, [("Acme ships scheduling.", "Acme ships scheduling.")], persona="brand_operator")
    with hub_env.hub.transaction(member) as conn:
        rows = conn.execute(
            "SELECT persona, language, count(*) AS n, min(edit_ratio) AS low, max(edit_ratio) AS high,"
            " bool_and(naturalness_before IS NOT NULL AND naturalness_after IS NOT NULL) AS scored"
            " FROM draft_edits GROUP BY persona, language ORDER BY persona, language"
        ).fetchall()
    found = {(r["persona"], r["language"]): r for r in rows}
    assert {k: r["n"] for k, r in found.items()} == {
        ("brand_operator", "en"): 1,
        ("personal", "en"): 2,
        ("personal", "es"): 1,
    }
    assert found[("brand_operator", "en")]["high"] == 0.0  # approved as drafted
    assert 0 < found[("personal", "en")]["low"] < 1
    assert all(r["scored"] for r in rows)


def test_edit_is_stored_even_without_a_profile(hub_env: HubEnv, member: uuid.UUID, tmp_path: Path) -> None:
    with hub_env.hub.transaction(member) as conn:
        recorded = record_edit(
            conn, tmp_path, member, language="en", platform="x", format="story", draft="a b c.", final="a c."
        )
    assert recorded.note is not None and "psn voice init" in recorded.note
    assert recorded.suggestions == []
    assert recorded.removed_words == ["b"]


def test_bad_names_are_refused_before_anything_is_stored(hub_env: HubEnv, voices: Path, member: uuid.UUID) -> None:
    with pytest.raises(VoiceInputInvalid), hub_env.hub.transaction(member) as conn:
        record_edit(
            conn, voices, member, persona="boss", language="en", platform="x", format="story", draft="a", final="b"
        )
    with pytest.raises(VoiceInputInvalid), hub_env.hub.transaction(member) as conn:
        record_edit(conn, voices, member, language="English", platform="x", format="story", draft="a", final="b")


def test_word_removed_again_and_again_becomes_one_pending_never_use_suggestion(
    hub_env: HubEnv, voices: Path, member: uuid.UUID
) -> None:
    _record(hub_env, voices, member, BASICALLY[:2])
    with hub_env.hub.transaction(member) as conn:
        assert not [s for s in list_suggestions(conn, member) if s.kind == "never_use"]
    _record(hub_env, voices, member, BASICALLY[2:])
    with hub_env.hub.transaction(member) as conn:
        never = [s for s in list_suggestions(conn, member) if s.kind == "never_use"]
    assert [(s.value, s.evidence, s.status, s.persona, s.language) for s in never] == [
        ("basically", 4, "pending", "personal", "en")
    ]


def test_accepting_a_suggestion_updates_the_profile_file_and_keeps_unknown_fields(
    hub_env: HubEnv, voices: Path, member: uuid.UUID
) -> None:
    path = voices / "personal.yaml"
    path.chmod(0o640)
    _record(hub_env, voices, member, BASICALLY)
    with hub_env.hub.transaction(member) as conn:
        (pending,) = [s for s in list_suggestions(conn, member) if s.value == "basically"]
        accepted = accept_suggestion(conn, voices, member, pending.id)
    assert accepted.suggestion.status == "accepted" and accepted.suggestion.decided_at is not None
    assert accepted.path == path
    assert load_profile(path).languages["en"].never_use == ["synergy", "basically"]
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["my_notes"] == "keep it weird"
    assert raw["languages"]["en"]["favourite_emoji"] == "🙃"
    # Only the changed value changes: comments (in their column), order and the flow list are the author's.
    assert path.read_text(encoding="utf-8") == PROFILE.replace("[synergy]" + " " * 11, "[synergy, basically]", 1)
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in voices.iterdir()] == ["personal.yaml"]  # no temp file left behind
    # Now in the profile, so further edits do not propose it again.
    _record(hub_env, voices, member, BASICALLY[:1])
    with hub_env.hub.transaction(member) as conn:
        assert [s.value for s in list_suggestions(conn, member, status=None) if s.value == "basically"] == ["basically"]
        with pytest.raises(SuggestionNotFound):
            accept_suggestion(conn, voices, member, pending.id)


def test_dismissed_suggestion_is_not_proposed_again(hub_env: HubEnv, voices: Path, member: uuid.UUID) -> None:
    _record(hub_env, voices, member, BASICALLY[:3])
    with hub_env.hub.transaction(member) as conn:
        (pending,) = [s for s in list_suggestions(conn, member) if s.value == "basically"]
        dismissed = dismiss_suggestion(conn, member, pending.id)
    assert dismissed.status == "dismissed"
    before = (voices / "personal.yaml").read_text(encoding="utf-8")
    _record(hub_env, voices, member, BASICALLY[3:])
    with hub_env.hub.transaction(member) as conn:
        assert not [s for s in list_suggestions(conn, member) if s.value == "basically"]
        with pytest.raises(SuggestionNotFound):
            dismiss_suggestion(conn, member, pending.id)
    assert (voices / "personal.yaml").read_text(encoding="utf-8") == before


def test_report_waits_for_ten_edits_then_shows_the_weekly_trend(
    hub_env: HubEnv, voices: Path, member: uuid.UUID
) -> None:
    start = datetime(2025, 3, 3, 9, tzinfo=UTC)  # a Monday
    heavy = [(d, f) for d, f in BASICALLY] * 2  # early weeks: big rewrites
    light = [("We shipped the fix today.", "We shipped the fix today.")]  # later: approved as drafted
    for i, pair in enumerate(heavy[:5]):
        _record(hub_env, voices, member, [pair], at=start + timedelta(days=i))
    with hub_env.hub.transaction(member) as conn:
        early = voice_report(conn, member, timezone="Europe/Madrid")
    assert not early.ready
    assert early.summary == "not enough data yet (5 of 10)"
    for i in range(REPORT_MIN_EDITS - 5):
        _record(hub_env, voices, member, light, at=start + timedelta(days=7 + i))
    with hub_env.hub.transaction(member) as conn:
        report = voice_report(conn, member, timezone="Europe/Madrid")
    assert report.ready and report.edits == 10
    assert [w.week_start.isoformat() for w in report.weeks] == ["2025-03-03", "2025-03-10"]
    assert report.weeks[0].mean_edit_ratio > report.weeks[1].mean_edit_ratio == 0.0
    (trend,) = report.voices
    assert (trend.persona, trend.language, trend.direction) == ("personal", "en", "falling")
    assert report.performance is None
    assert "not available yet" in report.performance_note


def test_a_member_never_sees_another_members_edits_or_suggestions(
    hub_env: HubEnv, voices: Path, member: uuid.UUID
) -> None:
    other = new_member(hub_env.hub, "Bo")
    _record(hub_env, voices, member, BASICALLY[:3])
    with hub_env.hub.transaction(member) as conn:
        (mine,) = [s for s in list_suggestions(conn, member) if s.value == "basically"]
    with hub_env.hub.transaction(other) as conn:
        assert conn.execute("SELECT count(*) AS n FROM draft_edits").fetchone() == {"n": 0}
        assert list_suggestions(conn, other, status=None) == []
        assert recent_formats(conn, other, "x") == []
        assert voice_report(conn, other).edits == 0
        with pytest.raises(SuggestionNotFound):
            accept_suggestion(conn, voices, other, mine.id)
        # Even naming the other member's id explicitly returns nothing under RLS.
        assert list_suggestions(conn, member, status=None) == []


def test_recent_formats_push_the_recommendation_to_something_else(
    hub_env: HubEnv, voices: Path, member: uuid.UUID
) -> None:
    with hub_env.hub.transaction(member) as conn:
        first = draft_context(conn, voices, member, language="en", platform_rules=X_RULES)
    assert first.recent_formats == []
    chosen = []
    for _ in range(6):
        with hub_env.hub.transaction(member) as conn:
            context = draft_context(conn, voices, member, language="en", platform_rules=X_RULES)
        chosen.append(context.recommended_format)
        _record(hub_env, voices, member, [("Same text.", "Same text.")], fmt=context.recommended_format)
    assert all(a != b for a, b in itertools.pairwise(chosen))
    assert len(set(chosen)) >= 3
    with hub_env.hub.transaction(member) as conn:
        assert recent_formats(conn, member, "x") == chosen
        assert recent_formats(conn, member, "x", 2) == chosen[-2:]
        assert recent_formats(conn, member, "linkedin") == []


def test_draft_context_bundles_voice_style_and_limits(hub_env: HubEnv, voices: Path, member: uuid.UUID) -> None:
    with hub_env.hub.transaction(member) as conn:
        context = draft_context(conn, voices, member, language="en", platform_rules=X_RULES)
        spanish = draft_context(conn, voices, member, language="es", platform_rules=X_RULES)
    assert context.profile_found and context.profile_name == "me"
    assert context.never_use == ["synergy"]
    assert context.platform_style.emoji == "none"
    assert context.max_length == 200  # the profile's preference is stricter than the platform's 280
    assert context.recommended_format in context.format_ranking
    assert all(p.applies_to("en") for p in context.anti_patterns)
    assert context.notes == []
    assert spanish.voice.never_use == [] and any("'es'" in n for n in spanish.notes)


def test_draft_context_without_a_profile_says_how_to_make_one(
    hub_env: HubEnv, member: uuid.UUID, tmp_path: Path
) -> None:
    with hub_env.hub.transaction(member) as conn:
        context = draft_context(conn, tmp_path, member, language="en", platform_rules=X_RULES)
    assert not context.profile_found
    assert any("psn voice init" in n for n in context.notes)
    assert context.anti_patterns  # psn's defaults still apply
