"""Win probabilities, forecasts, snapshots, accuracy and the credibility heatmap (SPEC §8)."""
