"""What a daily report says when it creates its own items (每日3件事) and its progress line.

Only actions without sync maps or effects: by the time reports are written the customers and deals
are already in the database, so an action that would change them (a stage, a competitor, a
requirement flag, a demo todo) could not be reflected there.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from salescore.demo import phrases
from salescore.demo.actions import act
from salescore.demo.data import TEAMS, Industry
from salescore.demo.generate import Member

DECIDERS = ("technical", "procurement", "executive", "finance")
NAMED_REPS = {name for spec in TEAMS for name in spec.named_reps}  # 张磊: many proposals, no wins


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """What a report needs to mention a customer after its rows have been written (one per
    customer, kept until the reports are written: slots keep scale M's 100k small)."""

    id: uuid.UUID
    short: str
    industry: Industry
    lead: bool
    first: datetime  # its first follow-up (or creation): a report never mentions it earlier
    until: datetime  # a stale A customer stays untouched, as its reminder cards say
    contact: tuple[str, str, str] | None  # (id, name, title)
    deals: tuple[tuple[datetime, datetime, uuid.UUID], ...]  # (opened, closed or now, id)
    wins: tuple[datetime, ...]  # when its won deals were won


def compose_item(rng: random.Random, user: Member, ref: CustomerRef) -> tuple[dict[str, Any], str, str]:
    """(action, channel, note) of one item `user` reports about `ref`."""
    slots = _slots(rng, ref)
    zhang = user.name in NAMED_REPS
    if user.role == "manager":
        code = rng.choice(("executive_visit", "customer_visit", "internal_collab"))
    elif ref.lead and rng.random() < 0.6:
        code = "phone_new_customer"
    elif rng.random() < (0.6 if zhang else 0.12):  # 张磊 keeps sending his old proposal template
        code = "proposal_sent"
    else:
        code = rng.choice(("customer_visit", "internal_collab", "objection_handled"))
    if code == "phone_new_customer":
        slots["n"] = 1 + int(rng.random() * 6)
        action, channel = act(code, count=slots["n"]), "call"
    elif code == "proposal_sent":
        slots["core_need"] = need = rng.choice(ref.industry.core_needs)
        role, level = ("procurement", 1) if zhang else (rng.choice(DECIDERS), 1 + int(rng.random() * 5))
        action = act(code, core_need=need, decision_maker_role=role, customization=level)
        channel = rng.choice(("email", "wechat"))
    elif code == "objection_handled":
        slots["category"], slots["resolution"] = rng.choice(phrases.OBJECTIONS)
        action = act(code, category=slots["category"], resolution=slots["resolution"])
        channel = rng.choice(("call", "wechat"))
    elif code == "internal_collab":
        department, slots["department"] = rng.choice(phrases.COLLAB_DEPARTMENTS)
        action, channel = act(code, department=department), "other"
    else:  # customer_visit / executive_visit: whom the rep met, when the customer has a contact
        fields = {}
        if ref.contact and code == "customer_visit":
            fields = {"contacts_met": slots["contact"]}
        elif ref.contact:
            fields = {"executive": slots["title"]}
        action, channel = act(code, **fields), "visit"
    template = phrases.REPORT_NOTES.get(code) or phrases.ACTION_SUMMARIES[code]
    note = template.format_map(slots)
    if code == "internal_collab":
        action["fields"]["note"] = note
    return action, channel, note


def progress_note(rng: random.Random, ref: CustomerRef) -> str:
    return rng.choice(phrases.PROGRESS_NOTES).format_map(_slots(rng, ref))


def _slots(rng: random.Random, ref: CustomerRef) -> dict[str, Any]:
    contact = ref.contact or ("", "客户", "负责人")
    return {
        "customer": ref.short, "contact": contact[1], "title": contact[2],
        "product": rng.choice(ref.industry.products), "competitor": rng.choice(ref.industry.competitors),
    }
