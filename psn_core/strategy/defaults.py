"""A first strategy from the voice onboarding answers (how the user talks, their language) or from the
voice profile those answers wrote, so `psn strategy init` needs no questions of its own.

How the user talks picks the mix: talking to friends leans on stories and X/Instagram, at work on
expertise and LinkedIn, in between on both. The written file is the shipped example with these values
written with a comment above every section, so the user edits a file that explains itself (the shipped
strategy.example.yaml is the default for someone who talks "in between" in English).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from psn_core.strategy.model import LanguageCode, Platform
from psn_core.voice.yamlio import dump_yaml

Register = Literal["friends", "between", "work"]

_PILLARS: dict[str, list[tuple[str, float, str]]] = {
    "friends": [
        ("stories", 3, "Things that happened, told the way you'd tell a friend."),
        ("opinions", 2, "What you think about what everyone is talking about."),
        ("behind-the-scenes", 1, "Your day, your work, your mistakes."),
    ],
    "between": [
        ("expertise", 3, "What you know that others want to learn."),
        ("stories", 2, "Things that happened, told the way you'd tell a friend."),
        ("behind-the-scenes", 1, "How the work really gets done."),
    ],
    "work": [
        ("expertise", 3, "What you know that others want to learn."),
        ("lessons", 2, "What worked, what did not, and what you changed."),
        ("industry", 1, "News in your field and what it means."),
    ],
}
_FREQUENCY: dict[str, dict[str, int]] = {
    "friends": {"x": 5, "instagram": 2},
    "between": {"x": 4, "linkedin": 2},
    "work": {"linkedin": 3, "x": 2},
}
_TIMES: dict[str, list[dict[str, Any]]] = {
    "x": [{"days": "weekdays", "at": ["08:30", "17:30"]}],
    "linkedin": [{"days": ["tue", "wed", "thu"], "at": ["09:00"]}],
    "instagram": [{"days": ["wed", "sat"], "at": ["12:00"]}],
    "tiktok": [{"days": ["tue", "fri"], "at": ["19:00"]}],
}
_PER_WEEK: dict[str, int] = {"x": 4, "linkedin": 2, "instagram": 2, "tiktok": 2}


class StrategySeed(BaseModel):
    """What a default strategy is made from."""

    talks_like: Register = Field(
        default="between", description="How the user posts: like to friends, at work, or in between."
    )
    languages: list[LanguageCode] = Field(
        default_factory=lambda: ["en"], min_length=1, description="The user's posting languages, main one first."
    )
    platforms: list[Platform] | None = Field(
        default=None, description="Only these platforms (e.g. the connected ones); null for psn's pick."
    )


def seed_from_formality(formality: int, languages: list[str]) -> StrategySeed:
    """A seed from a voice profile: formality 0-3 talks like to friends, 7-10 at work, else in between."""
    talks: Register = "friends" if formality <= 3 else "work" if formality >= 7 else "between"
    return StrategySeed(talks_like=talks, languages=languages or ["en"])


_HEADER = """\
# psn content strategy: what you post about, how often, when, in which languages.
# psn reads this file when it plans your week; edit it by hand any time, then run `psn strategy check`.
# If the file breaks, psn keeps using the last valid version (.psn/strategy.last-valid.yaml) and says so.
"""
_SECTIONS: dict[str, str] = {
    "version": "",
    "pillars": "# Content pillars: the themes you post about. Weights are relative (3/2/1 means half, a third, a\n"
    "# sixth); names are what `#pillar:<name>` tags use (lower-case letters, digits, - and _).\n",
    "frequency": "# Posts per week on each platform (x, linkedin, instagram, tiktok).\n",
    "times": "# Preferred times, wall-clock in your time zone. days: mon..sun, or weekdays / weekend / daily.\n",
    "languages": "# Languages and their balance (relative, like the weights): en: 0.6, es: 0.4 is 60/40.\n",
    "avoid_topics": "# Topics psn never proposes.\n",
    "locked": "# Fields automatic changes (psn's learning loop) must leave alone, e.g. [pillars, frequency.x].\n"
    "# Only you change a locked field: by hand here, or by telling psn to unlock it.\n",
}


def default_data(seed: StrategySeed) -> dict[str, Any]:
    """The default strategy for ``seed`` as plain file data."""
    frequency = dict(_FREQUENCY[seed.talks_like])
    if seed.platforms is not None:
        frequency = {p: frequency.get(p, _PER_WEEK[p]) for p in dict.fromkeys(seed.platforms)}
    languages = list(dict.fromkeys(seed.languages))
    balance: dict[str, float] = {languages[0]: 1}
    if len(languages) > 1:  # the main language 60 %, the rest share 40 %
        balance = {languages[0]: 0.6, **{code: round(0.4 / (len(languages) - 1), 4) for code in languages[1:]}}
    return {
        "version": 1,
        "pillars": [{"name": n, "weight": w, "description": d} for n, w, d in _PILLARS[seed.talks_like]],
        "frequency": frequency,
        "times": {p: _TIMES[p] for p in frequency},
        "languages": balance,
        "avoid_topics": [],
        "locked": [],
    }


def default_text(seed: StrategySeed) -> str:
    """The default strategy file for ``seed``: the example's comments around the seed's values."""
    data = default_data(seed)
    parts = [_HEADER]
    for key, comment in _SECTIONS.items():
        body = _times_yaml(data[key]) if key == "times" else dump_yaml({key: data[key]})
        parts.append(("\n" if comment else "") + comment + body)
    return "".join(parts)


def _times_yaml(times: dict[str, list[dict[str, Any]]]) -> str:
    """The times section in flow lists with quoted times (``at: ["08:30"]``), as people write it."""
    lines = ["times:"]
    for platform, windows in times.items():
        lines.append(f"  {platform}:")
        for window in windows:
            days = window["days"] if isinstance(window["days"], str) else f"[{', '.join(window['days'])}]"
            lines.append(f"    - days: {days}")
            lines.append(f"      at: [{', '.join(json.dumps(t) for t in window['at'])}]")
    return "\n".join(lines) + "\n"
