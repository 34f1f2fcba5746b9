"""A customer's profile beyond its story: its contacts (with their decision roles), its annual
purchase volume and the grade the old single-criterion rule gave it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from salescore.demo import data
from salescore.demo.generate import Row, Weighted

if TYPE_CHECKING:
    from salescore.demo.activity import Account

ROLE_PICK = Weighted(data.ROLE_WEIGHTS)


def contacts(acct: Account, lifecycle: str, created_at: datetime, roles: tuple[str, ...] = ()) -> list[Row]:
    """The customer's contacts: one per decision role drawn (a role drawn twice makes an `other`),
    `roles` always among them."""
    g, rng = acct.generator, acct.generator.rng
    if acct.member:
        specs = [(acct.short, "本人", "user")]
    else:
        n = {"lead": (1, 2), "prospect": (1, 3), "customer": (2, 4), "lost": (1, 3)}[lifecycle]
        drawn = list(roles)
        for _ in range(max(0, rng.randint(*n) - len(drawn))):
            role = ROLE_PICK(rng)
            drawn.append(role if role not in drawn else "other")
        specs = []
        for role in drawn:
            titles = acct.industry.titles.get(role) or ("联系人",)
            name = rng.choice(acct.country.people) if acct.country else g.person()
            specs.append((name, rng.choice(titles), role))
    rows = []
    for name, title, role in specs:
        email = None
        if acct.country:
            email = f"{name.split()[0].lower()}{rng.randint(1, 99)}@example.com"
        elif rng.random() < 0.25:
            email = f"{role}.{rng.randint(100, 999)}@example.com"
        at = created_at + timedelta(minutes=rng.randint(0, 30))
        at = min(at, g.anchor)
        rows.append({
            "id": g.uid(), "tenant_id": g.tenant_id, "customer_id": acct.id, "name": name, "title": title,
            "decision_role": role, "phone": g.phone(), "email": email,
            "wechat": f"wxid_{rng.getrandbits(40):010x}" if rng.random() < 0.6 else None,
            "version": 1, "created_at": at, "updated_at": at, "deleted_at": None,
        })
    return rows


def annual_purchase(acct: Account, lifecycle: str) -> Decimal | None:
    g = acct.generator
    if lifecycle == "lead" and g.rng.random() < 0.5:
        return None
    lo, hi = acct.industry.purchase_range
    if acct.team.kind == "store" and not acct.member:
        lo, hi = 20_000, 300_000
    return Decimal(g.money(lo, hi))


def legacy_grade(acct: Account, annual: Decimal | None) -> str:
    """The old single-criterion grading (年采购额 ≥ 300万 = A) the health model replaces."""
    a, b = (20_000, 5_000) if acct.team.kind == "store" else (3_000_000, 800_000)
    value = annual or 0
    return "A" if value >= a else "B" if value >= b else "C"
