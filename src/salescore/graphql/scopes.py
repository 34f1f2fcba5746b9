"""Visibility-scoped statements of the records GraphQL reaches only as relations (signal counters,
transcripts, post-mortems and their materials), each following the REST rule of its domain:

* a customer's signal counters are visible where the customer is (GET /customers/{id}/signals);
* a transcript is visible where its follow-up is (GET /follow-ups/{id}/transcript);
* a post-mortem and its materials are visible where their deal is (GET /opportunities/{id}/post-mortem).

Signal hits use signal.repository.visible_hits, as GET /signal-hits does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from salescore.follow_up import repository as follow_up_repo
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows, visible_customer_ids
from salescore.models import CustomerSignal, FollowUp, Opportunity, PostMortem, PostMortemMaterial, Transcript
from salescore.opportunity import repository as opportunity_repo


def customer_signals(principal: Principal) -> sa.Select[Any]:
    """Counters of visible customers that a live conversation still carries (count > 0)."""
    return tenant_rows(CustomerSignal, principal).where(
        CustomerSignal.customer_id.in_(visible_customer_ids(principal)), CustomerSignal.count > 0
    )


def transcripts(principal: Principal) -> sa.Select[Any]:
    visible = follow_up_repo.follow_ups(principal).with_only_columns(FollowUp.id)
    return tenant_rows(Transcript, principal).where(Transcript.follow_up_id.in_(visible))


def _visible_deals(principal: Principal) -> sa.Select[Any]:
    return opportunity_repo.opportunities(principal).with_only_columns(Opportunity.id)


def post_mortems(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(PostMortem, principal).where(PostMortem.opportunity_id.in_(_visible_deals(principal)))


def post_mortem_materials(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(PostMortemMaterial, principal).where(
        PostMortemMaterial.opportunity_id.in_(_visible_deals(principal))
    )
