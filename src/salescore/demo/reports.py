"""Six months of daily reports (日报 = 每日3件事 + 1个客户进展, §5) and the story they tell.

The article's filter-media company: for months the report was a chore — about 55% submitted, on
average 2.3 days late — until the "3件事 + 1个客户进展" report went live seven weeks before the
anchor; a week later 98.6% were submitted, nearly all before the 10:00 deadline.

Which reports exist and when they were submitted is planned up front (per reporting user and
workday). A report's items are the day's follow-ups with an action: first follow-ups the
customer stories already made on that day (claimed as the customers are generated, so they are
written with created_via='daily_report'), then, for the rest, follow-ups the report itself
creates, at 18:00 of the report's date (§4: an item without a time of its own). Those, the
progress follow-ups and the reports are written in one batch after all customers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from salescore.demo.actions import action_rows
from salescore.demo.generate import CST, Batch, Member, Row, Weighted
from salescore.demo.report_items import CustomerRef, compose_item, progress_note
from salescore.kit.workdays import add_workdays
from salescore.models.daily_report import REPORTING_ROLES

if TYPE_CHECKING:
    from salescore.demo.activity import Account
    from salescore.demo.generate import DemoGenerator

GO_LIVE_DAYS = 49  # the new report went live seven weeks before the anchor
RAMP_DAYS = 7  # "上线后第7天，日报提交率升至98.6%"
RATE_BEFORE, RATE_AFTER = 0.55, 0.986
LATE_DAYS = 3.0  # mean whole days late of a late report before go-live: ≈ 2.3 days mean delay overall
ITEM_COUNT = Weighted(((1, 25), (2, 35), (3, 40)))
OWN_POOL, TEAM_POOL = 64, 256  # customers kept per rep / per team for the reports to pick from


@dataclass
class Pool:
    refs: list[CustomerRef] = field(default_factory=list)
    seen: int = 0


@dataclass
class Report:
    user: Member
    team_id: uuid.UUID | None
    day: date
    n_items: int
    submitted_at: datetime
    items: list[dict[str, Any]] = field(default_factory=list)
    about: list[CustomerRef] = field(default_factory=list)  # the items' customers


class ReportBook:
    def __init__(self, g: DemoGenerator) -> None:
        self.g = g
        self.go_live = g.today - timedelta(days=GO_LIVE_DAYS)
        self.reports: dict[tuple[uuid.UUID, date], Report] = {}
        self.owned: dict[uuid.UUID, Pool] = {}
        self.teams: dict[str | None, Pool] = {}
        self._plan()
        planned = sum(r.n_items + 1 for r in self.reports.values())
        # Share of a user-day's follow-ups to claim: all of them at scale S, a few at M (≈ 20
        # candidates a day), so claims spread over the customers instead of the first batch.
        users = len({key[0] for key in self.reports}) or 1
        candidates = 0.4 * g.scale.follow_ups / (users * max(1, len(g.workdays)))
        self.claim_odds = min(1.0, 2.5 / max(candidates, 1e-9))
        # Report follow-ups are part of the scale's follow-ups: the everyday ones make room for
        # them, but never more than a quarter, so customers keep stories of their own.
        self.budget_cut = min(planned, 0.25 * g.scale.follow_ups)

    # ---- planning ------------------------------------------------------------------------
    def _plan(self) -> None:
        g, rng = self.g, self.g.rng
        users = [m for m in g.org.members if m.role in REPORTING_ROLES]
        # Diligence before go-live differs per person but averages the article's 55%.
        raw = [rng.gauss(0, 0.15) for _ in users]
        shift = RATE_BEFORE - sum(raw) / len(raw)
        mean_late = sum(u.lateness for u in users) / len(users)
        for user, r in zip(users, raw, strict=True):
            diligence = min(0.95, max(0.15, r + shift))
            team_id = g.org.team_ids.get(user.team) if user.team else None
            for day in g.workdays:
                since = (day - self.go_live).days
                phase = "before" if since < 0 else "ramp" if since < RAMP_DAYS else "after"
                odds = {"before": diligence, "after": RATE_AFTER}.get(phase)
                if odds is None:  # the first week after go-live climbs to the new normal
                    odds = 0.75 + (RATE_AFTER - 0.75) * since / RAMP_DAYS
                if rng.random() >= odds:
                    continue
                submitted = self._submitted_at(day, phase, user.lateness / mean_late)
                if submitted > g.anchor:  # not submitted yet: the anchor is "now"
                    continue
                self.reports[(user.id, day)] = Report(user, team_id, day, ITEM_COUNT(rng), submitted)

    def _submitted_at(self, day: date, phase: str, lateness: float) -> datetime:
        g, rng = self.g, self.g.rng
        end = g.at(day + timedelta(days=1), 0)
        evening, morning = {"before": (0.2, 0.3), "ramp": (0.6, 0.85), "after": (0.75, 0.95)}[phase]
        r = rng.random()
        if r < evening:  # the same evening, 19:00–23:59 (after every follow-up of the day)
            return g.at(day, 19) + timedelta(minutes=int(rng.random() * 300))
        if r < morning:  # the next morning, before the 10:00 deadline
            return end + timedelta(minutes=450 + int(rng.random() * 150))
        if phase == "before":
            late = int(rng.expovariate(1 / (LATE_DAYS * lateness)))
        else:
            late = int(rng.random() * 2)
        return end + timedelta(days=min(late, 30), minutes=540 + int(rng.random() * 840))

    # ---- while customers are generated ---------------------------------------------------
    def claim(self, acct: Account, deals: list[Row]) -> None:
        """The account's one-action follow-ups that its author's report lists on their day."""
        rng = self.g.rng
        changed: dict[Any, datetime] = {}
        for fu in acct.follow_ups:
            if len(fu["actions"]) != 1:  # an item is one action; the API makes one follow-up per item
                continue
            report = self.reports.get((fu["user_id"], fu["occurred_at"].astimezone(CST).date()))
            if report is None or len(report.items) >= report.n_items or rng.random() >= self.claim_odds:
                continue
            if fu["occurred_at"] > report.submitted_at:  # a late-evening reply after the report went in
                continue
            fu["created_via"] = "daily_report"
            fu["recorded_at"] = fu["created_at"] = fu["updated_at"] = report.submitted_at
            report.items.append(_item(fu, timed=True))
            report.about.append(_mention(acct))
            if fu["opportunity_id"] is not None:
                changed[fu["opportunity_id"]] = max(changed.get(fu["opportunity_id"], fu["recorded_at"]),
                                                    fu["recorded_at"])
        for deal in deals:  # the report's sync maps touched the deal when it was submitted
            if deal["id"] in changed:
                deal["updated_at"] = max(deal["updated_at"], changed[deal["id"]])

    def remember(self, acct: Account, customer: Row, deals: list[Row]) -> None:
        """Keep what the reports need about this customer, in bounded pools (reservoir samples:
        all of a rep's customers at scale S, a fair sample of the hundreds each has at M)."""
        if customer["owner_id"] is None or customer["lifecycle"] == "lost":
            return  # in the public pool or given up: no report picks it
        g = self.g
        moments = [f["occurred_at"] for f in acct.follow_ups]
        first = min(moments, default=customer["created_at"])
        until = g.anchor
        quiet = customer["grade"] == "A" and moments and max(moments) < g.anchor - timedelta(days=30)
        if moments and (quiet or acct.quiet_since is not None):  # gone quiet: no report mentions it since
            until = max(moments)
        ref = CustomerRef(
            acct.id, acct.short, acct.industry, customer["lifecycle"] == "lead", first, until, _contact(acct),
            tuple((d["created_at"], d["won_at"] or d["lost_at"] or g.anchor, d["id"]) for d in deals),
            tuple(d["won_at"] for d in deals if d["won_at"]),
        )
        self._sample(self.owned, acct.owner.id, ref, OWN_POOL)
        self._sample(self.teams, acct.team.slug, ref, TEAM_POOL)

    def _sample(self, pools: dict[Any, Pool], key: Any, ref: CustomerRef, size: int) -> None:
        pool = pools.setdefault(key, Pool())
        pool.seen += 1
        if len(pool.refs) < size:
            pool.refs.append(ref)
            return
        slot = int(self.g.rng.random() * pool.seen)
        if slot < size:
            pool.refs[slot] = ref

    # ---- after all customers -------------------------------------------------------------
    def final_batch(self, tables: tuple[str, ...]) -> Batch:
        batch: Batch = {t: [] for t in tables}
        for report in self.reports.values():
            made = self._fill(report)
            if not report.items:
                continue  # nobody to report on that day: the report was never written
            batch["follow_ups"].extend(made)
            progress = self._progress(report)
            batch["follow_ups"].append(progress)
            batch["daily_reports"].append(self._row(report, progress))
        batch["action_records"] = action_rows(self.g, batch["follow_ups"])
        return batch

    def _pool(self, user: Member) -> list[CustomerRef]:
        # A manager reports on the team's customers, a rep on their own.
        pool = self.teams.get(user.team) if user.role == "manager" else self.owned.get(user.id)
        return pool.refs if pool else []

    def _pick(self, report: Report, moment: datetime, avoid: set[uuid.UUID]) -> CustomerRef | None:
        """A customer of the reporter's the report may mention. The day's "3件事" are mostly about
        deals about to close, then live ones: so wins follow the actions reps report, and a rep
        whose reported actions never convert (张磊) stands out in action-effectiveness."""
        pool, rng = self._pool(report.user), self.g.rng
        soon = moment + timedelta(days=90)
        for attempt in range(18 if pool else 0):
            ref = pool[int(rng.random() * len(pool))]
            if not ref.first <= moment <= ref.until or ref.id in avoid:
                continue
            if attempt < 6 and not any(moment <= won <= soon for won in ref.wins):
                continue
            if attempt < 12 and not any(start <= moment <= end for start, end, _ in ref.deals):
                continue
            return ref
        return None

    def _fill(self, report: Report) -> list[Row]:
        made: list[Row] = []
        moment = self.g.at(report.day, 18)
        avoid = {ref.id for ref in report.about}
        while len(report.items) < report.n_items:
            ref = self._pick(report, moment, avoid)
            if ref is None:
                break
            avoid.add(ref.id)
            fu = self._item_follow_up(report, ref, moment)
            made.append(fu)
            report.items.append(_item(fu, timed=False))
            report.about.append(ref)
        report.items.sort(key=lambda i: i["occurred_at"])
        return made

    def _item_follow_up(self, report: Report, ref: CustomerRef, moment: datetime) -> Row:
        action, channel, summary = compose_item(self.g.rng, report.user, ref)
        deal = next((d for start, end, d in ref.deals if start <= moment <= end), None)
        return self._follow_up(report, ref, moment, summary, [action], channel, deal)

    def _progress(self, report: Report) -> Row:
        """The one customer progress line: a follow-up with no action, on channel 'other'."""
        moment = self.g.at(report.day, 18)
        # Mostly one of the day's item customers; else another one of the reporter's customers.
        rng, about = self.g.rng, report.about
        ref = about[int(rng.random() * len(about))]
        if rng.random() >= 0.6:
            ref = self._pick(report, moment, set()) or ref
        note = progress_note(self.g.rng, ref)
        return self._follow_up(report, ref, moment, note, [], "other", None)

    def _follow_up(self, report: Report, ref: CustomerRef, moment: datetime, summary: str,
                   actions: list[dict[str, Any]], channel: str, deal: uuid.UUID | None) -> Row:
        g, at = self.g, report.submitted_at
        return {
            "id": g.uid(), "tenant_id": g.tenant_id, "customer_id": ref.id, "opportunity_id": deal,
            "user_id": report.user.id, "channel": channel, "occurred_at": moment, "summary": summary,
            "actions": actions, "contact_ids": [ref.contact[0]] if ref.contact else [],
            "created_via": "daily_report", "recorded_at": at, "version": 1, "created_at": at,
            "updated_at": at, "deleted_at": None,
        }

    def _row(self, report: Report, progress: Row) -> Row:
        g, at = self.g, report.submitted_at
        deadline = g.at(add_workdays(report.day, 1), 10)
        delay = (at - g.at(report.day + timedelta(days=1), 0)).total_seconds()
        return {
            "id": g.uid(), "tenant_id": g.tenant_id, "user_id": report.user.id, "team_id": report.team_id,
            "report_date": report.day, "items": report.items,
            "progress": {"customer_id": str(progress["customer_id"]), "note": progress["summary"],
                         "follow_up_id": str(progress["id"])},
            "submitted_at": at, "deadline_at": deadline, "delay_seconds": max(0, int(delay)),
            "on_time": at <= deadline, "amended_at": None, "version": 1, "created_at": at, "updated_at": at,
        }


def _mention(acct: Account) -> CustomerRef:
    """The little a progress line needs about a customer whose follow-up a report claimed."""
    anchor = acct.generator.anchor
    return CustomerRef(acct.id, acct.short, acct.industry, False, anchor, anchor, _contact(acct), (), ())


def _contact(acct: Account) -> tuple[str, str, str] | None:
    contact = acct.contacts[0] if acct.contacts else None
    return (str(contact["id"]), contact["name"], contact["title"]) if contact else None


def _item(fu: Row, *, timed: bool) -> dict[str, Any]:
    """A report item as daily_report.service stores it; `given_*` are what the rep typed (an item
    the report created took the 18:00 default time)."""
    action = fu["actions"][0]
    deal = str(fu["opportunity_id"]) if fu["opportunity_id"] else None
    occurred = fu["occurred_at"].isoformat()
    return {
        "customer_id": str(fu["customer_id"]), "opportunity_id": deal,
        "action_code": action["code"], "fields": action["fields"], "note": fu["summary"],
        "occurred_at": occurred, "channel": fu["channel"], "follow_up_id": str(fu["id"]),
        "given_occurred_at": occurred if timed else None, "given_opportunity_id": deal,
        "given_channel": fu["channel"],
    }

