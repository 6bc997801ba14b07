"""The psn workspace on disk: hub.env, the key file, voices/, .psn/, and .gitignore rules for secrets."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from importlib.resources import files
from pathlib import Path

from psn_core.config import HUB_ENV, STATE_DIR, read_env_file
from psn_core.errors import ConfigError, WorkspaceNotFound

# What must never be committed. The key file lives in .psn/ by default; *.key covers one moved out.
GITIGNORE_ENTRIES: tuple[str, ...] = (HUB_ENV, "connections/*.env", "*.key", f"{STATE_DIR}/")
GITIGNORE_HEADER = "# psn: secrets and local state, never commit these"
# Paths checked against .gitignore (a file under connections/ stands for every company connection).
SECRET_PATHS: tuple[str, ...] = (
    HUB_ENV,
    "connections/acme.env",
    f"{STATE_DIR}/master.key",
    f"{STATE_DIR}/pg/",
)

_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_./:@%+=,-]*$")
# `KEY=value` or a commented-out default `# KEY=value`
_ENV_LINE = re.compile(r"^\s*#?\s*(PSN_[A-Z0-9_]+)\s*=")


def find_workspace(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding hub.env or .psn/.

    Raises:
        WorkspaceNotFound: none up to the filesystem root.
    """
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / HUB_ENV).is_file() or (folder / STATE_DIR).is_dir():
            return folder
    raise WorkspaceNotFound(f"No psn workspace in {start} or any folder above it.")


def example_env_text() -> str:
    """The shipped hub.env.example (packaged in the wheel, or the source checkout's copy)."""
    packaged = files("psn_core").joinpath("data", "hub.env.example")
    if packaged.is_file():
        return packaged.read_text("utf-8")
    source = Path(__file__).resolve().parent.parent / "hub.env.example"
    return source.read_text("utf-8")


def _format_value(value: str) -> str:
    if _PLAIN_VALUE.match(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def set_env_values(path: Path, values: dict[str, str]) -> None:
    """Set ``KEY=value`` lines in an env file, replacing existing ones (also commented-out defaults
    of the same key) and appending the rest. The file is written atomically with mode 0600."""
    lines = read_env_file(path).splitlines()
    pending = dict(values)
    out: list[str] = []
    for line in lines:
        match = _ENV_LINE.match(line)
        if match and match.group(1) in pending:
            key = match.group(1)
            out.append(f"{key}={_format_value(pending.pop(key))}")
        else:
            out.append(line)
    out.extend(f"{key}={_format_value(value)}" for key, value in pending.items())
    write_private(path, "\n".join(out) + "\n")


def read_env_keys(path: Path) -> set[str]:
    """Keys set (not commented out) in an env file."""
    if not path.exists():
        return set()
    keys = set()
    for line in read_env_file(path).splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and "=" in stripped:
            value = stripped.split("=", 1)[1].strip()
            if value:
                keys.add(stripped.split("=", 1)[0].strip())
    return keys


def write_private(path: Path, text: str) -> None:
    """Write a file atomically, readable by its owner only (0600 from creation on)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def ensure_gitignore(workspace: Path) -> list[str]:
    """Add the secret entries to ``workspace/.gitignore``; returns the entries added."""
    path = workspace / ".gitignore"
    existing = path.read_text("utf-8").splitlines() if path.exists() else []
    present = {line.strip() for line in existing}
    missing = [entry for entry in GITIGNORE_ENTRIES if entry not in present]
    if not missing:
        return []
    block = ([] if not existing or existing[-1].strip() == "" else [""]) + [GITIGNORE_HEADER, *missing]
    path.write_text("\n".join([*existing, *block]) + "\n", encoding="utf-8")
    return missing


def git_repo_root(workspace: Path) -> Path | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(workspace), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def unignored_secret_paths(workspace: Path, extra: tuple[Path, ...] = ()) -> list[str]:
    """Secret paths that git would NOT ignore (checked with git itself when this is a repository)."""
    candidates = [workspace / p for p in SECRET_PATHS] + list(extra)
    root = git_repo_root(workspace)
    if root is None:
        rules = set()
        gitignore = workspace / ".gitignore"
        if gitignore.exists():
            rules = {line.strip() for line in gitignore.read_text("utf-8").splitlines()}
        return [entry for entry in GITIGNORE_ENTRIES if entry not in rules]
    missing: list[str] = []
    for path in candidates:
        rel = os.path.relpath(path, root)
        if rel.startswith(".."):
            continue  # outside the repository: git cannot commit it
        done = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "-q", "--no-index", rel],
            capture_output=True,
            timeout=10,
            check=False,
        )
        if done.returncode != 0:
            missing.append(rel)
    return missing


def tracked_secret_files(workspace: Path) -> list[str]:
    """Secret files already committed (ignoring them later does not untrack them)."""
    root = git_repo_root(workspace)
    if root is None:
        return []
    done = subprocess.run(
        ["git", "-C", str(root), "ls-files", "--", "*hub.env", "*connections/*.env", "*.key", "*.psn/*"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return [line for line in done.stdout.splitlines() if line.strip()]


def private_mode_problem(path: Path) -> str | None:
    """A sentence if ``path`` is readable by group or others, else None.

    Raises:
        ConfigError: the path does not exist.
    """
    if not path.exists():
        raise ConfigError(f"{path} does not exist.")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        return f"{path.name} has mode {mode:04o}; it must be 0600 (owner only)."
    return None
