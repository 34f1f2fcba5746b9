"""HTTP for daily reports and the customer context shown while writing one."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from salescore.customer import service as customer_service
from salescore.daily_report import repository as repo
from salescore.daily_report import service
from salescore.daily_report.context import customer_context, read_reports
from salescore.daily_report.schemas import CustomerContext, DailyReportAmend, DailyReportCreate, DailyReportRead
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.i18n import LangDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.kit.schemas import IsoDate
from salescore.models import DailyReport

router = APIRouter(prefix="/api/v1", tags=["daily reports"], responses=PROBLEM_RESPONSES)


@router.post("/daily-reports", response_model=DailyReportRead, status_code=status.HTTP_201_CREATED)
async def submit_report(
    session: SessionDep, principal: PrincipalDep, lang: LangDep, data: DailyReportCreate, response: Response
) -> dict[str, Any]:
    """每日3件事 + 1个客户进展: 1–3 ticked actions and the required customer progress. Creates the
    follow-ups (created_via=daily_report) and applies each action's sync map. One per user per
    date (409); amend with PUT until the deadline (tenant setting, default 10:00 next workday)."""
    report = await service.submit(session, principal, data)
    set_etag(response, report.version)
    return (await read_reports(session, principal, [report], lang))[0]


@router.get("/daily-reports", response_model=Page[DailyReportRead])
async def list_reports(
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    user_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    date_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to")] = None,
) -> Page[Any]:
    stmt = repo.report_list(principal, user_id=user_id, team_id=team_id, date_from=date_from, date_to=date_to)
    rows, nxt = await paginate(session, stmt, DailyReport, limit=limit, cursor=cursor)
    return Page[Any](items=await read_reports(session, principal, rows, lang), next_cursor=nxt)


@router.get("/daily-reports/{report_id}", response_model=DailyReportRead)
async def get_report(
    session: SessionDep, principal: PrincipalDep, lang: LangDep, report_id: uuid.UUID, response: Response
) -> dict[str, Any]:
    report = await repo.get_report(session, principal, report_id)
    set_etag(response, report.version)
    return (await read_reports(session, principal, [report], lang))[0]


@router.put("/daily-reports/{report_id}", response_model=DailyReportRead)
async def amend_report(
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
    report_id: uuid.UUID,
    data: DailyReportAmend,
    response: Response,
    if_match: IfMatchHeader = None,
) -> dict[str, Any]:
    """Replace the items and progress until the deadline (409 after it); audited."""
    report = await repo.get_report(session, principal, report_id)
    check_if_match(if_match, report.version)
    report = await service.amend(session, principal, report, data)
    set_etag(response, report.version)
    return (await read_reports(session, principal, [report], lang))[0]


@router.get("/customers/{customer_id}/context", response_model=CustomerContext, tags=["customers"])
async def get_customer_context(session: SessionDep, principal: PrincipalDep, customer_id: uuid.UUID) -> dict[str, Any]:
    """Name, industry, tags, grade, open deals, open signals and the last 3 follow-up summaries."""
    customer = await customer_service.get_customer(session, principal, customer_id)
    return await customer_context(session, principal, customer)
