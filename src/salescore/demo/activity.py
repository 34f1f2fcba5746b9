"""One customer's story: contacts, deals walked through the stages with the follow-ups (and §4
actions) that moved them, everyday follow-ups, todos and reminder cards.

Deal timestamps are the moments of the follow-ups that carry the matching action (an action
happens at its follow-up's occurred_at), so evidence and figures agree when recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salescore.demo import data, phrases
from salescore.demo.actions import act, action_rows
from salescore.demo.data import Country, Industry, TeamSpec
from salescore.demo.deal_story import walk_deal
from salescore.demo.generate import CST, Batch, Member, Row, Weighted
from salescore.demo.profile import annual_purchase, contacts, legacy_grade
from salescore.demo.work import todos_and_cards

if TYPE_CHECKING:
    from salescore.demo.generate import DemoGenerator

GAPS = ((7, 30), (7, 40), (7, 30), (5, 25))  # days 初谈→报价→样机测试→终审→签约
MEMBER_GAPS = ((1, 4), (1, 5), (1, 3), (1, 3))  # a store member decides within days
LIFECYCLE_PICK = Weighted(data.LIFECYCLES)
MEMBER_LIFECYCLE_PICK = Weighted((("customer", 60), ("prospect", 25), ("lead", 10), ("lost", 5)))
FU_SHARE = {"lead": 0.4, "prospect": 1.0, "customer": 1.5, "lost": 0.6}
DEAL_SHARE = {"lead": 0.1, "prospect": 1.0, "customer": 2.2, "lost": 1.0}
DORMANT = 0.12  # share of established sales customers that went quiet
DORMANT_DAYS = (95, 150)  # how long ago they went quiet
DORMANT_DEAL_GAP = 45  # days between a dormant customer's last deal milestone and its going quiet
DORMANT_ROLES = ("technical", "procurement", "finance")  # a full decision chain, as A customers have
RECENT_LEADS = 0.6
SALES_RESPONSE_HOURS = 4.0  # median hours from a new lead to its first call, for a typical rep
STORE_RESPONSE_MINUTES = 12.0
OPEN_STAGE = Weighted(((0, 35), (1, 30), (2, 20), (3, 15)))
LOST_STAGE = Weighted(((0, 30), (1, 35), (2, 20), (3, 15)))
REPEAT_DEAL = Weighted((("open", 50), ("won", 35), ("lost", 15)))
PROSPECT_DEAL = Weighted((("open", 80), ("lost", 15), ("lost_pending_review", 5)))
SOURCE_PICKS = {
    "domestic": Weighted(data.SOURCES), "foreign": Weighted(data.FOREIGN_SOURCES),
    "store": Weighted(data.STORE_SOURCES),
}
FOREIGN_CHANNEL = Weighted(data.FOREIGN_CHANNELS)
CHANNEL_PICKS = {name: Weighted(ind.channels) for name, ind in data.INDUSTRIES.items()}
# A summary that says how it happened decides the channel.
CHANNEL_WORDS = (("电话", "call"), ("微信", "wechat"), ("拜访", "visit"), ("到店", "visit"), ("现场", "visit"),
                 ("视频会议", "meeting"), ("会议", "meeting"), ("邮件", "email"), ("展会", "other"))


def _norm(shares: dict[str, float]) -> float:
    total = sum(w for _, w in data.LIFECYCLES)
    return sum(shares[k] * w for k, w in data.LIFECYCLES) / total


FU_NORM, DEAL_NORM = _norm(FU_SHARE), _norm(DEAL_SHARE)


@dataclass
class DealPlan:
    status: str
    reached: int  # index in STAGES of the last stage reached
    days: list[date]  # the day each reached stage was entered
    end: date | None = None  # the day a lost deal was lost


@dataclass
class Account:
    generator: DemoGenerator
    serial: int
    team: TeamSpec
    industry: Industry
    owner: Member
    manager: Member
    name: str
    short: str
    country: Country | None
    city: str
    id: Any = None
    contacts: list[Row] = field(default_factory=list)
    contact_ids: list[str] = field(default_factory=list)
    follow_ups: list[Row] = field(default_factory=list)
    requirements_known: bool = False
    quiet_since: datetime | None = None  # a dormant customer: no follow-up from then on
    # (kind, when, deal id, follow-up id): demo → owner's todo; tech / finance → a colleague's todo
    tasks: list[tuple[str, datetime, Any, Any]] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.country.currency if self.country else "CNY"

    @property
    def member(self) -> bool:
        return "会员" in self.name

    def say(self, template: str, **extra: Any) -> str:
        return template.format_map(_Slots(self, extra))

    def follow_up(
        self, day: date, summary: str, actions: list[dict[str, Any]] | None = None, *,
        deal_id: Any = None, channel: str | None = None, user: Member | None = None,
        at: datetime | None = None,
    ) -> Row:
        """A follow-up on `day` in working hours, or at the moment `at` (a reply some hours after
        what it answers, a call soon after the customer was entered); never after the anchor."""
        g, rng = self.generator, self.generator.rng
        user = user or self.owner
        # Entered in the app, by an integration or imported; the author's daily report may list it
        # later (reports.ReportBook.claim), which makes it a daily_report follow-up.
        r = rng.random()
        occurred = g.work_moment(day) if at is None else min(at, g.anchor)
        via = "app" if r < 0.88 else "api" if r < 0.94 else "import"
        late = {"app": rng.expovariate(1 / (0.7 * user.lateness)), "api": rng.uniform(0.02, 0.2),
                "import": 24 * rng.uniform(3, 30)}[via]
        recorded = min(occurred + timedelta(seconds=int(late * 3600)), g.anchor)
        contact_ids = self.contact_ids
        if len(contact_ids) > 1 and rng.random() < 0.3:
            picked = rng.sample(contact_ids, 2)
        else:
            picked = [contact_ids[int(rng.random() * len(contact_ids))]] if contact_ids else []
        if channel is None:
            head = summary[:12]
            channel = next((c for word, c in CHANNEL_WORDS if word in head), None) or (
                FOREIGN_CHANNEL(rng) if self.country else CHANNEL_PICKS[self.industry.name](rng))
        row = {
            "id": g.uid(), "tenant_id": g.tenant_id, "customer_id": self.id, "opportunity_id": deal_id,
            "user_id": user.id, "channel": channel, "occurred_at": occurred, "summary": summary,
            "actions": actions or [], "contact_ids": picked, "created_via": via,
            "recorded_at": recorded, "version": 1, "created_at": recorded, "updated_at": recorded,
            "deleted_at": None,
        }
        self.follow_ups.append(row)
        return row

    def remark(self) -> str:
        """An everyday sentence about this customer."""
        rng = self.generator.rng
        if self.country and rng.random() < 0.6:
            return self.say(rng.choice(phrases.FOREIGN_SUMMARIES))
        pool = phrases.SUMMARIES[self.industry.name] if rng.random() < 0.8 else phrases.GENERIC_SUMMARIES
        return self.say(rng.choice(pool))


class _Slots(dict[str, Any]):
    """Summary placeholders, drawn only when the template uses them."""

    def __init__(self, acct: Account, extra: dict[str, Any]) -> None:
        super().__init__(extra)
        self.acct = acct

    def __missing__(self, key: str) -> Any:
        acct, rng = self.acct, self.acct.generator.rng
        if key in ("contact", "title"):
            contact = rng.choice(acct.contacts) if acct.contacts else None
            self["contact"] = contact["name"] if contact else "客户"
            self["title"] = contact["title"] if contact else "负责人"
            return self[key]
        value = {
            "customer": lambda: acct.short, "city": lambda: acct.city, "amount": lambda: "",
            "product": lambda: rng.choice(acct.industry.products),
            "competitor": lambda: rng.choice(acct.industry.competitors),
            "n": lambda: 2 + int(rng.random() * 8), "pct": lambda: 5 + int(rng.random() * 26),
            "month": lambda: 1 + int(rng.random() * 12),
        }[key]()
        self[key] = value
        return value


def build_account(acct: Account, batch: Batch) -> None:
    g, rng = acct.generator, acct.generator.rng
    scale = g.scale
    acct.id = g.uid()
    lifecycle = (MEMBER_LIFECYCLE_PICK if acct.member else LIFECYCLE_PICK)(rng)
    zhang = acct.owner.name in acct.team.named_reps  # many proposals, no wins
    if zhang and lifecycle == "customer":
        lifecycle = "prospect"
    in_pool = lifecycle in ("lead", "lost") and rng.random() < 0.12
    # An established customer that went quiet months ago and keeps the A grade its last activity
    # earned (the board's green check): won deals only, all of them well before it went quiet.
    dormant = (lifecycle == "customer" and not acct.member and not zhang and acct.team.kind == "sales"
               and rng.random() < DORMANT)
    if lifecycle == "lead":  # new leads keep coming: about half of them entered in the last six weeks
        created_day = g.days_ago(1, 42) if rng.random() < RECENT_LEADS else g.days_ago(42, 240)
    else:
        created_day = g.days_ago(30, 900)

    expected_deals = scale.deals / scale.customers * DEAL_SHARE[lifecycle] / DEAL_NORM
    n_deals = int(expected_deals * rng.uniform(0.4, 1.6) + rng.random())
    if lifecycle == "customer":
        n_deals = max(1, n_deals)
    gaps = MEMBER_GAPS if acct.member else GAPS
    plans = [_plan_deal(g, lifecycle, gaps, first=k == 0 or dormant, zhang=zhang) for k in range(n_deals)]
    quiet_since = g.anchor - timedelta(days=rng.uniform(35, 90)) if in_pool else None
    if dormant:
        quiet_since = g.anchor - timedelta(days=rng.uniform(*DORMANT_DAYS))
        _before(plans, quiet_since.astimezone(CST).date() - timedelta(days=DORMANT_DEAL_GAP))
        acct.requirements_known = True
    if plans and acct.member:  # entered when first walking in, a few days before buying
        created_day = min(p.days[0] for p in plans) - timedelta(days=rng.randint(1, 3))
    elif plans:
        created_day = min(created_day, min(p.days[0] for p in plans) - timedelta(days=rng.randint(1, 30)))
    created_at = g.work_moment(created_day)
    acct.contacts = contacts(acct, lifecycle, created_at, roles=DORMANT_ROLES if dormant else ())
    acct.contact_ids = [str(c["id"]) for c in acct.contacts]
    contacted = _first_contact(acct, created_at) if created_at >= g.window_start else False

    deals = [_deal(acct, plan, batch) for plan in plans]
    spans = [(d["created_at"], d["won_at"] or d["lost_at"] or g.anchor, d["id"]) for d in deals]
    milestones = len(acct.follow_ups)
    target = scale.follow_ups / scale.customers * FU_SHARE[lifecycle] / FU_NORM * rng.uniform(0.3, 1.7)
    if lifecycle == "lost" and deals:
        quiet_since = max(d["lost_at"] or d["created_at"] for d in deals) + timedelta(days=15)
    acct.quiet_since = quiet_since if dormant else None
    start = max(created_at, g.window_start)
    g.follow_ups_owed += (scale.follow_ups - g.reports.budget_cut) / scale.customers
    affordable = g.follow_ups_owed - g.follow_ups_made - milestones
    everyday = max(0 if plans or contacted else 1, min(round(target) - milestones, round(affordable)))
    for k in range(everyday):
        day = g.pick_day(start, quiet_since)
        if day <= created_at.astimezone(CST).date() and contacted:
            continue  # the day it was entered is its first call's
        _everyday_follow_up(acct, day, first=k == 0 and not plans and not contacted, spans=spans, zhang=zhang)

    g.follow_ups_made += len(acct.follow_ups)
    g.reports.claim(acct, deals)  # before anything reads recorded_at: a claimed one is recorded later
    last = max((f["recorded_at"] for f in acct.follow_ups), default=created_at)
    annual = annual_purchase(acct, lifecycle)
    flags = {"lead": 0.1, "prospect": 0.4, "customer": 0.8, "lost": 0.3}[lifecycle]
    known = acct.requirements_known
    tags = rng.sample(acct.industry.tags, rng.randint(0, 2))
    tags += rng.sample(data.GENERIC_TAGS, rng.randint(0, 1))
    if acct.country:
        tags.append("海外")
    # A third came from the old Excel customer list.
    excel_ref = [{"system": "excel", "id": f"KH-{acct.serial + 1:06d}"}] if rng.random() < 0.3 else []
    source_kind = "foreign" if acct.country else "store" if acct.team.kind == "store" else "domestic"
    batch["customers"].append({
        "id": acct.id, "tenant_id": g.tenant_id, "name": acct.name, "industry": acct.industry.name,
        "tags": tags, "region": acct.country.region if acct.country else acct.team.region,
        "country": acct.country.name if acct.country else "中国", "city": acct.city,
        "owner_id": None if in_pool else acct.owner.id,
        "team_id": None if in_pool else g.org.team_ids[acct.team.slug],
        "lifecycle": lifecycle, "source": SOURCE_PICKS[source_kind](rng), "annual_purchase": annual,
        "requirements": {
            "drawings": known or rng.random() < flags, "tech_params": known or rng.random() < flags,
            "budget_range": known or rng.random() < flags * 0.8,
        },
        "grade": legacy_grade(acct, annual) if lifecycle != "lead" else None,
        "health_score": None, "graded_at": None,
        "external_refs": excel_ref,
        "custom": {}, "version": 1, "created_at": created_at, "updated_at": max(last, created_at),
        "deleted_at": None,
    })
    batch["contacts"].extend(acct.contacts)
    batch["follow_ups"].extend(acct.follow_ups)
    batch["action_records"].extend(action_rows(g, acct.follow_ups))
    g.reports.remember(acct, batch["customers"][-1], deals)
    todos_and_cards(acct, batch["customers"][-1], deals, batch, in_pool=in_pool)


def _before(plans: list[DealPlan], last: date) -> None:
    """Move a dormant customer's deals back in time, keeping their rhythm, to end by `last`."""
    for plan in plans:
        shift = max(timedelta(0), max(plan.days) - last)
        plan.days = [day - shift for day in plan.days]
        plan.end = plan.end - shift if plan.end else None


