"""The platform contract: what every platform declares and the verbs it implements.

Platforms declare (class attributes: limits, capabilities, media specs, OAuth spec, default API base
URL); services decide. Every verb takes the access token explicitly; the client never stores, refreshes
or retries tokens (a 401 raises AuthExpired and the caller refreshes and calls again).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from types import TracebackType
from typing import ClassVar, NoReturn, Self
from urllib.parse import urljoin

import httpx2

from psn_core.errors import MediaHostNotConfigured, MediaRejected, PlatformError, PlatformUnavailable
from psn_core.platforms.http import RequestGate, Sender, make_client
from psn_core.platforms.models import (
    Capabilities,
    Limits,
    MediaKind,
    MediaRef,
    MediaSpec,
    MediaState,
    MediaStatus,
    MediaTransfer,
    OAuthSpec,
    PlatformConfig,
    PostingSettings,
    PostMetrics,
    PublishingQuota,
    PublishRequest,
    PublishResult,
    PublishStatus,
    RateLimits,
    RemotePost,
    RemoteUser,
    TextCounting,
    UploadRequest,
    UploadSession,
)
from psn_core.platforms.polling import poll_until
from psn_core.platforms.x_text import weighted_length


def same_spacing(text: str) -> str:
    """``text`` with every run of whitespace made one space and none at either end (platforms trim
    and collapse whitespace; psn never relies on it)."""
    return " ".join(text.split())


def count_text(text: str, counting: TextCounting) -> int:
    """The length of ``text`` the way a platform counts it (its declared ``Limits.text_counting``)."""
    if counting is TextCounting.X_WEIGHTED:
        return weighted_length(text)
    if counting is TextCounting.UTF16:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


_PARTIAL_ATTR = "psn_partial_ids"


def attach_partial_ids(error: PlatformError, ids: Sequence[str]) -> PlatformError:
    """Record the remote ids already created before ``error`` stopped a multi-part publish."""
    setattr(error, _PARTIAL_ATTR, tuple(ids))
    if ids:
        error.add_note(f"already published: {', '.join(ids)}")
    return error


def partial_ids(error: PlatformError) -> tuple[str, ...]:
    """Remote ids published before a multi-part publish (thread) failed; empty when none."""
    value = getattr(error, _PARTIAL_ATTR, ())
    return tuple(str(v) for v in value) if isinstance(value, tuple) else ()


class Platform(ABC):
    """Base class of the four platform clients.

    Subclasses set every class attribute below and implement the abstract verbs. A client owns one
    httpx2 client unless one is passed in; use it as a context manager or call :meth:`close`.
    """

    name: ClassVar[str]
    display_name: ClassVar[str]
    limits: ClassVar[Limits]
    # How the platform counts API requests; read by the request budgets.
    rate_limits: ClassVar[RateLimits] = RateLimits()
    capabilities: ClassVar[Capabilities]
    media_specs: ClassVar[Mapping[MediaKind, MediaSpec]]
    oauth: ClassVar[OAuthSpec]
    # How each kind of media reaches the platform; kinds not listed are uploaded as bytes.
    media_transfer: ClassVar[Mapping[MediaKind, MediaTransfer]] = {}
    default_base_url: ClassVar[str]
    # How many post ids one metrics request can carry (1: the API has no batch form).
    metrics_batch_size: ClassVar[int] = 1
    doc_pages: ClassVar[tuple[str, ...]] = ()
    # Reconciliation (after a publish whose outcome is unknown). How many characters of a post's text the
    # listing returns (None: all of it), and how long after the request a created post may still be
    # missing from the listing (posts that appear only once processing ends).
    listed_text_max_length: ClassVar[int | None] = None
    listing_delay: ClassVar[timedelta] = timedelta(0)
    # Who-can-see levels a post must choose from, where the platform has the user choose for every post
    # (TikTok); empty: no such choice.
    privacy_levels: ClassVar[tuple[str, ...]] = ()
    # Where the member sees their own recent posts, for a person to check when psn cannot list them
    # (the scopes for it are in ``oauth.features[Feature.RECONCILE]``).
    activity_url: ClassVar[str | None] = None

    def __init__(
        self,
        config: PlatformConfig,
        *,
        client: httpx2.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        gate: RequestGate | None = None,
    ) -> None:
        self.config = config
        self._owns_client = client is None
        self.client = client or make_client(config)
        self.sender = Sender(self.client, self.name, self.display_name, self.classify_error, gate)
        self.sleep = sleep
        self.clock = clock

    # --- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @classmethod
    def text_length(cls, text: str) -> int:
        return count_text(text, cls.limits.text_counting)

    @classmethod
    def split_thread(cls, text: str) -> list[str]:
        """The parts of a thread carrying ``text``, each within the platform's text limit. A platform
        without threads keeps the text whole, in one part.

        Raises:
            ContentRejected: the text holds characters the platform refuses.
        """
        return [text]

    @classmethod
    def returned_text(cls, post: RemotePost) -> str:
        """A listed post's text as psn sent it, undoing what the platform does to text it stores.
        The default: the platform returns text as it was sent."""
        return post.text

    @classmethod
    def sent_text_matches(cls, sent: str, post: RemotePost) -> bool:
        """Whether ``post``, as the account's listing returns it, carries ``sent`` (the text psn sent for
        one part). Whitespace runs count as one space. Where the listing cuts text
        (``listed_text_max_length``), a longer text matches the start the listing shows."""
        returned = same_spacing(cls.returned_text(post))
        wanted = same_spacing(sent)
        if returned == wanted:
            return True
        limit = cls.listed_text_max_length
        # The cut counts characters the platform's way (UTF-16 units, whitespace before collapsing):
        # what remains is a start of the text of at least half the limit.
        return limit is not None and len(returned) >= limit // 2 and wanted.startswith(returned)

    @classmethod
    def transfer_for(cls, kind: MediaKind) -> MediaTransfer:
        return cls.media_transfer.get(kind, MediaTransfer.UPLOAD)

    # --- URLs ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return (self.config.base_url or self.default_base_url).rstrip("/")

    def url(self, path: str) -> str:
        return self.base_url + "/" + path.lstrip("/")

    def media_url(self, ref: str) -> str:
        """A public URL for a media item: absolute as given, or relative to the media host.

        Raises:
            MediaHostNotConfigured: ``ref`` is relative and no media_host_url is configured.
        """
        if ref.startswith(("http://", "https://")):
            return ref
        if not self.config.media_host_url:
            raise MediaHostNotConfigured(
                f"{self.display_name} fetches media from a public URL, and no media host URL is set."
            )
        return urljoin(self.config.media_host_url.rstrip("/") + "/", ref.lstrip("/"))

    # --- verbs ---------------------------------------------------------------------------------

    @abstractmethod
    def publish(self, token: str, request: PublishRequest) -> PublishResult:
        """Publish a post (text, thread, carousel, media) and return the remote id of every part.

        Raises:
            OutcomeUnknown: the write was sent and no answer came back; reconcile, never retry blindly.
            PlatformError: any other refusal, as its most specific subclass.
        """

    # The upload verbs are optional: the defaults below refuse (a platform that takes no uploads, or no
    # bytes, implements none of them or only the ones it uses), and finalizing is a no-op.

    def init_upload(self, token: str, request: UploadRequest) -> UploadSession:
        """Start a media upload; persist the returned session to resume later.

        Raises:
            MediaRejected: the platform takes no media uploads (the default).
            PlatformError: the platform refused the upload.
        """
        raise self._unsupported_upload()

    def upload_chunk(self, token: str, session: UploadSession, index: int, data: bytes) -> UploadSession:
        """Send chunk ``index`` (bytes ``index*chunk_size`` onwards); returns the advanced session.

        Raises:
            MediaRejected: the platform takes no media bytes from psn (the default).
            PlatformError: the chunk was refused; resend the same index.
        """
        raise self._unsupported_upload()

    def finalize_upload(self, token: str, session: UploadSession) -> UploadSession:
        """Tell the platform every chunk is there. The default has nothing to tell: the session is final.

        Raises:
            PlatformError: the platform refused to finalize.
        """
        return session.model_copy(update={"finalized": True})

    def upload_status(self, token: str, session: UploadSession) -> MediaStatus:
        """Processing state of an uploaded media item.

        Raises:
            MediaRejected: the platform takes no media uploads (the default).
            PlatformError: the status could not be read.
        """
        raise self._unsupported_upload()

    def _unsupported_upload(self) -> MediaRejected:
        if self.capabilities.needs_public_media_url:
            return MediaRejected(
                f"{self.display_name} fetches media from a public URL; psn does not send it bytes.",
                platform=self.name,
            )
        return MediaRejected(f"{self.display_name} takes no media uploads from psn.", platform=self.name)

    @abstractmethod
    def publish_status(self, token: str, remote_id: str) -> PublishStatus:
        """Status of a container, a processing publish or a published post.

        Raises:
            PlatformError: the status could not be read.
        """

    @abstractmethod
    def fetch_metrics(self, token: str, post_ids: Sequence[str]) -> list[PostMetrics]:
        """Metrics for posts (batched where the API allows).

        Raises:
            PlatformError: the metrics could not be read.
        """

    @abstractmethod
    def list_recent_posts(self, token: str, limit: int = 20) -> list[RemotePost]:
        """The account's most recent posts, newest first, to reconcile unknown outcomes.

        Raises:
            PlatformError: the posts could not be read.
        """

    @abstractmethod
    def get_current_user(self, token: str) -> RemoteUser:
        """The account the token belongs to.

        Raises:
            PlatformError: the token was refused or the call failed.
        """

    @classmethod
    def metrics_id(cls, remote_ids: Sequence[str]) -> str | None:
        """Which of a published post's remote ids (as stored, in order) fetch_metrics takes; None: none yet."""
        return remote_ids[0] if remote_ids else None

    def fetch_follower_count(self, token: str) -> int | None:
        """The account's follower count; None when the platform (or psn's granted scopes) has no such read.

        Raises:
            PlatformError: the count could not be read.
        """
        return None

    def publishing_quota(self, token: str) -> PublishingQuota | None:
        """How many posts the platform still takes from this account through the API; None when the
        platform publishes no such count.

        Raises:
            PlatformError: the quota could not be read.
        """
        return None

    def posting_settings(self, token: str) -> PostingSettings | None:
        """What the creator may choose for a post (privacy levels, interactions); None when the platform
        has no such read.

        Raises:
            PlatformError: the settings could not be read.
        """
        return None

    def poll_delay(self, attempt: int) -> float:
        """Seconds to wait before status check ``attempt + 1`` of a processing container or post (the
        configured interval; platforms whose status reads spend a tight budget back off)."""
        return self.config.poll_interval

    @abstractmethod
    def classify_error(self, response: httpx2.Response) -> PlatformError:
        """The most specific PlatformError for an error response (raw body kept; redacted by the sender)."""

    # --- shared flows --------------------------------------------------------------------------

    def chunks(self, session: UploadSession, data: bytes) -> Iterator[tuple[int, bytes]]:
        """(index, bytes) for every chunk still to send, following the session's chunk plan."""
        for index in range(session.next_chunk, session.total_chunks):
            start = index * session.chunk_size
            end = len(data) if index == session.total_chunks - 1 else start + session.chunk_size
            yield index, data[start:end]

    def upload_media(self, token: str, request: UploadRequest, data: bytes) -> MediaRef:
        """Run the whole upload flow (init, chunks, finalize, wait) in one call.

        Raises:
            MediaRejected: the platform refused or failed to process the media.
            PlatformError: any other failure, as its most specific subclass.
        """
        session = self.init_upload(token, request)
        for index, chunk in self.chunks(session, data):
            session = self.upload_chunk(token, session, index, chunk)
        session = self.finalize_upload(token, session)
        status = self.wait_for_media(token, session)
        return MediaRef(kind=request.kind, media_id=status.media_id, alt_text=request.alt_text)

    def wait_for_media(self, token: str, session: UploadSession) -> MediaStatus:
        """Poll :meth:`upload_status` until the media is ready.

        Raises:
            MediaRejected: processing failed.
            PlatformUnavailable: processing did not finish within the configured poll timeout.
        """
        deadline = self.clock() + self.config.poll_timeout

        def read() -> MediaStatus:
            status = self.upload_status(token, session)
            if status.state is MediaState.FAILED:
                raise MediaRejected(
                    f"{self.display_name} could not process the media: {status.error or 'no reason given'}.",
                    platform=self.name,
                )
            return status

        def still_processing(_status: MediaStatus) -> NoReturn:
            raise PlatformUnavailable(
                f"{self.display_name} is still processing the media after {round(self.config.poll_timeout)} seconds.",
                platform=self.name,
            )

        return poll_until(
            read,
            pending=lambda status: status.state is not MediaState.READY,
            wait=lambda status, attempt: status.check_after_seconds or self.poll_delay(attempt),
            timed_out=lambda: self.clock() >= deadline,
            give_up=still_processing,
            sleep=self.sleep,
        )

    def poll_deadline_passed(self, deadline: float) -> bool:
        return self.clock() >= deadline

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}
