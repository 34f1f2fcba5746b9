"""Todos (待办) and reminder cards (提醒卡片) that a customer's story leaves behind: the owner's
demo dates and next steps, colleagues' tasks (技术确认单 changes, 回款核对), deal warnings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from salescore.demo import phrases
from salescore.demo.generate import Batch, Member, Row

if TYPE_CHECKING:
    from salescore.demo.activity import Account


def todos_and_cards(acct: Account, customer: Row, deals: list[Row], batch: Batch, *, in_pool: bool) -> None:
    g, rng = acct.generator, acct.generator.rng

    def card(user: Member, kind: str, title: str, body: str, link: str, when: datetime) -> None:
        created = min(when, g.anchor)
        read = created + timedelta(minutes=rng.randint(10, 1800)) if rng.random() < 0.5 else None
        batch["notifications"].append({
            "id": g.uid(), "tenant_id": g.tenant_id, "user_id": user.id, "kind": kind, "title": title[:200],
            "body": body, "link": link, "read_at": read if read and read < g.anchor else None,
            "created_at": created, "dedupe_key": None,
        })

    def todo(
        assignee: Member, title: str, due: datetime, created: datetime, *, by: Member, deal_id: Any = None,
        source: str = "manual", ref: str | None = None, attachment: bool = False,
    ) -> None:
        created = min(created, g.anchor)
        done = due < g.anchor - timedelta(days=1) and rng.random() < 0.85
        completed = min(due + timedelta(minutes=rng.randint(-1440, 720)), g.anchor) if done else None
        if completed is not None and completed < created:
            completed = created
        todo_id = g.uid()
        batch["todos"].append({
            "id": todo_id, "tenant_id": g.tenant_id, "assignee_id": assignee.id, "title": title[:200],
            "description": None, "due_at": due, "status": "done" if done else "open", "source": source,
            "source_ref": ref, "customer_id": acct.id, "opportunity_id": deal_id,
            "requires_attachment": attachment, "created_by": by.id, "completed_at": completed,
            "dedupe_key": None, "attachment_ids": [], "version": 1, "created_at": created,
            "updated_at": completed or created,
            "deleted_at": None,
        })
        if assignee.id != by.id:
            card(assignee, "todo_assigned", f"新待办: {title}", "", f"/api/v1/todos/{todo_id}", created)

    for kind, when, deal_id, follow_up_id in acct.tasks:
        ref = f"follow_up:{follow_up_id}"
        if kind == "demo":
            todo(acct.owner, f"现场演示/样机测试：{acct.short}", when, when - timedelta(days=3),
                 by=acct.owner, deal_id=deal_id, source="action", ref=ref)
            continue
        colleague = rng.choice(g.org.staff(kind))
        title = phrases.STAFF_TODO_TITLES[kind].format(customer=acct.short)
        todo(colleague, title, when + timedelta(days=3), when, by=acct.owner, deal_id=deal_id,
             source="action", ref=ref, attachment=kind == "tech")
    if in_pool:
        return

    open_deals = [d for d in deals if d["status"] == "open"]
    if open_deals and rng.random() < 0.5:
        deal = rng.choice(open_deals)
        boss = rng.random() < 0.3
        due = g.at(g.today + timedelta(days=rng.randint(-5, 14)), rng.choice((10, 14, 18)))
        todo(acct.owner, rng.choice(phrases.TODO_TITLES).format(customer=acct.short),
             due, g.anchor - timedelta(days=rng.randint(1, 10)),
             by=acct.manager if boss else acct.owner, deal_id=deal["id"])
    if acct.follow_ups and rng.random() < 0.25:
        due = g.at(g.today - timedelta(days=rng.randint(2, 150)), rng.choice((10, 14, 18)))
        todo(acct.owner, rng.choice(phrases.TODO_TITLES).format(customer=acct.short), due,
             due - timedelta(days=rng.randint(1, 7)), by=acct.owner)

    for deal in open_deals:
        link = f"/api/v1/opportunities/{deal['id']}"
        kind, title, body = phrases.NOTIFICATIONS[0]
        quoted = deal["quote_submitted_at"]
        if quoted and not deal["quote_confirmed_at"] and deal["stage"] == "报价" and rng.random() < 0.5:
            late = quoted + timedelta(days=1)
            card(acct.owner, kind, title.format(deal=deal["name"]), body, link, late)
            if rng.random() < 0.5:
                card(acct.manager, kind, title.format(deal=deal["name"]), body, link, late)
        kind, title, body = phrases.NOTIFICATIONS[1]
        if deal["expected_close_date"] < g.today and rng.random() < 0.5:
            card(acct.owner, kind, title.format(deal=deal["name"]), body, link,
                 g.at(deal["expected_close_date"] + timedelta(days=1), 9))

    link = f"/api/v1/customers/{acct.id}"
    if customer["grade"] == "A" and rng.random() < 0.3:
        kind, title, body = phrases.NOTIFICATIONS[2]
        card(acct.manager, kind, title.format(customer=acct.short), body, link,
             g.at(g.today - timedelta(days=rng.randint(1, 30)), 8))
        if customer["requirements"]["tech_params"] and rng.random() < 0.5:
            title = phrases.STAFF_TODO_TITLES["product"].format(customer=acct.short)
            due = g.at(g.today + timedelta(days=rng.randint(-10, 10)), 18)
            asked = g.anchor - timedelta(days=rng.randint(10, 20))
            todo(rng.choice(g.org.staff("product")), title, due, asked, by=acct.owner)
    last = max((f["occurred_at"] for f in acct.follow_ups), default=None)
    if customer["grade"] == "A" and last and last < g.anchor - timedelta(days=30):
        kind, title, body = phrases.NOTIFICATIONS[3]
        card(acct.owner, kind, title.format(customer=acct.short), body, link, last + timedelta(days=30))
