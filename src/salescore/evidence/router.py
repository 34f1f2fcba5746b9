"""HTTP for evidence (SPEC §8): the evidence model, a deal's evidence with its files, revocation."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile, status
from fastapi.responses import FileResponse

from salescore.attachment import service as attachment_service
from salescore.evidence import service
from salescore.evidence.schemas import (
    MAX_NOTE,
    MAX_TEXT,
    EvidenceAdded,
    EvidenceModelIn,
    EvidenceModelRead,
    EvidenceRead,
    RevokeIn,
)
from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep, runtime_of
from salescore.kit.openapi import PROBLEM_RESPONSES, Problem
from salescore.kit.problems import PROBLEM_JSON
from salescore.kit.schemas import PastDatetime
from salescore.kit.uploads import CappedBodyRoute, uploads_of

router = APIRouter(tags=["evidence"], responses=PROBLEM_RESPONSES, route_class=CappedBodyRoute)
DEAL = "/api/v1/opportunities/{opportunity_id}/evidence"
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "A file is over the upload limit", "content": {PROBLEM_JSON: {}}},
    415: {"model": Problem, "description": "A file's type is not allowed", "content": {PROBLEM_JSON: {}}},
}


@router.get("/api/v1/evidence-model", response_model=EvidenceModelRead, summary="The evidence nodes and thresholds")
async def get_model(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Readable by everyone: a rep sees which evidence moves a deal and how far."""
    return service.model_read(await service.current_config(session, principal.tenant_id))


@router.put(
    "/api/v1/evidence-model",
    response_model=EvidenceModelRead,
    summary="Publish a new evidence-model version",
    description=(
        "Directors and admins. Nodes (code, label, coefficient 0 < c ≤ 1, order, requires_attachment), "
        "the category thresholds (commit ≥ best_case) and the prior strength k of win probabilities. Every "
        "deal's maturity and forecast category are restated in the same transaction."
    ),
)
async def put_model(session: SessionDep, principal: ConfigWriterDep, data: EvidenceModelIn) -> dict[str, Any]:
    return service.model_read(await service.put_config(session, principal, data))


@router.post(
    DEAL,
    response_model=EvidenceAdded,
    status_code=status.HTTP_201_CREATED,
    responses=UPLOAD_ERRORS,
    summary="Record evidence that the deal reached a node",
    description=(
        "Multipart. At least one of `files` (a scan, an email screenshot; stored by content hash, type "
        "judged from the bytes) or `text` (a pasted email). `occurred_at` is when the evidenced fact "
        "happened (signing date, payment date): default now, never in the future. The deal's maturity "
        "and forecast category are recomputed in the same transaction."
    ),
)
async def add_evidence(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    opportunity_id: uuid.UUID,
    node: Annotated[str, Form(min_length=1, max_length=64, description="An evidence node code")],
    # A browser's empty file input arrives as an empty string: accepted and ignored.
    files: Annotated[list[UploadFile | str] | None, File(description="One or more files")] = None,
    text: Annotated[str | None, Form(max_length=MAX_TEXT, description="Pasted text, e.g. an email")] = None,
    note: Annotated[str | None, Form(max_length=MAX_NOTE)] = None,
    occurred_at: Annotated[PastDatetime | None, Form(description="ISO 8601 with offset")] = None,
) -> dict[str, Any]:
    settings = runtime_of(request).settings
    deal = await service.visible_deal(session, principal, opportunity_id)
    uploads = uploads_of(files)
    evidence = await service.add_evidence(
        session, principal, deal, node=node, uploads=uploads, text=text, note=note, occurred_at=occurred_at,
        max_bytes=settings.max_upload_bytes, storage_dir=settings.storage_dir,
    )
    config = await service.current_config(session, principal.tenant_id)
    return {**service.evidence_read(evidence, config), "maturity": deal.maturity,
            "forecast_category": deal.forecast_category}


@router.get(DEAL, response_model=list[EvidenceRead], summary="A deal's evidence, oldest first")
async def list_evidence(
    session: SessionDep,
    principal: PrincipalDep,
    opportunity_id: uuid.UUID,
    include_revoked: Annotated[bool, Query(description="Revoked evidence stays on record")] = True,
) -> list[dict[str, Any]]:
    deal = await service.visible_deal(session, principal, opportunity_id)
    return await service.list_evidence(session, deal, include_revoked=include_revoked)


@router.get(DEAL + "/{evidence_id}", response_model=EvidenceRead)
async def get_evidence(
    session: SessionDep, principal: PrincipalDep, opportunity_id: uuid.UUID, evidence_id: uuid.UUID
) -> dict[str, Any]:
    deal = await service.visible_deal(session, principal, opportunity_id)
    evidence = await service.get_evidence(session, deal, evidence_id)
    return service.evidence_read(evidence, await service.current_config(session, principal.tenant_id))


@router.get(
    DEAL + "/{evidence_id}/files/{attachment_id}",
    response_class=FileResponse,
    responses=attachment_service.FILE_CONTENT,
    summary="Download one file of a piece of evidence",
)
async def download_file(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    opportunity_id: uuid.UUID,
    evidence_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> FileResponse:
    deal = await service.visible_deal(session, principal, opportunity_id)
    attachment = await service.evidence_file(session, deal, evidence_id, attachment_id)
    return await attachment_service.file_response(attachment, runtime_of(request).settings.storage_dir)


@router.post(
    DEAL + "/{evidence_id}/revoke",
    response_model=EvidenceRead,
    summary="Revoke evidence (audited; it stays on record)",
    description="The deal's maturity and category are recomputed without it. Revoking twice answers 409.",
)
async def revoke(
    session: SessionDep, principal: PrincipalDep, opportunity_id: uuid.UUID, evidence_id: uuid.UUID,
    data: RevokeIn,
) -> dict[str, Any]:
    deal = await service.visible_deal(session, principal, opportunity_id)
    evidence = await service.get_evidence(session, deal, evidence_id)
    evidence = await service.revoke(session, principal, deal, evidence, data.reason)
    return service.evidence_read(evidence, await service.current_config(session, principal.tenant_id))
