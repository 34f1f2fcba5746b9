"""The quick-screen (§10): the public form's bands and plan choice, its rate limit, and the same
answers measured on a tenant's own data against hand-computed values."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from salescore.kit.workdays import is_workday, local_date
from salescore.models import Customer, DailyReport, Opportunity, StageChange, User
from tests.support import Actor, Harness

ANSWERS = {
    "daily_report_delay_days": 2,            # yellow (1 < 2 <= 3)
    "grading_refresh_interval_days": 45,     # red, (45 - 7) / 7 = 5.43 past its line
    "forecast_deviation_pct": -25,           # |−25| = 25: red, 1.5 past
    "lead_first_response_hours": 3,          # green
    "stuck_in_first_stage_share": 0.6,       # red, 1.0 past
    "contract_to_payment_days": 10,          # yellow
}


async def diagnose(h: Harness, answers: dict[str, Any], **headers: str) -> httpx.Response:
    return await h.client.post("/api/v1/diagnosis", json=answers, headers=headers)


async def test_public_screen_needs_no_login_and_plans_for_the_worst_three(h: Harness) -> None:
    r = await diagnose(h, ANSWERS)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(b["code"], b["status"]) for b in body["breakpoints"]] == [
        ("daily_report_delay_days", "yellow"), ("grading_refresh_interval_days", "red"),
        ("forecast_deviation_pct", "red"), ("lead_first_response_hours", "green"),
        ("stuck_in_first_stage_share", "red"), ("contract_to_payment_days", "yellow")]
    assert body["counts"] == {"red": 3, "yellow": 2, "green": 1} and body["unanswered"] == []
    assert body["answers"]["forecast_deviation_pct"] == 25
    plans = body["plans"]
    assert [p["breakpoint"] for p in plans] == [
        "grading_refresh_interval_days", "forecast_deviation_pct", "stuck_in_first_stage_share"]
    for plan in plans:
        assert plan["go_live_within_hours"] == 72 and plan["steps"] and plan["features"] and plan["defaults"]
        assert all(f.split(" ")[1].startswith("/api/v1/") for f in plan["features"])
    assert "客户分级" in body["breakpoints"][1]["reason"]


async def test_plan_features_are_real_routes_and_rules_are_defaults(h: Harness) -> None:
    from salescore.diagnosis.defaults import PLANS
    from salescore.rules.defaults import DEFAULT_RULES

    spec = (await h.client.get("/openapi.json")).json()["paths"]
    rules = {r["code"] for r in DEFAULT_RULES}
    for plan in PLANS.values():
        for feature in plan["features"]:
            method, path = feature.split(" ")
            assert method.lower() in spec.get(path, {}), feature
        for default in plan["defaults"]:
            if default["kind"] == "rule":
                assert default["key"] in rules


async def test_yellow_beats_green_and_ties_keep_question_order(h: Harness) -> None:
    calm = {code: 0 for code in ANSWERS}
    plans = (await diagnose(h, calm)).json()["plans"]
    assert [p["breakpoint"] for p in plans] == [
        "daily_report_delay_days", "grading_refresh_interval_days", "forecast_deviation_pct"]
    one_yellow = {**calm, "contract_to_payment_days": 8}
    body = (await diagnose(h, one_yellow, **{"Accept-Language": "en"})).json()
    assert body["plans"][0]["breakpoint"] == "contract_to_payment_days"
    assert body["plans"][0]["title"].startswith("Signing-to-payment")
    assert "above the healthy 7" in body["breakpoints"][5]["reason"]
    # the band edges: equal to the line is still the better colour
    edges = {**calm, "daily_report_delay_days": 1, "grading_refresh_interval_days": 30}
    statuses = {b["code"]: b["status"] for b in (await diagnose(h, edges)).json()["breakpoints"]}
    assert statuses["daily_report_delay_days"] == "green" and statuses["grading_refresh_interval_days"] == "yellow"


@pytest.mark.parametrize("change, field", [
    ({"stuck_in_first_stage_share": 1.5}, "stuck_in_first_stage_share"),
    ({"daily_report_delay_days": -1}, "daily_report_delay_days"),
    ({"lead_first_response_hours": "3"}, "lead_first_response_hours"),
    ({"surprise": 1}, "surprise"),
])
async def test_bad_answers_name_the_field(h: Harness, change: dict[str, Any], field: str) -> None:
    r = await diagnose(h, {**ANSWERS, **change})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert any(field in e["field"] for e in r.json()["errors"])
    missing = {k: v for k, v in ANSWERS.items() if k != "contract_to_payment_days"}
    r = await diagnose(h, missing)
    assert r.status_code == 422 and any("contract_to_payment_days" in e["field"] for e in r.json()["errors"])


async def test_rate_limited_per_client_address(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(h.runtime.settings, "diagnosis_requests_per_minute", 2)
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"

    def client(host: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=h.app, client=(host, 4000)), base_url="http://test")

    async with client(address) as one, client(address.replace(".7", ".8")) as other:
        codes = [(await one.post("/api/v1/diagnosis", json=ANSWERS)).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = await one.post("/api/v1/diagnosis", json=ANSWERS)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert (await other.post("/api/v1/diagnosis", json=ANSWERS)).status_code == 200  # another address


# --- measured on the tenant's data ------------------------------------------------------------------

async def _sql(h: Harness, *statements: Any) -> None:
    async with h.runtime.sessionmaker() as session:
        for stmt in statements:
            await session.execute(stmt.execution_options(synchronize_session=False))
        await session.commit()


async def _follow_up(h: Harness, rep: Actor, customer: str, channel: str, when: datetime,
                     deal: str | None = None, actions: list[dict[str, Any]] | None = None) -> None:
    body: dict[str, Any] = {"customer_id": customer, "channel": channel, "occurred_at": when.isoformat()}
    if deal:
        body["opportunity_id"] = deal
    if actions:
        body["actions"] = actions
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json=body)
    assert r.status_code == 201, r.text


async def test_tenant_diagnosis_measures_the_six_answers(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    now = datetime.now(UTC).replace(microsecond=0)
    long_ago = now - timedelta(days=200)

    # deals (their customers created long ago, so they are not new leads)
    deals = {}
    for name in ("stuck", "fresh", "moved", "paid", "unpaid"):
        customer = (await h.customer(rep))["id"]
        deals[name] = (customer, (await h.opportunity(rep, customer))["id"])
    r = await h.client.post(f"/api/v1/opportunities/{deals['moved'][1]}/stage", headers=rep.headers,
                            json={"stage": "报价"})
    assert r.status_code == 200, r.text
    await _follow_up(h, rep, *deals["paid"][:1], "meeting", now - timedelta(days=10), deals["paid"][1],
                     [{"code": "contract_signed", "fields": {}}])
    await _follow_up(h, rep, *deals["paid"][:1], "meeting", now - timedelta(days=4), deals["paid"][1],
                     [{"code": "payment_received", "fields": {"amount": 5}}])
    await _follow_up(h, rep, *deals["unpaid"][:1], "meeting", now - timedelta(days=3), deals["unpaid"][1],
                     [{"code": "contract_signed", "fields": {}}])

    # new leads: 2 h and 6 h to an effective follow-up; one only e-mailed (not effective)
    leads = [(await h.customer(rep))["id"] for _ in range(3)]
    await _follow_up(h, rep, leads[0], "call", now - timedelta(days=3) + timedelta(hours=2))
    await _follow_up(h, rep, leads[1], "visit", now - timedelta(days=5) + timedelta(hours=6))
    await _follow_up(h, rep, leads[2], "email", now - timedelta(days=2) + timedelta(hours=1))

    # one daily report, for the last workday before today, submitted two days late
    day = local_date(now, "Asia/Shanghai") - timedelta(days=1)
    while not is_workday(day):
        day -= timedelta(days=1)
    r = await h.client.post("/api/v1/daily-reports", headers=rep.headers, json={
        "date": day.isoformat(),
        "items": [{"customer_id": leads[0], "action_code": "customer_visit", "fields": {}}],
        "progress": {"customer_id": leads[0], "note": "客户确认下周复测样品"}})
    assert r.status_code == 201, r.text
    report_id = uuid.UUID(r.json()["id"])
    await h.drain()

    tenant = uuid.UUID(org.admin.tenant_id)
    deal_customers = [uuid.UUID(c) for c, _ in deals.values()]
    await _sql(
        h,
        sa.update(DailyReport).where(DailyReport.id == report_id).values(delay_seconds=2 * 86400, on_time=False),
        sa.update(User).where(User.id == uuid.UUID(rep.user_id)).values(created_at=long_ago),
        sa.update(Customer).where(Customer.tenant_id == tenant).values(graded_at=None),
        sa.update(Customer).where(Customer.id.in_(deal_customers)).values(created_at=long_ago),
        sa.update(Customer).where(Customer.id == uuid.UUID(leads[0])).values(created_at=now - timedelta(days=3)),
        sa.update(Customer).where(Customer.id == uuid.UUID(leads[1])).values(created_at=now - timedelta(days=5)),
        sa.update(Customer).where(Customer.id == uuid.UUID(leads[2])).values(created_at=now - timedelta(days=2)),
        # graded 10, 20 and 40 days ago: median 20 days
        *[sa.update(Customer).where(Customer.id == uuid.UUID(c)).values(graded_at=now - timedelta(days=d))
          for c, d in zip(leads, (10, 20, 40), strict=True)],
        # the stuck deal has been in 初谈 for 20 days (over its 14-day limit)
        sa.update(Opportunity).where(Opportunity.id == uuid.UUID(deals["stuck"][1]))
        .values(created_at=now - timedelta(days=20)),
        sa.update(StageChange).where(StageChange.opportunity_id == uuid.UUID(deals["stuck"][1]))
        .values(at=now - timedelta(days=20)),
    )

    r = await h.client.get("/api/v1/analytics/diagnosis", headers=org.director.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    answers = body["answers"]
    assert answers["daily_report_delay_days"] == 2.0
    assert answers["grading_refresh_interval_days"] == pytest.approx(20, abs=0.01)
    assert answers["lead_first_response_hours"] == 4.0  # median of 2 h and 6 h; e-mail is not effective
    assert body["sources"]["lead_first_response_hours"]["n"] == 2
    # open deals: stuck, fresh, moved, paid, unpaid (a signed contract does not close a deal) → 1 of 5
    assert answers["stuck_in_first_stage_share"] == 0.2
    assert answers["contract_to_payment_days"] == 4.5  # paid after 6 days, unpaid for 3 so far
    assert answers["forecast_deviation_pct"] is None and "forecast_deviation_pct" in body["unanswered"]
    statuses = {b["code"]: b["status"] for b in body["breakpoints"]}
    assert statuses == {"daily_report_delay_days": "yellow", "grading_refresh_interval_days": "yellow",
                        "lead_first_response_hours": "green", "stuck_in_first_stage_share": "green",
                        "contract_to_payment_days": "green"}
    assert [p["breakpoint"] for p in body["plans"]] == [
        "grading_refresh_interval_days", "daily_report_delay_days", "forecast_deviation_pct"]

    mine = (await h.client.get("/api/v1/analytics/diagnosis", headers=org.reps[1].headers)).json()
    assert mine["sources"]["stuck_in_first_stage_share"]["n"] == 0  # a rep sees their own deals only

    r = await h.client.get("/api/v1/analytics/diagnosis", params={"format": "csv"}, headers=org.director.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "question,value,status,reason,how,n" and len(lines) == 7
    assert (await h.client.get("/api/v1/analytics/diagnosis")).status_code == 401
