"""Who is calling: the authenticated user (or API key) with role and team reach."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

FULL_VIEW_ROLES = frozenset({"director", "admin"})
CONFIG_ROLES = frozenset({"director", "admin"})


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    team_id: uuid.UUID | None = None
    # Teams this user manages (team.manager_id) plus their own team for managers.
    managed_team_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    api_key_id: uuid.UUID | None = None
    scopes: frozenset[str] = frozenset({"read", "write"})
    name: str = ""

    @property
    def sees_whole_tenant(self) -> bool:
        return self.role in FULL_VIEW_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    @property
    def can_configure(self) -> bool:
        return self.role in CONFIG_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor_kind(self) -> str:
        return "api_key" if self.api_key_id else "user"
