"""psn_core.worker.joblog: the worker's line per job, as text for people or JSON for services, secrets masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from psn_core.masking import registry
from psn_core.worker import joblog

SECRET = "sk-test-0123456789abcdef"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    registry.add(SECRET)
    log = logging.getLogger(joblog.LOGGER)
    saved = (list(log.handlers), log.level, log.propagate)
    yield log
    log.handlers[:], log.level, log.propagate = saved  # configure() changes process-wide logging


def _job(log: logging.Logger, level: int, event: str, **extra: object) -> None:
    log.log(level, f"token {SECRET} refused", extra={"event": event, "task": "publish", **extra})


def test_json_lines_carry_the_job_fields_and_mask_secrets(logger: logging.Logger) -> None:
    stream = io.StringIO()
    joblog.configure("normal", "json", stream)
    _job(logger, logging.INFO, "start", target_id="1b2c3d4e-0000-0000-0000-000000000000")
    _job(
        logger,
        logging.INFO,
        "finish",
        target_id="1b2c3d4e",
        post_id=f"post {SECRET}",
        outcome="published",
        duration_ms=1234,
    )
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "start" and first["task"] == "publish" and first["level"] == "info"
    assert second["outcome"] == "published" and second["duration_ms"] == 1234
    assert SECRET not in stream.getvalue() and "••••cdef" in second["message"] and "••••cdef" in second["post_id"]


def test_text_lines_and_the_three_levels(logger: logging.Logger) -> None:
    stream = io.StringIO()
    joblog.configure("normal", "text", stream)
    _job(
        logger,
        logging.INFO,
        "finish",
        target_id="1b2c3d4e-ffff",
        post_id="5f6a7b8c-ffff",
        outcome="published",
        duration_ms=1200,
    )
    _job(logger, logging.DEBUG, "finish", outcome="done")  # housekeeping: only with --verbose
    (line,) = stream.getvalue().splitlines()
    assert line.split()[1:] == ["publish", "finish", "published", "target", "1b2c3d4e", "post", "5f6a7b8c", "1.2", "s"]
    quiet = io.StringIO()
    joblog.configure("quiet", "text", quiet)
    _job(logger, logging.INFO, "finish", outcome="published")
    _job(logger, logging.WARNING, "failed", outcome="error")
    (failure,) = quiet.getvalue().splitlines()
    assert " failed " in failure and SECRET not in failure and "••••cdef" in failure
    verbose = io.StringIO()
    joblog.configure("verbose", "text", verbose)
    _job(logger, logging.DEBUG, "start")
    assert len(verbose.getvalue().splitlines()) == 1
