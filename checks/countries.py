"""Country names and codes in English and Chinese, from Babel's CLDR data.

Salespeople write "UAE", "阿联酋", "United Arab Emirates" or "AE"; everything downstream wants ISO
3166-1 alpha-2. Babel gives the official names in both languages; a few common short forms are added.

Babel's territory list also holds codes that are no country: "Unknown Region" (ZZ), groupings (EU,
EZ, UN, QO) and the pseudo-locales XA and XB. They are rejected like an unknown name, so
``country=ZZ`` is reported instead of being taken as a claimed country. XK (Kosovo) is kept: it is
not in ISO 3166-1 but is the user-assigned code that the EU, SWIFT, banks and phone numbering use.
CLDR's extra codes for real places (AC, CP, CQ, DG, EA, IC, TA) are kept as CLDR and phonenumbers use them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from babel import Locale

from . import yamlfile

_ALIASES = {
    "UAE": "AE", "U.A.E.": "AE", "EMIRATES": "AE", "DUBAI": "AE", "ABU DHABI": "AE", "SHARJAH": "AE", "迪拜": "AE",
    "阿联酋": "AE", "USA": "US", "U.S.A.": "US", "U.S.": "US", "AMERICA": "US", "美国": "US", "UK": "GB",
    "U.K.": "GB", "ENGLAND": "GB", "BRITAIN": "GB", "GREAT BRITAIN": "GB", "SCOTLAND": "GB", "英国": "GB",
    "RUSSIA": "RU", "俄罗斯": "RU", "IRAN": "IR", "NORTH KOREA": "KP", "DPRK": "KP", "朝鲜": "KP", "SOUTH KOREA": "KR",
    "KOREA": "KR", "韩国": "KR", "SYRIA": "SY", "VIETNAM": "VN", "VIET NAM": "VN", "TURKEY": "TR", "TÜRKIYE": "TR",
    "TURKIYE": "TR", "HONG KONG": "HK", "香港": "HK", "MACAU": "MO", "MACAO": "MO", "TAIWAN": "TW", "台湾": "TW",
    "CHINA": "CN", "PRC": "CN", "中国": "CN", "P.R.C.": "CN", "P.R. CHINA": "CN", "LAOS": "LA", "BOLIVIA": "BO",
    "VENEZUELA": "VE", "TANZANIA": "TZ", "MOLDOVA": "MD", "CZECHIA": "CZ", "CZECH REPUBLIC": "CZ", "HOLLAND": "NL",
    "KSA": "SA", "SAUDI": "SA", "SAUDI ARABIA": "SA", "沙特": "SA", "IVORY COAST": "CI", "COTE D'IVOIRE": "CI",
    "DR CONGO": "CD", "DRC": "CD", "CONGO-KINSHASA": "CD", "BURMA": "MM", "MYANMAR": "MM", "CRIMEA": "UA",
}


_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"})


def _is_country_code(code: str) -> bool:
    """Two letters and a place a buyer can be in (not a grouping, pseudo-locale or 'Unknown Region')."""
    return len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().upper()
    return re.sub(r"\s+", " ", text)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    table: dict[str, str] = {}
    for lang in ("en", "zh"):
        for code, name in Locale.parse(lang).territories.items():
            if _is_country_code(code):
                table.setdefault(_key(name), code)
    for lang in ("ru", "fa", "ar"):  # names in the scripts of Russian and Iranian or Arab addresses
        for code, name in Locale.parse(lang).territories.items():
            if _is_country_code(code):
                table.setdefault(_key(name), code)
    for alias, code in _ALIASES.items():
        table[_key(alias)] = code
    for code, cities in _cities().items():
        for city in cities:
            table.setdefault(_key(str(city)), code)
    return table


@lru_cache(maxsize=1)
def _cities() -> dict[str, list[str]]:
    return yamlfile.safe_load((Path(__file__).parent / "data" / "cities.yml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    return frozenset(code for code in Locale.parse("en").territories if isinstance(code, str) and _is_country_code(code))


def to_code(text: str | None) -> str | None:
    """ISO alpha-2 for a code or a name in English or Chinese; None when unknown."""
    if not text:
        return None
    key = _key(text).strip(" .,;")
    if len(key) == 2 and key.isalpha() and key in _codes():
        return "GB" if key == "UK" else key
    if key == "UK":
        return "GB"
    return _names().get(key)


def name_of(code: str | None, lang: str = "en") -> str:
    if not code:
        return ""
    territories = Locale.parse("zh" if lang == "zh" else "en").territories
    return territories.get(code.upper(), code.upper())


@lru_cache(maxsize=1)
def _search_pattern() -> re.Pattern[str]:
    short = {_key(alias) for alias in _ALIASES if len(alias) == 3}  # USA, UAE, KSA, PRC, DRC: written as words
    names = sorted((n for n in _names() if len(n) >= 4 or not n.isascii() or n in short), key=len, reverse=True)
    ascii_names = [n for n in names if n.isascii()]
    other_names = [n for n in names if not n.isascii()]
    parts = []
    if ascii_names:
        parts.append(r"(?<![A-Z])" + _trie_pattern(ascii_names) + r"(?![A-Z])")
    if other_names:
        parts.append(_trie_pattern(other_names))
    return re.compile("|".join(parts))


def _trie_pattern(words: list[str]) -> str:
    """One group matching any of `words`, longest first, built as a character trie.

    A flat alternation of ~1,500 names is tried name by name at every position of the text (50 ms
    on a 20,000-character paste); the trie rejects a position after one character per branch.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body  # greedy: the longer name is tried first

    return emit(trie)


def find_in_text(text: str) -> str | None:
    """The last country named in free text (addresses end with the country); None if none."""
    found = _search_pattern().findall(_key(text))
    return _names().get(found[-1]) if found else None
