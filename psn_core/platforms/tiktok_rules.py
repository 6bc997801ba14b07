"""TikTok's documented rules that need no HTTP: the media transfer guide's chunking, and what each error
code means (https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide,
https://developers.tiktok.com/doc/tiktok-api-v2-error-handling)."""

from __future__ import annotations

import httpx2
from pydantic import BaseModel

from psn_core.errors import AuthExpired, AuthRevoked, ContentRejected, MediaRejected, PlatformError, RateLimited
from psn_core.platforms.http import describe_wait, generic_error, get_str, json_body, retry_after_seconds

_MB = 1024 * 1024
MIN_CHUNK = 5 * _MB
MAX_CHUNK = 64 * _MB
MAX_FINAL_CHUNK = 128 * _MB
MAX_CHUNKS = 1000
DEFAULT_CHUNK = 10 * _MB

_AUTH_EXPIRED = {"access_token_invalid"}
_AUTH_REVOKED = {"scope_not_authorized", "scope_permission_missed", "invalid_grant"}
_CONTENT = {"privacy_level_option_mismatch", "spam_risk_text", "content_rejected"}
_MEDIA = {
    "file_format_check_failed",
    "duration_check_failed",
    "frame_rate_check_failed",
    "picture_size_check_failed",
    "url_ownership_unverified",
    "video_pull_failed",
    "photo_pull_failed",
    "invalid_file_upload",
}
_DAILY = {"spam_risk_too_many_posts", "spam_risk_too_many_pending_share", "reached_active_user_cap"}


class ChunkPlan(BaseModel):
    chunk_size: int
    total_chunk_count: int


def chunk_plan(video_size: int, preferred: int = DEFAULT_CHUNK) -> ChunkPlan:
    """chunk_size and total_chunk_count exactly as the media transfer guide computes them.

    Below 5 MB the whole file is one chunk; up to 64 MB one chunk is allowed; above, chunks of
    ``preferred`` bytes (clamped to 5-64 MB) with the trailing bytes folded into the last chunk.

    Raises:
        MediaRejected: the video cannot be split within 1000 chunks and a 128 MB final chunk.
    """
    if video_size <= 0:
        raise MediaRejected("The video is empty.", platform="tiktok")
    if video_size <= MAX_CHUNK:
        return ChunkPlan(chunk_size=video_size, total_chunk_count=1)
    size = min(max(preferred, MIN_CHUNK), MAX_CHUNK)
    count = video_size // size
    if count > MAX_CHUNKS:
        size = -(-video_size // MAX_CHUNKS)
        count = video_size // size
    last = video_size - (count - 1) * size
    if size > MAX_CHUNK or last > MAX_FINAL_CHUNK:
        raise MediaRejected("The video is too large to upload to TikTok.", platform="tiktok")
    return ChunkPlan(chunk_size=size, total_chunk_count=count)


def classify_tiktok_error(response: httpx2.Response, name: str, display_name: str) -> PlatformError:
    """Map TikTok's {error: {code, message, log_id}} (and OAuth {error, error_description})."""
    status = response.status_code
    body = json_body(response)
    code = get_str(body, "error", "code") or get_str(body, "error") or ""
    message = get_str(body, "error", "message") or get_str(body, "error_description") or ""
    raw = response.text
    if code in _AUTH_REVOKED:
        return AuthRevoked(
            f"TikTok no longer accepts psn's access ({code}): {message}",
            "Reconnect with `psn auth tiktok` and grant every permission asked.",
            platform=name,
            status_code=status,
            raw=raw,
        )
    if code in _AUTH_EXPIRED or status == 401:
        return AuthExpired(
            f"The TikTok access token is not valid any more: {message}",
            platform=name,
            status_code=status,
            raw=raw,
        )
    if code == "rate_limit_exceeded" or status == 429:
        wait = retry_after_seconds(response.headers) or 60.0
        return RateLimited(
            f"TikTok rate limit reached; it resets in {describe_wait(wait)}.",
            "psn keeps the post queued and retries after the reset.",
            retry_after=wait,
            platform=name,
            status_code=status,
            raw=raw,
        )
    if code in _DAILY:
        return RateLimited(
            f"TikTok's daily posting cap for this account is reached ({code}).",
            "psn keeps the post queued and retries tomorrow.",
            retry_after=86400.0,
            platform=name,
            status_code=status,
            raw=raw,
        )
    if code == "unaudited_client_can_only_post_to_private_accounts":
        return ContentRejected(
            "This TikTok app is not audited yet, so it can only post privately (SELF_ONLY).",
            "Turn on sandbox mode for TikTok in psn, or get the app audited by TikTok.",
            platform=name,
            status_code=status,
            raw=raw,
        )
    if code in _MEDIA:
        return MediaRejected(
            f"TikTok refused the media ({code}): {message}", platform=name, status_code=status, raw=raw
        )
    if code in _CONTENT or code.startswith("spam_risk"):
        return ContentRejected(
            f"TikTok refused the post ({code}): {message}", platform=name, status_code=status, raw=raw
        )
    return generic_error(response, platform=name, display_name=display_name, detail=message or code)
