"""The data psn ships in ``psn_core/voice/data``: strict models whose regexes must compile, read and
validated one way (tells, signals, calibration, formats, voice match, anti-patterns).

A broken shipped file is :class:`~psn_core.voice.errors.VoiceDataInvalid` with the file and line.
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.abc import Traversable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from psn_core.voice.errors import VoiceDataInvalid
from psn_core.voice.yamlio import validate_yaml

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    # Shipped data is ours: a typo in a key is a bug, not a user's extension.
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_regexes(values: list[str]) -> list[str]:
    """``values`` when each is a valid regular expression (a field validator).

    Raises:
        ValueError: one is not, named.
    """
    for value in values:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{value!r} is not a valid regular expression: {exc}") from exc
    return values


def _data(path: str) -> Traversable:
    ref = resources.files("psn_core.voice").joinpath("data")
    for part in path.split("/"):
        ref = ref.joinpath(part)
    return ref


def load_shipped(model: type[M], path: str) -> M:
    """data/``path`` (e.g. "formats.yaml", "tells/en.yaml") as a ``model``.

    Raises:
        VoiceDataInvalid: the shipped file is broken.
    """
    parsed, _ = validate_yaml(model, _data(path).read_text("utf-8"), path, VoiceDataInvalid)
    return parsed


def shipped_languages(folder: str) -> list[str]:
    """The languages data/``folder`` has a file for."""
    return sorted(p.name.removesuffix(".yaml") for p in _data(folder).iterdir() if p.name.endswith(".yaml"))


def language_file(folder: str, language: str) -> str | None:
    """ "<folder>/<base language>.yaml" ("es-MX" falls back to "es"), None when psn ships none."""
    base = language.split("-")[0].lower()
    if not re.fullmatch(r"[a-z]{2,3}", base) or not _data(f"{folder}/{base}.yaml").is_file():
        return None
    return f"{folder}/{base}.yaml"
