"""The one HTTP client every platform uses, and the helpers that turn transport failures and error
responses into the PlatformError tree.

The rule that matters most: once a write request (one that creates or publishes a post) has been sent,
a timeout or dropped connection means *we do not know* whether it happened. That is ``OutcomeUnknown``
and is never retried here. A failure before the request left (connect error, pool timeout) is
``PlatformUnavailable`` and safe to retry.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx2

from psn_core.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    PlatformError,
    PlatformUnavailable,
    RateLimited,
)
from psn_core.masking import SecretRegistry
from psn_core.platforms.models import PlatformConfig
from psn_core.timefmt import span

JSONValue = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]
JSONObject = dict[str, JSONValue]

USER_AGENT = "psn/0.1 (+https://github.com/psn)"
_MAX_RAW = 4000


def make_client(config: PlatformConfig, transport: httpx2.BaseTransport | None = None) -> httpx2.Client:
    """Build the shared client: explicit timeouts, no redirects followed silently, a plain User-Agent."""
    timeout = httpx2.Timeout(
        connect=config.connect_timeout,
        read=config.read_timeout,
        write=config.read_timeout,
        pool=config.connect_timeout,
    )
    return httpx2.Client(
        timeout=timeout,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        transport=transport,
    )


def redact(text: str, *secrets: str | None) -> str:
    """Mask the given secrets and anything token-shaped in ``text`` (last 4 characters kept)."""
    registry = SecretRegistry()
    registry.add(*secrets)
    return registry.redact(text[:_MAX_RAW])


def json_body(response: httpx2.Response) -> JSONObject:
    """The response body as a JSON object, or an empty dict when it is not one."""
    try:
        value = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def get_str(obj: JSONValue, *path: str | int) -> str | None:
    """Walk ``path`` (keys and list indexes) into decoded JSON; the leaf as a string, or None."""
    node: JSONValue = obj
    for step in path:
        if isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node):
            node = node[step]
            continue
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            node = node[step]
            continue
        return None
    if node is None or isinstance(node, dict | list):
        return None
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


def get_int(obj: JSONValue, *path: str | int) -> int | None:
    value = get_str(obj, *path)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def get_list(obj: JSONValue, *path: str) -> list[JSONValue]:
    node: JSONValue = obj
    for step in path:
        if not isinstance(node, dict) or step not in node:
            return []
        node = node[step]
    return node if isinstance(node, list) else []


def get_obj(obj: JSONValue, *path: str) -> JSONObject:
    node: JSONValue = obj
    for step in path:
        if not isinstance(node, dict) or step not in node:
            return {}
        node = node[step]
    return node if isinstance(node, dict) else {}


# --- rate-limit headers ------------------------------------------------------------------------


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds until a retry may succeed, from the standard headers (Retry-After, x-rate-limit-reset).

    ``Retry-After`` may be seconds or an HTTP date; ``x-rate-limit-reset`` (X) is a Unix time.
    """
    current = time.time() if now is None else now
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - current)
            except (TypeError, ValueError):
                pass
    for name in ("x-rate-limit-reset", "x-ratelimit-reset"):
        reset = lowered.get(name)
        if reset:
            try:
                return max(0.0, float(reset) - current)
            except ValueError:
                continue
    return None


def describe_wait(seconds: float) -> str:
    """'about 14 minutes' style wording (timefmt.span); the caller adds the wall-clock time in the user's zone."""
    return f"about {span(timedelta(seconds=max(1.0, seconds)))}"


# --- sending -----------------------------------------------------------------------------------

Classifier = Callable[[httpx2.Response], PlatformError]


class RequestGate(Protocol):
    """Sees every request a platform client sends: services use it for rate-limit budgets.

    ``before`` runs before the request leaves and may refuse it by raising (RateLimited when the
    budget is spent). ``after`` runs once the request is done: with the response, or None when no
    response came back (the call still counts: it may have reached the platform).
    """

    def before(self, platform: str, method: str, url: str, *, write: bool) -> None: ...

    def after(self, platform: str, method: str, url: str, response: httpx2.Response | None) -> None: ...


FileField = tuple[str | None, str | bytes] | tuple[str | None, str | bytes, str]


