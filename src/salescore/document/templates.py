"""Document templates as data: the built-in templates and the keys a template may read.

A template is a title and sections. Each section has a `heading` (may be empty) and a `kind`:

- `fields`    rows of {label, key}: a two-column table of values from the record;
- `text`      paragraphs (a line starting with "- " is a bullet) with ${key} placeholders;
- `cases`     the tenant's knowledge-base entries of kind `case` tagged with `tag` (default: the
              customer's industry), newest `limit` first; `empty_text` when there are none;
- `table`     `columns` and `rows` of cells with ${key} placeholders; a cell left empty is a blank
              to fill in by hand;
- `checklist` tick-box `items` with ${key} placeholders.

Placeholders are looked up in PLACEHOLDERS and nowhere else: a template can read a value, never
run code. The built-ins apply to every tenant until a director saves its own version of the code
(a `document_templates` row); deleting that row brings the built-in back.
"""

from __future__ import annotations

import re
from typing import Any

# `${key}`: anything between the braces is taken as a key, so a typo is an error, not literal text.
PLACEHOLDER = re.compile(r"\$\{([^{}\n]{0,100})\}")
SECTION_KINDS = ("fields", "text", "cases", "table", "checklist")

# key -> label: the documented, fixed set of values a template may read (fields rows and ${key}).
PLACEHOLDERS: dict[str, str] = {
    "customer.name": "客户名称",
    "customer.industry": "所属行业",
    "customer.region": "所属区域",
    "customer.country": "国家",
    "customer.city": "城市",
    "customer.location": "所在地区（国家 区域 城市）",
    "customer.lifecycle": "客户阶段",
    "customer.grade": "客户等级",
    "customer.source": "客户来源",
    "customer.tags": "客户标签",
    "customer.annual_purchase": "年采购额（元）",
    "customer.owner": "负责销售",
    "customer.contacts": "客户联系人（姓名与职务）",
    "customer.requirements.drawings": "图纸（已提供/未提供）",
    "customer.requirements.tech_params": "技术参数（已提供/未提供）",
    "customer.requirements.budget_range": "预算范围（已提供/未提供）",
    "opportunity.name": "商机名称",
    "opportunity.stage": "商机阶段",
    "opportunity.amount": "商机金额",
    "opportunity.currency": "币种",
    "opportunity.expected_close_date": "预计签约日",
    "opportunity.product_line": "产品线",
    "opportunity.competitors": "竞争对手",
    "action.note": "动作说明（生成文档的动作的 note 字段）",
    "action.solution_file": "方案文件（动作的 solution_file 附件名）",
    "action.performed_by": "动作执行人",
    "action.performed_on": "动作日期",
    "signal.code": "触发的客户信号代码",
    "document.number": "文档编号",
    "document.date": "生成日期（租户时区）",
    "user.name": "生成人",
    "tenant.name": "公司名称",
}



def placeholders_in(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


BUILTIN_TEMPLATES: dict[str, dict[str, Any]] = {
    "tech_confirmation": {
        "title": "客户技术确认单",
        "description": "已提供3D方案（solution_3d_provided）后生成，客户回复“客户已阅”或“需修改部位”。",
        "sections": [
            {"heading": "客户信息", "kind": "fields", "fields": [
                {"label": "客户名称", "key": "customer.name"},
                {"label": "所属行业", "key": "customer.industry"},
                {"label": "所在地区", "key": "customer.location"},
                {"label": "客户联系人", "key": "customer.contacts"},
            ]},
            {"heading": "项目信息", "kind": "fields", "fields": [
                {"label": "商机", "key": "opportunity.name"},
                {"label": "当前阶段", "key": "opportunity.stage"},
                {"label": "预计签约日", "key": "opportunity.expected_close_date"},
                {"label": "产品线", "key": "opportunity.product_line"},
            ]},
            {"heading": "技术需求", "kind": "fields", "fields": [
                {"label": "图纸", "key": "customer.requirements.drawings"},
                {"label": "技术参数", "key": "customer.requirements.tech_params"},
                {"label": "预算范围", "key": "customer.requirements.budget_range"},
            ]},
            {"heading": "3D方案", "kind": "fields", "fields": [
                {"label": "方案文件", "key": "action.solution_file"},
                {"label": "方案说明", "key": "action.note"},
                {"label": "提供人", "key": "action.performed_by"},
                {"label": "提供日期", "key": "action.performed_on"},
            ]},
            {"heading": "客户确认", "kind": "checklist", "items": [
                "客户已阅",
                "需修改部位（请注明部位）：______________________________",
            ]},
            {"heading": "", "kind": "text", "text": "客户签字：__________        日期：__________"},
        ],
    },
    "project_approval_pack": {
        "title": "${customer.name}项目立项支持包",
        "description": "客户“预算未批/还没立项”时协助客户准备立项材料：客户概况、行业案例、ROI 测算模板、"
                       "政策依据与立项建议，按客户档案自动填写。",
        "sections": [
            {"heading": "一、客户概况", "kind": "fields", "fields": [
                {"label": "客户名称", "key": "customer.name"},
                {"label": "所属行业", "key": "customer.industry"},
                {"label": "所在地区", "key": "customer.location"},
                {"label": "年采购额（元）", "key": "customer.annual_purchase"},
                {"label": "客户联系人", "key": "customer.contacts"},
                {"label": "图纸", "key": "customer.requirements.drawings"},
                {"label": "技术参数", "key": "customer.requirements.tech_params"},
                {"label": "预算范围", "key": "customer.requirements.budget_range"},
                {"label": "关联商机", "key": "opportunity.name"},
                {"label": "预计签约日", "key": "opportunity.expected_close_date"},
                {"label": "负责销售", "key": "customer.owner"},
            ]},
            {"heading": "二、行业案例", "kind": "cases", "limit": 3,
             "empty_text": "暂无“${customer.industry}”行业案例，请在知识库补充 case 条目后重新生成。"},
            {"heading": "三、ROI 测算模板", "kind": "table", "columns": ["项目", "数值", "说明"], "rows": [
                ["客户年采购额（元）", "${customer.annual_purchase}", "来自客户档案"],
                ["本项目预计金额", "${opportunity.amount}", "来自商机（${opportunity.currency}）"],
                ["投资额（元）", "", "待与客户确认"],
                ["年节约成本（元）", "", "人工、能耗、废品率、库存等节约合计"],
                ["投资回收期（月）", "", "= 投资额 ÷ 年节约成本 × 12"],
            ]},
            {"heading": "四、政策依据", "kind": "text", "text": (
                "以下为通用政策依据，请按客户所在地（${customer.location}）和所属行业补充具体文件与条款：\n"
                "- 国家及地方关于制造业数字化转型、智能化改造的支持政策\n"
                "- 设备更新与技术改造相关的财政补贴、税收优惠（如研发费用加计扣除）\n"
                "- 行业主管部门发布的质量、安全与环保标准\n"
                "- 【待补充：适用的具体政策文件名称及条款】"
            )},
            {"heading": "五、立项建议与下一步", "kind": "checklist", "items": [
                "明确立项负责人与决策链（技术、采购、财务、高层）",
                "确认预算区间与资金来源",
                "补充图纸与技术参数，完成技术确认",
                "组织现场演示或样机测试",
                "提交立项申请，约定评审时间：__________",
            ]},
            {"heading": "", "kind": "text", "text": "编制：${user.name}（${tenant.name}）    日期：${document.date}"},
        ],
    },
}
