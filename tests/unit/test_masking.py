"""Secrets are masked to their last 4 characters everywhere, logs included."""

from __future__ import annotations

import io
import logging

from psn_core.masking import RedactingFilter, SecretRegistry, mask, mask_url


def test_mask_shows_only_the_last_four() -> None:
    assert mask("sk-live-abcdefghijkl1234") == "••••1234"
    assert mask("short") == "••••"  # too short to reveal anything
    assert mask("") == "" and mask(None) == ""


def test_mask_url_keeps_host_and_hides_password() -> None:
    url = "postgresql://owner:hunter2-long-password@ep-x.neon.tech:5432/neondb?sslmode=require"
    shown = mask_url(url)
    assert "hunter2" not in shown
    assert shown == "postgresql://owner:••••word@ep-x.neon.tech:5432/neondb?sslmode=require"


def _logger_with_filter(secrets: SecretRegistry) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(secrets))
    logger = logging.getLogger(f"psn.test.{id(stream)}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, stream


def test_registered_secrets_are_masked_in_logs() -> None:
    secrets = SecretRegistry()
    secrets.add("AAAA-registered-secret-9876")
    logger, stream = _logger_with_filter(secrets)
    logger.warning("refresh failed for token %s", "AAAA-registered-secret-9876")
    assert "registered-secret" not in stream.getvalue()
    assert "••••9876" in stream.getvalue()


def test_secret_looking_values_are_masked_even_unregistered() -> None:
    logger, stream = _logger_with_filter(SecretRegistry())
    logger.error('platform said {"access_token": "zzzzzzzzzzzz5555", "refresh_token":"yyyyyyyyyyyy6666"}')
    logger.error("Authorization: Bearer abcdefghijklmnop7777")
    logger.error("connecting to postgresql://u:pw-long-enough-8888@db/x")
    logger.error("POST body code_verifier=verifierverifier9999&x=1")
    out = stream.getvalue()
    for leaked in ("zzzzzzzz", "yyyyyyyy", "abcdefghijklmnop", "pw-long-enough", "verifierverifier"):
        assert leaked not in out
    for tail in ("5555", "6666", "7777", "8888", "9999"):
        assert f"••••{tail}" in out


def test_exception_tracebacks_are_masked_too() -> None:
    secrets = SecretRegistry()
    secrets.add("traceback-secret-value-4242")
    logger, stream = _logger_with_filter(secrets)
    try:
        raise RuntimeError("boom traceback-secret-value-4242")
    except RuntimeError:
        logger.exception("failed")
    assert "traceback-secret-value" not in stream.getvalue()
