"""Sanctions and export-control name screening.

Libraries: anyascii (every script to Latin, maintained, no data files), rapidfuzz (edit distances:
OSA for one-slip words, Indel for run-together names), babel (country names, used as regional
qualifiers). No followthemoney/rigour: their name tools pull in a large dependency tree for what
`normalize.py` does with explicit, reviewable word lists.

- normalize.py: folding, legal forms in many languages, abbreviations, word classes
- index.py: the in-memory index (inverted index + deletion neighbourhood for typos, word breaking)
- matcher.py: candidate retrieval and scoring (rarity-weighted word alignment), context
- explain.py: reasons in the user's language; service.py: the per-process index (and its cache)
- cli.py: `tradecheck screen` and `tradecheck lists`
"""
