"""Demo data (§14): deterministic generation, one real seed per test database, the demo logins work."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from salescore.config import Settings
from salescore.demo import data
from salescore.demo.generate import TABLES, DemoGenerator
from salescore.demo.seed import SeedReport, run_seed
from tests.support import Harness

ANCHOR = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TENANT, ADMIN = uuid.UUID(int=1), uuid.UUID(int=2)


def generate(seed: int, anchor: datetime = ANCHOR) -> dict[str, Any]:
    g = DemoGenerator(
        seed=seed, scale="S", tenant_id=TENANT, admin_id=ADMIN, anchor=anchor, password_hash="x"
    )
    rows: dict[str, Any] = {"teams": g.org.teams, "users": g.org.users, **{t: [] for t in TABLES}}
    for batch in g.batches(size=64):
        for table in TABLES:
            rows[table].extend(batch[table])
    return rows


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    return generate(7)


def test_same_seed_same_tenant_other_seed_another(generated: dict[str, Any]) -> None:
    assert generate(7) == generated
    other = generate(8)
    assert [c["name"] for c in other["customers"]] != [c["name"] for c in generated["customers"]]
    assert {c["id"] for c in other["customers"]}.isdisjoint({c["id"] for c in generated["customers"]})


def test_a_later_anchor_moves_the_times_not_the_people(generated: dict[str, Any]) -> None:
    later = generate(7, ANCHOR + timedelta(days=7))
    assert [u["email"] for u in later["users"]] == [u["email"] for u in generated["users"]]
    def latest(rows: dict[str, Any]) -> datetime:
        return max(f["occurred_at"] for f in rows["follow_ups"])

    assert latest(later) > latest(generated)


def test_scale_s_is_a_realistic_tenant(generated: dict[str, Any]) -> None:
    customers, deals, follow_ups = generated["customers"], generated["opportunities"], generated["follow_ups"]
    assert len(customers) == 200
    assert 3_000 <= len(follow_ups) <= 5_500 and 220 <= len(deals) <= 400
    assert {c["industry"] for c in customers} == {"工业滤材", "精密模具", "医疗器械", "智能仓储", "快消", "美妆零售"}
    assert {t["name"] for t in generated["teams"]} == {"华东", "华南", "西南", "杭州门店"}
    assert {t["kind"] for t in generated["teams"]} == {"sales", "store"}
    assert Counter(u["role"] for u in generated["users"]).keys() == {"director", "manager", "rep", "staff"}
    staff = [u for u in generated["users"] if u["role"] == "staff"]
    assert {u["department"] for u in staff} == {"tech", "product", "finance"}
    assert len({c["name"] for c in customers}) == len(customers)
    assert {c["lifecycle"] for c in customers} == {"lead", "prospect", "customer", "lost"}
    assert any(c["country"] in ("越南", "泰国", "印度尼西亚", "马来西亚") for c in customers)
    assert {d["currency"] for d in deals} - {"CNY"}, "foreign deals are in their own currency"
    assert {d["status"] for d in deals} >= {"open", "won", "lost"}
    assert {d["stage"] for d in deals} == set(data.STAGES)
    assert {f["channel"] for f in follow_ups} >= {"call", "visit", "wechat", "meeting", "email"}
    codes = Counter(a["code"] for f in follow_ups for a in f["actions"])
    for code in ("proposal_sent", "contract_push", "quote_submitted", "competitor_feedback",
                 "contract_signed"):
        assert codes[code] > 0, code
    assert generated["todos"] and generated["notifications"]


def test_history_is_consistent(generated: dict[str, Any]) -> None:
    customer_ids = {c["id"] for c in generated["customers"]}
    deal_ids = {d["id"] for d in generated["opportunities"]}
    contacts = {c["id"]: c["customer_id"] for c in generated["contacts"]}
    latencies = set()
    for f in generated["follow_ups"]:
        assert f["customer_id"] in customer_ids and f["opportunity_id"] in deal_ids | {None}
        assert f["occurred_at"] <= f["recorded_at"] <= ANCHOR
        assert f["occurred_at"] >= ANCHOR - timedelta(days=400)
        assert all(contacts[uuid.UUID(c)] == f["customer_id"] for c in f["contact_ids"])
        latencies.add((f["recorded_at"] - f["occurred_at"]) // timedelta(hours=1))
    assert len(latencies) > 20, "entry latency varies"
    for d in generated["opportunities"]:
        assert d["customer_id"] in customer_ids and d["created_at"] <= ANCHOR
        if d["status"] == "won":
            assert d["stage"] == "签约" and d["won_at"] and d["won_at"] <= ANCHOR
            assert d["quote_submitted_at"] <= d["won_at"]
        if d["status"] in ("lost", "lost_pending_review"):
            assert d["lost_at"] and d["lost_at"] <= ANCHOR
        if d["quote_confirmed_at"]:
            assert d["quote_submitted_at"] <= d["quote_confirmed_at"]


@pytest.fixture(scope="module")
async def demo(app: Any, client: httpx.AsyncClient, settings: Settings) -> AsyncIterator[SeedReport]:
    """The one real demo tenant of this test database (the demo admin email is unique per instance)."""
    report = await run_seed(settings, seed=11, scale="S")
    # Signup wrote outbox events; process them so tests that sweep the outbox find it clean.
    harness = Harness(app, client, settings)
    await harness.runtime.sweep(older_than=timedelta(0))
    await harness.drain()
    yield report


async def test_seed_writes_the_tenant_once(demo: SeedReport, settings: Settings) -> None:
    assert demo.created and demo.counts["customers"] == 200 and demo.counts["follow_ups"] > 3_000
    again = await run_seed(settings, seed=11, scale="S", if_empty=True)
    assert not again.created and again.tenant_id == demo.tenant_id and again.logins == demo.logins
    roles = {role for role, *_ in demo.logins}
    assert roles == {"admin", "director", "manager", "rep", "staff"}


async def _all(h: Harness, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        r = await h.client.get(path, params=params, headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        if not (cursor := r.json()["next_cursor"]):
            return items


async def _customers(h: Harness, email: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    headers = {"Authorization": f"Bearer {await h.login(email, data.PASSWORD)}"}
    me = (await h.client.get("/api/v1/me", headers=headers)).json()
    return me, await _all(h, "/api/v1/customers", headers)


async def test_demo_logins_see_their_share(demo: SeedReport, h: Harness) -> None:
    _, everything = await _customers(h, f"director@{data.EMAIL_DOMAIN}")
    manager, team = await _customers(h, f"manager.huadong@{data.EMAIL_DOMAIN}")
    rep, own = await _customers(h, f"rep1.huadong@{data.EMAIL_DOMAIN}")
    assert len(everything) == 200
    assert 0 < len(own) < len(team) < len(everything)
    assert {c["owner_id"] for c in own} == {rep["id"]}
    assert {c["team_id"] for c in team} == {rep["team_id"]} == {manager["team_id"]}
    assert rep["tenant"]["id"] == str(demo.tenant_id)

    token = await h.login(f"rep1.huadong@{data.EMAIL_DOMAIN}", data.PASSWORD)
    headers = {"Authorization": f"Bearer {token}"}
    r = await h.client.get("/api/v1/follow-ups", params={"limit": 5}, headers=headers)
    assert r.status_code == 200 and r.json()["items"], r.text
    staff = await h.login(f"tech@{data.EMAIL_DOMAIN}", data.PASSWORD)
    r = await h.client.get("/api/v1/todos", headers={"Authorization": f"Bearer {staff}"})
    assert r.status_code == 200 and r.json()["items"], r.text
    director = {"Authorization": f"Bearer {await h.login(f'director@{data.EMAIL_DOMAIN}', data.PASSWORD)}"}
    deals = await _all(h, "/api/v1/opportunities", director)
    assert len(deals) == demo.counts["opportunities"] and {d["currency"] for d in deals} > {"CNY"}
    r = await h.client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text


def test_cli_seeds_a_new_sqlite_file_and_prints_the_logins(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SALESCORE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.db",
        "SALESCORE_STORAGE_DIR": str(tmp_path / "files"),
        "SALESCORE_ARGON2_TIME_COST": "1", "SALESCORE_ARGON2_MEMORY_KIB": "1024",
        "SALESCORE_ARGON2_PARALLELISM": "1",
        "SALESCORE_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "salescore.cli", "seed-demo", "--seed", "3", "--if-empty"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "200 customers" in done.stdout and f"director@{data.EMAIL_DOMAIN}" in done.stdout
    assert data.PASSWORD in done.stdout and data.DOCS_URL in done.stdout
