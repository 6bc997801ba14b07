"""Field paths into a strategy (``frequency.x``, ``pillars.career.weight``) and the locks they name.

A path addresses the file's data through a view where ``pillars`` is keyed by pillar name, so
``pillars.career`` means the pillar named career wherever it sits in the list. Paths:

    pillars | pillars.<name> | pillars.<name>.weight | pillars.<name>.description
    frequency | frequency.<platform>     times | times.<platform>
    languages | languages.<code>         avoid_topics

A lock on a path protects everything under it; a change is refused when it would alter any locked
value (a change of ``frequency`` as a whole touches a lock on ``frequency.x`` only if x changes).
"""

from __future__ import annotations

import copy
from typing import Any

from psn_core.strategy.model import LANGUAGE, PILLAR_NAME, PLATFORMS

MISSING: Any = object()
_PILLAR_FIELDS = ("weight", "description")


class PathInvalid(ValueError):
    """Not a strategy field path (the message says what is accepted)."""


def parse_path(path: str) -> tuple[str, ...]:
    """Split and check a path.

    Raises:
        PathInvalid: not one of the paths the module docstring lists.
    """
    parts = tuple(path.strip().split(".")) if isinstance(path, str) and path.strip() else ()
    if not parts:
        raise PathInvalid("an empty field path")
    head, rest = parts[0], parts[1:]
    ok = False
    if head == "pillars":
        ok = not rest or (
            bool(PILLAR_NAME.match(rest[0])) and (len(rest) == 1 or (len(rest) == 2 and rest[1] in _PILLAR_FIELDS))
        )
    elif head in ("frequency", "times"):
        ok = not rest or (len(rest) == 1 and rest[0] in PLATFORMS)
    elif head == "languages":
        ok = not rest or (len(rest) == 1 and bool(LANGUAGE.match(rest[0])))
    elif head == "avoid_topics":
        ok = not rest
    if not ok:
        raise PathInvalid(
            f"{path!r} is not a strategy field: use pillars, pillars.<name>, pillars.<name>.weight, "
            "frequency.<x|linkedin|instagram|tiktok>, times.<platform>, languages.<code> or avoid_topics"
        )
    return parts


def to_view(data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of file data with ``pillars`` keyed by name (file order kept)."""
    view = copy.deepcopy(data)
    pillars = view.get("pillars")
    if isinstance(pillars, list):
        view["pillars"] = {str(p.get("name")): p for p in pillars if isinstance(p, dict)}
    return view


def from_view(view: dict[str, Any]) -> dict[str, Any]:
    """File data again: ``pillars`` back to a list, each item carrying its name first."""
    data = copy.deepcopy(view)
    pillars = data.get("pillars")
    if isinstance(pillars, dict):
        data["pillars"] = [{"name": name, **{k: v for k, v in p.items() if k != "name"}} for name, p in pillars.items()]
    return data


def get(view: dict[str, Any], parts: tuple[str, ...]) -> Any:
    """The value at ``parts`` in a view, or MISSING."""
    node: Any = view
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def put(view: dict[str, Any], parts: tuple[str, ...], value: Any) -> None:
    """Set (or, with MISSING, remove) the value at ``parts`` in a view, creating mappings on the way."""
    node = view
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            if value is MISSING:
                return
            node[part] = {}
        node = node[part]
    if value is MISSING:
        node.pop(parts[-1], None)
    elif parts[0] == "pillars" and len(parts) == 2 and isinstance(value, dict):
        node[parts[-1]] = {"name": parts[-1], **{k: v for k, v in value.items() if k != "name"}}
    elif parts == ("pillars",) and isinstance(value, list):
        node["pillars"] = {str(p.get("name")): p for p in value if isinstance(p, dict)}
    else:
        node[parts[-1]] = value


def touched_locks(before: dict[str, Any], after: dict[str, Any], locks: list[str]) -> list[str]:
    """The locks (as written) whose value differs between two views."""
    return [lock for lock in locks if get(before, parse_path(lock)) != get(after, parse_path(lock))]
