"""Sanctions and export-control name screening.

Libraries: anyascii (every script to Latin, maintained, no data files), rapidfuzz (edit distances:
OSA for one-slip words, Indel for run-together names), babel (country names, used as regional
qualifiers), pypinyin (Chinese as pinyin, its phrase table; imported on the first Chinese name, 3.9 MB),
rigour (OpenSanctions: only its compiled multilingual legal-form table, `rigour._core`, imported in 1 ms;
the Python side of rigour, which pulls in PyICU, is never imported).

- normalize.py: folding, legal forms in many languages, abbreviations, word classes
- native.py: Chinese, Korean, Cyrillic, Arabic/Persian names read as the lists spell them in Latin letters
- index.py: the in-memory index (inverted index + deletion neighbourhood for typos, word breaking)
- matcher.py: candidate retrieval and scoring (rarity-weighted word alignment), context
- explain.py: reasons in the user's language; service.py: the per-process index (and its cache)
- cli.py: `tradecheck screen` and `tradecheck lists`
"""