def _first_contact(acct: Account, created_at: datetime) -> bool:
    """The first effective follow-up of a customer entered in the window (the KPI lead response):
    a store walk-in is served on the spot, a sales lead called within hours -- later by the
    slower reps, the next morning when it came in late. False when the call is still due."""
    g, rng = acct.generator, acct.generator.rng
    if acct.team.kind == "store":
        moment = created_at + timedelta(minutes=int(rng.expovariate(1 / STORE_RESPONSE_MINUTES)))
        summary, channel, actions = acct.say(rng.choice(phrases.STORE_FIRST_SUMMARIES)), "visit", []
    else:
        hours = rng.lognormvariate(0, 1.0) * SALES_RESPONSE_HOURS * acct.owner.lateness
        moment = created_at + timedelta(minutes=int(hours * 60))
        local = moment.astimezone(CST)
        if local.hour >= 19 or local.hour < 8:  # after hours: first thing on the next morning
            day = local.date() + timedelta(days=1 if local.hour >= 19 else 0)
            moment = g.at(day, 9, rng.randint(0, 11) * 5)
        summary, channel = acct.say(rng.choice(phrases.NEW_LEAD_SUMMARIES)), "call"
        actions = [act("phone_new_customer", count=1)]
    if moment >= g.anchor:
        return False
    acct.follow_up(moment.astimezone(CST).date(), summary, actions, channel=channel, at=moment)
    return True


