"""HTTP for the quick-screen: the public form (no login, rate-limited) and the tenant's own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from salescore.diagnosis import measure, service
from salescore.diagnosis.defaults import QUESTIONS
from salescore.diagnosis.schemas import DiagnosisIn, DiagnosisOut, TenantDiagnosisOut
from salescore.kit.csvexport import CSV_RESPONSE, FormatQuery, csv_response
from salescore.kit.deps import PrincipalDep, SessionDep, client_host, rate_limit, runtime_of
from salescore.kit.i18n import LangDep
from salescore.kit.openapi import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

_BANDS = "; ".join(f"`{code}` green ≤ {q['green_max']:g}, yellow ≤ {q['yellow_max']:g}, red above"
                   for code, q in QUESTIONS.items())
_PLANS = ("`plans`: exactly 3 improvement plans that go live within 72 hours, each naming the salescore endpoints "
          "to use and the settings and default rules to switch on -- for the worst breakpoints first (red, then "
          "yellow, then unanswered, then green; within one colour the answer furthest past its healthy line).")


@router.post(
    "/diagnosis",
    response_model=DiagnosisOut,
    tags=["diagnosis"],
    summary="Sales-management quick-screen: six answers → breakpoints and 3 improvement plans",
    description=f"No login; rate-limited per client address (429 with Retry-After). Bands: {_BANDS}. {_PLANS} "
    "Texts follow Accept-Language (zh-CN default, en). Nothing is stored.",
    openapi_extra={"security": []},
)
async def diagnose(request: Request, data: DiagnosisIn, lang: LangDep) -> dict[str, Any]:
    limit = runtime_of(request).settings.diagnosis_requests_per_minute
    await rate_limit(request, f"diagnosis:{client_host(request)}", limit)
    answers = data.model_dump()
    answers["forecast_deviation_pct"] = abs(answers["forecast_deviation_pct"])
    return service.evaluate(answers, lang)


@router.get(
    "/analytics/diagnosis",
    response_model=TenantDiagnosisOut,
    responses=CSV_RESPONSE,
    tags=["analytics"],
    summary="The quick-screen measured on the tenant's own data",
    description="The six answers measured over what the caller may see: mean daily-report delay (last 30 days), "
    "median days since each graded customer was graded, |forecast deviation| of last month in CNY (%), median "
    "hours lead → first effective follow-up (customers created in the last 30 days), share of open deals stuck in "
    "their first stage longer than its time limit, median calendar days first contract_signed → first "
    f"payment_received (deals signed in the last 90 days). `sources` says how each was measured. Bands: {_BANDS}. "
    f"{_PLANS} `format=csv`: one row per question.",
)
async def tenant_diagnosis(session: SessionDep, principal: PrincipalDep, lang: LangDep,
                           format: FormatQuery = "json") -> Any:
    answers, sources = await measure.measure(session, principal)
    result = {**service.evaluate(answers, lang), "sources": sources}
    if format == "csv":
        status = {b["code"]: b for b in result["breakpoints"]}
        return csv_response(
            ({"question": code, "value": answers[code], "status": status.get(code, {}).get("status"),
              "reason": status.get(code, {}).get("reason"), "how": sources[code]["how"], "n": sources[code].get("n")}
             for code in QUESTIONS),
            "diagnosis")
    return result
