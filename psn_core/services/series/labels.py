"""Episode labels: a pattern with {n} (the episode number), {season} and {episode} (with a season
length: Season 2, Ep 3 is episode 13 of ten-episode seasons)."""

from __future__ import annotations

import string

from psn_core.services.series.errors import SeriesInputInvalid

FIELDS = frozenset({"n", "season", "episode"})


def check_pattern(pattern: str, season_length: int | None) -> str:
    """The pattern, if it only names {n}, {season} and {episode} (the last two need a season length).

    Raises:
        SeriesInputInvalid: another field, a format spec, unbalanced braces, or seasons without a length.
    """
    text = pattern.strip()
    try:
        names = [field for _, field, spec, conv in string.Formatter().parse(text) if field is not None]
        specs = [bool(spec or conv) for _, field, spec, conv in string.Formatter().parse(text) if field is not None]
    except ValueError as exc:
        raise SeriesInputInvalid(f"The label pattern {pattern!r} is broken: {exc}.", _HINT) from exc
    unknown = sorted(set(names) - FIELDS)
    if not text or unknown or any(specs):
        what = f"names {{{unknown[0]}}}" if unknown else "is empty" if not text else "has a format spec"
        raise SeriesInputInvalid(f"The label pattern {pattern!r} {what}.", _HINT)
    if {"season", "episode"} & set(names) and season_length is None:
        raise SeriesInputInvalid(
            f"The label pattern {pattern!r} counts seasons, but the series has no season length.",
            "Give --season-length N (episodes per season).",
        )
    return text


_HINT = "Use {n}, {season} and {episode}, e.g. '#{n}' or 'Season {season}, Ep {episode}'."


def label(pattern: str, number: int, season_length: int | None) -> str:
    """The label of episode ``number``."""
    if season_length:
        season, episode = (max(number, 1) - 1) // season_length + 1, (max(number, 1) - 1) % season_length + 1
    else:
        season, episode = 1, number
    return pattern.format(n=number, season=season, episode=episode)
