"""The workspace's strategy.yaml: loading with a last-valid fallback, init, and the one way to change it.

* ``load_strategy(workspace)`` is what every reader uses (ideas, plan, calendar): the strategy, or None
  when there is none. A broken file does not stop psn: the last valid copy (``.psn/strategy.last-valid.yaml``,
  refreshed whenever the file loads cleanly or psn writes it) is used, and ``strategy_state`` says so.
* ``apply_change(workspace, path, value, evidence)`` is the only writer. Automatic callers (actor "psn",
  the learning loop of issue 20) are refused a locked field (StrategyLocked); the user's own change
  (actor "user") may unlock it explicitly. Writes are atomic, under a file lock, keep comments and order
  byte for byte except the changed value, and append a line to ``.psn/strategy-changes.jsonl``.
"""

from __future__ import annotations

import fcntl
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from psn_core.config import STATE_DIR
from psn_core.strategy import paths
from psn_core.strategy.defaults import StrategySeed, default_text, seed_from_formality
from psn_core.strategy.errors import (
    StrategyChangeInvalid,
    StrategyExists,
    StrategyInvalid,
    StrategyLocked,
    StrategyNotFound,
)
from psn_core.strategy.files import parse_strategy, render, validate_data
from psn_core.strategy.model import Strategy, pillar_names
from psn_core.timefmt import utcnow
from psn_core.voice.errors import ProfileProblem
from psn_core.voice.yamlio import read_yaml_text, write_atomic

log = logging.getLogger(__name__)

STRATEGY_FILE = "strategy.yaml"
LAST_VALID = "strategy.last-valid.yaml"
CHANGELOG = "strategy-changes.jsonl"
_LOCK = "strategy.lock"

Actor = Literal["psn", "user"]


def strategy_path(workspace: Path) -> Path:
    return workspace / STRATEGY_FILE


def last_valid_path(workspace: Path) -> Path:
    return workspace / STATE_DIR / LAST_VALID


def changelog_path(workspace: Path) -> Path:
    return workspace / STATE_DIR / CHANGELOG


class StrategyState(BaseModel):
    """What psn works with, and where it came from."""

    path: Path = Field(description="The strategy file.")
    source: Literal["file", "last-valid", "none"] = Field(
        description="file: strategy.yaml itself; last-valid: the file is broken, its last valid copy is used; "
        "none: no usable strategy."
    )
    strategy: Strategy | None = Field(description="The strategy in use (null when none).")
    problems: list[ProfileProblem] = Field(default_factory=list, description="What is wrong in the file, by line.")
    warning: str | None = Field(default=None, description="What to tell the user (a broken file), else null.")


def _remember_valid(workspace: Path, text: str) -> None:
    copy = last_valid_path(workspace)
    try:
        if copy.exists() and copy.read_text("utf-8") == text:
            return
        copy.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(copy, text)
    except OSError as exc:  # a read-only .psn/ never turns a good read into a failure
        log.warning("could not keep the last valid strategy at %s: %s", copy, exc)


def strategy_state(workspace: Path) -> StrategyState:
    """The strategy psn uses now; a broken file falls back to its last valid copy, with a warning."""
    path = strategy_path(workspace)
    try:
        text = read_yaml_text(path, StrategyInvalid)
        strategy, _ = parse_strategy(text, str(path))
    except FileNotFoundError:
        return StrategyState(path=path, source="none", strategy=None)
    except StrategyInvalid as exc:
        problems = exc.problems
    except OSError as exc:  # a folder, no permission: a problem to report like any other
        problems = [ProfileProblem(field="", line=None, message=f"cannot be read ({exc.strerror or exc})")]
    else:
        _remember_valid(workspace, text)
        return StrategyState(path=path, source="file", strategy=strategy)
    where = "; ".join(p.describe() for p in problems)
    copy = last_valid_path(workspace)
    try:
        fallback, _ = parse_strategy(copy.read_text("utf-8"), str(copy))
    except (OSError, UnicodeDecodeError, StrategyInvalid):
        warning = (
            f"{path.name} is invalid ({where}) and there is no earlier valid version: psn plans without a strategy. "
            "Fix the line named, then run `psn strategy check`."
        )
        return StrategyState(path=path, source="none", strategy=None, problems=problems, warning=warning)
    warning = (
        f"{path.name} is invalid ({where}): psn keeps using its last valid version ({copy}). "
        "Fix the line named, then run `psn strategy check`."
    )
    return StrategyState(path=path, source="last-valid", strategy=fallback, problems=problems, warning=warning)


def load_strategy(workspace: Path) -> Strategy | None:
    """The strategy in use (the last valid one when the file is broken; that is logged), or None."""
    state = strategy_state(workspace)
    if state.warning:
        log.warning("%s", state.warning)
    return state.strategy