def _plan_deal(
    g: DemoGenerator, lifecycle: str, gaps: tuple[tuple[int, int], ...], *, first: bool, zhang: bool
) -> DealPlan:
    rng = g.rng
    if lifecycle == "customer":
        status = "won" if first else REPEAT_DEAL(rng)
    elif lifecycle == "lost":
        status = "lost" if rng.random() < 0.9 else "lost_pending_review"
    elif lifecycle == "lead":
        status = "open"
    else:
        status = PROSPECT_DEAL(rng)
    if zhang and status == "won":
        status = "open"
    end = None
    if status == "won":
        reached, last = 4, g.days_ago(2, 170)
    elif status == "open":
        reached, last = (0 if lifecycle == "lead" else OPEN_STAGE(rng)), g.days_ago(1, 40)
    else:
        end = g.days_ago(1, 14) if status == "lost_pending_review" else g.days_ago(3, 170)
        # A lost deal often lingers at its last stage for weeks or months before it is written off.
        reached, last = LOST_STAGE(rng), end - timedelta(days=rng.randint(5, 90))
    days = [last]
    for lo, hi in reversed(gaps[:reached]):
        days.insert(0, days[0] - timedelta(days=rng.randint(lo, hi)))
    return DealPlan(status, reached, days, end)


def _amount(acct: Account) -> Decimal:
    g = acct.generator
    if acct.member:
        cny = g.money(300, 20_000)
    elif acct.team.kind == "store":
        cny = g.money(10_000, 120_000)
    else:
        cny = g.money(*acct.industry.deal_range)
    if acct.currency == "CNY":
        return Decimal(cny)
    step = 1000 if acct.currency == "THB" else 100
    return Decimal(max(step, round(cny / data.CNY_PER_UNIT[acct.currency] / step) * step))


