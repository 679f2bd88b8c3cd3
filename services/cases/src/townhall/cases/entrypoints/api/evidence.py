"""A case's evidence: add a file (one per request), list them, download one."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from townhall.cases import views
from townhall.cases.domain import commands
from townhall.cases.domain.evidence import ACCEPTED, Evidence
from townhall.cases.domain.exceptions import CaseNotFoundError, EvidenceNotFoundError
from townhall.cases.entrypoints.api.dependencies import (
    AddsEvidence,
    Bus,
    CaseReference,
    CatalogueDep,
    Context,
    EvidenceLimitsDep,
    EvidenceStoreDep,
    ReadsEvidence,
    Session,
)
from townhall.cases.entrypoints.api.schemas import EvidenceList, EvidenceOut
from townhall.cases.entrypoints.api.uploads import FIELD, OVERHEAD_BYTES, OneFileUpload
from townhall.runtime.hardening import LargerBody
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/cases", tags=["evidence"])

_UPLOAD: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {FIELD: {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def upload_allowance(max_bytes: int) -> LargerBody:
    """The upload's body limit, above every other route's: a file of ``max_bytes`` and
    its form, with room for the route to refuse a larger one first, with its own problem
    (the limit here is only the backstop)."""
    return LargerBody("POST", r"/cases/[^/]+/evidence", max_bytes + 2 * OVERHEAD_BYTES)


def _out(reference: str, evidence: Evidence) -> EvidenceOut:
    href = f"/cases/{reference}/evidence/{evidence.id}"
    return EvidenceOut.model_validate({**vars(evidence), "href": href})


@router.post(
    "/{reference}/evidence",
    status_code=201,
    response_model=EvidenceOut,
    responses=problems(400, 404, 409, 413, 415, 422, 503),
    openapi_extra=_UPLOAD,
)
async def add_evidence(
    reference: CaseReference,
    request: Request,
    bus: Bus,
    context: Context,
    actor: AddsEvidence,
    store: EvidenceStoreDep,
    limits: EvidenceLimitsDep,
    response: Response,
) -> EvidenceOut:
    """Add one file (``multipart/form-data``, field ``file``): a JPEG, PNG or PDF by its
    content, at most ``EVIDENCE_MAX_BYTES`` (refused as it is read), at most
    ``EVIDENCE_MAX_FILES`` a case. A refusal keeps nothing."""
    upload = OneFileUpload(request, limits.max_bytes)
    upload.check_declared_size()
    await bus.handle(commands.AdmitEvidence(reference, actor), context)
    staged = await store.stage(upload.chunks(), limit_bytes=limits.max_bytes)
    try:
        command = commands.AddEvidence(reference, upload.filename, staged, actor)
        evidence = await bus.handle(command, context)
    finally:
        await store.discard(staged)
    response.headers["Location"] = f"/cases/{reference}/evidence/{evidence.id}"
    return _out(reference, evidence)


@router.get("/{reference}/evidence", response_model=EvidenceList, responses=problems(404, 429))
async def list_evidence(
    reference: CaseReference,
    session: Session,
    catalogue: CatalogueDep,
    actor: ReadsEvidence,
    limits: EvidenceLimitsDep,
) -> EvidenceList:
    """The case's files, oldest first, to whoever may read the case; whether its type
    asks for evidence, and whether the request is still open (its resident may add
    files only then)."""
    found = await views.evidence_view(session, catalogue, reference, actor)
    if found is None:
        raise CaseNotFoundError(reference)
    return EvidenceList(
        items=[_out(reference, e) for e in found.items],
        remaining=max(0, limits.max_files - len(found.items)),
        max_bytes=limits.max_bytes,
        accepted=list(ACCEPTED),
        evidence_required=found.evidence_required,
        open=found.open,
    )


@router.get(
    "/{reference}/evidence/{evidence_id}",
    response_class=StreamingResponse,
    responses={200: {"content": {t: {} for t in ACCEPTED}}, **problems(404, 429)},
)
async def download_evidence(
    reference: CaseReference,
    evidence_id: uuid.UUID,
    session: Session,
    catalogue: CatalogueDep,
    actor: ReadsEvidence,
    store: EvidenceStoreDep,
) -> StreamingResponse:
    """The file, as an attachment (never shown inline, its type never guessed)."""
    found = await views.evidence_view(session, catalogue, reference, actor)
    if found is None:
        raise CaseNotFoundError(reference)
    evidence = next((e for e in found.items if e.id == evidence_id), None)
    if evidence is None or not await store.contains(evidence.sha256):
        raise EvidenceNotFoundError(reference, evidence_id)
    headers = {
        "Content-Disposition": _disposition(evidence.filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Length": str(evidence.size_bytes),
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return StreamingResponse(
        store.read(evidence.sha256), media_type=evidence.content_type, headers=headers
    )


def _disposition(filename: str) -> str:
    """``attachment`` with the name in ASCII and in full (RFC 6266, RFC 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
