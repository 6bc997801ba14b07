"""Content import's errors (their place in the one tree: psn_core.errors' docstring)."""

from __future__ import annotations

from psn_core.errors import InvalidInput, PSNError


class UrlRefused(InvalidInput):
    """A URL psn will not fetch: not http(s), a loopback/private/link-local/multicast/reserved address
    (at the first hop or after a redirect), too many redirects, too large, or not a web page or text."""

    default_action = (
        "Import a public http(s) page of your own writing, or save it to a file and use "
        "`psn voice import --file PATH` (or paste it with --text)."
    )


class ImportFailed(PSNError):
    """The source could not be read: the page did not answer in time, or the connection failed."""

    retryable = True
    default_action = "Try again later, or save the text to a file and use `psn voice import --file PATH`."


class NothingToImport(InvalidInput):
    default_action = "Give text you wrote yourself: --text, --file PATH, --url URL or --x."
