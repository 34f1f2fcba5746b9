"""Document templates as tenant data: the built-ins apply until a director saves the tenant's own
version (a versioned, audited `document_templates` row); deleting the row brings the built-in back.
Never commits."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.document import repository as repo
from salescore.document.schemas import DocumentTemplateIn, SectionIn
from salescore.document.templates import BUILTIN_TEMPLATES, PLACEHOLDERS, placeholders_in
from salescore.kit.errors import FieldError, NotFound, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import DocumentTemplate

# The attributes each section kind takes (besides heading and kind).
KIND_ATTRIBUTES: dict[str, frozenset[str]] = {
    "fields": frozenset({"fields"}),
    "text": frozenset({"text"}),
    "cases": frozenset({"tag", "limit", "empty_text"}),
    "table": frozenset({"columns", "rows"}),
    "checklist": frozenset({"items"}),
}
ATTRIBUTES = frozenset().union(*KIND_ATTRIBUTES.values())
REQUIRED: dict[str, frozenset[str]] = {"fields": frozenset({"fields"}), "text": frozenset({"text"}),
                                       "table": frozenset({"columns"}), "checklist": frozenset({"items"})}


@dataclass(frozen=True)
class Template:
    """The template that applies to a tenant for a code: its own row, else the built-in (version 0)."""

    code: str
    title: str
    description: str
    sections: list[dict[str, Any]]
    version: int
    builtin: bool
    customized: bool
    updated_by: uuid.UUID | None = None
    updated_at: datetime | None = None


def _builtin(code: str) -> Template:
    spec = BUILTIN_TEMPLATES[code]
    return Template(code=code, title=spec["title"], description=spec.get("description", ""),
                    sections=copy.deepcopy(spec["sections"]), version=0, builtin=True, customized=False)


def _from_row(row: DocumentTemplate) -> Template:
    return Template(code=row.code, title=row.title, description=row.description, sections=row.sections,
                    version=row.version, builtin=row.code in BUILTIN_TEMPLATES, customized=True,
                    updated_by=row.updated_by, updated_at=row.updated_at)


async def effective(session: AsyncSession, tenant_id: uuid.UUID, code: str) -> Template | None:
    row = await repo.template_row(session, tenant_id, code)
    if row is not None and row.deleted_at is None:
        return _from_row(row)
    return _builtin(code) if code in BUILTIN_TEMPLATES else None


async def get_template(session: AsyncSession, principal: Principal, code: str) -> Template:
    template = await effective(session, principal.tenant_id, code)
    if template is None:
        raise NotFound("document template not found")
    return template


async def list_templates(session: AsyncSession, principal: Principal) -> list[Template]:
    rows = {row.code: _from_row(row) for row in await session.scalars(repo.templates(principal))}
    merged = {code: rows.get(code) or _builtin(code) for code in BUILTIN_TEMPLATES}
    merged.update(rows)
    return [merged[code] for code in sorted(merged)]


def _check_text(errors: list[FieldError], path: str, text: str | None) -> None:
    for key in placeholders_in(text or ""):
        if key not in PLACEHOLDERS:
            errors.append(FieldError(path, f"unknown placeholder ${{{key}}}; see the placeholder keys in the docs"))


def _check_section(errors: list[FieldError], path: str, section: SectionIn) -> None:
    given = {name for name in ATTRIBUTES if getattr(section, name) is not None}
    for name in sorted(given - KIND_ATTRIBUTES[section.kind]):
        errors.append(FieldError(f"{path}.{name}", f"not used by a {section.kind} section"))
    for name in sorted(REQUIRED.get(section.kind, frozenset()) - given):
        errors.append(FieldError(f"{path}.{name}", f"required for a {section.kind} section"))
    _check_text(errors, f"{path}.heading", section.heading)
    _check_text(errors, f"{path}.text", section.text)
    _check_text(errors, f"{path}.tag", section.tag)
    _check_text(errors, f"{path}.empty_text", section.empty_text)
    for i, column in enumerate(section.columns or []):
        _check_text(errors, f"{path}.columns.{i}", column)
    for i, item in enumerate(section.items or []):
        _check_text(errors, f"{path}.items.{i}", item)
    if section.kind == "table" and section.columns is not None:
        for i, row in enumerate(section.rows or []):
            if len(row) != len(section.columns):
                message = f"has {len(row)} cells for {len(section.columns)} columns"
                errors.append(FieldError(f"{path}.rows.{i}", message))
            for j, cell in enumerate(row):
                _check_text(errors, f"{path}.rows.{i}.{j}", cell)


def validate(data: DocumentTemplateIn) -> list[dict[str, Any]]:
    """The sections as stored (attributes of other kinds refused, placeholders known); 422 naming
    every offending path otherwise."""
    errors: list[FieldError] = []
    _check_text(errors, "title", data.title)
    for i, section in enumerate(data.sections):
        _check_section(errors, f"sections.{i}", section)
    if errors:
        raise Unprocessable(f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)
    return [section.model_dump(exclude_none=True, mode="json") for section in data.sections]


async def save_template(
    session: AsyncSession, principal: Principal, code: str, data: DocumentTemplateIn
) -> Template:
    sections = validate(data)
    row = await repo.template_row(session, principal.tenant_id, code)
    now = utcnow()
    if row is None:
        row = DocumentTemplate(
            id=new_id(), tenant_id=principal.tenant_id, code=code, title=data.title, description=data.description,
            sections=sections, updated_by=principal.user_id, created_at=now, updated_at=now,
        )
        session.add(row)
        await session.flush()
        record(session, principal, action="create", entity="document_template", obj=row)
        return _from_row(row)
    before = None if row.deleted_at is not None else snapshot(row)
    row.title, row.description, row.sections = data.title, data.description, sections
    row.updated_by, row.deleted_at = principal.user_id, None
    await session.flush()
    record(session, principal, action="update" if before else "create", entity="document_template", obj=row,
           before=before)
    return _from_row(row)


async def reset_template(session: AsyncSession, principal: Principal, code: str) -> None:
    """Back to the built-in: the tenant's row is soft-deleted (its history stays in the audit log)."""
    row = await repo.template_row(session, principal.tenant_id, code)
    live = row is not None and row.deleted_at is None
    if not live and code not in BUILTIN_TEMPLATES:
        raise NotFound("document template not found")
    if not live:
        return  # already the built-in
    assert row is not None
    before = snapshot(row)
    row.deleted_at, row.updated_by = utcnow(), principal.user_id
    await session.flush()
    record(session, principal, action="delete", entity="document_template", obj=row, before=before)
