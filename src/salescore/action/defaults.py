"""The default action templates every new tenant starts with (SPEC §4), declared once as data.

Field: {key, label, label_en, type, options?, required?, max_length?, min?, max?}; enum options are
{value, label, label_en}. Sync entry: {target, field?, value?, mode?}:
  target  an attribute the action writes (see action.validation.SET_TARGETS / CUSTOM_PREFIXES);
  field   the action field whose value is written, or
  value   "occurred_at" (the action's moment) / a literal;
  mode    "set" (default) or "append" (list targets such as opportunity.competitors).
Effects are handled by event handlers on `action.performed` (rules in §7 build on them).
"""

from __future__ import annotations

from typing import Any

DEFAULT_STAGES = ("初谈", "报价", "样机测试", "终审", "签约")
STAGE_LABELS_EN = {
    "初谈": "Initial talk", "报价": "Quotation", "样机测试": "Sample test", "终审": "Final review", "签约": "Signing",
}


def _opt(value: str, label: str, label_en: str) -> dict[str, str]:
    return {"value": value, "label": label, "label_en": label_en}


DECISION_ROLE_OPTIONS = [
    _opt("technical", "技术", "Technical"),
    _opt("procurement", "采购", "Procurement"),
    _opt("finance", "财务", "Finance"),
    _opt("executive", "高层", "Executive"),
    _opt("user", "使用部门", "User"),
    _opt("other", "其他", "Other"),
]

OBJECTION_OPTIONS = [
    _opt("价格", "价格", "Price"),
    _opt("交付", "交付", "Delivery"),
    _opt("技术", "技术", "Technical"),
    _opt("竞品", "竞品", "Competitor"),
    _opt("决策流程", "决策流程", "Decision process"),
    _opt("other", "其他", "Other"),
]

DEPARTMENT_OPTIONS = [
    _opt("tech", "技术部", "Technical"),
    _opt("product", "产品部", "Product"),
    _opt("finance", "财务", "Finance"),
    _opt("operations", "运营", "Operations"),
    _opt("sales", "销售", "Sales"),
]


