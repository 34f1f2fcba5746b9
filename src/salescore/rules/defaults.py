"""The six default rules of SPEC §7, seeded for every tenant. Codes are stable; the rest is editable."""

from __future__ import annotations

from typing import Any

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "code": "grade_a_executive_visit", "position": 10,
        "name": "客户升级为A级：主管提醒 + 本周高层拜访 + 需求入库",
        "description": "Customer grade rises to A: reminder card to the owner's manager; the owner must arrange "
                       "an executive visit this week; the customer's requirements go to the product knowledge base.",
        "trigger": {"event": "customer.grade_changed"},
        "condition": 'payload.new == "A" and payload.old != "A"',
        "actions": [
            {"kind": "notify", "to": ["owners_manager"], "title": "客户升级为A级：${customer.name}",
             "body": "健康度 ${payload.score}（原等级 ${payload.old}），请关注并支持负责人推进。"},
            {"kind": "create_todo", "title": "本周必须安排1次高层拜访", "assignee": "owner",
             "description": "客户 ${customer.name} 已升级为A级。", "due": {"end_of_week": True}},
            {"kind": "kb_sync"},
        ],
    },
    {
        "code": "tech_confirmation_document", "position": 20,
        "name": "已提供3D方案：生成《客户技术确认单》",
        "description": "An action whose template has the tech_confirmation_document effect (solution_3d_provided) "
                       "generates the customer's technical confirmation sheet; the customer's response "
                       "需修改部位 becomes a todo for the tech department.",
        "trigger": {"event": "action.performed"},
        "condition": '"tech_confirmation_document" in payload.effects',
        "actions": [{"kind": "generate_document", "template": "tech_confirmation"}],
    },
    {
        "code": "quote_unconfirmed_24h", "position": 30,
        "name": "报价24小时未确认：提醒负责人",
        "description": "quote_submitted without quote_confirmed 24 hours later: notify the owner (feeds the red check).",
        "trigger": {"event": "action.performed", "delay_hours": 24},
        "condition": 'payload.code == "quote_submitted" and opportunity.status == "open" '
                     'and opportunity.quote_confirmed_at == null',
        "actions": [{"kind": "notify", "to": ["owner"], "title": "报价24小时未确认：${customer.name}",
                     "body": "报价已提交24小时，客户尚未确认，请跟进。"}],
    },
    {
        "code": "receivable_yellow_payment_reminder", "position": 40,
        "name": "回款转黄：48小时内发起付款提醒",
        "description": "A receivable turns yellow: the owner sends a payment reminder within 48 h with a screenshot; "
                       "still open at due → the manager is told.",
        "trigger": {"event": "receivable.turned_yellow"},
        "actions": [{"kind": "create_todo", "title": "发起付款提醒：${customer.name}", "assignee": "owner",
                     "description": "上传付款提醒截图（payment_reminder_sent）后完成。", "due": {"in_hours": 48},
                     "requires_attachment": True, "escalate_to": "owners_manager"}],
    },
    {
        "code": "signal_escalated_executive_visit", "position": 50,
        "name": "客户信号升级：启动高层拜访流程",
        "description": "A customer signal reaches its escalation count: executive-visit todo for the owner and a "
                       "reminder card for the manager.",
        "trigger": {"event": "signal.escalated"},
        "actions": [
            {"kind": "create_todo", "title": "安排高层拜访：${customer.name}", "assignee": "owner",
             "description": "信号：${payload.signal}", "due": {"end_of_week": True}},
            {"kind": "notify", "to": ["owners_manager"], "title": "客户信号升级：${customer.name}",
             "body": "信号 ${payload.signal} 已达到升级次数，已安排高层拜访。"},
        ],
    },
    {
        "code": "daily_report_missing_reminder", "position": 60,
        "name": "日报未按时提交：提醒本人",
        "description": "No daily report at the deadline: a reminder card to the rep.",
        "trigger": {"event": "daily_report.missing"},
        "actions": [{"kind": "notify", "to": ["owner"], "title": "日报未提交：${payload.date}",
                     "body": "请补交 ${payload.date} 的日报（每日3件事 + 1个客户进展）。"}],
    },
]