class Sender:
    """Sends requests for one platform and raises the right PlatformError for every failure."""

    def __init__(
        self,
        client: httpx2.Client,
        platform: str,
        display_name: str,
        classify: Classifier,
        gate: RequestGate | None = None,
    ):
        self.client = client
        self.platform = platform
        self.display_name = display_name
        self._classify = classify
        self.gate = gate

    def request(
        self,
        method: str,
        url: str,
        *,
        write: bool = False,
        token: str | None = None,
        ok: tuple[int, ...] = (),
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: JSONValue = None,
        data: Mapping[str, str] | None = None,
        files: Sequence[tuple[str, FileField]] | None = None,
        content: bytes | None = None,
        auth: tuple[str, str] | None = None,
    ) -> httpx2.Response:
        """Send one request; return the response when it succeeded (2xx or a status in ``ok``).

        ``write`` marks a request that creates or publishes something: a timeout after it was sent
        becomes OutcomeUnknown.

        Raises:
            PlatformUnavailable: nothing was sent (connect error), or a read failed on a non-write.
            OutcomeUnknown: a write was sent and no answer came back.
            PlatformError: the platform answered with an error (the most specific subclass).
        """
        if self.gate is not None:
            self.gate.before(self.platform, method, url, write=write)
        response: httpx2.Response | None = None
        try:
            response = self.client.request(
                method,
                url,
                headers=headers,
                params=params,
                json=json,
                data=data,
                files=files,
                content=content,
                auth=auth if auth is not None else httpx2.USE_CLIENT_DEFAULT,
            )
        except (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout) as exc:
            raise PlatformUnavailable(
                f"Could not reach {self.display_name} ({type(exc).__name__}).",
                platform=self.platform,
                status_code=None,
            ) from exc
        except (httpx2.WriteError, httpx2.WriteTimeout) as exc:
            # The request never fully left: the platform cannot have acted on it.
            raise PlatformUnavailable(
                f"The connection to {self.display_name} broke while sending the request.",
                platform=self.platform,
            ) from exc
        except (httpx2.TimeoutException, httpx2.TransportError) as exc:
            if write:
                raise OutcomeUnknown(
                    f"{self.display_name} did not answer after the post was sent; it may or may not be live.",
                    platform=self.platform,
                ) from exc
            raise PlatformUnavailable(
                f"{self.display_name} did not answer in time ({type(exc).__name__}).",
                platform=self.platform,
            ) from exc
        finally:
            if self.gate is not None:
                self.gate.after(self.platform, method, url, response)
        if response.is_success or response.status_code in ok:
            return response
        error = self._classify(response)
        if not error.raw:
            error.raw = redact(response.text, token)
        else:
            error.raw = redact(error.raw, token)
        raise error


# --- generic classification shared by every platform -------------------------------------------


def generic_error(
    response: httpx2.Response,
    *,
    platform: str,
    display_name: str,
    detail: str,
    retry_after: float | None = None,
    revoked: bool = False,
) -> PlatformError:
    """The fallback mapping by status code, used after a platform's own rules found nothing better."""
    status = response.status_code
    raw = response.text
    suffix = f": {detail}" if detail else "."
    if status == 401:
        if revoked:
            return AuthRevoked(
                f"{display_name} no longer accepts psn's access{suffix}",
                f"Reconnect the account with `psn auth {platform}`.",
                platform=platform,
                status_code=status,
                raw=raw,
            )
        return AuthExpired(
            f"The {display_name} access token has expired{suffix}",
            platform=platform,
            status_code=status,
            raw=raw,
        )
    if status == 429:
        wait = retry_after if retry_after is not None else 60.0
        return RateLimited(
            f"{display_name} rate limit reached; it resets in {describe_wait(wait)}.",
            "psn keeps the post queued and retries after the reset.",
            retry_after=wait,
            platform=platform,
            status_code=status,
            raw=raw,
        )
    if status >= 500:
        return PlatformUnavailable(
            f"{display_name} is having trouble (HTTP {status}){suffix}",
            platform=platform,
            status_code=status,
            raw=raw,
        )
    return PlatformError(
        f"{display_name} refused the request (HTTP {status}){suffix}",
        "Run `psn explain` to see what the platform said.",
        platform=platform,
        status_code=status,
        raw=raw,
    )


def looks_revoked(text: str) -> bool:
    """Whether an auth error body says the grant itself is gone, not merely expired."""
    lowered = text.lower()
    return any(word in lowered for word in ("revoked", "invalid_grant", "deauthorized", "not authorized"))
