"""A tenant's evidence model as a value: node coefficients, category thresholds, prior strength."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from salescore.evidence import defaults as d
from salescore.models import EvidenceModel

# Coefficients are compared after rounding, so a maturity read back from a float column or a JSON
# cache still finds its calibration cell.
PRECISION = 6


@dataclass(frozen=True)
class Config:
    version: int
    nodes: tuple[dict[str, Any], ...]
    thresholds: dict[str, float]
    prior_strength: float
    created_at: datetime | None = None
    created_by: uuid.UUID | None = None

    @classmethod
    def default(cls) -> Config:
        return cls(1, d.DEFAULT_NODES, dict(d.DEFAULT_THRESHOLDS), d.DEFAULT_PRIOR_STRENGTH)

    @classmethod
    def of(cls, row: EvidenceModel | None) -> Config:
        if row is None:
            return cls.default()
        return cls(row.version, tuple(row.nodes), dict(row.thresholds), float(row.prior_strength),
                   row.created_at, row.created_by)

    @property
    def coefficients(self) -> dict[str, float]:
        return {n["code"]: round(float(n["coefficient"]), PRECISION) for n in self.nodes}

    def node(self, code: str) -> dict[str, Any] | None:
        return next((n for n in self.nodes if n["code"] == code), None)

    def maturity(self, codes: set[str] | list[str]) -> float:
        """商机成熟度: the highest coefficient among the evidenced nodes (0 without evidence)."""
        coefficients = self.coefficients
        return max((coefficients[c] for c in codes if c in coefficients), default=0.0)

    @property
    def bits(self) -> dict[str, int]:
        """Each node's bit in a deal's evidence_mask: its position in the model."""
        return {n["code"]: 1 << i for i, n in enumerate(self.nodes)}

    def mask(self, codes: set[str] | list[str]) -> int:
        bits = self.bits
        return sum(bits[c] for c in set(codes) if c in bits)

    def codes(self, mask: int) -> list[str]:
        """The nodes set in a mask, in the model's order."""
        return [code for code, bit in self.bits.items() if mask & bit]

    def category(self, maturity: float) -> str:
        if maturity >= self.thresholds["commit"]:
            return "commit"
        if maturity >= self.thresholds["best_case"]:
            return "best_case"
        return "pipeline" if maturity > 0 else "unqualified"

    def prior_mean(self, maturity: float) -> float:
        return maturity if maturity > 0 else d.ZERO_MATURITY_PRIOR

    def levels(self) -> list[float]:
        """Every maturity a deal can have: 0 and each node's coefficient, ascending."""
        return sorted({0.0, *self.coefficients.values()})

    def claim_nodes(self) -> list[str]:
        """The nodes a `commit` claim implies: every node below the commit threshold and the first at
        or above it (the default model: ①②③④, what 签约 expects)."""
        ordered = sorted(self.nodes, key=lambda n: (float(n["coefficient"]), n["order"]))
        below = [n["code"] for n in ordered if float(n["coefficient"]) < self.thresholds["commit"]]
        above = [n["code"] for n in ordered if float(n["coefficient"]) >= self.thresholds["commit"]]
        return below + above[:1]

    # --- SQL ---------------------------------------------------------------------------------

    def coefficient_of(self, node_column: Any) -> sa.ColumnElement[float]:
        """The coefficient of an evidence row's node; 0 for a node no longer in the model."""
        return sa.case(self.coefficients, value=node_column, else_=0.0)

    def mask_of(self, node_column: Any) -> sa.ColumnElement[int]:
        """Aggregate: the evidence_mask of a group of evidence rows (each node's bit at most once)."""
        return sum((sa.func.max(sa.case((node_column == code, bit), else_=0)) for code, bit in self.bits.items()),
                   sa.literal(0))

    def category_of(self, maturity: Any) -> sa.ColumnElement[str]:
        return sa.case(
            (maturity >= self.thresholds["commit"], "commit"),
            (maturity >= self.thresholds["best_case"], "best_case"),
            (maturity > 0, "pipeline"),
            else_="unqualified",
        )
