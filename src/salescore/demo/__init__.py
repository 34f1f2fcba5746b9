"""Demo data (§14): a realistic, deterministic tenant for trying the API and for benchmarks.

`data.py` and `phrases.py` hold the vocabulary as data, `generate.py` turns a seed into row dicts
(pure, no database): customers in `activity.py` (contacts and legacy grade in `profile.py`), their
deals in `deal_story.py` (stage moves in `stages.py`, key evidence in `evidence.py`), todos in
`work.py`, §4 actions and their rows in `actions.py`, daily reports in `reports.py` /
`report_items.py`. `seed.py` writes them in bulk (`salescore seed-demo`).
"""
