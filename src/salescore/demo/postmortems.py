"""Post-mortems for the demo's lost deals (SPEC §10, §14): a lost deal's package holds three kinds of
material and is complete (locked); a deal still in `lost_pending_review` has one kind so far. Ids
derive from the deal's, so a seed stays deterministic."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

Row = dict[str, Any]
COMPLETE = (("meeting_notes", "复盘会纪要：客户最终决策的关键因素是{reason}；我方在{stage}阶段未能拿到决策层支持。"),
            ("competitor_note", "竞对动态：{competitor}在最后一轮报价中让利，并承诺更短交期。"),
            ("quote_history", "报价记录：首轮报价→二轮让利5%→终轮让利8%，客户仍认为价格偏高。"))
LABELS = {"price": "价格", "product_fit": "产品匹配", "competitor": "竞品", "timing": "时机", "budget": "预算",
          "relationship": "决策链关系", "other": "交付周期"}


def post_mortems(tenant_id: uuid.UUID, deals: list[Row]) -> tuple[list[Row], list[Row]]:
    reviews: list[Row] = []
    materials: list[Row] = []
    for deal in deals:
        if deal["status"] not in ("lost", "lost_pending_review") or deal.get("lost_at") is None:
            continue
        review_id = uuid.uuid5(deal["id"], "post_mortem")
        complete = deal["status"] == "lost"
        lost_at = deal["lost_at"]
        kinds = COMPLETE if complete else COMPLETE[:1]
        reason = deal.get("lost_reason") or "other"
        competitor = (deal.get("competitors") or ["竞品"])[-1]
        for index, (kind, text) in enumerate(kinds):
            materials.append({
                "tenant_id": tenant_id, "id": uuid.uuid5(review_id, kind), "post_mortem_id": review_id,
                "opportunity_id": deal["id"], "kind": kind,
                "text": text.format(reason=LABELS.get(reason, reason), stage=deal.get("stage") or "初谈",
                                    competitor=competitor),
                "attachment_ids": [], "transcript_id": None, "created_by": deal["owner_id"],
                "created_at": lost_at + timedelta(hours=2 + index),
            })
        reviews.append({
            "tenant_id": tenant_id, "id": review_id, "opportunity_id": deal["id"], "reason": reason,
            "competitor": competitor, "note": "", "lost_at": lost_at, "owner_id": deal["owner_id"],
            "stage": deal.get("stage"), "requested_by": deal["owner_id"], "created_at": lost_at,
            "completed_at": lost_at + timedelta(hours=1 + len(kinds)) if complete else None, "withdrawn_at": None,
        })
    return reviews, materials
