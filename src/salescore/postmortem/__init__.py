"""Post-mortems (证据复盘, SPEC §10): losing a deal, its evidence package, its footprint, loss analytics."""
