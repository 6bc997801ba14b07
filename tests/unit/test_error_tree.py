"""The tree in psn_core.errors' docstring is the PSNError hierarchy: every class exactly once, under
its real parent, in its real home module, and nothing that does not exist."""

from __future__ import annotations

import gc
import importlib
import pkgutil
import re
from collections.abc import Iterable
from dataclasses import dataclass

import mcp_server
import psn_core
import psn_core.errors
from psn_core.errors import NotFound, PSNError

_HOME_LINE = re.compile(r"^\s+\[(?P<tag>\w+)\]\s+(?P<module>(?:psn_core|mcp_server)(?:\.\w+)+)\b")
_BRANCH = re.compile(r"^(?P<prefix>(?:[│ ]   )*)[├└]── (?P<name>\w+)(?P<rest>.*)$")
_HOME_TAG = re.compile(r"\[(\w+)\]")
_ALSO = re.compile(r"\(also ([\w, ]+)\)")


@dataclass(frozen=True)
class Entry:
    """One class as the tree shows it."""

    name: str
    parent: str
    also: frozenset[str]
    home: str


def parse_tree(doc: str, root: str, default_home: str) -> tuple[list[Entry], list[str]]:
    """The entries of the tree rooted at the line ``root`` in ``doc``, and the problems met reading it.

    Home lines (``[tag]   module``) anywhere before the tree say where classes marked ``[tag]`` live.
    """
    homes: dict[str, str] = {}
    problems: list[str] = []
    lines = doc.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == root), None)
    if start is None:
        return [], [f"the docstring has no tree rooted at {root}"]
    for line in lines[:start]:
        if match := _HOME_LINE.match(line):
            homes[match["tag"]] = match["module"]
    margin = len(lines[start]) - len(lines[start].lstrip())
    entries = [Entry(root, "", frozenset(), default_home)]
    parents = [root]  # parents[d] is the class at depth d on the current path
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        match = _BRANCH.match(line[margin:])
        if match is None:
            problems.append(f"cannot read tree line {line.strip()!r}")
            continue
        depth = len(match["prefix"]) // 4 + 1
        del parents[depth:]
        if len(parents) != depth:
            problems.append(f"{match['name']} is indented deeper than any parent")
            continue
        rest = match["rest"]
        home = default_home
        if tag := _HOME_TAG.search(rest):
            if tag[1] not in homes:
                problems.append(f"{match['name']} is marked [{tag[1]}], a home the docstring does not list")
            home = homes.get(tag[1], tag[1])
        also_match = _ALSO.search(rest)
        also = frozenset(n.strip() for n in also_match[1].split(",")) if also_match else frozenset()
        entries.append(Entry(match["name"], parents[-1], also, home))
        parents.append(match["name"])
    return entries, problems


def tree_problems(doc: str, root: type, classes: Iterable[type], default_home: str) -> list[str]:
    """Every way the tree in ``doc`` and the classes under ``root`` disagree (empty: they agree)."""
    entries, problems = parse_tree(doc, root.__name__, default_home)
    by_name: dict[str, type] = {}
    for cls in [root, *classes]:
        if cls.__name__ in by_name and by_name[cls.__name__] is not cls:
            first = by_name[cls.__name__].__module__
            problems.append(f"two classes are named {cls.__name__} ({first}, {cls.__module__})")
        by_name[cls.__name__] = cls
    shown: dict[str, Entry] = {}
    for entry in entries:
        if entry.name in shown:
            problems.append(f"the tree names {entry.name} more than once")
        shown[entry.name] = entry
    for name, cls in sorted(by_name.items()):
        entry = shown.get(name)
        if entry is None:
            problems.append(f"{name} ({cls.__module__}) is missing from the tree")
            continue
        if cls is root:
            continue
        first, *others = (base.__name__ for base in cls.__bases__)
        if entry.parent != first:
            problems.append(f"the tree puts {name} under {entry.parent}, but its first parent is {first}")
        if entry.also != frozenset(others):
            problems.append(f"the tree says {name} is also {sorted(entry.also)}, but its other parents are {others}")
        if entry.home != cls.__module__:
            problems.append(f"the tree says {name} lives in {entry.home}, but it is defined in {cls.__module__}")
    problems.extend(f"the tree names {name}, which is not a class" for name in shown if name not in by_name)
    return problems