@contextmanager
def _locked(workspace: Path) -> Iterator[None]:
    """One psn writer at a time (the CLI, the MCP server and the worker may all write)."""
    folder = workspace / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / _LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _log_change(workspace: Path, entry: dict[str, Any]) -> None:
    path = changelog_path(workspace)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        handle.flush()


def _write(workspace: Path, text: str, read: str | None = None) -> Strategy:
    """Write strategy.yaml (under ``_locked``); ``read`` is the text the change was made on, and a file that
    no longer holds it (the user saved it meanwhile) is left alone."""
    path = strategy_path(workspace)
    strategy, _ = parse_strategy(text, str(path))  # what is written always loads back
    if read is not None and read_yaml_text(path, StrategyInvalid) != read:
        raise StrategyChangeInvalid(
            f"{path.name} changed while psn was changing it (saved in an editor?); nothing was written.",
            "Run the change again: it applies to the file as it is now.",
        )
    write_atomic(path, text)
    _remember_valid(workspace, text)
    return strategy


# --- init -----------------------------------------------------------------------------------------


class StrategyWritten(BaseModel):
    path: Path = Field(description="The strategy file written.")
    strategy: Strategy = Field(description="What it holds.")
    replaced: bool = Field(description="An existing strategy.yaml was replaced.")
    seeded_from: str = Field(description="What the defaults came from (the answers, the voice profile, psn).")


def seed_from_voice(workspace: Path) -> tuple[StrategySeed, str]:
    """A seed from voices/personal.yaml (its formality and languages), else psn's defaults."""
    from psn_core.errors import PSNError
    from psn_core.services.voice.files import load_persona_profile, voices_dir

    try:
        profile = load_persona_profile(voices_dir(workspace))
    except PSNError:
        return StrategySeed(), "psn's defaults (no valid voices/personal.yaml)"
    return seed_from_formality(profile.traits.formality, list(profile.languages)), "voices/personal.yaml"


def init_strategy(
    workspace: Path, seed: StrategySeed | None = None, *, force: bool = False, now: Callable[[], datetime] = utcnow
) -> StrategyWritten:
    """Write strategy.yaml from ``seed`` (else from the personal voice profile), atomically.

    Raises:
        StrategyExists: the file exists and ``force`` is false.
    """
    path = strategy_path(workspace)
    with _locked(workspace):
        existed = path.exists()
        if existed and not force:
            raise StrategyExists(f"{path} already exists; psn will not overwrite your strategy.")
        seeded_from = "the answers given"
        if seed is None:
            seed, seeded_from = seed_from_voice(workspace)
        strategy = _write(workspace, default_text(seed))
        _log_change(
            workspace,
            {
                "at": now().isoformat(),
                "actor": "user",
                "path": "",
                "action": "init",
                "evidence": f"default strategy from {seeded_from}",
                "replaced": existed,
            },
        )
    return StrategyWritten(path=path, strategy=strategy, replaced=existed, seeded_from=seeded_from)


# --- changes --------------------------------------------------------------------------------------


class StrategyChange(BaseModel):
    """One change that was written."""

    path: str = Field(description="The field changed.")
    old: Any = Field(default=None, description="Its value before (null: it was not set).")
    new: Any = Field(default=None, description="Its value now (null: removed).")
    actor: Actor = Field(description="psn (an automatic change) or user (the user asked for it).")
    evidence: str = Field(description="Why: the data or the user's words behind the change.")
    unlocked: list[str] = Field(default_factory=list, description="Locks the user lifted for this change.")
    changed: bool = Field(description="False when the field already had this value (nothing written).")


def apply_change(
    workspace: Path,
    path: str,
    value: Any,
    evidence: str,
    *,
    actor: Actor = "psn",
    unlock: list[str] | None = None,
    now: Callable[[], datetime] = utcnow,
) -> StrategyChange:
    """Set the field at ``path`` to ``value`` (None removes it) in strategy.yaml, keeping everything else.

    This is the function automatic changes call (the learning loop passes its evidence). ``actor="psn"``
    never touches a locked field. ``actor="user"`` may lift the locks named in ``unlock`` (removed from
    ``locked:`` in the same write); other locks still refuse.

    Raises:
        StrategyNotFound: no strategy.yaml.
        StrategyInvalid: the file is broken (psn never rewrites a file the user is in the middle of fixing).
        StrategyChangeInvalid: a bad path, no evidence, or the result would not be a valid strategy.
        StrategyLocked: the change would alter a locked value (nothing is written).
    """
    (change,) = apply_changes(workspace, [(path, value)], evidence, actor=actor, unlock=unlock, now=now)
    return change


