"""The built-in loss reasons and the material kinds' labels, declared once."""

from __future__ import annotations

from salescore.models.postmortem import MATERIAL_KINDS

# The tenant's list until a director edits it (PUT /api/v1/loss-reasons). `other` always stays:
# it is the reason of a loss declared without one (PATCH status=lost).
LOSS_REASONS: tuple[dict[str, str], ...] = (
    {"code": "price", "label": "价格异议"},
    {"code": "product_fit", "label": "产品不匹配"},
    {"code": "competitor", "label": "竞品胜出"},
    {"code": "timing", "label": "时机/延期"},
    {"code": "budget", "label": "预算取消"},
    {"code": "relationship", "label": "关系/决策链"},
    {"code": "other", "label": "其他"},
)
FALLBACK_REASON = "other"

MATERIAL_LABELS: dict[str, str] = {
    "transcript": "沟通录音文字稿",
    "proposal_version": "方案版本",
    "email_timeline": "邮件往来",
    "competitor_note": "竞对动态",
    "quote_history": "报价记录",
    "meeting_notes": "会议纪要",
}
assert set(MATERIAL_LABELS) == set(MATERIAL_KINDS)
