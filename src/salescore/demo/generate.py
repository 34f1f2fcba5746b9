"""Pure generation: (seed, scale, tenant, anchor time) → row dicts, with no database.

Everything is drawn from one `random.Random(seed)` in a fixed order, ids included, so the same
seed gives the same tenant; times are placed relative to `anchor` (the run's "now"). Customers are
produced in batches so scale M (1M follow-ups) never sits in memory at once; the daily reports
(reports.py) come last, in a batch of their own, because a report spans many customers.
"""

from __future__ import annotations

import bisect
import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Generic, TypeVar

from salescore.demo import data
from salescore.demo.data import INDUSTRIES, Country, Industry, Scale, TeamSpec
from salescore.demo.stages import DemoPipelines
from salescore.kit.workdays import is_workday

CST = timezone(timedelta(hours=8), "Asia/Shanghai")
WINDOW_DAYS = 182  # six months of follow-ups before the anchor
# In insertion order: every table after the ones its rows point at.
TABLES = ("customers", "contacts", "opportunities", "follow_ups", "action_records", "stage_changes",
          "evidence", "todos", "notifications", "daily_reports")
Row = dict[str, Any]
Batch = dict[str, list[Row]]
T = TypeVar("T")


class Weighted(Generic[T]):
    """A weighted choice with precomputed cumulative weights (hot path at scale M)."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [v for v, _ in pairs]
        self.cum: list[float] = []
        total = 0.0
        for _, w in pairs:
            total += w
            self.cum.append(total)

    def __call__(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


@dataclass
class Member:
    id: uuid.UUID
    name: str
    email: str
    role: str
    team: str | None = None  # team slug
    department: str | None = None
    lateness: float = 1.0  # multiplies how long after the fact this person records things
    activity: float = 1.0  # share of the team's customers


@dataclass
class DemoOrg:
    teams: list[Row]
    users: list[Row]  # everyone but the admin, who is created by signup
    members: list[Member]  # everyone, admin first
    team_ids: dict[str, uuid.UUID] = field(default_factory=dict)

    def by_role(self, role: str, team: str | None = None) -> list[Member]:
        return [m for m in self.members if m.role == role and (team is None or m.team == team)]

    def staff(self, department: str) -> list[Member]:
        return [m for m in self.members if m.role == "staff" and m.department == department]


class DemoGenerator:
    def __init__(
        self, *, seed: int, scale: str | Scale, tenant_id: uuid.UUID, admin_id: uuid.UUID,
        anchor: datetime, password_hash: str = "", pipelines: DemoPipelines | None = None,
    ) -> None:
        from salescore.demo.reports import ReportBook

        self.rng = random.Random(seed)
        self.scale = data.SCALES[scale] if isinstance(scale, str) else scale
        self.tenant_id = tenant_id
        self.admin_id = admin_id
        self.anchor = anchor.astimezone(UTC)
        self.password_hash = password_hash
        self.pipelines = pipelines or DemoPipelines()
        self.today = self.anchor.astimezone(CST).date()
        days = [self.today - timedelta(days=n) for n in range(WINDOW_DAYS, 0, -1)]
        self.window_start = self.at(days[0], 0)
        self.workdays = [d for d in days if is_workday(d)]
        self.restdays = [d for d in days if not is_workday(d)]
        self._user_names: set[str] = set()
        self._customer_names: set[str] = set()
        self._dupe_pool: dict[tuple[str, str], list[tuple[str, str]]] = {}
        # Follow-ups owed and made so far: keeps the total near the scale's target although
        # deal milestones (which always get their follow-ups) vary from customer to customer.
        self.follow_ups_owed = 0.0
        self.follow_ups_made = 0
        self.org: DemoOrg = self._build_org()
        self.reports = ReportBook(self)

    # ---- small helpers -------------------------------------------------------------------
    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), CST).astimezone(UTC)

    def work_moment(self, day: date) -> datetime:
        """A moment in working hours (09:00–18:55, 5-minute steps) on `day`, never today or later:
        the anchor is "now"."""
        day = min(day, self.today - timedelta(days=1))
        slot = int(self.rng.random() * 120)
        return self.at(day, 9 + slot // 12, slot % 12 * 5)

    def days_ago(self, lo: float, hi: float) -> date:
        return (self.anchor - timedelta(days=self.rng.uniform(lo, hi))).astimezone(CST).date()

    def pick_day(self, start: datetime, end: datetime | None = None) -> date:
        """A day in [start, end) of the window, a workday nine times in ten."""
        days = self.workdays if self.rng.random() < 0.9 or not self.restdays else self.restdays
        lo = bisect.bisect_left(days, start.astimezone(CST).date())
        hi = len(days) if end is None else bisect.bisect_left(days, end.astimezone(CST).date())
        if lo >= hi:
            return min(max(start.astimezone(CST).date(), self.today - timedelta(days=WINDOW_DAYS)),
                       self.today - timedelta(days=1))
        return days[self.rng.randrange(lo, hi)]

    def person(self) -> str:
        rng = self.rng
        given = rng.choice(data.GIVEN) + (rng.choice(data.GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(data.SURNAMES) + given

    def phone(self) -> str:
        return "1" + self.rng.choice("3589") + "".join(self.rng.choices("0123456789", k=9))

    def money(self, lo: float, hi: float) -> int:
        """Log-uniform between lo and hi, rounded the way people quote."""
        value = math.exp(self.rng.uniform(math.log(lo), math.log(hi)))
        step = 1000 if value >= 100_000 else 100 if value >= 2_000 else 10
        return max(step, int(round(value / step)) * step)

    # ---- organisation --------------------------------------------------------------------
    def _user(self, org: DemoOrg, name: str, local: str, role: str, team: TeamSpec | None,
              department: str | None) -> Member:
        self._user_names.add(name)
        member = Member(self.uid(), name, f"{local}@{data.EMAIL_DOMAIN}", role, team.slug if team else None,
                        department)
        created = self.anchor - timedelta(days=400)
        org.users.append({
            "id": member.id, "tenant_id": self.tenant_id, "name": name, "email": member.email,
            "phone": self.phone(), "role": role, "department": department,
            "team_id": org.team_ids[team.slug] if team else None, "password_hash": self.password_hash,
            "is_active": True, "version": 1, "created_at": created, "updated_at": created,
        })
        org.members.append(member)
        return member

    def _unique_person(self) -> str:
        while (name := self.person()) in self._user_names:
            pass
        return name

    def _build_org(self) -> DemoOrg:
        org = DemoOrg(teams=[], users=[], members=[
            Member(self.admin_id, data.ADMIN_NAME, data.ADMIN_EMAIL, "admin")
        ])
        self._user_names.add(data.ADMIN_NAME)
        self._user(org, data.DIRECTOR[0], data.DIRECTOR[1], "director", None, "sales")
        created = self.anchor - timedelta(days=400)
        for spec in data.TEAMS:
            org.team_ids[spec.slug] = self.uid()
            manager = self._user(org, spec.manager, f"manager.{spec.slug}", "manager", spec, "sales")
            org.teams.append({
                "id": org.team_ids[spec.slug], "tenant_id": self.tenant_id, "name": spec.name,
                "region": spec.region, "kind": spec.kind, "manager_id": manager.id, "version": 1,
                "created_at": created, "updated_at": created,
            })
            count = self.scale.store_reps if spec.kind == "store" else self.scale.reps_per_team
            for k in range(1, count + 1):
                name = spec.named_reps[k - 1] if k <= len(spec.named_reps) else self._unique_person()
                rep = self._user(org, name, f"rep{k}.{spec.slug}", "rep", spec, "sales")
                rep.lateness = self.rng.lognormvariate(0, 0.6)
                rep.activity = self.rng.uniform(0.5, 1.5)
        for name, department, local in data.STAFF:
            self._user(org, name, local, "staff", None, department)
        return org

    # ---- customers -----------------------------------------------------------------------
    def batches(self, size: int = 1000) -> Iterator[Batch]:
        """Customers with everything hanging off them, `size` customers per batch."""
        from salescore.demo.activity import Account, build_account

        team_pick = Weighted([(spec, spec.weight) for spec in data.TEAMS])
        market_picks = {spec.slug: Weighted([(m, m.weight) for m in spec.markets]) for spec in data.TEAMS}
        owner_picks = {
            spec.slug: Weighted([(m, m.activity) for m in self.org.by_role("rep", spec.slug)])
            for spec in data.TEAMS
        }
        managers = {m.team: m for m in self.org.by_role("manager")}
        country_pick = Weighted([(c, c.weight) for c in data.COUNTRIES])
        batch: Batch = {t: [] for t in TABLES}
        for serial in range(self.scale.customers):
            spec = team_pick(self.rng)
            market = market_picks[spec.slug](self.rng)
            country = None
            abroad = data.FOREIGN_SHARE.get(spec.slug, 0.0)
            if self.rng.random() < abroad and market.industry in data.FOREIGN_WORDS:
                country = country_pick(self.rng)
            manager = managers[spec.slug]
            owner = manager if self.rng.random() < 0.05 else owner_picks[spec.slug](self.rng)
            industry = INDUSTRIES[market.industry]
            name, short, city = self._customer_name(spec, industry, market.cities, country, serial)
            account = Account(
                generator=self, serial=serial, team=spec, industry=industry, owner=owner,
                manager=manager, name=name, short=short, country=country, city=city,
            )
            build_account(account, batch)
            if (serial + 1) % size == 0:
                yield batch
                batch = {t: [] for t in TABLES}
        if batch["customers"]:
            yield batch
        yield self.reports.final_batch(TABLES)

    def _customer_name(
        self, spec: TeamSpec, industry: Industry, cities: tuple[str, ...], country: Country | None,
        serial: int,
    ) -> tuple[str, str, str]:
        """(full name, short name for summaries, city)."""
        rng = self.rng
        city = rng.choice(country.cities if country else cities)
        pool = self._dupe_pool.setdefault((spec.slug, industry.name), [])
        if pool and rng.random() < 0.01:  # the same company entered twice by different reps (§16)
            base, base_city = rng.choice(pool)
            variant = base.replace("（", "(").replace("）", ")") if "（" in base else base.removesuffix("有限公司")
            if variant and variant not in self._customer_names:
                self._customer_names.add(variant)
                return variant, variant, base_city
        full = short = ""
        for _ in range(20):
            brand = rng.choice(data.BRAND_FIRST) + rng.choice(data.BRAND_SECOND)
            if country:
                full = country.pattern.format(
                    brand=rng.choice(country.brands), word=data.FOREIGN_WORDS[industry.name]
                )
                full = short = f"{full} ({brand})" if full in self._customer_names else full
            elif industry.name == "美妆零售" and rng.random() < 0.75:
                short = self.person()
                full = f"{short}（会员{serial:06d}）"
            elif industry.name == "医疗器械" and rng.random() < 0.4:
                kind = rng.choice(("第{n}人民医院", "中医院", "中心医院", "妇幼保健院", "第{n}医院"))
                full = short = f"{city}市" + kind.format(n=rng.choice("一二三四五六七八九"))
            else:
                word = rng.choice(industry.company_words)
                suffix = rng.choice(data.COMPANY_SUFFIXES)
                form = rng.random()
                full = (f"{city}{brand}{word}{suffix}" if form < 0.6 else f"{city}市{brand}{word}{suffix}"
                        if form < 0.85 else f"{brand}{word}（{city}）{suffix}")
                short = brand + word
            if full not in self._customer_names:
                break
        else:
            full = f"{full}（{serial}）"
        self._customer_names.add(full)
        if len(pool) < 50 and not country and "会员" not in full:
            pool.append((full, city))
        return full, short, city