def _f(key: str, label: str, label_en: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": label, "label_en": label_en, "type": type_, "required": False, **extra}


ACTION_TEMPLATES: list[dict[str, Any]] = [
    {
        "code": "customer_visit", "label": "客户拜访", "label_en": "Customer visit",
        "category": "engagement", "channel": "visit",
        "fields": [_f("contacts_met", "拜访对象", "Contacts met", "text", max_length=200)],
        "sync": [], "effects": [],
    },
    {
        "code": "phone_new_customer", "label": "电话触达新客户", "label_en": "New customer call",
        "category": "prospecting", "channel": "call",
        "fields": [_f("count", "触达客户数", "Customers reached", "number", required=True, min=1, max=500)],
        "sync": [], "effects": [],
    },
    {
        "code": "proposal_sent", "label": "方案发送", "label_en": "Proposal sent",
        "category": "engagement", "channel": "email",
        "fields": [
            _f("core_need", "客户核心诉求", "Customer's core need", "text", required=True, max_length=15),
            _f("decision_maker_role", "当前决策人角色", "Current decision maker", "enum", required=True,
               options=DECISION_ROLE_OPTIONS),
            _f("customization", "方案定制化程度", "Proposal customization", "number", min=1, max=5),
        ],
        "sync": [], "effects": [],
    },
    {
        "code": "contract_push", "label": "合同推进", "label_en": "Contract push",
        "category": "deal", "channel": "meeting",
        "fields": [
            _f("stage", "当前阶段", "Current stage", "enum", required=True,
               options=[_opt(s, s, STAGE_LABELS_EN[s]) for s in DEFAULT_STAGES]),
            _f("expected_sign_date", "预计签约日", "Expected signing date", "date", required=True),
        ],
        "sync": [
            {"target": "opportunity.expected_close_date", "field": "expected_sign_date"},
            {"target": "opportunity.stage", "field": "stage"},
        ],
        "effects": [],
    },
    {
        "code": "competitor_feedback", "label": "竞对反馈", "label_en": "Competitor feedback",
        "category": "intelligence", "channel": "other",
        "fields": [
            _f("competitor", "竞争对手", "Competitor", "text", required=True, max_length=100),
            _f("note", "竞对动态", "Note", "text", max_length=500),
        ],
        "sync": [{"target": "opportunity.competitors", "field": "competitor", "mode": "append"}],
        "effects": [],
    },
    {
        "code": "internal_collab", "label": "内部协同", "label_en": "Internal collaboration",
        "category": "collaboration", "channel": "other",
        "fields": [
            _f("department", "协同部门", "Department", "enum", required=True, options=DEPARTMENT_OPTIONS),
            _f("note", "协同事项", "Note", "text", max_length=500),
        ],
        "sync": [], "effects": [],
    },
    {
        "code": "tech_requirement_update", "label": "更新技术需求", "label_en": "Technical requirements update",
        "category": "qualification", "channel": "other",
        "fields": [
            _f("drawings", "已提供图纸", "Drawings provided", "bool"),
            _f("tech_params", "已提供技术参数", "Technical parameters provided", "bool"),
            _f("budget_range", "已明确预算范围", "Budget range provided", "bool"),
        ],
        "sync": [
            {"target": "customer.requirements.drawings", "field": "drawings"},
            {"target": "customer.requirements.tech_params", "field": "tech_params"},
            {"target": "customer.requirements.budget_range", "field": "budget_range"},
        ],
        "effects": [],
    },
    {
        "code": "demo_scheduled", "label": "预约现场演示", "label_en": "Demo scheduled",
        "category": "engagement", "channel": "other",
        "fields": [_f("date", "演示日期", "Demo date", "date", required=True)],
        "sync": [], "effects": ["demo_todo"],
    },
    {
        "code": "quote_submitted", "label": "提交报价", "label_en": "Quote submitted",
        "category": "deal", "channel": "email",
        "fields": [
            _f("amount", "报价金额", "Quoted amount", "number", required=True, min=0),
            _f("quote_file", "报价单", "Quote file", "attachment"),
        ],
        "sync": [{"target": "opportunity.quote_submitted_at", "value": "occurred_at"}],
        "effects": [],
    },
    {
        "code": "quote_confirmed", "label": "客户确认报价", "label_en": "Quote confirmed",
        "category": "deal", "channel": "other",
        "fields": [],
        "sync": [{"target": "opportunity.quote_confirmed_at", "value": "occurred_at"}],
        "effects": [],
    },
    {
        "code": "objection_handled", "label": "异议处理", "label_en": "Objection handled",
        "category": "engagement", "channel": "other",
        "fields": [
            _f("category", "异议类型", "Objection category", "enum", required=True, options=OBJECTION_OPTIONS),
            _f("resolution", "处理方式", "Resolution", "text", max_length=500),
        ],
        "sync": [], "effects": [],
    },
    {
        "code": "solution_3d_provided", "label": "已提供3D方案", "label_en": "3D solution provided",
        "category": "service", "channel": "other",
        "fields": [
            _f("solution_file", "3D方案文件", "3D solution file", "attachment"),
            _f("note", "方案说明", "Note", "text", max_length=500),
        ],
        "sync": [], "effects": ["tech_confirmation_document"],
    },
    {
        "code": "payment_reminder_sent", "label": "发起付款提醒", "label_en": "Payment reminder sent",
        "category": "payment", "channel": "wechat",
        "fields": [_f("screenshot", "提醒截图", "Screenshot", "attachment", required=True)],
        "sync": [], "effects": [],
    },
    {
        "code": "executive_visit", "label": "高层拜访", "label_en": "Executive visit",
        "category": "engagement", "channel": "visit",
        "fields": [_f("executive", "拜访高层", "Executive met", "text", max_length=100)],
        "sync": [], "effects": [],
    },
    {
        "code": "contract_signed", "label": "合同签署", "label_en": "Contract signed",
        "category": "deal", "channel": "other",
        "fields": [],
        "sync": [{"target": "opportunity.contract_signed_at", "value": "occurred_at"}],
        "effects": [],
    },
    {
        "code": "payment_received", "label": "回款到账", "label_en": "Payment received",
        "category": "payment", "channel": "other",
        "fields": [_f("amount", "到账金额", "Amount received", "number", required=True, min=0)],
        "sync": [], "effects": [],
    },
]
