"""YAML reading and writing that keeps line numbers for errors and writes files atomically.

PyYAML composes a node tree with marks (line, column); pydantic reports error locations as tuples
of keys and indexes. Walking the tree along the location gives the line a hand editor should look at.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from psn_core.voice.errors import ProfileProblem, VoiceProfileInvalid, _ProblemsError

M = TypeVar("M", bound=BaseModel)


def read_yaml_text(path: Path, error: type[_ProblemsError] = VoiceProfileInvalid) -> str:
    """The text of a YAML file, refused (not a traceback) when it is not UTF-8.

    Raises:
        FileNotFoundError: no file at ``path`` (callers say which file was expected).
        VoiceProfileInvalid (or ``error``): the bytes are not UTF-8 text.
    """
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start + 1} cannot be decoded); save the file as UTF-8"
        raise error(str(path), [ProfileProblem(field="", line=None, message=message)]) from None


def parse_yaml(
    text: str,
    source: str,
    error: type[_ProblemsError] = VoiceProfileInvalid,
    loader: type[yaml.SafeLoader] = yaml.SafeLoader,
) -> tuple[object, yaml.Node | None]:
    """Parse YAML text into plain data plus the node tree used to find line numbers (``loader``: a
    SafeLoader subclass with other implicit types, e.g. psn_core.strategy's YAML 1.2 scalars).

    Raises:
        VoiceProfileInvalid (or ``error``): the text is not valid YAML.
    """
    reader = loader(text)
    try:
        node: yaml.Node | None = reader.get_single_node()
        data = reader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = ProfileProblem(field="", line=line, message=f"not valid YAML ({exc.problem or exc})")
        raise error(source, [problem]) from exc
    except yaml.YAMLError as exc:
        raise error(source, [ProfileProblem(field="", line=None, message=str(exc))]) from exc
    finally:
        reader.dispose()
    return data, node


def _child(node: yaml.Node, key: object) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                found: yaml.Node = value_node
                return found
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        child: yaml.Node = node.value[key]
        return child
    return None


def locate(root: yaml.Node | None, loc: tuple[int | str, ...]) -> tuple[str, int | None]:
    """Map a pydantic error location to (dotted field name, 1-based line).

    Location parts that are not keys in the file (discriminated-union tags) are skipped; the last
    part is always named, because a missing field is exactly the one that is not in the file.
    """
    if root is None:
        return ".".join(str(p) for p in loc), None
    node = root
    named: list[str] = []
    for index, part in enumerate(loc):
        child = _child(node, part)
        if child is not None:
            node = child
            named.append(f"[{part}]" if isinstance(part, int) else str(part))
        elif index == len(loc) - 1:
            named.append(f"[{part}]" if isinstance(part, int) else str(part))
    field = ".".join(named).replace(".[", "[")
    return field, node.start_mark.line + 1


def validate_yaml(
    model: type[M],
    text: str,
    source: str,
    error: type[_ProblemsError] = VoiceProfileInvalid,
    loader: type[yaml.SafeLoader] = yaml.SafeLoader,
) -> tuple[M, object]:
    """Parse and validate YAML into ``model``; return the model and the raw data (for key order).

    Raises:
        VoiceProfileInvalid (or ``error``): bad YAML or a field fails validation; names field and line.
    """
    data, node = parse_yaml(text, source, error, loader)
    if not isinstance(data, dict):
        line = node.start_mark.line + 1 if node is not None else 1
        raise error(source, [ProfileProblem(field="", line=line, message="expected a mapping of fields")])
    try:
        return model.model_validate(data), data
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field, line = locate(node, tuple(err["loc"]))
            problems.append(ProfileProblem(field=field, line=line, message=err["msg"]))
        raise error(source, problems) from exc


class _Dumper(yaml.SafeDumper):
    """Block style, and multi-line strings as literal blocks so hand editing stays pleasant."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: Any) -> str:
    """Dump plain data as block-style YAML keeping key order and unicode."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same folder and os.replace.

    A crash leaves either the old file or the new one, never half of each. An existing file's
    permission bits are kept; a new file gets 0644.
    """
    path = Path(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
