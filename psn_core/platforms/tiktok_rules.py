"""TikTok's documented rules that need no HTTP: the media transfer guide's chunking, the post settings the
Direct Post guidelines allow, and what each error code means.

Official pages followed (facts only):
- https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
- https://developers.tiktok.com/doc/content-sharing-guidelines (privacy level chosen by the creator from
  creator_info's options, nothing preselected; interactions off unless turned on, and unavailable when
  creator_info disables them)
- https://developers.tiktok.com/doc/content-posting-api-reference-direct-post (post_info fields; unaudited
  clients post SELF_ONLY only)
- https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
"""

from __future__ import annotations

import httpx2
from pydantic import BaseModel

from psn_core.errors import AuthExpired, AuthRevoked, ContentRejected, MediaRejected, PlatformError, RateLimited
from psn_core.platforms.http import JSONObject, describe_wait, generic_error, get_str, json_body, retry_after_seconds
from psn_core.platforms.models import PostingSettings, PublishRequest

_MB = 1024 * 1024
MIN_CHUNK = 5 * _MB
MAX_CHUNK = 64 * _MB
MAX_FINAL_CHUNK = 128 * _MB
MAX_CHUNKS = 1000
DEFAULT_CHUNK = 10 * _MB
SELF_ONLY = "SELF_ONLY"
# Every privacy level the Content Posting API knows; creator_info says which of them one creator may use.
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")

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


def post_info(
    request: PublishRequest, settings: PostingSettings, *, sandbox: bool, photo: bool, title_max: int
) -> JSONObject:
    """The post_info TikTok is sent: the privacy level the user chose (never a default), and comments,
    duets and stitches only where the user turned them on and the creator has not turned them off.

    A sandbox (unaudited) app may only post SELF_ONLY: choosing sandbox mode in psn's settings is that
    choice.

    Raises:
        ContentRejected: no privacy level was chosen, or one this creator is not offered (the message lists
            the levels offered).
    """
    offered = ", ".join(settings.privacy_levels) or "none"
    if sandbox:
        level = SELF_ONLY
    elif request.privacy_level is None:
        raise ContentRejected(
            f"TikTok needs you to choose who can see this post; this account offers: {offered}.",
            "Set the post's privacy level to one of them (`psn post --privacy LEVEL`, or privacy_level in "
            "save_draft), then schedule it again. psn never picks one for you.",
            platform="tiktok",
        )
    elif request.privacy_level not in settings.privacy_levels:
        raise ContentRejected(
            f"TikTok does not offer privacy level {request.privacy_level} for this account; it offers: {offered}.",
            "Choose one of the offered privacy levels for this post.",
            platform="tiktok",
        )
    else:
        level = request.privacy_level
    info: JSONObject = {
        "privacy_level": level,
        "disable_comment": settings.comment_disabled or not request.allow_comment,
    }
    text = request.parts[0].text
    if photo:
        info["title"] = (request.title or "")[:title_max]
        info["description"] = text
        info["auto_add_music"] = True
    else:
        info["title"] = text
        info["disable_duet"] = settings.duet_disabled or not request.allow_duet
        info["disable_stitch"] = settings.stitch_disabled or not request.allow_stitch
    return info


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
