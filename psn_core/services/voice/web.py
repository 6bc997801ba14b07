"""Fetching a web page of the user's own writing, without letting a URL reach what it must not.

A URL given to import is untrusted: it could point at this machine (the hub, the emulator, a cloud
metadata service) directly, through a name that resolves there, or through a redirect. So, for every hop:
http or https only; an international name is IDNA-encoded; the host is resolved and *every* address it
resolves to must be public (not loopback, private, link-local, shared, multicast, reserved or
unspecified; IPv4-mapped, 6to4 and Teredo IPv6 are checked as the IPv4 addresses they carry); the
connection then goes to the address that was checked (the name is sent as Host and as the TLS server
name), so a second DNS answer cannot swap it; no proxy from the environment. At most 3 redirects, each
checked the same way; one deadline for all hops; the body is read up to a size limit; only text/html
and text/plain are accepted.

``UrlPolicy.test_allow`` exists for tests that serve pages on 127.0.0.1: it names exact (host, port) pairs
whose addresses are not checked. psn's CLI and MCP tool never set it (they build the default policy).
"""

from __future__ import annotations

import html
import ipaddress
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx2

from psn_core.services.voice.import_errors import ImportFailed, UrlRefused

Resolver = Callable[[str, int], list[str]]
TYPES = ("text/html", "text/plain")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6).

    Raises:
        ImportFailed: the name does not resolve.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ImportFailed(f"{host} could not be resolved ({exc}).") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class UrlPolicy:
    max_bytes: int = 2_000_000
    timeout: float = 15.0  # seconds, for all hops together
    max_redirects: int = 3
    resolver: Resolver = system_resolver
    test_allow: frozenset[tuple[str, int]] = field(default_factory=frozenset)


@dataclass(frozen=True)
class FetchedPage:
    url: str
    final_url: str
    content_type: str
    text: str


def _why_not_public(address: str) -> str | None:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):  # IPv4 carried in IPv6 is checked as that IPv4 address
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip.teredo is not None:
            server, client = ip.teredo
            return _why_not_public(str(server)) or _why_not_public(str(client)) or f"a Teredo address ({ip})"
    for label, bad in (
        ("a loopback", ip.is_loopback),
        ("an unspecified", ip.is_unspecified),
        ("a link-local", ip.is_link_local),
        ("a multicast", ip.is_multicast),
        ("a reserved", ip.is_reserved),
        ("a private", ip.is_private),
    ):
        if bad:
            return f"{label} address ({ip})"
    return None if ip.is_global else f"a non-public address ({ip})"


def _target(url: str, policy: UrlPolicy) -> tuple[str, str, int, str]:
    """(scheme, host, port, the address to connect to) of one hop, or refused."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UrlRefused(f"{url[:200]} is not an http or https URL; psn imports only web pages.")
    host = (parts.hostname or "").lower()
    if not host:
        raise UrlRefused(f"{url[:200]} has no host name.")
    if not host.isascii():  # an international domain name: sent, resolved and checked as its IDNA form
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UrlRefused(f"{url[:200]} is not a valid host name (it cannot be IDNA-encoded).") from None
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise UrlRefused(f"{url[:200]} has an invalid port.") from None
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = policy.resolver(host, port)
    if not addresses:
        raise ImportFailed(f"{host} resolved to no address.")
    if (host, port) not in policy.test_allow:
        for address in addresses:
            why = _why_not_public(address)
            if why is not None:
                raise UrlRefused(f"{host} resolves to {why}: psn fetches only public web pages.")
    return scheme, host, port, addresses[0]


def _pinned_url(url: str, address: str) -> str:
    parts = urlsplit(url)
    netloc = f"[{address}]" if ":" in address else address
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return parts._replace(netloc=netloc).geturl()


def host_header(host: str, port: int, scheme: str) -> str:
    """The Host header of a hop: IPv6 literals in brackets, the port only when not the scheme's default."""
    name = f"[{host}]" if ":" in host else host
    return name if port == (443 if scheme == "https" else 80) else f"{name}:{port}"


def _read(response: httpx2.Response, url: str, policy: UrlPolicy, deadline: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise UrlRefused(f"{url[:200]} is {int(declared):,} bytes; psn imports pages up to {policy.max_bytes:,}.")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > policy.max_bytes:
            raise UrlRefused(f"{url[:200]} is larger than {policy.max_bytes:,} bytes; psn stopped reading it.")
        if time.monotonic() > deadline:
            raise ImportFailed(f"{url[:200]} took longer than {policy.timeout:g} s to read.")
    return bytes(body)


def fetch_page(url: str, policy: UrlPolicy | None = None) -> FetchedPage:
    """The text of the web page at ``url`` (HTML turned into plain text), following at most 3 redirects.

    Raises:
        UrlRefused: not http(s), a non-public address (first hop or any redirect), too many redirects,
            too large, or not text/html or text/plain.
        ImportFailed: the name did not resolve, the connection failed or the deadline passed.
    """
    policy = policy or UrlPolicy()
    deadline = time.monotonic() + policy.timeout
    current = url
    with httpx2.Client(trust_env=False, follow_redirects=False, verify=True) as client:
        for hop in range(policy.max_redirects + 1):
            scheme, host, port, address = _target(current, policy)
            headers = {"Host": host_header(host, port, scheme), "Accept": "text/html, text/plain"}
            extensions = {"sni_hostname": host} if scheme == "https" else {}
            left = max(0.1, deadline - time.monotonic())
            request = client.build_request(
                "GET", _pinned_url(current, address), headers=headers, extensions=extensions, timeout=left
            )
            try:
                response = client.send(request, stream=True)
            except httpx2.TimeoutException:
                raise ImportFailed(f"{current[:200]} did not answer within {policy.timeout:g} s.") from None
            except httpx2.HTTPError as exc:
                raise ImportFailed(f"{current[:200]} could not be fetched: {exc}.") from None
            try:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    if hop == policy.max_redirects:
                        raise UrlRefused(f"{url[:200]} redirects more than {policy.max_redirects} times.")
                    current = urljoin(current, location)
                    continue
                if response.status_code != 200:
                    raise ImportFailed(f"{current[:200]} answered HTTP {response.status_code}.")
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if kind not in TYPES:
                    raise UrlRefused(f"{current[:200]} is {kind or 'of no stated type'}, not a web page or text.")
                body = _read(response, current, policy, deadline)
            except httpx2.TimeoutException:
                raise ImportFailed(f"{current[:200]} did not answer within {policy.timeout:g} s.") from None
            finally:
                response.close()
            text = body.decode(response.encoding or "utf-8", errors="replace")
            return FetchedPage(url=url, final_url=current, content_type=kind, text=page_text(text, kind))
    raise UrlRefused(f"{url[:200]} redirects more than {policy.max_redirects} times.")  # pragma: no cover


_DROP_RE = re.compile(r"<(script|style|noscript|template|svg|head|nav|footer)\b.*?</\1\s*>", re.I | re.S)
_BREAK_RE = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/blockquote|/article|/section|hr)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"<[^>]+>")


def page_text(body: str, content_type: str) -> str:
    """Plain text of a page: for HTML, scripts/styles/navigation dropped, block ends as blank lines."""
    if content_type != "text/html":
        return body.strip()
    text = _DROP_RE.sub(" ", re.sub(r"<!--.*?-->", " ", body, flags=re.S))
    text = _TAG_RE.sub(" ", _BREAK_RE.sub("\n\n", text))
    text = html.unescape(text)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
