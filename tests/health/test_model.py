"""The versioned health model (GET/PUT), recompute jobs and GET /jobs/{id}."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from salescore.events.outbox import take_pending
from salescore.job.service import runner, start_job
from salescore.models import Event, HealthModel, Job
from tests.health.helpers import ALL_FLAGS, competitor, follow_up, grade_changes, health, indicators, stored
from tests.support import Harness

MODEL = {
    "indicators": [{"code": "interaction_frequency", "weight": 0.5}, {"code": "requirement_clarity", "weight": 0.5}],
    "thresholds": {"A": 0.8, "B": 0.5},
}


async def _job(h: Harness, actor: Any, job_id: str) -> dict[str, Any]:
    r = await h.client.get(f"/api/v1/jobs/{job_id}", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_put_makes_a_new_version_and_regrades_the_tenant(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    c = await h.customer(rep, requirements=ALL_FLAGS)
    await h.drain()  # graded on creation: 0.25 → C
    for i in range(6):
        await follow_up(h, rep, c["id"], i + 1)
    await h.drain()
    # Default model: 0.30 × 6/12 + 0.25 × 1 = 0.40 → B (the threshold itself counts).
    customer = await stored(h, c["id"])
    assert customer.grade == "B" and customer.health_score == pytest.approx(0.40)

    current = (await h.client.get("/api/v1/health-model", headers=rep.headers)).json()
    assert current["version"] == 1 and current["is_default"] is True and current["recompute_job_id"] is None
    assert [(i["code"], i["weight"]) for i in current["indicators"]] == [
        ("interaction_frequency", 0.3), ("requirement_clarity", 0.25), ("decision_chain", 0.3),
        ("competitor_activity", 0.15)]
    assert current["thresholds"] == {"A": 0.7, "B": 0.4} and current["indicators"][0]["label"] == "互动频率"
    en = (await h.client.get("/api/v1/health-model", headers={**rep.headers, "Accept-Language": "en"})).json()
    assert en["indicators"][0]["label"] == "Interaction frequency"

    assert (await h.client.put("/api/v1/health-model", json=MODEL, headers=rep.headers)).status_code == 403
    assert (await h.client.put("/api/v1/health-model", json=MODEL, headers=org.managers[0].headers)).status_code == 403
    r = await h.client.put("/api/v1/health-model", json=MODEL, headers=org.director.headers)
    assert r.status_code == 200, r.text
    v2 = r.json()
    assert v2["version"] == 2 and v2["is_default"] is False and v2["created_by"] == org.director.user_id
    assert [(i["code"], i["weight"]) for i in v2["indicators"]] == [("interaction_frequency", 0.5),
                                                                      ("requirement_clarity", 0.5)]
    assert (await _job(h, org.director, v2["recompute_job_id"]))["status"] in ("queued", "running", "succeeded")
    await h.drain()
    job = await _job(h, org.director, v2["recompute_job_id"])
    assert job["status"] == "succeeded" and job["kind"] == "health.recompute"
    assert job["params"] == {"reason": "model_updated", "model_version": 2}
    assert job["result"]["customers"] == 1 and job["result"]["changed"] == 0 and job["result"]["model_version"] == 2
    # 0.5 × 0.5 + 0.5 × 1 = 0.75 → B under thresholds A 0.8 / B 0.5; recorded with version 2.
    customer = await stored(h, c["id"])
    assert customer.health_score == pytest.approx(0.75) and customer.grade == "B" and customer.health_model_version == 2
    assert [(g.old_grade, g.new_grade, g.model_version) for g in await grade_changes(h, c["id"])] == [
        (None, "C", 1), ("C", "B", 1)]  # version 2 left the grade at B: no change recorded
    body = await health(h, rep, c["id"])
    assert body["model_version"] == 2 and set(indicators(body)) == {"interaction_frequency", "requirement_clarity"}

    r = await h.client.put("/api/v1/health-model", json={**MODEL, "thresholds": {"A": 0.7, "B": 0.7}},
                           headers=org.admin.headers)
    assert r.status_code == 200 and r.json()["version"] == 3
    assert (await h.client.get("/api/v1/health-model", headers=rep.headers)).json()["version"] == 3
    async with h.runtime.sessionmaker() as session:
        versions = list(await session.scalars(
            sa.select(HealthModel.version).where(HealthModel.tenant_id == uuid.UUID(org.admin.tenant_id))
            .order_by(HealthModel.version)))
        audited = await session.scalar(sa.select(sa.func.count()).select_from(Event).where(
            Event.tenant_id == uuid.UUID(org.admin.tenant_id), Event.type == "health_model.created"))
    assert versions == [1, 2, 3] and audited == 2  # the built-in default was stored as version 1
    await h.drain()
    customer = await stored(h, c["id"])
    assert customer.grade == "A" and customer.health_model_version == 3  # 0.75 ≥ 0.7
    assert [(g.old_grade, g.new_grade, g.model_version) for g in await grade_changes(h, c["id"])][-1] == ("B", "A", 3)


async def test_a_negative_weight_reads_competitor_activity_as_risk(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    model = {"indicators": [{"code": "interaction_frequency", "weight": 0.3},
                            {"code": "requirement_clarity", "weight": 0.25},
                            {"code": "decision_chain", "weight": 0.3},
                            {"code": "competitor_activity", "weight": -0.5}],
             "thresholds": {"A": 0.5, "B": 0.2}}
    r = await h.client.put("/api/v1/health-model", json=model, headers=org.director.headers)
    assert r.status_code == 200, r.text
    calm, contested = await h.customer(rep, requirements=ALL_FLAGS), await h.customer(rep, requirements=ALL_FLAGS)
    for customer in (calm, contested):
        for i in range(12):
            await follow_up(h, rep, customer["id"], i + 1)
    await follow_up(h, rep, contested["id"], 3, "other", actions=[competitor()])
    await h.drain()
    assert (await stored(h, calm["id"])).grade == "A"  # 0.30 + 0.25 = 0.55
    contested_row = await stored(h, contested["id"])
    assert contested_row.grade == "C" and contested_row.health_score == pytest.approx(0.05)  # 0.55 - 0.5
    body = await health(h, rep, contested["id"])
    assert indicators(body)["competitor_activity"]["contribution"] == pytest.approx(-0.5)
    assert body["score"] == pytest.approx(0.05) and body["grade"] == "C"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**MODEL, "indicators": [{"code": "sentiment", "weight": 0.5}]}, "indicators.0.code"),
        ({**MODEL, "indicators": [{"code": "decision_chain", "weight": 0.5}, {"code": "decision_chain", "weight": 1}]},
         "indicators.1.code"),
        ({**MODEL, "thresholds": {"A": 0.3, "B": 0.5}}, "thresholds.B"),
        ({**MODEL, "indicators": [{"code": "decision_chain", "weight": True}]}, "indicators.0.weight"),
        ({**MODEL, "indicators": [{"code": "decision_chain", "weight": "0.5"}]}, "indicators.0.weight"),
        ({**MODEL, "indicators": [{"code": "decision_chain", "weight": 1e300}]}, "indicators.0.weight"),
        ({**MODEL, "indicators": []}, "indicators"),
        ({**MODEL, "thresholds": {"A": 0.7}}, "thresholds.B"),
        ({**MODEL, "extra": 1}, "extra"),
    ],
)
async def test_bad_models_answer_422_naming_the_field(h: Harness, body: dict[str, Any], field: str) -> None:
    admin = await h.signup()
    r = await h.client.put("/api/v1/health-model", json=body, headers=admin.headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in r.json()["errors"]]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_non_finite_numbers_are_refused(h: Harness, literal: str) -> None:
    admin = await h.signup()
    raw = f'{{"indicators": [{{"code": "decision_chain", "weight": 1}}], "thresholds": {{"A": {literal}, "B": 0}}}}'
    r = await h.client.put("/api/v1/health-model", content=raw,
                           headers={**admin.headers, "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "thresholds.A", r.text
    r = await h.client.post("/api/v1/health-model/backtest", content=raw.replace(literal, "0.5").replace(
        '"weight": 1', f'"weight": {literal}'), headers={**admin.headers, "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "indicators.0.weight", r.text


async def test_recompute_job_grades_every_customer_and_is_readable_by_its_requester(h: Harness) -> None:
    org = await h.org()
    ungraded = [await h.customer(rep) for rep in org.reps]  # nothing to grade on yet: never graded
    await h.drain()
    assert [(await stored(h, c["id"])).grade for c in ungraded] == [None] * 4
    assert (await h.client.post("/api/v1/health-model/recompute", headers=org.reps[0].headers)).status_code == 403
    r = await h.client.post("/api/v1/health-model/recompute", headers=org.director.headers)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["kind"] == "health.recompute" and job["result"] is None
    assert r.headers["location"] == f"/api/v1/jobs/{job['id']}"
    await h.drain()
    done = await _job(h, org.director, job["id"])
    assert done["status"] == "succeeded" and done["error"] is None
    assert done["result"]["customers"] == 4 and done["result"]["changed"] == 4  # None → C for each
    assert done["started_at"] and done["finished_at"] and done["finished_at"] >= done["started_at"]
    assert [(await stored(h, c["id"])).grade for c in ungraded] == ["C"] * 4
    # Again: nothing changes, every customer is regraded.
    r = await h.client.post("/api/v1/health-model/recompute", headers=org.admin.headers)
    await h.drain()
    again = await _job(h, org.director, r.json()["id"])  # a director reads an admin's job
    assert again["result"]["customers"] == 4 and again["result"]["changed"] == 0
    # Not the requester and not a director: 404, as for another tenant.
    for outsider in (org.reps[0], org.managers[0], await h.signup()):
        r = await h.client.get(f"/api/v1/jobs/{job['id']}", headers=outsider.headers)
        assert r.status_code == 404, r.text
    assert (await h.client.get(f"/api/v1/jobs/{uuid.uuid4()}", headers=org.director.headers)).status_code == 404


@runner("test.explode")
async def _explode(session: Any, job: Job) -> dict[str, Any]:
    await session.execute(sa.text("SELECT 1"))
    raise RuntimeError("the recompute broke")


async def test_a_failing_job_is_marked_failed_once_and_not_retried(h: Harness) -> None:
    admin = await h.signup()
    async with h.runtime.sessionmaker() as session:
        job = await start_job(session, tenant_id=uuid.UUID(admin.tenant_id), kind="test.explode",
                              requested_by=uuid.UUID(admin.user_id))
        await session.commit()
        job_id = job.id
    await h.runtime.publish(take_pending(session))
    await h.drain()
    failed = await _job(h, admin, str(job_id))
    assert failed["status"] == "failed" and "RuntimeError: the recompute broke" in failed["error"]
    async with h.runtime.sessionmaker() as session:
        event = await session.scalar(sa.select(Event).where(Event.entity_id == job_id, Event.type == "job.requested"))
    assert event is not None and event.processed_at is not None and event.last_error is None
