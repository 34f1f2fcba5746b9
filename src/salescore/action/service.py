"""Action templates: seeding, editing (versioned) and checking recorded actions. Never commits."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.action import repository as repo
from salescore.action.defaults import ACTION_TEMPLATES
from salescore.action.schemas import TemplateCreate, TemplateUpdate
from salescore.action.validation import CheckedAction, check_definition, check_fields, stage_fields
from salescore.audit.service import record, snapshot
from salescore.kit.crud import reject_nulls
from salescore.kit.errors import Conflict, FieldError, Unprocessable
from salescore.kit.i18n import Lang, label_of
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import ActionTemplate, ActionTemplateVersion, Opportunity, Tenant, User
from salescore.opportunity import service as opportunity_service
from salescore.pipeline import service as pipeline_service
from salescore.tenancy.service import register_tenant_seeder

DEFINITION_KEYS = ("label", "label_en", "category", "channel", "fields", "sync", "effects")


def definition_of(template: ActionTemplate) -> dict[str, Any]:
    return {k: copy.deepcopy(getattr(template, k)) for k in ("code", *DEFINITION_KEYS)}


def _add_version(session: AsyncSession, template: ActionTemplate, user_id: uuid.UUID | None) -> None:
    session.add(ActionTemplateVersion(
        id=new_id(), tenant_id=template.tenant_id, template_id=template.id, revision=template.revision,
        definition=definition_of(template), created_by=user_id, created_at=utcnow(),
    ))


@register_tenant_seeder
async def seed_default_templates(session: AsyncSession, tenant: Tenant, admin: User) -> None:
    now = utcnow()
    for spec in ACTION_TEMPLATES:
        template = ActionTemplate(
            id=new_id(), tenant_id=tenant.id, revision=1, enabled=True, is_default=True,
            created_at=now, updated_at=now, **copy.deepcopy(spec),
        )
        session.add(template)
        _add_version(session, template, None)
    await session.flush()


async def template_codes(session: AsyncSession, tenant_id: uuid.UUID) -> set[str]:
    return await repo.all_codes(session, tenant_id)


def localized(template: ActionTemplate, lang: Lang) -> dict[str, Any]:
    """The template as a phone renders it: labels in the caller's language."""
    return {
        "id": template.id, "code": template.code, "label": label_of({"label": template.label, "label_en": template.label_en}, lang),
        "labels": {"zh-CN": template.label, "en": template.label_en},
        "category": template.category, "channel": template.channel,
        "fields": [
            {**f, "label": label_of(f, lang),
             "options": [{"value": o["value"], "label": label_of(o, lang)} for o in f.get("options") or []]}
            for f in template.fields
        ],
        "sync": template.sync, "effects": template.effects, "enabled": template.enabled,
        "is_default": template.is_default, "revision": template.revision, "version": template.version,
        "created_at": template.created_at, "updated_at": template.updated_at,
    }


def _checked_definition(values: dict[str, Any]) -> dict[str, Any]:
    errors = check_definition(values["fields"], values["sync"])
    if errors:
        raise Unprocessable("invalid action template", errors=errors)
    values["label_en"] = values.get("label_en") or values["label"]
    for f in values["fields"]:
        f["label_en"] = f.get("label_en") or f["label"]
    return values


async def create_template(session: AsyncSession, principal: Principal, data: TemplateCreate) -> ActionTemplate:
    if await repo.code_exists(session, principal.tenant_id, data.code):
        raise Conflict("an action template with this code exists", errors=[FieldError("code", "already exists")])
    values = _checked_definition(data.model_dump(exclude={"code", "enabled"}))
    now = utcnow()
    template = ActionTemplate(
        id=new_id(), tenant_id=principal.tenant_id, code=data.code, revision=1, enabled=data.enabled,
        is_default=False, created_at=now, updated_at=now, **values,
    )
    session.add(template)
    _add_version(session, template, principal.user_id)
    await session.flush()
    record(session, principal, action="create", entity="action_template", obj=template)
    return template


async def update_template(
    session: AsyncSession, principal: Principal, template: ActionTemplate, data: TemplateUpdate
) -> ActionTemplate:
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, ("label", "category", "channel", "fields", "sync", "effects", "enabled"))
    definition_changes = {k: v for k, v in changes.items() if k in DEFINITION_KEYS}
    before = snapshot(template)
    if definition_changes:
        merged = _checked_definition({**definition_of(template), **definition_changes})
        merged.pop("code")
        for key, value in merged.items():
            setattr(template, key, value)
        template.revision += 1
        _add_version(session, template, principal.user_id)
    if "enabled" in changes:
        template.enabled = changes["enabled"]
    await session.flush()
    record(session, principal, action="update", entity="action_template", obj=template, before=before)
    return template


# --- recording actions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ActionInput:
    """One action to check: its code and fields, and where errors about them point."""

    code: str
    fields: dict[str, Any]
    code_path: str
    fields_path: str


async def check_actions(session: AsyncSession, principal: Principal, actions: list[ActionInput]) -> list[CheckedAction]:
    """Every action checked against its enabled template; one 422 names every problem."""
    if not actions:
        return []
    found = await repo.templates_by_code(session, principal.tenant_id, (a.code for a in actions))
    errors: list[FieldError] = []
    checked: list[CheckedAction] = []
    stages = None
    if any(stage_fields(t) for t in found.values()):
        stages = await pipeline_service.stage_codes_in_use(session, principal.tenant_id)
    for index, action in enumerate(actions):
        template = found.get(action.code)
        if template is None:
            errors.append(FieldError(action.code_path, f"unknown action code {action.code}"))
            continue
        if not template.enabled:
            errors.append(FieldError(action.code_path, f"action {action.code} is disabled"))
            continue
        clean, attachments = check_fields(template, action.fields, action.fields_path, errors, stages)
        checked.append(CheckedAction(action.code, clean, template, index, attachments))
    if not errors and any(c.attachment_ids for c in checked):
        await _check_attachments(session, principal, checked, errors)
    if errors:
        raise Unprocessable("invalid actions: " + ", ".join(e["field"] for e in errors), errors=errors)
    return checked


async def _check_attachments(
    session: AsyncSession, principal: Principal, checked: list[CheckedAction], errors: list[FieldError]
) -> None:
    from salescore.attachment import service as attachments  # leaf domain; imported late to keep startup light

    for action in checked:
        for path, attachment_id in action.attachment_ids:
            try:
                await attachments.visible_attachment(session, principal, attachment_id, path)
            except Unprocessable as exc:
                errors.extend(exc.errors)


async def resolve_deal(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, given: Opportunity | None, path: str,
    *, required: bool,
) -> Opportunity | None:
    """The deal an action syncs to: the one given, or the customer's only open deal (of those the
    caller may see). Several → 422. None → the deal part of the sync is skipped, unless the action
    moves a stage (`required`): a stage cannot exist without a deal."""
    if given is not None:
        return given
    deals = await opportunity_service.open_deals_of(session, principal, customer_id)
    if len(deals) == 1:
        return deals[0]
    if deals:
        raise Unprocessable.field(path, f"ambiguous: the customer has {len(deals)} open opportunities; give opportunity_id")
    if required:
        raise Unprocessable.field(path, "the customer has no open opportunity to move; create one or give opportunity_id")
    return None


async def labels(session: AsyncSession, tenant_id: uuid.UUID, lang: Lang) -> dict[str, str]:
    """code -> label in `lang` for every template of the tenant."""
    return {code: label_of({"label": zh, "label_en": en}, lang)
            for code, zh, en in await repo.label_rows(session, tenant_id)}
