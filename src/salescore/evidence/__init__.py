"""Evidence nodes and deal maturity (关键证据 / 商机成熟度, SPEC §8)."""