def _deal(acct: Account, plan: DealPlan, batch: Batch) -> Row:
    return walk_deal(acct, plan, _amount(acct), batch)


def _everyday_follow_up(acct: Account, day: date, *, first: bool, spans: list[Any], zhang: bool) -> None:
    rng = acct.generator.rng
    moment = acct.generator.at(day, 12)
    deal_id = next((d for s, e, d in spans if s <= moment <= e), None) if rng.random() < 0.6 else None
    actions: list[dict[str, Any]] = []
    channel = None
    if first:
        summary = acct.say(rng.choice(phrases.NEW_LEAD_SUMMARIES))
        channel = "call"
        actions.append(act("phone_new_customer", count=1))
    elif zhang and rng.random() < 0.5:  # the same stale template to every customer (seed article)
        need = rng.choice(acct.industry.core_needs)
        summary = acct.say(phrases.ACTION_SUMMARIES["proposal_sent"], core_need=need)
        actions.append(act("proposal_sent", core_need=need, decision_maker_role="procurement",
                           customization=1))
    else:
        summary = acct.remark()
    row = acct.follow_up(day, summary, actions, deal_id=deal_id, channel=channel)
    if row["channel"] == "visit" and not actions and rng.random() < 0.5:
        met = rng.choice(acct.contacts)["name"] if acct.contacts else None
        row["actions"].append(act("customer_visit", **({"contacts_met": met} if met else {})))
