"""LinkedIn media assets: Images, Documents and Videos APIs (initializeUpload, PUT bytes, GET status).

Built from https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api,
.../documents-api and .../videos-api. An asset is WAITING_UPLOAD until its bytes arrive, then PROCESSING for
the configured delay (by the injected clock), then AVAILABLE (or PROCESSING_FAILED under that fault).
Videos are uploaded in 4 MiB parts, each answered with an ETag, and need finalizeUpload with those ETags.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from starlette.responses import Response

from psn_core.emulator.clock import epoch_ms
from psn_core.emulator.linkedin_restli import params
from psn_core.emulator.routing import Call, Endpoint, json_response, parse_model

if TYPE_CHECKING:
    from psn_core.emulator.linkedin import LinkedInEmulator

PART_SIZE = 4 * 1024 * 1024
UPLOAD_URL_TTL = timedelta(days=1)
KINDS = {"images": "image", "documents": "document", "videos": "video"}


def li_error(status: int, message: str, *, code: str | None = None, service_code: int | None = None) -> Response:
    body: dict[str, Any] = {"message": message, "status": status}
    if code:
        body["code"] = code
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return json_response(body, status)


class InitRequest(BaseModel):
    owner: str
    fileSizeBytes: int | None = None  # noqa: N815 - LinkedIn's field name
    uploadCaptions: bool = False  # noqa: N815
    uploadThumbnail: bool = False  # noqa: N815


class InitEnvelope(BaseModel):
    initializeUploadRequest: InitRequest  # noqa: N815


class FinalizeRequest(BaseModel):
    video: str
    uploadToken: str = ""  # noqa: N815
    uploadedPartIds: list[str]  # noqa: N815


class FinalizeEnvelope(BaseModel):
    finalizeUploadRequest: FinalizeRequest  # noqa: N815


@dataclass
class Asset:
    urn: str
    kind: str
    owner: str
    created_at: datetime
    size: int = 0
    parts: dict[int, bytes] = field(default_factory=dict)
    uploaded_at: datetime | None = None
    fault: str | None = None

    @property
    def asset_id(self) -> str:
        return self.urn.rsplit(":", 1)[1]


class LinkedInMediaStore:
    def __init__(self, linkedin: LinkedInEmulator) -> None:
        self.li = linkedin
        self.assets: dict[str, Asset] = {}

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("initialize_upload", "POST", "/rest/{kind}", self.initialize, write=True),
            Endpoint("get_asset", "GET", "/rest/{kind}/{urn}", self.get_asset),
            Endpoint("upload", "PUT", "/upload/{kind}/{asset_id}", self.upload, api=False),
            Endpoint("upload_part", "PUT", "/upload/{kind}/{asset_id}/{part}", self.upload_part, api=False),
        ]

    # -- state -----------------------------------------------------------------------------------
    def status(self, asset: Asset) -> str:
        if asset.uploaded_at is None:
            return "WAITING_UPLOAD"
        if asset.fault == "stuck" or self.li.world.clock() - asset.uploaded_at < self.li.world.processing_delay():
            return "PROCESSING"
        return "PROCESSING_FAILED" if asset.fault == "processing_failed" else "AVAILABLE"

    def check_ready(self, urns: list[str], owner: str, where: str) -> str | None:
        """A validation message when any referenced asset is unknown, foreign or not AVAILABLE."""
        for urn in urns:
            asset = self.assets.get(urn)
            if asset is None:
                return f"{where} :: {urn} does not exist"
            if asset.owner != owner:
                return f"{where} :: {urn} is not owned by {owner}"
            status = self.status(asset)
            if status != "AVAILABLE":
                return f"{where} :: {urn} is not AVAILABLE (status {status})"
        return None

    def _upload_url(self, asset: Asset, part: int | None = None) -> str:
        suffix = "" if part is None else f"/{part}"
        return f"{self.li.base_url}/upload/{asset.kind}/{asset.asset_id}{suffix}"

    # -- handlers ------------------------------------------------------------------------------
    async def initialize(self, call: Call) -> Response:
        kind = KINDS.get(call.path_param("kind"))
        if kind is None:
            return li_error(404, "Not Found")
        user = self.li.authenticate(call)
        action = params(call, "action").get("action")
        if kind == "video" and action == "finalizeUpload":
            return self._finalize(call)
        if action != "initializeUpload":
            return li_error(400, "Unsupported action; use ?action=initializeUpload")
        try:
            raw = call.json_body()
        except ValueError:
            return li_error(400, "Request body is not valid JSON.")
        request = parse_model(InitEnvelope, raw, lambda m: li_error(400, m)).initializeUploadRequest
        self.li.require_for(call, request.owner, "w_member_social", "w_organization_social")
        if request.owner != f"urn:li:person:{user.user_id}" and not request.owner.startswith("urn:li:organization:"):
            return li_error(
                403, "Accessing this resource is forbidden. Please check your permissions for this resource"
            )
        world = self.li.world
        if kind == "video" and not request.fileSizeBytes:
            return li_error(400, "/initializeUploadRequest/fileSizeBytes :: field is required")
        with world.lock:
            asset = Asset(
                f"urn:li:{kind}:D{world.next_id()}",
                kind,
                request.owner,
                world.clock(),
                size=request.fileSizeBytes or 0,
                fault=world.faults.take_processing("linkedin", call.endpoint.name),
            )
            self.assets[asset.urn] = asset
        expires = epoch_ms(world.clock() + UPLOAD_URL_TTL)
        if kind != "video":
            return json_response(
                {
                    "value": {
                        "uploadUrlExpiresAt": expires,
                        "uploadUrl": self._upload_url(asset),
                        kind: asset.urn,
                    }
                }
            )
        instructions = []
        for index, first in enumerate(range(0, asset.size, PART_SIZE)):
            last = min(first + PART_SIZE, asset.size) - 1
            instructions.append({"uploadUrl": self._upload_url(asset, index), "firstByte": first, "lastByte": last})
        return json_response(
            {
                "value": {
                    "uploadUrlsExpireAt": expires,
                    "video": asset.urn,
                    "uploadInstructions": instructions,
                    "uploadToken": "",
                }
            }
        )

    def _finalize(self, call: Call) -> Response:
        try:
            raw = call.json_body()
        except ValueError:
            return li_error(400, "Request body is not valid JSON.")
        request = parse_model(FinalizeEnvelope, raw, lambda m: li_error(400, m)).finalizeUploadRequest
        with self.li.world.lock:
            asset = self.assets.get(request.video)
            if asset is None:
                return li_error(404, "Not Found")
            expected_parts = max(1, -(-asset.size // PART_SIZE))
            etags = [self._etag(asset.parts[i]) for i in sorted(asset.parts)]
            if len(asset.parts) != expected_parts or request.uploadedPartIds != etags:
                return li_error(400, "/finalizeUploadRequest/uploadedPartIds :: parts are missing or out of order")
            asset.uploaded_at = asset.uploaded_at or self.li.world.clock()
        return json_response({})

    @staticmethod
    def _etag(chunk: bytes) -> str:
        return "/" + hashlib.sha1(chunk, usedforsecurity=False).hexdigest()

    def _find(self, kind: str, asset_id: str) -> Asset | None:
        return self.assets.get(f"urn:li:{kind}:{asset_id}")

    async def upload(self, call: Call) -> Response:
        with self.li.world.lock:
            asset = self._find(call.path_param("kind"), call.path_param("asset_id"))
            if asset is None or asset.kind == "video":
                return li_error(404, "Not Found")
            asset.size = len(call.body)
            asset.uploaded_at = self.li.world.clock()
        return Response(status_code=201)

    async def upload_part(self, call: Call) -> Response:
        with self.li.world.lock:
            asset = self._find(call.path_param("kind"), call.path_param("asset_id"))
            if asset is None or asset.kind != "video":
                return li_error(404, "Not Found")
            index = int(call.path_param("part"))
            expected = min(PART_SIZE, asset.size - index * PART_SIZE)
            if index < 0 or len(call.body) != expected:
                return li_error(400, f"Part {index} must be exactly {max(expected, 0)} bytes")
            asset.parts[index] = call.body
        return Response(status_code=200, headers={"etag": self._etag(call.body)})

    async def get_asset(self, call: Call) -> Response:
        kind = KINDS.get(call.path_param("kind"))
        self.li.authenticate(call, needs=("w_member_social", "r_member_social", "w_organization_social"))
        with self.li.world.lock:
            asset = self.assets.get(call.path_param("urn"))
            if kind is None or asset is None or asset.kind != kind:
                return li_error(404, "Not Found")
            status = self.status(asset)
            body: dict[str, Any] = {"id": asset.urn, "owner": asset.owner, "status": status}
            if status == "AVAILABLE":
                body["downloadUrl"] = f"{self.li.base_url}/download/{asset.asset_id}"
                body["downloadUrlExpiresAt"] = epoch_ms(self.li.world.clock() + UPLOAD_URL_TTL)
        return json_response(body)
