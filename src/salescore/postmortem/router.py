"""HTTP for post-mortems (证据复盘, SPEC §10): the loss-reason list, losing a deal, its evidence
package with files, the post-mortem with the deal's footprint, and loss-reason analytics."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile, status
from fastapi.responses import FileResponse

from salescore.attachment import service as attachment_service
from salescore.kit.csvexport import CSV_RESPONSE, FormatQuery, csv_response, tagged
from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep, runtime_of
from salescore.kit.openapi import PROBLEM_RESPONSES, Problem
from salescore.kit.problems import PROBLEM_JSON
from salescore.kit.schemas import IsoDate
from salescore.kit.uploads import CappedBodyRoute, uploads_of
from salescore.models.postmortem import REQUIRED_KINDS
from salescore.opportunity import service as opportunity_service
from salescore.postmortem import analytics, reasons, service
from salescore.postmortem import timeline as footprint
from salescore.postmortem.schemas import (
    MAX_TEXT,
    LoseIn,
    LossReasonAnalytics,
    LossReasonList,
    LossReasonsIn,
    MaterialAdded,
    MaterialKind,
    PostMortemRead,
    PostMortemSummary,
)

router = APIRouter(tags=["post-mortems"], responses=PROBLEM_RESPONSES, route_class=CappedBodyRoute)
DEAL = "/api/v1/opportunities/{opportunity_id}"
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "A file is over the upload limit", "content": {PROBLEM_JSON: {}}},
    415: {"model": Problem, "description": "A file's type is not allowed", "content": {PROBLEM_JSON: {}}},
}


@router.get("/api/v1/loss-reasons", response_model=LossReasonList, summary="The tenant's loss reasons")
async def get_loss_reasons(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    return {"items": await reasons.current(session, principal.tenant_id)}


@router.put(
    "/api/v1/loss-reasons",
    response_model=LossReasonList,
    summary="Replace the tenant's loss reasons",
    description="Directors and admins. The whole list in display order; codes unique; `other` must stay "
    "(a loss declared without a reason gets it). Losses already declared keep their code. Audited.",
)
async def put_loss_reasons(session: SessionDep, principal: ConfigWriterDep, data: LossReasonsIn) -> dict[str, Any]:
    return {"items": await reasons.replace(session, principal, data)}


@router.post(
    DEAL + "/lose",
    response_model=PostMortemSummary,
    status_code=status.HTTP_201_CREATED,
    summary="Declare the deal lost: it awaits its post-mortem",
    description=(
        f"The deal goes to `lost_pending_review` (lost_at, lost_reason set; a competitor is added to its "
        f"competitors) and a post-mortem opens with the owner and stage as they stood. It becomes `lost` once "
        f"its evidence package holds materials of {REQUIRED_KINDS} kinds. `reason` must be a code of the "
        "tenant's loss-reason list. 409 unless the deal is open."
    ),
)
async def lose(session: SessionDep, principal: PrincipalDep, opportunity_id: uuid.UUID, data: LoseIn) -> dict[str, Any]:
    deal = await opportunity_service.get_opportunity(session, principal, opportunity_id)
    post_mortem = await service.lose(session, principal, deal, data)
    return await service.summary(session, deal, post_mortem)


@router.get(
    DEAL + "/post-mortem",
    response_model=PostMortemRead,
    summary="The deal's post-mortem with its whole digital footprint",
    description=(
        "The latest loss of the deal (404 if it was never lost), its package, and one timeline, oldest first: "
        "follow-ups of the deal and of its customer tied to no deal since the deal was created, actions "
        "(quote_submitted / quote_confirmed as `quote`), stage changes, evidence (revoked ones marked), signal "
        "hits, transcripts, documents, each loss and each material. Each source gives at most its "
        f"{footprint.CAP} most recent entries; `timeline_counts` has the uncapped counts."
    ),
)
async def get_post_mortem(session: SessionDep, principal: PrincipalDep, opportunity_id: uuid.UUID) -> dict[str, Any]:
    deal = await opportunity_service.get_opportunity(session, principal, opportunity_id)
    post_mortem = await service.latest_or_404(session, deal)
    summary = await service.summary(session, deal, post_mortem)
    labels = reasons.labels(await reasons.current(session, deal.tenant_id))
    entries, counts = await footprint.timeline(session, deal, labels)
    return {**summary, "timeline": entries, "timeline_cap": footprint.CAP, "timeline_counts": counts}


@router.post(
    DEAL + "/post-mortem/materials",
    response_model=MaterialAdded,
    status_code=status.HTTP_201_CREATED,
    responses=UPLOAD_ERRORS,
    summary="Add a material to the deal's evidence package",
    description=(
        "Multipart. `kind`, and at least one of `files` (stored by content hash, type judged from the bytes), "
        "`text`, or `transcript_id` (kind `transcript`: a call transcript of a follow-up of this deal or its "
        "customer). Only while the deal is `lost_pending_review` (409 otherwise; once lost the package is "
        f"locked). When the package then holds {REQUIRED_KINDS} kinds, the deal becomes `lost` in the same "
        "transaction. Nothing is kept when any part is refused."
    ),
)
async def add_material(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    opportunity_id: uuid.UUID,
    kind: Annotated[MaterialKind, Form(description="What the material is")],
    # A browser's empty file input arrives as an empty string: accepted and ignored.
    files: Annotated[list[UploadFile | str] | None, File(description="One or more files")] = None,
    text: Annotated[str | None, Form(max_length=MAX_TEXT, description="Pasted text, e.g. an email thread")] = None,
    transcript_id: Annotated[uuid.UUID | None, Form(description="A call transcript (kind transcript)")] = None,
) -> dict[str, Any]:
    settings = runtime_of(request).settings
    deal = await opportunity_service.get_opportunity(session, principal, opportunity_id)
    uploads = uploads_of(files)
    material, post_mortem = await service.add_material(
        session, principal, deal, kind=kind, uploads=uploads, text=text, transcript_id=transcript_id,
        max_bytes=settings.max_upload_bytes, storage_dir=settings.storage_dir,
    )
    return {**service.material_read(material), "post_mortem": await service.summary(session, deal, post_mortem)}


@router.get(
    DEAL + "/post-mortem/materials/{material_id}/files/{file_id}",
    response_class=FileResponse,
    responses=attachment_service.FILE_CONTENT,
    summary="Download one file of a post-mortem material",
)
async def download_file(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    opportunity_id: uuid.UUID,
    material_id: uuid.UUID,
    file_id: Annotated[uuid.UUID, Path(description="An attachment id of the material")],
) -> FileResponse:
    deal = await opportunity_service.get_opportunity(session, principal, opportunity_id)
    attachment = await service.material_file(session, deal, material_id, file_id)
    return await attachment_service.file_response(attachment, runtime_of(request).settings.storage_dir)


@router.get(
    "/api/v1/analytics/loss-reasons",
    response_model=LossReasonAnalytics,
    responses=CSV_RESPONSE,
    tags=["analytics"],
    summary="Losses by reason, by rep and by stage; reps losing on one reason 3 months running",
    description=(
        "Deals lost or pending their post-mortem with lost_at in the period (tenant time), as their latest "
        "post-mortem declared them (owner and stage as they stood) or, for deals imported as lost, as the deal "
        "says (no reason: `other`). `flags`: an owner whose losses in 3 or more consecutive calendar months "
        "(tenant time, within the period) each include the same reason. Amounts are sums in `currency`; deals "
        "in other currencies count but add nothing. A rep sees their own losses, a manager their teams' "
        "members', directors and admins everyone's."
    ),
)
async def loss_reason_analytics(
    session: SessionDep,
    principal: PrincipalDep,
    from_: Annotated[IsoDate | None, Query(alias="from", description="First day (tenant time); default: the "
                                            "first day of the 12th calendar month back from `to`")] = None,
    to: Annotated[IsoDate | None, Query(description="Last day (tenant time); default today; at most "
                                         f"{analytics.MAX_PERIOD_DAYS} days in all")] = None,
    team_id: Annotated[uuid.UUID | None, Query(description="Only losses owned by this team's current members")] = None,
    owner_id: Annotated[uuid.UUID | None, Query(description="Only this owner's losses")] = None,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$", description="Amounts in this currency")] = "CNY",
    format: FormatQuery = "json",
) -> Any:
    body = await analytics.loss_reasons(session, principal, from_, to, team_id=team_id, owner_id=owner_id,
                                        currency=currency)
    if format == "csv":  # one table: by reason, by rep × reason, by stage × reason, and the flags (column `view`)
        return csv_response(tagged("view", [("reason", body["by_reason"]), ("owner", body["by_owner"]),
                                            ("stage", body["by_stage"]), ("flag", body["flags"])]),
                            f"loss-reasons-{body['from']}-{body['to']}",
                            empty=["view", "reason", "label", "count", "amount", "owner_id", "name", "stage", "months"])
    return body
