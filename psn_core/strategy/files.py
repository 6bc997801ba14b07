"""strategy.yaml as text: parsed with line numbers for every problem, rewritten keeping comments.

The file is read as YAML 1.2 scalars (what ruamel writes back): ``17:00`` is a string, not the
sexagesimal number 1020 PyYAML's YAML 1.1 rules make of it, and ``no`` (Norwegian) is a language
code, not false. Problems name the field and the line (psn_core.voice.yamlio's locator); a rewrite
goes through psn_core.voice.roundtrip, so only the changed values change, byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml
from pydantic import ValidationError

from psn_core.strategy.errors import StrategyChangeInvalid, StrategyInvalid
from psn_core.strategy.model import Strategy, semantic_problems
from psn_core.voice.errors import ProfileProblem
from psn_core.voice.roundtrip import update_yaml_text
from psn_core.voice.yamlio import dump_yaml, locate, parse_yaml, validate_yaml


class StrategyLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans, integers and floats."""


StrategyLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int"}]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrategyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
StrategyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


def load_data(text: str) -> Any:
    """Plain data of YAML text, read the way strategy files are read."""
    return yaml.load(text, Loader=StrategyLoader)  # noqa: S506 - a SafeLoader subclass


def parse_strategy(text: str, source: str = "strategy.yaml") -> tuple[Strategy, dict[str, Any]]:
    """Validate strategy YAML text; return the model and the file's plain data.

    Raises:
        StrategyInvalid: bad YAML, a bad field, a duplicate pillar or a malformed lock (each with its line).
    """
    _, node = parse_yaml(text, source, StrategyInvalid, StrategyLoader)
    twice = list(_duplicate_keys(node, ""))
    if twice:  # YAML keeps the last of two equal keys: a second `locked: []` would silently drop the locks
        raise StrategyInvalid(source, twice)
    strategy, raw = validate_yaml(Strategy, text, source, StrategyInvalid, StrategyLoader)
    problems = semantic_problems(strategy)
    if problems:
        found = []
        for loc, message in problems:
            field, line = locate(node, loc)
            found.append(ProfileProblem(field=field, line=line, message=message))
        raise StrategyInvalid(source, found)
    assert isinstance(raw, dict)
    return strategy, raw


def _duplicate_keys(node: yaml.Node | None, where: str) -> Iterator[ProfileProblem]:
    """A problem for every key written twice in one mapping, at the second one's line."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            field = f"{where}.{name}" if where else name
            if name in seen:
                yield ProfileProblem(field=field, line=key.start_mark.line + 1, message="is written twice")
            seen.add(name)
            yield from _duplicate_keys(value, field)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, f"{where}[{index}]")


def validate_data(data: dict[str, Any]) -> Strategy:
    """Validate plain data (a change about to be written).

    Raises:
        StrategyChangeInvalid: the data is not a valid strategy (every problem named by field).
    """
    try:
        strategy = Strategy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors())
        raise StrategyChangeInvalid(f"The strategy would not be valid: {problems}.") from exc
    extra = semantic_problems(strategy)
    if extra:
        problems = "; ".join(f"{'.'.join(str(p) for p in loc)}: {message}" for loc, message in extra)
        raise StrategyChangeInvalid(f"The strategy would not be valid: {problems}.")
    return strategy


def render(data: dict[str, Any], existing: str | None) -> str:
    """The text holding ``data``: ``existing`` rewritten in place (comments, order and styles kept) when
    it round-trips to exactly ``data``, else a fresh block-style dump."""
    if existing is not None:
        try:
            text = update_yaml_text(existing, data)
        except ValueError:
            text = None
        if text is not None and load_data(text) == data:
            return text
    return dump_yaml(data)
