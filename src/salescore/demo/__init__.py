"""Demo data (§14): a realistic, deterministic tenant for trying the API and for benchmarks.

`data.py` and `phrases.py` hold the vocabulary as data, `generate.py` turns a seed into row dicts
(pure, no database), `seed.py` writes them in bulk (`salescore seed-demo`).
"""