def subclasses(root: type) -> list[type]:
    """Every class below ``root``, each once, except those defined by tests."""
    found: dict[type, None] = {}
    todo = list(root.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in found:
            found[cls] = None
            todo.extend(cls.__subclasses__())
    return [cls for cls in found if not cls.__module__.startswith(("tests.", "test_", "conftest"))]


def import_everything() -> None:
    """Import every module the docstring lists as a home, then the rest of psn, so a subclass defined
    anywhere is registered."""
    doc = psn_core.errors.__doc__ or ""
    for line in doc.splitlines():
        if match := _HOME_LINE.match(line):
            importlib.import_module(match["module"])
    for package in (psn_core, mcp_server):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)


def check_real_tree(extra: Iterable[type] = ()) -> list[str]:
    import_everything()
    classes = [*subclasses(PSNError), *extra]
    return tree_problems(psn_core.errors.__doc__ or "", PSNError, classes, "psn_core.errors")


def test_the_docstring_tree_is_the_psn_error_hierarchy() -> None:
    assert check_real_tree() == []


def test_not_found_and_invalid_input_hang_directly_under_psn_error() -> None:
    from psn_core.errors import InvalidInput

    assert NotFound.__bases__ == (PSNError,)
    assert InvalidInput.__bases__ == (PSNError,)
    import_everything()
    named_not_found = {cls for cls in subclasses(PSNError) if cls.__name__.endswith("NotFound")} - {NotFound}
    assert named_not_found and all(issubclass(cls, NotFound) for cls in named_not_found)


def test_a_subclass_added_without_a_tree_line_is_reported() -> None:
    stray = type("StrayNotFound", (NotFound,), {"__module__": "psn_core.services.somewhere"})
    try:
        problems = check_real_tree(extra=[stray])
        assert problems == ["StrayNotFound (psn_core.services.somewhere) is missing from the tree"]
    finally:
        del stray
        gc.collect()
    assert "StrayNotFound" not in {cls.__name__ for cls in subclasses(PSNError)}


# --- the checker on a small tree of its own ------------------------------------------------------


class Root(Exception):
    pass


class Branch(Root):
    pass


class Leaf(Branch):
    pass


class Other(Root):
    pass


class Both(Other, Branch):
    pass


HERE = __name__
SMALL = """A small tree.

    [far]   psn_core.far_away

    Root
    ├── Branch
    │   └── Leaf
    └── Other
        └── Both           (also Branch) inherits from two
"""


def small_problems(doc: str) -> list[str]:
    return tree_problems(doc, Root, [Branch, Leaf, Other, Both], HERE)


def test_checker_accepts_a_matching_tree() -> None:
    assert small_problems(SMALL) == []


def test_checker_reports_a_class_under_the_wrong_parent() -> None:
    doc = SMALL.replace("    │   └── Leaf\n", "").replace("        └── Both", "        ├── Leaf\n        └── Both")
    assert small_problems(doc) == ["the tree puts Leaf under Other, but its first parent is Branch"]


def test_checker_reports_a_name_that_is_not_a_class_and_a_name_given_twice() -> None:
    doc = SMALL.replace("    │   └── Leaf\n", "    │   ├── Leaf\n    │   ├── Leaf\n    │   └── Ghost\n")
    assert small_problems(doc) == [
        "the tree names Leaf more than once",
        "the tree names Ghost, which is not a class",
    ]


def test_checker_reports_a_missing_second_parent_and_a_wrong_home() -> None:
    doc = SMALL.replace("(also Branch)", "[far]")
    assert small_problems(doc) == [
        "the tree says Both is also [], but its other parents are ['Branch']",
        f"the tree says Both lives in psn_core.far_away, but it is defined in {HERE}",
    ]


def test_platform_errors_stay_importable_from_psn_core_errors_whichever_module_loads_first() -> None:
    import subprocess
    import sys

    import psn_core.errors.platform as platform

    classes = vars(platform).items()
    names = [n for n, v in classes if isinstance(v, type) and v is not PSNError and issubclass(v, PSNError)]
    assert len(names) == 10
    assert all(getattr(psn_core.errors, name) is getattr(platform, name) for name in names)
    first = "import psn_core.errors.platform as p, psn_core.errors as e; assert e.RateLimited is p.RateLimited"
    subprocess.run([sys.executable, "-c", first], check=True, timeout=60)
