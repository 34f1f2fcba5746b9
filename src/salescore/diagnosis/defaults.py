"""The quick-screen's six questions, their traffic-light bands and the improvement plans (§10),
declared once as data. Bands: green when value ≤ green_max, yellow when ≤ yellow_max, red above.

Each plan names what to switch on in salescore (endpoints, tenant settings, default rules) and
needs no development: everything it lists ships with the product, so it can go live in 72 hours.
"""

from __future__ import annotations

from typing import Any

GO_LIVE_HOURS = 72

# code -> bands, unit and the label of the question (zh / en)
QUESTIONS: dict[str, dict[str, Any]] = {
    "daily_report_delay_days": {
        "label": "销售日报平均延迟几天", "label_en": "Average daily-report delay (days)",
        "unit": "days", "green_max": 1, "yellow_max": 3,
    },
    "grading_refresh_interval_days": {
        "label": "客户分级多久更新一次（天）", "label_en": "How often customer grades are refreshed (days)",
        "unit": "days", "green_max": 7, "yellow_max": 30,
    },
    "forecast_deviation_pct": {
        "label": "月度预测偏差率（%）", "label_en": "Monthly forecast deviation (%)",
        "unit": "percent", "green_max": 10, "yellow_max": 20,
    },
    "lead_first_response_hours": {
        "label": "线索到首次有效跟进（小时）", "label_en": "Lead to first effective follow-up (hours)",
        "unit": "hours", "green_max": 4, "yellow_max": 24,
    },
    "stuck_in_first_stage_share": {
        "label": "停留在第一阶段的商机占比", "label_en": "Share of deals stuck in the first stage",
        "unit": "share", "green_max": 0.3, "yellow_max": 0.5,
    },
    "contract_to_payment_days": {
        "label": "签约到首付款到账（天）", "label_en": "Contract signing to first payment (days)",
        "unit": "days", "green_max": 7, "yellow_max": 15,
    },
}