def apply_changes(
    workspace: Path,
    changes: list[tuple[str, Any]],
    evidence: str,
    *,
    actor: Actor = "psn",
    unlock: list[str] | None = None,
    lock: list[str] | None = None,
    now: Callable[[], datetime] = utcnow,
) -> list[StrategyChange]:
    """Several changes (``(path, value)``, in order) in one atomic write: all of them, or none.

    ``lock`` (the user only) adds locks in the same write. Raises what ``apply_change`` raises.
    """
    if not evidence or not evidence.strip():
        raise StrategyChangeInvalid("A strategy change needs its evidence (why it is made).")
    evidence = evidence.strip()
    try:
        parsed = [(path, paths.parse_path(path), value) for path, value in changes]
        for item in lock or []:
            paths.parse_path(item)
    except paths.PathInvalid as exc:
        raise StrategyChangeInvalid(f"{exc}.") from None
    unlock, lock = list(dict.fromkeys(unlock or [])), list(dict.fromkeys(lock or []))
    if (unlock or lock) and actor != "user":
        raise StrategyLocked("Only the user locks or unlocks a strategy field.", lock=(unlock or lock)[0])
    file = strategy_path(workspace)
    if not file.exists():  # before the lock: a folder without a strategy gets no .psn/ of ours
        raise StrategyNotFound(f"No strategy at {file}.")
    with _locked(workspace):
        try:
            text = read_yaml_text(file, StrategyInvalid)
        except FileNotFoundError:
            raise StrategyNotFound(f"No strategy at {file}.") from None
        current, raw = parse_strategy(text, str(file))
        not_locked = [item for item in unlock if item not in current.locked]
        if not_locked:
            raise StrategyChangeInvalid(f"{', '.join(not_locked)} is not locked in {file.name}.")
        before = paths.to_view(raw)
        after = paths.to_view(raw)
        for _, parts, value in parsed:
            if parts == ("pillars",):  # the view keys pillars by name: check the list as given first
                validate_data({**raw, "pillars": value})
            paths.put(after, parts, paths.MISSING if value is None else value)
        validated = validate_data(paths.from_view(after))
        for _, parts, value in parsed:
            if value is not None and paths.get(after, parts) is not paths.MISSING:
                paths.put(after, parts, _normalised(validated, parts, paths.get(after, parts)))
        remaining = [item for item in current.locked if item not in unlock]
        touched = paths.touched_locks(before, after, remaining)
        if touched:
            names = ", ".join(path for path, _, _ in parsed)
            raise StrategyLocked(
                f"{names}: locked in {file.name} (locked: {', '.join(touched)}); psn leaves it as it is.",
                path=parsed[0][0],
                lock=touched[0],
            )
        done = []
        for path, parts, _ in parsed:
            old, new = paths.get(before, parts), paths.get(after, parts)
            old, new = (None if old is paths.MISSING else old), (None if new is paths.MISSING else new)
            done.append(
                StrategyChange(
                    path=path, old=old, new=new, actor=actor, evidence=evidence, unlocked=unlock, changed=old != new
                )
            )
        added = [item for item in lock if item not in remaining]
        if any(c.changed for c in done) or unlock or added:
            if unlock or added:
                after["locked"] = [*remaining, *added]
            _write(workspace, render(paths.from_view(after), text), read=text)
            stamp = now().isoformat()
            for change in done:
                entry = change.model_dump(mode="json", exclude={"changed"})
                _log_change(workspace, {"at": stamp, **entry})
            if unlock and not done:
                entry = {"at": stamp, "actor": actor, "path": "locked", "unlocked": unlock, "evidence": evidence}
                _log_change(workspace, entry)
            if added:
                entry = {"at": stamp, "actor": actor, "path": "locked", "locked": added, "evidence": evidence}
                _log_change(workspace, entry)
    return done


def _normalised(strategy: Strategy, parts: tuple[str, ...], given: Any) -> Any:
    """What to write at ``parts``: the value as given when the model reads it as the same data (2 stays 2,
    not 2.0), else the model's own form of it ("3" becomes 3), without defaults the user never wrote."""
    lean = paths.get(paths.to_view(strategy.model_dump(mode="json", exclude_defaults=True)), parts)
    full = paths.get(paths.to_view(strategy.model_dump(mode="json")), parts)
    normal = full if lean is paths.MISSING else lean
    return given if given == normal else normal


def recent_changes(workspace: Path, limit: int = 10) -> list[dict[str, Any]]:
    """The last ``limit`` changelog entries, newest last (unreadable lines skipped)."""
    path = changelog_path(workspace)
    if not path.exists():
        return []
    out = []
    for line in path.read_text("utf-8").splitlines()[-limit:]:
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


__all__ = [
    "StrategyState",
    "apply_change",
    "apply_changes",
    "init_strategy",
    "load_strategy",
    "pillar_names",
    "strategy_state",
]
