"""A deal's key evidence (关键证据, §8): the ladder ① → ⑤ climbed along the deal's own story.

Each node is evidenced around the stage that produces it — ① 需求确认书 around 报价, ② 技术协议 after
样机测试, ③ 商务条款 at 终审, ④ 首付款 at (rarely just before) signing, ⑤ 交付计划 after the payment —
dated on those days, pasted as text by the deal's owner. Nothing is dated in the future, and a lost
deal's evidence stops before the day it was lost.

How far the ladder goes follows the outcome: won deals nearly always reach ④/⑤, lost deals mostly
stall at ① or ②, open deals spread over the levels. Two stories of the seed article: open deals
the rep calls `commit` (or that sit at 终审) whose paperwork stops at ① — 表面乐观但证据缺失 — and
open deals whose customer already paid a deposit before signing (the 常州 case: Close-Win on
evidence). A few reps log a node on a verbal promise and their manager revokes it.

The deal's `maturity`, `forecast_category` and `evidence_mask` are what the evidence model makes of
its unrevoked evidence (`Config.default()`), as `evidence.service.restate` would have set them.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from salescore.demo import phrases
from salescore.demo.generate import Batch, Row, Weighted
from salescore.evidence.config import Config

if TYPE_CHECKING:
    from salescore.demo.activity import Account, DealPlan

CONFIG = Config.default()
LADDER = tuple(n["code"] for n in sorted(CONFIG.nodes, key=lambda n: n["order"]))
LABELS = {n["code"]: n["label"] for n in CONFIG.nodes}
# How many rungs a deal's evidence reaches, by outcome and (lost / open) the last stage reached.
WON_TOP = Weighted(((5, 60), (4, 35), (3, 5)))
LOST_TOP = {
    0: Weighted(((0, 1),)),
    1: Weighted(((0, 45), (1, 55))),
    2: Weighted(((0, 20), (1, 45), (2, 35))),
    3: Weighted(((1, 30), (2, 45), (3, 25))),
}
OPEN_TOP = {
    0: Weighted(((0, 80), (1, 20))),
    1: Weighted(((0, 25), (1, 75))),
    2: Weighted(((0, 10), (1, 35), (2, 55))),
    3: Weighted(((1, 10), (2, 25), (3, 35), (4, 30))),  # 4: a deposit before signing (常州)
}
RECORDED = 0.9  # a rung below the top one is on file (reps skip uploading some)
HOLLOW = 0.3  # an open deal claimed `commit` or at 终审 whose paperwork stops at ①
EARLY_PAYMENT = 0.15  # a won deal's down payment a few days before the signing
PREMATURE = 0.08  # a node logged on a verbal promise, revoked by the manager
MEMBER_DEPOSIT = 0.6  # a store member's won purchase with a deposit (定金) on file
DEPOSIT_SHARES = (20, 30, 50)


@functools.cache
def _standing(nodes: frozenset[str]) -> tuple[float, str, int]:
    """(maturity, forecast category, evidence mask) of a set of unrevoked nodes (a few dozen sets for
    200k deals at scale M)."""
    maturity = CONFIG.maturity(nodes)
    return maturity, CONFIG.category(maturity), CONFIG.mask(nodes)


def climb(
    acct: Account, plan: DealPlan, deal: Row, *, amount: Decimal, say: Callable[..., str],
    money: Callable[[Decimal], str], batch: Batch,
) -> None:
    """Write the deal's evidence rows and set its maturity, forecast category and evidence mask (and,
    with a deposit on file, the rep's `commit` claim)."""
    g, rng = acct.generator, acct.generator.rng
    cap = g.today - timedelta(days=1)
    if plan.end is not None:  # nothing new once the deal is lost
        cap = min(cap, plan.end - timedelta(days=1))
    k, status = plan.reached, plan.status
    rows: list[Row] = []

    def paid() -> str:
        return money((amount * rng.choice(DEPOSIT_SHARES) / 100).quantize(Decimal(1)))

    def add(node: str, day: date, text: str, note: str | None) -> Row:
        occurred = g.work_moment(day)
        # Scans and pasted emails are uploaded within hours, later by the slower reps.
        late = timedelta(hours=rng.expovariate(1 / (8 * acct.owner.lateness)))
        row = {
            "id": g.uid(), "tenant_id": g.tenant_id, "opportunity_id": deal["id"], "node": node,
            "attachment_ids": [], "text": text, "note": note, "occurred_at": occurred,
            "created_by": acct.owner.id, "created_at": min(occurred + late, g.anchor),
            "revoked_at": None, "revoked_by": None, "revoke_reason": None,
        }
        rows.append(row)
        return row

    if acct.member:  # a store purchase has no paperwork ladder; some pay a deposit
        if status == "won" and rng.random() < MEMBER_DEPOSIT:
            day = max(plan.days[0], plan.days[-1] - timedelta(days=rng.randint(0, 2)))
            if day <= cap:
                text, note = phrases.MEMBER_DEPOSIT
                add("down_payment", day, acct.say(text, paid=paid()), note)
    else:
        if status == "won":
            top = WON_TOP(rng)
        elif status == "open":
            top = OPEN_TOP[k](rng)
            if (k >= 3 or deal["rep_forecast_category"] == "commit") and rng.random() < HOLLOW:
                top = min(top, 1)
        else:
            top = LOST_TOP[min(k, 3)](rng)
        days = [day for day in _days(rng, plan, top, cap) if day <= cap]  # ascending: a prefix
        for rung, day in enumerate(days):
            if rung < len(days) - 1 and rng.random() >= RECORDED:
                continue
            node = LADDER[rung]
            template, note = rng.choice(phrases.EVIDENCE_TEXTS[node])
            if node == "commercial_terms":
                text = say(template, amount=money(amount), terms=rng.choice(phrases.PAYMENT_TERMS),
                           years=rng.randint(1, 3))
            elif node == "down_payment":
                text = say(template, paid=paid())
                note = phrases.EARLY_PAYMENT_NOTE if status == "open" else note
            else:
                text = say(template)
            add(node, day, text, note)
        if status != "won" and 1 <= len(days) <= 3 and rng.random() < PREMATURE:
            # The next rung (up to the down payment) logged on a verbal promise.
            node, day = LADDER[len(days)], days[-1] + timedelta(days=rng.randint(1, 10))
            if day <= cap:
                text = acct.say(phrases.PREMATURE_EVIDENCE, label=LABELS[node])
                _premature(acct, add(node, day, text, None))

    standing = frozenset(r["node"] for r in rows if r["revoked_at"] is None)
    deal["maturity"], deal["forecast_category"], deal["evidence_mask"] = _standing(standing)
    if status == "open" and "down_payment" in standing:
        deal["rep_forecast_category"] = "commit"
    if rows:
        deal["updated_at"] = max(deal["updated_at"], *(r["revoked_at"] or r["created_at"] for r in rows))
    batch["evidence"].extend(rows)


