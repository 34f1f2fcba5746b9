"""A deal walked through its pipeline by the follow-ups that moved it.

Default pipeline 初谈 → 报价 → 样机测试 → 终审 → 签约: each move is a follow-up with the §4 action
that makes it (contract_push, with quote_submitted / contract_signed alongside). Hospital path
(医疗器械, 采购科初筛 → 设备科主任评估 → 院长办公会决策): the rep reports each level in a follow-up
and moves the deal through the stage endpoint once the hospital's required flag is set. The
deal's timestamps are those follow-ups' occurred_at; its key evidence climbs along the same days
(evidence.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salescore.demo import data, phrases
from salescore.demo.actions import act
from salescore.demo.evidence import climb
from salescore.demo.generate import CST, Batch, Row, Weighted
from salescore.demo.stages import DEFAULT_STAGES, HOSPITAL_SHARE, HOSPITAL_STAGES, StageTrail
from salescore.kit.workdays import add_workdays

if TYPE_CHECKING:
    from salescore.demo.activity import Account, DealPlan

CLAIMS = {
    0: Weighted((("pipeline", 80), ("best_case", 17), ("commit", 3))),
    1: Weighted((("pipeline", 60), ("best_case", 33), ("commit", 7))),
    2: Weighted((("pipeline", 30), ("best_case", 50), ("commit", 20))),
    3: Weighted((("best_case", 30), ("commit", 70))),
}
DEAL_SUFFIXES = ("项目", "采购", "改造项目", "年度框架")
DECIDERS = ("technical", "procurement", "executive", "finance")
# revision: a reworked proposal late in the deal, so proposal_sent is also seen shortly before wins.
RICH_ODDS = {
    "tech": 0.5, "competitor": 0.4, "objection": 0.3, "executive": 0.4, "payment": 0.96, "revision": 0.5,
}
LEAN_ODDS = {
    "tech": 0.4, "competitor": 0.25, "objection": 0.1, "executive": 0.25, "payment": 0.96, "revision": 0.3,
}
# Quote confirmation: share of the deals left at 报价 whose customer confirms at all; of the
# confirmations, those within hours (< CONFIRM_FAST), after one to three days (< CONFIRM_SLOW), later.
CONFIRM_AT_QUOTE = 0.75
CONFIRM_FAST, CONFIRM_SLOW = 0.8, 0.95
# Workdays from signing to the first payment: mostly within a week, some slow.
PAYMENT_WORKDAYS = Weighted((
    (lambda rng: rng.randint(2, 6), 62), (lambda rng: rng.randint(7, 9), 14), (lambda rng: rng.randint(10, 20), 24),
))


def money_text(amount: Decimal, currency: str) -> str:
    if currency != "CNY":
        return f"{currency} {amount:,}"
    return f"{amount / 10000:g}万元" if amount >= 10000 else f"{amount}元"


def walk_deal(acct: Account, plan: DealPlan, amount: Decimal, batch: Batch) -> Row:
    g, rng = acct.generator, acct.generator.rng
    industry = acct.industry
    deal_id = g.uid()
    product = rng.choice(industry.products)
    d, k = plan.days, plan.reached
    actions_text = phrases.ACTION_SUMMARIES
    stamps: dict[str, Any] = {}
    touched: list[Row] = []
    custom: dict[str, Any] = {}
    hospital = (g.pipelines.hospital is not None and industry.name == "医疗器械" and "医院" in acct.name
                and rng.random() < HOSPITAL_SHARE)
    trail = (StageTrail(g.pipelines.hospital, HOSPITAL_STAGES) if hospital
             else StageTrail(g.pipelines.default, DEFAULT_STAGES))

    def say(template: str, **extra: Any) -> str:
        return acct.say(template, product=product, **extra)

    def fu(day: date, summary: str, actions: list[dict[str, Any]] | None = None, **kw: Any) -> Row | None:
        if day >= g.today:
            return None
        row = acct.follow_up(day, summary, actions, deal_id=deal_id, **kw)
        touched.append(row)
        return row

    def fu_at(moment: datetime, summary: str, actions: list[dict[str, Any]] | None = None,
              **kw: Any) -> Row | None:
        if moment >= g.anchor:
            return None
        row = acct.follow_up(moment.astimezone(CST).date(), summary, actions, deal_id=deal_id, at=moment, **kw)
        touched.append(row)
        return row

    def between(lo: date, hi: date) -> date:
        return lo + timedelta(days=rng.randint(1, max(1, (hi - lo).days - 1)))

    if plan.status == "won":
        close = d[4]
    elif plan.status == "open":
        close = g.today + timedelta(days=rng.randint(-25, 120))
    else:
        # Lost around the day the decision was expected: often after it had passed, rarely long before.
        close = max(d[-1] + timedelta(days=7), (plan.end or d[-1]) + timedelta(days=rng.randint(-21, 7)))

    # Benchmark scales have fewer follow-ups per deal: merge actions into fewer follow-ups.
    lean = g.scale.follow_ups < 8 * g.scale.deals
    odds = LEAN_ODDS if lean else RICH_ODDS

    def tech_action() -> dict[str, Any]:
        # A flag the rep leaves unticked is omitted: sending false would clear the customer's flag.
        budget = {"budget_range": True} if rng.random() < 0.7 else {}
        return act("tech_requirement_update", drawings=True, tech_params=True, **budget)

    def push(stage: str) -> list[dict[str, Any]]:
        # contract_push only knows the default stages: hospital deals move through the stage endpoint.
        return [] if hospital else [act("contract_push", stage=stage, expected_sign_date=close.isoformat())]

    opener = phrases.NEW_LEAD_SUMMARIES if rng.random() < 0.5 else phrases.SUMMARIES[industry.name]
    first = acct.follow_up(d[0], say(rng.choice(opener)), deal_id=deal_id,
                           channel=rng.choice(("visit", "call", "meeting")))
    touched.append(first)
    trail.open(first["occurred_at"])
    next_day = d[1] if k >= 1 else d[0] + timedelta(days=14)
    tech = k >= 1 and rng.random() < odds["tech"] and not acct.member
    if k >= 1 or rng.random() < 0.6:
        need = rng.choice(industry.core_needs)
        actions = [act("proposal_sent", core_need=need, decision_maker_role=rng.choice(DECIDERS),
                       customization=rng.randint(1, 5))]
        if tech and lean:  # one follow-up carries both actions
            actions.append(tech_action())
        fu(between(d[0], next_day), say(actions_text["proposal_sent"], core_need=need), actions,
           channel=rng.choice(("email", "wechat")))
    if tech:
        acct.requirements_known = True
        if not lean:
            fu(between(d[0], d[1]), say(actions_text["tech_requirement_update"]), [tech_action()])
    confirm = None
    if k >= 1:
        quote = fu(d[1], say(actions_text["quote_submitted"], amount=money_text(amount, acct.currency)),
                   [act("quote_submitted", amount=int(amount)), *push("报价")],
                   channel=rng.choice(("email", "wechat", "visit")))
        if not hospital:
            trail.move("报价", quote, "action")
        stamps["quote_submitted_at"] = quote["occurred_at"] if quote else None
        # 签约 requires a confirmed quote: a deal that reaches signing always had one. Most
        # customers confirm within hours, some after a day or three, a deal left at 报价 often
        # never (the board's red check); a reply not yet due by the anchor has not come.
        confirms = k >= 4 or (k >= 2 and rng.random() < 0.9) or (k == 1 and rng.random() < CONFIRM_AT_QUOTE)
        if quote is not None and confirms:
            text, actions = say(actions_text["quote_confirmed"]), [act("quote_confirmed")]
            speed = rng.random()
            if speed < CONFIRM_FAST:
                confirm = fu_at(quote["occurred_at"] + timedelta(minutes=rng.randint(20, 8 * 60)), text, actions,
                                channel=rng.choice(("wechat", "call", "email")))
            else:
                hi = d[2] if k >= 2 else d[1] + timedelta(days=10)
                day = d[1] + timedelta(days=rng.randint(1, 3)) if speed < CONFIRM_SLOW else between(d[1], hi)
                confirm = fu(min(day, hi - timedelta(days=1)) if k >= 2 else day, text, actions)
            stamps["quote_confirmed_at"] = confirm["occurred_at"] if confirm else None
    if k >= 2:
        if industry.name == "精密模具":
            response = rng.choice(("客户已阅", "需修改部位"))
            # The 技术确认单 answer belongs to the generated document; the action only carries a note.
            note = "客户反馈需修改部位：浇口位置、冷却水路" if response == "需修改部位" else "客户已阅3D方案"
            row = fu(between(d[1], d[2]), say(actions_text["solution_3d_provided"], response=response),
                     [act("solution_3d_provided", note=note)])
            if row and response == "需修改部位":
                acct.tasks.append(("tech", row["occurred_at"], deal_id, row["id"]))
        demo = act("demo_scheduled", date=d[2].isoformat())
        if lean and confirm is not None:
            confirm["actions"].append(demo)
            row = confirm
        else:
            row = fu(between(d[1], d[2]), say(actions_text["demo_scheduled"], date=d[2].isoformat()), [demo])
        if row:
            acct.tasks.append(("demo", g.at(d[2], 10), deal_id, row["id"]))
        if hospital:
            row = fu(d[2], say(phrases.HOSPITAL_STEPS[0]), channel="visit")
            if row:
                custom["clinical_trial_application"] = True
            trail.move(HOSPITAL_STAGES[1], row, "api")
        else:
            row = fu(d[2], say(actions_text["contract_push"], stage="样机测试", date=close.isoformat()),
                     push("样机测试"), channel="demo")
            trail.move("样机测试", row, "action")
    if k >= 3:
        if hospital:
            row = fu(d[3], say(phrases.HOSPITAL_STEPS[1]), channel="visit")
            if row:
                custom["department_training_booked"] = True
            trail.move(HOSPITAL_STAGES[2], row, "api")
        else:
            row = fu(d[3], say(actions_text["contract_push"], stage="终审", date=close.isoformat()), push("终审"))
            trail.move("终审", row, "action")
        until = d[4] if k >= 4 else d[3] + timedelta(days=10)
        if rng.random() < odds["executive"]:
            boss = acct.manager if rng.random() < 0.7 else g.org.by_role("director")[0]
            fu(between(d[3], until), say(actions_text["executive_visit"]), [act("executive_visit")],
               user=boss, channel="visit")
        if rng.random() < odds["revision"]:
            need = rng.choice(industry.core_needs)
            fu(between(d[3], until), say(phrases.PROPOSAL_REVISED, core_need=need), [
                act("proposal_sent", core_need=need, decision_maker_role=rng.choice(DECIDERS),
                    customization=rng.randint(3, 5)),
            ], channel=rng.choice(("email", "wechat")))
    if k >= 4:
        signed = fu(d[4], say(actions_text["contract_signed"], amount=money_text(amount, acct.currency))
                    + phrases.WON_EXTRA, [act("contract_signed"), *push("签约")],
                    channel=rng.choice(("visit", "meeting")))
        if not hospital:
            trail.move("签约", signed, "action")
        stamps["contract_signed_at"] = stamps["won_at"] = signed["occurred_at"] if signed else None
        if rng.random() < odds["payment"]:
            # The first payment, in workdays after the signing (the board's yellow check): one not
            # due before today has not arrived yet.
            paid = (amount * Decimal(rng.choice(("0.3", "0.5", "1")))).quantize(Decimal(1))
            row = fu(add_workdays(d[4], PAYMENT_WORKDAYS(rng)(rng)),
                     say(actions_text["payment_received"], amount=money_text(paid, acct.currency)),
                     [act("payment_received", amount=int(paid))], channel="wechat")
            if row:
                acct.tasks.append(("finance", row["occurred_at"], deal_id, row["id"]))

    competitors = rng.sample(industry.competitors, rng.randint(0, 1))
    last_day = plan.end or (d[-1] if plan.status != "open" else g.today - timedelta(days=1))
    if rng.random() < odds["competitor"]:
        rival = rng.choice(industry.competitors)
        if rival not in competitors:
            competitors.append(rival)
        fu(between(d[0], last_day), say(actions_text["competitor_feedback"], competitor=rival),
           [act("competitor_feedback", competitor=rival, note=f"对方报价低约{rng.randint(5, 25)}%")])
    if rng.random() < odds["objection"]:
        category, resolution = rng.choice(phrases.OBJECTIONS)
        fu(between(d[0], last_day),
           say(actions_text["objection_handled"], category=category, resolution=resolution),
           [act("objection_handled", category=category, resolution=resolution)])
    reason = None
    if plan.end is not None:
        reason = rng.choice(data.LOST_REASONS)
        winner = competitors[-1] if competitors else rng.choice(industry.competitors)
        lost = fu(plan.end, acct.say(phrases.LOST_SUMMARY, competitor=winner, reason=reason))
        stamps["lost_at"] = lost["occurred_at"] if lost else g.at(plan.end, 17)

    stage = trail.stage
    claim = CLAIMS[min(k, 3)](rng) if plan.status == "open" and rng.random() < 0.8 else None
    if plan.status == "won":
        claim = "commit"
    name = (f"{product}（{acct.short}）" if acct.member
            else f"{acct.short}{product}{rng.choice(DEAL_SUFFIXES)}")
    row = {
        "id": deal_id, "tenant_id": g.tenant_id, "customer_id": acct.id, "owner_id": acct.owner.id,
        "name": name[:200], "pipeline_id": trail.pipeline_id, "stage": stage, "amount": amount,
        "currency": acct.currency,
        "expected_close_date": close, "status": plan.status, "product_line": product,
        "competitors": competitors, "rep_forecast_category": claim, "maturity": 0.0,
        "forecast_category": "unqualified", "evidence_mask": 0,
        "quote_submitted_at": stamps.get("quote_submitted_at"),
        "quote_confirmed_at": stamps.get("quote_confirmed_at"),
        "contract_signed_at": stamps.get("contract_signed_at"), "won_at": stamps.get("won_at"),
        "lost_at": stamps.get("lost_at"), "lost_reason": data.LOST_REASON_CODES.get(reason) if reason else None,
        "external_refs": [], "custom": custom,
        "version": 1, "created_at": first["occurred_at"],
        "updated_at": max(f["recorded_at"] for f in touched), "deleted_at": None,
    }
    climb(acct, plan, row, amount=amount, say=say, money=lambda value: money_text(value, acct.currency),
          batch=batch)
    batch["opportunities"].append(row)
    batch["stage_changes"].extend(trail.rows(g, deal_id, acct.owner.id))
    return row