# One plan per question, in the order ties are broken.
PLANS: dict[str, dict[str, Any]] = {
    "daily_report_delay_days": {
        "title": "日报“3+1”结构化与截止提醒", "title_en": "Structured 3+1 daily reports with a deadline reminder",
        "steps": [
            "启用日报：每日3件事 + 1个客户进展，每件事即一个动作模板，提交即生成跟进记录",
            "设置提交截止：次一个工作日 10:00（含调休日历）",
            "开启默认规则“日报未按时提交：提醒本人”，主管每周查看日报纪律分析",
        ],
        "steps_en": [
            "Switch on daily reports: 3 things + 1 customer's progress, each thing an action template, filed as follow-ups",
            "Set the deadline: 10:00 on the next workday (statutory calendar with 调休)",
            "Enable the default rule daily_report_missing_reminder; managers review daily-report discipline weekly",
        ],
        "features": ["POST /api/v1/daily-reports", "GET /api/v1/analytics/daily-reports", "GET /api/v1/analytics/kpis"],
        "defaults": [
            {"kind": "tenant_setting", "key": "daily_report_deadline", "value": {"workdays_after": 1, "time": "10:00"}},
            {"kind": "rule", "key": "daily_report_missing_reminder", "value": {"enabled": True}},
        ],
    },
    "grading_refresh_interval_days": {
        "title": "动态客户健康度分级（按周自动刷新）", "title_en": "Dynamic customer health grading, refreshed weekly",
        "steps": [
            "采用默认健康度模型：90天互动频次、需求明确度、决策链完整性、竞对活跃度四项加权",
            "每次跟进后自动重算，并每周全量刷新分级",
            "开启“客户升级为A级”规则：主管提醒 + 本周高层拜访 + 需求入库",
        ],
        "steps_en": [
            "Adopt the default health model: 90-day interactions, requirement clarity, decision chain, competitor activity",
            "Grades recompute after every follow-up and refresh weekly for everyone",
            "Enable the grade_a_executive_visit rule: manager card, executive visit this week, requirements to the KB",
        ],
        "features": ["GET /api/v1/health-model", "POST /api/v1/health-model/recompute", "GET /api/v1/analytics/grading-accuracy",
                     "GET /api/v1/analytics/three-color-board"],
        "defaults": [
            {"kind": "health_model", "key": "default", "value": {"thresholds": {"A": 0.7, "B": 0.4}}},
            {"kind": "rule", "key": "grade_a_executive_visit", "value": {"enabled": True}},
        ],
    },
    "forecast_deviation_pct": {
        "title": "证据节点驱动的预测", "title_en": "Evidence-based forecasting",
        "steps": [
            "在商机上记录关键证据节点：需求确认、技术协议、商务条款、首付款",
            "以证据成熟度与历史赢率生成带概率区间的预测，替代销售口头预估",
            "每月自动存档预测快照，按月查看预测偏差",
        ],
        "steps_en": [
            "Record the key evidence nodes on deals: requirement confirmation, technical agreement, terms, down payment",
            "Forecast from evidence maturity and historical win rates with probability intervals, not rep estimates",
            "Monthly snapshots are kept automatically; review forecast deviation month by month",
        ],
        "features": ["POST /api/v1/opportunities/{opportunity_id}/evidence", "GET /api/v1/analytics/forecast",
                     "GET /api/v1/analytics/forecast-accuracy"],
        "defaults": [
            {"kind": "evidence_model", "key": "GET /api/v1/evidence-model",
             "value": ["requirement_confirmation", "technical_agreement", "commercial_terms", "down_payment"]},
            {"kind": "periodic", "key": "forecast.monthly", "value": {"enabled": True}},
        ],
    },
    "lead_first_response_hours": {
        "title": "线索首响时限与跟进提醒", "title_en": "Lead first-response time limit",
        "steps": [
            "新线索分配到负责人后，4小时内（门店团队30分钟内）完成首次电话/拜访/会议/微信跟进",
            "用“电话触达新客户”动作模板一键记录首响",
            "在KPI周报中按团队、按人看首响中位时长，超时即标红",
        ],
        "steps_en": [
            "New leads get a first call/visit/meeting/WeChat follow-up within 4 h (store teams: 30 min)",
            "Record it in one tap with the phone_new_customer action template",
            "Watch the weekly median first-response time per team and rep in the KPIs; over the limit shows as alert",
        ],
        "features": ["GET /api/v1/analytics/kpis", "POST /api/v1/follow-ups", "GET /api/v1/action-templates"],
        "defaults": [
            {"kind": "analytics_setting", "key": "kpis.first_response_hours_sales", "value": 4},
            {"kind": "analytics_setting", "key": "kpis.first_response_hours_store", "value": 0.5},
            {"kind": "action_template", "key": "phone_new_customer", "value": {"enabled": True}},
        ],
    },
    "stuck_in_first_stage_share": {
        "title": "阶段必填字段与动作（动作流）", "title_en": "Stage rules: required fields and actions",
        "steps": [
            "为每个阶段设置必填字段与必做动作（如报价阶段必须“提交报价”），不满足则不能推进",
            "为阶段设置停留时限，超时的商机出现在预测可信度热力图中",
            "每周查看阶段跃迁率（样机测试→终审）与销售动作合规率",
        ],
        "steps_en": [
            "Give every stage its required fields and actions (e.g. quote_submitted before 样机测试); moves are checked",
            "Set stage time limits; deals over them show on the credibility heatmap",
            "Review the stage transition rate (样机测试 → 终审) and action compliance weekly",
        ],
        "features": ["PATCH /api/v1/pipelines/{pipeline_id}", "GET /api/v1/analytics/kpis", "GET /api/v1/analytics/forecast-heatmap"],
        "defaults": [
            {"kind": "pipeline", "key": "标准销售流程", "value": {"sla_hours": {"初谈": 336, "报价": 336}}},
            {"kind": "analytics_setting", "key": "kpis.stage_from", "value": "样机测试"},
            {"kind": "analytics_setting", "key": "kpis.stage_to", "value": "终审"},
        ],
    },
    "contract_to_payment_days": {
        "title": "签约到回款交接（三色看板黄色卡点）", "title_en": "Signing-to-payment hand-over (the yellow check)",
        "steps": [
            "签约即记录“合同签署”，到账即记录“回款到账”，系统按工作日计算间隔",
            "三色看板黄色卡点：中位数超过5个工作日即预警，逐单下钻",
            "开启“回款转黄：48小时内发起付款提醒”规则，要求上传提醒截图",
        ],
        "steps_en": [
            "Record contract_signed at signing and payment_received on arrival; intervals count workdays",
            "The board's yellow check alerts when the median exceeds 5 workdays, with every deal to drill into",
            "Enable receivable_yellow_payment_reminder: a payment reminder with a screenshot within 48 h",
        ],
        "features": ["GET /api/v1/analytics/three-color-board", "POST /api/v1/follow-ups"],
        "defaults": [
            {"kind": "analytics_setting", "key": "board.yellow.max_median_workdays", "value": 5},
            {"kind": "rule", "key": "receivable_yellow_payment_reminder", "value": {"enabled": True}},
        ],
    },
}