def _days(rng: random.Random, plan: DealPlan, top: int, cap: date) -> list[date]:
    """The day each of the first `top` rungs is evidenced, ascending, never before the deal opened
    (days after `cap` are dropped by the caller)."""
    d, k = plan.days, plan.reached

    def shift(day: date, lo: int, hi: int) -> date:
        return day + timedelta(days=rng.randint(lo, hi))

    out: list[date] = []
    for rung in range(top):
        if rung == 0:  # ① around 报价 (a deal still at 初谈: a couple of weeks in)
            day = shift(d[1], -5, 3) if k >= 1 else shift(d[0], 3, 20)
        elif rung == 1:  # ② once 样机测试 is through, before 终审
            day = shift(d[2], 0, 7)
            day = min(day, d[3]) if k >= 3 else day
        elif rung == 2:  # ③ early in 终审: before the signing when there was one
            day = shift(d[3], 0, min(7, (d[4] - d[3]).days)) if k >= 4 else shift(d[3], 0, 10)
        elif rung == 3:  # ④ at or after the signing (sometimes just before); before it if unsigned
            if k >= 4:
                day = shift(d[4], -7, -1) if rng.random() < EARLY_PAYMENT else shift(d[4], 0, 14)
            else:  # a deposit before signing: some day since the terms were agreed
                day = shift(out[-1], 1, max(1, (cap - out[-1]).days))
        else:  # ⑤ once the payment is in
            day = shift(out[-1], 3, 30)
        out.append(max(day, out[-1] if out else d[0] + timedelta(days=1)))
    return out


def _premature(acct: Account, row: Row) -> None:
    """Revoked by the manager within days of being logged; one logged in the last days may still stand."""
    g, rng = acct.generator, acct.generator.rng
    revoked = row["created_at"] + timedelta(days=rng.uniform(0.5, 6))
    if revoked < g.anchor:
        row.update(revoked_at=revoked, revoked_by=acct.manager.id,
                   revoke_reason=phrases.PREMATURE_REVOKE_REASON)
