"""What `psn worker` prints: one line per job it runs (start and finish, target and post, outcome).

The worker logs each job on the ``psn.worker`` logger with fields in ``extra`` (``event``: start, finish
or failed; ``task``; ``target_id``; ``post_id``; ``outcome``; ``duration_ms``). :func:`configure` sends
them to stdout as text lines for people or, with ``--log-format json``, as one JSON object per line for
services. Every message and field is passed through the secret registry (psn_core.masking) first.

Levels: publish and sweep jobs log at INFO (shown by default); periodic housekeeping (watchdog,
notification delivery, token refresh, ...) at DEBUG (``--verbose``); failures at WARNING (always, even
with ``--quiet``).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Literal

from psn_core.masking import RedactingFilter, SecretRegistry, registry

LOGGER = "psn.worker"
FIELDS = ("event", "task", "target_id", "post_id", "outcome", "duration_ms")
Verbosity = Literal["quiet", "normal", "verbose"]
LEVELS: dict[Verbosity, int] = {"quiet": logging.WARNING, "normal": logging.INFO, "verbose": logging.DEBUG}


class TextFormatter(logging.Formatter):
    """``09:00:01 publish  start   target 1b2c3d4e`` / ``... finish  published  post 5f6a7b8c  1.2 s``."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).astimezone().strftime("%H:%M:%S")
        event = getattr(record, "event", None)
        if event is None:
            return f"{when} {record.levelname.lower():7} {record.getMessage()}"
        parts = [when, f"{getattr(record, 'task', ''):<10}", f"{event:<7}"]
        outcome = getattr(record, "outcome", None)
        if outcome:
            parts.append(str(outcome))
        for key, label in (("target_id", "target"), ("post_id", "post")):
            value = getattr(record, key, None)
            if value:
                parts.append(f"{label} {str(value)[:8]}")
        duration = getattr(record, "duration_ms", None)
        if duration is not None:
            parts.append(f"{duration / 1000:.1f} s")
        message = record.getMessage()
        if message and event == "failed":
            parts.append(f"- {message}")
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, message and the job fields."""

    def __init__(self, secrets: SecretRegistry = registry) -> None:
        super().__init__()
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                data[key] = value if isinstance(value, int | float) else self._secrets.redact(str(value))
        if record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


def configure(
    verbosity: Verbosity = "normal", log_format: Literal["text", "json"] = "text", stream: IO[str] | None = None
) -> logging.Handler:
    """Send the worker's job lines to ``stream`` (stdout) in ``log_format``; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RedactingFilter(registry))
    logger = logging.getLogger(LOGGER)
    for existing in list(logger.handlers):
        logger.removeHandler(existing)
    logger.addHandler(handler)
    logger.setLevel(LEVELS[verbosity])
    logger.propagate = False  # not twice: the root handler (stderr) would print the warnings again
    if log_format == "json":  # everything else psn logs (masking.configure_logging's handler), as JSON too
        for existing in logging.getLogger().handlers:
            if any(isinstance(f, RedactingFilter) for f in existing.filters):
                existing.setFormatter(JsonFormatter())
    return handler
