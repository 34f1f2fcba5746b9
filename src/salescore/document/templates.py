"""Document templates as data, rendered to .docx with python-docx.

A template is a title and sections of (label, key) rows filled from a data dict the service
assembles from the customer's record; `response` adds the customer's tick-box answer block.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

TEMPLATES: dict[str, dict[str, Any]] = {
    "tech_confirmation": {
        "title": "客户技术确认单",
        "sections": [
            ("客户信息", [("客户名称", "customer_name"), ("所属行业", "industry"), ("所在地区", "location"),
                       ("客户联系人", "contacts")]),
            ("项目信息", [("商机", "opportunity_name"), ("当前阶段", "stage"), ("预计签约日", "expected_close_date"),
                       ("产品线", "product_line")]),
            ("技术需求", [("图纸", "drawings"), ("技术参数", "tech_params"), ("预算范围", "budget_range")]),
            ("3D方案", [("方案文件", "solution_file"), ("方案说明", "note"), ("提供人", "provided_by"),
                      ("提供日期", "provided_on")]),
        ],
        "response": ["客户已阅", "需修改部位（请注明部位）：______________________________"],
    },
}


def render_docx(code: str, data: dict[str, Any]) -> bytes:
    template = TEMPLATES[code]
    doc = DocxDocument()
    style = doc.styles["Normal"]
    style.font.size = Pt(11)
    title = doc.add_heading(f"《{template['title']}》", level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"编号：{data.get('number', '')}")
    for heading, rows in template["sections"]:
        doc.add_heading(heading, level=2)
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, key in rows:
            cells = table.add_row().cells
            cells[0].text = label
            cells[1].text = _text(data.get(key))
    doc.add_heading("客户确认", level=2)
    for option in template["response"]:
        doc.add_paragraph(f"☐ {option}")
    doc.add_paragraph("客户签字：__________        日期：__________")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "已提供" if value else "未提供"
    if isinstance(value, list):
        return "；".join(_text(v) for v in value) or "—"
    return str(value)
