"""Importing a web page for voice match, against a real HTTP server on 127.0.0.1.

The production policy refuses 127.0.0.1, so the tests that need a page served at all name the server
``writer.test`` (resolved to 127.0.0.1 by the test's resolver) and allow exactly that name and port
(``UrlPolicy.test_allow``). Anything else on this machine -- the address itself, ``localhost``, another
port -- is still refused, at the first hop and after a redirect: that is what the redirect tests show.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from psn_core.services.voice.import_errors import ImportFailed, UrlRefused
from psn_core.services.voice.imports import import_url
from psn_core.services.voice.web import UrlPolicy, fetch_page, page_text, system_resolver
from tests.support.clock import start_instant
from tests.support.feed_server import FeedServer, Route
from tests.support.hubs import HubEnv, new_member

PAGE = (
    "<html><head><title>t</title><style>p{}</style></head><body><nav>Home | About</nav>"
    "<article><p>shipped the migration tool today. took three tries... but it's out.</p>"
    "<p>i don't get why every standup runs 40 minutes &amp; nobody minds.</p></article>"
    "<script>alert(1)</script></body></html>"
)


@pytest.fixture
def site() -> Iterator[tuple[FeedServer, int]]:
    """A web server on 127.0.0.1 and its port (what it serves is set per test with ``serve``)."""
    with FeedServer(start_instant()) as server:
        yield server, server.port


def serve(server: FeedServer, path: str, status: int = 200, body: bytes = b"", **headers: str) -> None:
    """``path`` answers ``status`` and ``body``, with ``headers`` (content_type, location...; content_length=""
    declares no length); /slow never answers."""
    named = {k.replace("_", "-"): v for k, v in headers.items()}
    content_type = named.pop("content-type", "text/plain")
    server.routes[path] = Route(
        body=body, status=status, content_type=content_type, hang=path == "/slow", headers=named
    )


def hits(server: FeedServer) -> list[str]:
    return [seen.path for seen in server.requests]


def writer_policy(port: int, **limits: object) -> UrlPolicy:
    """writer.test resolves to 127.0.0.1, and only writer.test:<port> is let through (tests only)."""

    def resolver(host: str, port: int) -> list[str]:
        fixed = {"writer.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "10.1.2.3"]}
        return fixed.get(host) or system_resolver(host, port)

    return UrlPolicy(resolver=resolver, test_allow=frozenset({("writer.test", port)}), **limits)  # type: ignore[arg-type]


def test_a_page_is_fetched_as_text_without_scripts_or_navigation(site: tuple[FeedServer, int]) -> None:
    state, port = site
    serve(state, "/post", body=PAGE.encode(), content_type="text/html; charset=utf-8")
    page = fetch_page(f"http://writer.test:{port}/post", writer_policy(port))
    assert page.text == (
        "shipped the migration tool today. took three tries... but it's out.\n\n"
        "i don't get why every standup runs 40 minutes & nobody minds."
    )
    assert hits(state) == ["/post"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "127.1.2.3"])
def test_this_machine_is_refused_with_the_production_policy(site: tuple[FeedServer, int], host: str) -> None:
    state, port = site
    serve(state, "/post", body=PAGE.encode(), content_type="text/html")
    with pytest.raises(UrlRefused, match="loopback"):
        fetch_page(f"http://{host}:{port}/post")
    assert hits(state) == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.0.0.1/", "private"),
        ("http://192.168.1.10/", "private"),
        ("http://172.16.5.5/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://100.64.0.1/", "non-public"),
        ("http://[fc00::1]/", "private"),
    ],
)
def test_private_link_local_multicast_and_reserved_addresses_are_refused(url: str, why: str) -> None:
    with pytest.raises(UrlRefused, match=why):
        fetch_page(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/", "//x/y"])
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(UrlRefused, match="http"):
        fetch_page(url)


def test_every_resolved_address_is_checked_not_only_the_first(site: tuple[FeedServer, int]) -> None:
    state, port = site
    with pytest.raises(UrlRefused, match=r"private address \(10\.1\.2\.3\)"):
        fetch_page(f"http://mixed.test:{port}/post", writer_policy(port))
    assert hits(state) == []


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1:{port}/post", "http://localhost:{port}/post", "http://[::1]:{port}/post", "http://10.0.0.7/"],
)
def test_a_redirect_to_this_machine_is_refused_even_when_the_first_host_was_allowed(
    site: tuple[FeedServer, int], target: str
) -> None:
    state, port = site
    serve(state, "/post", body=PAGE.encode(), content_type="text/html")
    serve(state, "/go", status=302, location=target.format(port=port))
    with pytest.raises(UrlRefused, match=r"resolves to a (loopback|private)"):
        fetch_page(f"http://writer.test:{port}/go", writer_policy(port))
    assert hits(state) == ["/go"]  # the page behind the redirect was never asked for


def test_at_most_three_redirects_are_followed(site: tuple[FeedServer, int]) -> None:
    state, port = site
    serve(state, "/post", body=b"i write short things", content_type="text/plain")
    for n in range(1, 5):
        serve(state, f"/r{n}", status=301, location="/post" if n == 1 else f"/r{n - 1}")
    assert fetch_page(f"http://writer.test:{port}/r3", writer_policy(port)).text == "i write short things"
    state.requests.clear()
    with pytest.raises(UrlRefused, match="redirects more than 3 times"):
        fetch_page(f"http://writer.test:{port}/r4", writer_policy(port))
    assert hits(state) == ["/r4", "/r3", "/r2", "/r1"]


def test_a_page_over_the_size_limit_is_refused_declared_or_not(site: tuple[FeedServer, int]) -> None:
    state, port = site
    serve(state, "/big", body=b"x" * 5000, content_type="text/plain")
    serve(state, "/undeclared", body=b"y" * 50_000, content_type="text/plain", content_length="")
    with pytest.raises(UrlRefused, match="is 5,000 bytes; psn imports pages up to 4,000"):
        fetch_page(f"http://writer.test:{port}/big", writer_policy(port, max_bytes=4000))
    with pytest.raises(UrlRefused, match="larger than 4,000 bytes; psn stopped reading"):
        fetch_page(f"http://writer.test:{port}/undeclared", writer_policy(port, max_bytes=4000))


def test_only_html_and_plain_text_are_accepted(site: tuple[FeedServer, int]) -> None:
    state, port = site
    serve(state, "/img", body=b"\x89PNG", content_type="image/png")
    serve(state, "/json", body=b"{}", content_type="application/json")
    for path in ("/img", "/json"):
        with pytest.raises(UrlRefused, match="not a web page or text"):
            fetch_page(f"http://writer.test:{port}{path}", writer_policy(port))


def test_a_page_that_does_not_answer_in_time_fails_at_the_deadline(site: tuple[FeedServer, int]) -> None:
    state, port = site
    serve(state, "/slow", body=b"late", content_type="text/plain")
    with pytest.raises(ImportFailed, match=r"did not answer within 0\.5 s"):
        fetch_page(f"http://writer.test:{port}/slow", writer_policy(port, timeout=0.5))


def test_plain_text_is_kept_as_it_is() -> None:
    assert page_text("  a\n\nb  ", "text/plain") == "a\n\nb"


@pytest.mark.pg
def test_import_refuses_a_private_address_url_and_stores_nothing(hub_env: HubEnv) -> None:
    member = new_member(hub_env.hub, "Ana")
    with pytest.raises(UrlRefused, match="private"):
        import_url(hub_env.hub, member, "http://192.168.0.10/my-post", language="en")
    with hub_env.hub.transaction(member) as conn:
        assert conn.execute("SELECT count(*) AS n FROM voice_samples").fetchone() == {"n": 0}


@pytest.mark.pg
def test_an_imported_page_is_stored_once_as_a_sample(hub_env: HubEnv, site: tuple[FeedServer, int]) -> None:
    state, port = site
    serve(state, "/post", body=PAGE.encode(), content_type="text/html")
    member: uuid.UUID = new_member(hub_env.hub, "Ana")
    url = f"http://writer.test:{port}/post"
    first = import_url(hub_env.hub, member, url, language="en", policy=writer_policy(port))
    again = import_url(hub_env.hub, member, url, language="en", policy=writer_policy(port))
    assert (first.added, first.already_there, again.added, again.already_there) == (1, 0, 0, 1)
    with hub_env.hub.transaction(member) as conn:
        rows = conn.execute("SELECT source, origin, body FROM voice_samples").fetchall()
    assert rows == [{"source": "url", "origin": url, "body": fetch_page(url, writer_policy(port)).text}]


def test_no_production_code_sets_the_test_allow() -> None:
    """The allow is a test seam, not a bypass: the default policy has none, and no module of psn (CLI, MCP
    tool, services) but the one that defines it so much as names it, so no setting or argument reaches it."""
    from pathlib import Path

    assert UrlPolicy().test_allow == frozenset()
    root = Path(__file__).parents[2]
    naming = sorted(
        str(path.relative_to(root))
        for folder in ("psn_core", "mcp_server")
        for path in (root / folder).rglob("*.py")
        if "test_allow" in path.read_text(encoding="utf-8")
    )
    assert naming == ["psn_core/services/voice/web.py"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://[2002:a9fe:a9fe::1]/", r"link-local address \(169\.254\.169\.254\)"),  # 6to4 of the metadata service
        ("http://[2002:7f00:1::1]/", r"loopback address \(127\.0\.0\.1\)"),  # 6to4 of this machine
        ("http://[2001:0:a9fe:a9fe::1]/", r"link-local address \(169\.254\.169\.254\)"),  # Teredo, server part
    ],
)
def test_6to4_and_teredo_addresses_are_checked_as_the_ipv4_address_they_carry(url: str, why: str) -> None:
    with pytest.raises(UrlRefused, match=why):
        fetch_page(url)


def test_a_non_ascii_domain_is_sent_idna_encoded(site: tuple[FeedServer, int]) -> None:
    state, port = site
    serve(state, "/post", body=b"hola desde b\xc3\xbccher", content_type="text/plain; charset=utf-8")

    def resolver(host: str, port: int) -> list[str]:
        assert host == "xn--bcher-kva.test"
        return ["127.0.0.1"]

    policy = UrlPolicy(resolver=resolver, test_allow=frozenset({("xn--bcher-kva.test", port)}))
    page = fetch_page(f"http://b\u00fccher.test:{port}/post", policy)
    assert page.text == "hola desde b\u00fccher"
    assert state.requests[-1].headers["host"] == f"xn--bcher-kva.test:{port}"


def test_a_host_name_that_cannot_be_encoded_is_refused_clearly() -> None:
    with pytest.raises(UrlRefused, match="not a valid host name"):
        fetch_page("http://" + "\u00fc" * 70 + ".example/")


def test_an_ipv6_literal_is_bracketed_in_the_host_header() -> None:
    from psn_core.services.voice.web import host_header

    assert host_header("2606:4700::1", 80, "http") == "[2606:4700::1]"
    assert host_header("2606:4700::1", 8080, "http") == "[2606:4700::1]:8080"
    assert host_header("example.com", 443, "https") == "example.com"
