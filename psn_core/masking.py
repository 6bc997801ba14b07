"""Masking of secrets for every printer and for logs.

A secret is shown as its last 4 characters only (``••••abcd``); secrets shorter than 12 characters are
shown as ``••••`` alone, since 4 of 8 characters would give too much away.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit, urlunsplit

MASK = "••••"
_MIN_LEN_TO_SHOW_TAIL = 12


def mask(secret: str | None) -> str:
    """Mask a secret to its last 4 characters (or fully when it is short)."""
    if not secret:
        return ""
    if len(secret) < _MIN_LEN_TO_SHOW_TAIL:
        return MASK
    return MASK + secret[-4:]


def mask_url(url: str) -> str:
    """Mask the password inside a URL, keeping host, port and database readable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{user}:{mask(parts.password)}@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# Patterns catch secrets psn never registered (a token inside a platform's error body, say).
# Each pattern: group 1 is kept, group 2 is the secret, an optional group 3 is kept after it.
_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._~+/=-]{8,})"),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|client_secret|code_verifier|password|api_key|apikey)"
        r"[\"']?\s*[:=]\s*[\"']?)([^\"'&\s,}]{4,})"
    ),
    re.compile(r"(postgres(?:ql)?://[^:/@\s]+:)([^@\s]+)(@)"),
)


class SecretRegistry:
    """Known secret values (settings, decrypted tokens) that must never be printed in clear."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()

    def add(self, *values: str | None) -> None:
        with self._lock:
            self._values.update(v for v in values if v and len(v) >= 4)

    def redact(self, text: str) -> str:
        """Replace registered secrets and secret-looking patterns in ``text``."""
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            if value in text:
                text = text.replace(value, mask(value))
        for pattern in _PATTERNS:
            text = pattern.sub(_mask_match, text)
        return text


def _mask_match(match: re.Match[str]) -> str:
    secret = match.group(2)
    if secret.startswith(MASK):
        return match.group(0)
    tail = match.group(3) if match.re.groups >= 3 else ""
    return f"{match.group(1)}{mask(secret)}{tail}"


registry = SecretRegistry()


class RedactingFilter(logging.Filter):
    """Logging filter that rewrites every record with secrets masked."""

    def __init__(self, secrets: SecretRegistry = registry) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._secrets.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._secrets.redact(record.exc_text)
        record.msg, record.args = redacted, ()
        return True


def configure_logging(level: str = "WARNING", secrets: SecretRegistry = registry) -> None:
    """Send psn logs to stderr through the redacting filter. Called once by each entry point."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, logging.StreamHandler) and any(
            isinstance(f, RedactingFilter) for f in existing.filters
        ):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
