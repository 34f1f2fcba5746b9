"""The built-in signals and playbooks (SPEC §9), and the store (门店) preset, declared once as data.

Patterns are phrases matched against normalized text (NFKC, case-folded, whitespace removed);
a pattern with regex syntax (. ^ $ * + ? { } [ ] \\ | ( )) is a regular expression. `exclude` lists
phrases that, covering a match, cancel it: 不太贵 is not a price objection.
"""

from __future__ import annotations

from typing import Any

ESCALATION_COUNT = 3
EXECUTIVE_VISIT_WARNING = "该信号出现${escalation_count}次以上，建议启动'高层拜访'流程"

DEFAULT_SIGNALS: tuple[dict[str, Any], ...] = (
    {
        "code": "budget_not_approved", "label": "预算未批",
        "patterns": ["预算还没批", "预算未批", "预算没下来", "还没立项", "预算还没下来", "预算没批"],
        "exclude": [],
        "escalation_count": ESCALATION_COUNT,
        "playbook": {
            "diagnosis": "决策机制问题，而非资金问题：客户内部立项流程没有走完，需要帮助对接人推动立项。",
            "scripts": [
                "理解立项需要流程，您看我们能否先协助准备立项材料？",
                "我们整理了同行业客户的立项案例和ROI测算，您内部汇报时可以直接用。",
            ],
            "linked_action": {"kind": "document", "template": "project_approval_pack", "label": "生成《项目立项支持包》"},
            "warning": EXECUTIVE_VISIT_WARNING,
        },
    },
    {
        "code": "waiting_for_leader", "label": "等领导",
        "patterns": ["等领导出差回来", "领导不在", "等老板定", "等领导定", r"等(领导|老板)(拍板|决定|回来)"],
        "exclude": [],
        "escalation_count": ESCALATION_COUNT,
        "playbook": {
            "diagnosis": "接触层级不够：对接人没有决策权，真正的决策人还没有参与进来。",
            "scripts": [
                "领导回来后，我们能否安排一次简短的汇报，由我们直接向领导说明方案？",
                "您看领导最关心的是成本、交期还是风险？我们提前把材料准备好。",
            ],
            "linked_action": {"kind": "action", "code": "executive_visit", "label": "安排高层拜访"},
            "warning": EXECUTIVE_VISIT_WARNING,
        },
    },
    {
        "code": "delivery_cycle_concern", "label": "交付周期",
        "patterns": ["交付周期", "多久能交货", "什么时候到货", "交期", "多久能到货"],
        "exclude": [],
        "escalation_count": ESCALATION_COUNT,
        "playbook": {
            "diagnosis": "客户有明确的时间节点，交付能力是成交的关键条件，需要内部确认排产。",
            "scripts": [
                "您这边最晚需要什么时候到货？我马上和生产确认排期，给您一个书面答复。",
            ],
            "linked_action": {"kind": "action", "code": "internal_collab", "label": "发起内部协同（交付/生产）"},
            "warning": EXECUTIVE_VISIT_WARNING,
        },
    },
    {
        "code": "price_objection", "label": "价格异议",
        "patterns": ["太贵", "价格高", "价格偏高", "能不能便宜", "再降点", "再便宜点"],
        "exclude": ["不太贵", "不算太贵", "价格高不高"],
        "escalation_count": ESCALATION_COUNT,
        "playbook": {
            "diagnosis": "价值没有讲透：客户在用价格比较，而不是用价值比较。",
            "scripts": [
                "除了价格，您最看重的是哪几项？我们按您的使用场景算一笔总成本账。",
                "如果把交付周期和售后响应算进去，我们的方案整体成本其实更低。",
            ],
            "linked_action": {"kind": "action", "code": "objection_handled", "label": "记录异议处理"},
            "warning": EXECUTIVE_VISIT_WARNING,
        },
    },
    {
        "code": "competitor_mentioned", "label": "竞品",
        "patterns": ["竞品", "别家", "友商", "其他厂家"],
        "exclude": ["特别家"],
        "escalation_count": ESCALATION_COUNT,
        "playbook": {
            "diagnosis": "客户在比较方案：需要弄清对手是谁、客户的比较维度是什么。",
            "scripts": [
                "方便透露一下您在对比哪几家吗？我们可以按同样的维度做一张对比表。",
            ],
            "linked_action": {"kind": "action", "code": "competitor_feedback", "label": "记录竞对反馈"},
            "warning": EXECUTIVE_VISIT_WARNING,
        },
    },
)

STORE_WARNING = "该信号出现${escalation_count}次以上，建议店长介入跟进"

# Retail (门店) signals: a store team's conversations are short and happen at the counter.
STORE_SIGNALS: tuple[dict[str, Any], ...] = (
    {
        "code": "store_just_looking", "label": "随便看看",
        "patterns": ["随便看看", "先看看", "再逛逛", "我再看看"],
        "exclude": [], "escalation_count": ESCALATION_COUNT,
        "playbook": {
            "diagnosis": "需求还没被唤起：顾客没有明确目标，需要先了解使用场景。",
            "scripts": ["没关系您慢慢看，方便说说是自己用还是送人吗？我帮您挑几款合适的。"],
            "linked_action": None, "warning": STORE_WARNING,
        },
    },
    {
        "code": "store_price_comparison", "label": "比价",
        "patterns": ["网上更便宜", "网上便宜", "别的店", "比一比", "网店便宜"],
        "exclude": [], "escalation_count": ESCALATION_COUNT,
        "playbook": {
            "diagnosis": "顾客在比较渠道：门店的价值（体验、即时提货、售后）没有被感知。",
            "scripts": ["线上线下同款同价，在店里买可以现场试用、当天带走，售后也在身边。"],
            "linked_action": None, "warning": STORE_WARNING,
        },
    },
    {
        "code": "store_discount_request", "label": "要优惠",
        "patterns": ["有没有优惠", "能打折吗", "打个折", "送点什么", "有没有活动"],
        "exclude": [], "escalation_count": ESCALATION_COUNT,
        "playbook": {
            "diagnosis": "购买意向明确，顾客在争取最后的让步：成交信号。",
            "scripts": ["今天办会员可以享受会员价，再送您一份护理套装，您看可以吗？"],
            "linked_action": None, "warning": STORE_WARNING,
        },
    },
    {
        "code": "store_family_decision", "label": "回家商量",
        "patterns": ["回去商量", "问问老公", "问问家里", "跟家里人商量", "问问老婆"],
        "exclude": [], "escalation_count": ESCALATION_COUNT,
        "playbook": {
            "diagnosis": "决策人不在场：需要给顾客带回去说服家人的材料，并约定回访。",
            "scripts": ["我把这款的资料和价格发您微信，方便您和家里人看；周末您带家人来体验一下？"],
            "linked_action": None, "warning": STORE_WARNING,
        },
    },
    {
        "code": "store_after_sales_concern", "label": "售后顾虑",
        "patterns": ["售后怎么样", "坏了怎么办", "保修多久", "能退吗", "能不能退"],
        "exclude": [], "escalation_count": ESCALATION_COUNT,
        "playbook": {
            "diagnosis": "顾客担心买后风险：把售后承诺讲具体。",
            "scripts": ["我们提供一年保修、七天无理由退换，门店就在这里，有问题直接来找我。"],
            "linked_action": None, "warning": STORE_WARNING,
        },
    },
)

PRESETS: dict[str, tuple[dict[str, Any], ...]] = {"default": DEFAULT_SIGNALS, "store": STORE_SIGNALS}
