"""One renderer per format over the same block list (Document.blocks).

Blocks hold final text only (placeholders are filled when the document is generated):
  {"type": "heading", "level": 1-3, "text"}      {"type": "paragraph", "text"}
  {"type": "fields", "rows": [{"label", "value"}]} {"type": "table", "columns": [...], "rows": [[...]]}
  {"type": "list", "items": [...]}                {"type": "checklist", "items": [...]}
Every value is escaped for its format: HTML entities, Markdown backslashes, and characters XML
cannot carry are dropped from the .docx.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from docx import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MARKDOWN_TYPE = "text/markdown; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
BLANK = "__________"

Block = dict[str, Any]


# --- Markdown ----------------------------------------------------------------------------------

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~#!])")
_MD_LINE_START = re.compile(r"^(\s*)([+\-=]|\d+[.)])")


def _md(text: str) -> str:
    """Text as literal Markdown: inline metacharacters escaped (so `<script>` stays text), a
    leading list/heading marker escaped, line breaks kept inside the paragraph."""
    lines = []
    for line in str(text).splitlines() or [""]:
        line = _MD_INLINE.sub(r"\\\1", line)
        lines.append(_MD_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", line))
    return "  \n".join(lines)


def _md_cell(text: str) -> str:
    return _md(text).replace("  \n", "<br>") if text else " "


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out


def render_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "heading":
            out.append("#" * int(block["level"]) + " " + _md(block["text"]))
        elif kind == "paragraph":
            out.append(_md(block["text"]))
        elif kind == "fields":
            out.append("\n".join(_md_table(["项目", "内容"], [[r["label"], r["value"]] for r in block["rows"]])))
        elif kind == "table":
            rows = [[c or BLANK for c in row] for row in block["rows"]]
            out.append("\n".join(_md_table(block["columns"], rows)))
        elif kind == "list":
            out.append("\n".join(f"- {_md(item)}" for item in block["items"]))
        elif kind == "checklist":
            out.append("\n".join(f"- [ ] {_md(item)}" for item in block["items"]))
    return "\n\n".join(out) + "\n"


# --- HTML --------------------------------------------------------------------------------------

def _h(text: str) -> str:
    return html.escape(str(text), quote=True).replace("\n", "<br>")


def _html_table(header: list[str] | None, rows: list[list[str]]) -> str:
    head = "<thead><tr>" + "".join(f"<th>{_h(c)}</th>" for c in header) + "</tr></thead>" if header else ""
    body = "".join("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def render_html(blocks: list[Block]) -> str:
    title = next((b["text"] for b in blocks if b["type"] == "heading"), "")
    parts: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "heading":
            level = int(block["level"])
            parts.append(f"<h{level}>{_h(block['text'])}</h{level}>")
        elif kind == "paragraph":
            parts.append(f"<p>{_h(block['text'])}</p>")
        elif kind == "fields":
            parts.append(_html_table(None, [[r["label"], r["value"]] for r in block["rows"]]))
        elif kind == "table":
            parts.append(_html_table(block["columns"], [[c or BLANK for c in row] for row in block["rows"]]))
        elif kind == "list":
            parts.append("<ul>" + "".join(f"<li>{_h(i)}</li>" for i in block["items"]) + "</ul>")
        elif kind == "checklist":
            parts.append('<ul class="checklist">' + "".join(f"<li>☐ {_h(i)}</li>" for i in block["items"]) + "</ul>")
    style = ("body{font-family:sans-serif;max-width:48em;margin:2em auto}table{border-collapse:collapse;"
             "width:100%}td,th{border:1px solid #999;padding:4px 8px;text-align:left}"
             "ul.checklist{list-style:none}")
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head><meta charset="utf-8"><title>{_h(title)}</title>'
        f"<style>{style}</style></head>\n<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )


# --- .docx -------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry (python-docx refuses them): C0 controls but tab/newline/CR,
# lone surrogates, and the two non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: Any) -> str:
    return _NOT_XML.sub("", str(text))


def _docx_table(doc: Any, rows: list[list[str]], header: list[str] | None = None) -> None:
    cols = len(header) if header else len(rows[0]) if rows else 1
    table = doc.add_table(rows=0, cols=cols)
    table.style = "Table Grid"
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(_x(text)).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = _x(text)


def _docx_block(doc: Any, block: Block) -> None:
    kind = block["type"]
    if kind == "heading":
        heading = doc.add_heading(_x(block["text"]), level=int(block["level"]))
        if int(block["level"]) == 1:
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif kind == "paragraph":
        doc.add_paragraph(_x(block["text"]))
    elif kind == "fields":
        _docx_table(doc, [[r["label"], r["value"]] for r in block["rows"]])
    elif kind == "table":
        _docx_table(doc, [[c or BLANK for c in row] for row in block["rows"]], block["columns"])
    elif kind == "list":
        for item in block["items"]:
            doc.add_paragraph(_x(item), style="List Bullet")
    elif kind == "checklist":
        for item in block["items"]:
            doc.add_paragraph(f"☐ {_x(item)}")


def render_docx(blocks: list[Block]) -> bytes:
    doc = DocxDocument()
    doc.styles["Normal"].font.size = Pt(11)
    for block in blocks:
        _docx_block(doc, block)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


RENDERERS: dict[str, tuple[Callable[[list[Block]], str], str, str]] = {
    "md": (render_markdown, MARKDOWN_TYPE, ".md"),
    "html": (render_html, HTML_TYPE, ".html"),
}


def content_disposition(filename: str) -> str:
    """A download named `filename`: RFC 5987 UTF-8 name, with an ASCII fallback for old clients."""
    name = "".join(ch for ch in _NOT_XML.sub("", filename) if ch >= " " and ch not in "/\\\x7f")
    fallback = "".join(ch if " " <= ch < "\x7f" and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
