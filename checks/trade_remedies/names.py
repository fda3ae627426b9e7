"""Country names as trade-remedy publishers write them, to ISO alpha-2.

CBSA writes "Türkiye (Turkey)", "Türkiye Turkey" and "United States of America"; the UK TRA
"United Arab Emirates (the)"; TRON "People's Republic of China"; I-TIP "Chinese Taipei"; Colombia
"Republica Popular de China". Each is tried whole, then without its parenthesis, then the
parenthesis alone, then word by word from the left, before giving up (None: never guessed).
"""

from __future__ import annotations

import re
import unicodedata

from .. import countries
from .model import ANY_ORIGIN

_EXTRA = {
    "CHINESE TAIPEI": "TW", "SEPARATE CUSTOMS TERRITORY OF TAIWAN, PENGHU, KINMEN AND MATSU": "TW",
    "PEOPLE'S REPUBLIC OF CHINA": "CN", "PEOPLES REPUBLIC OF CHINA": "CN", "REPUBLICA POPULAR DE CHINA": "CN",
    "CHINA, PEOPLE'S REPUBLIC OF": "CN", "KOREA, REPUBLIC OF": "KR", "REPUBLIC OF KOREA": "KR",
    "REPUBLIC OF MOLDOVA": "MD", "RUSSIAN FEDERATION": "RU", "HONG KONG, CHINA": "HK", "HONG KONG CHINA": "HK",
    "MACAO, CHINA": "MO", "VIET NAM": "VN", "SOCIALIST REPUBLIC OF VIETNAM": "VN", "TÜRKIYE TURKEY": "TR",
    "REPUBLIC OF TÜRKIYE": "TR", "KINGDOM OF SAUDI ARABIA": "SA", "SLOVAK REPUBLIC": "SK",
    "KYRGYZ REPUBLIC": "KG", "TRINIDAD AND TOBAGO": "TT", "U.K": "GB", "U.S": "US", "U.S.A": "US",
    # misspellings in the USITC list
    "COLUMBIA": "CO", "BELGUIM": "BE", "EUROPEAN UNION": "EU", "EUROPEAN COMMUNITIES": "EU", "EU": "EU",
    # Colombia: "countries with no trade agreement in force" - a safeguard on everyone else
    "PAISES SIN ACUERDO COMERCIAL VIGENTE": ANY_ORIGIN, "ALL COUNTRIES": ANY_ORIGIN, "ERGA OMNES": ANY_ORIGIN,
}


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("’", "'").strip().upper()
    return re.sub(r"\s+", " ", text).strip(" .,;")


def _plain(text: str) -> str:
    """Accents off (Países → PAISES), for the Spanish and French spellings."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def country_code(name: str | None) -> str | None:
    """ISO alpha-2 (or EU, or * for every origin) for a publisher's country name; None when unknown."""
    if not name or not name.strip():
        return None
    key = _key(name)
    candidates = [key, _plain(key)]
    inner = re.findall(r"\(([^)]*)\)", key)
    outer = re.sub(r"\s*\([^)]*\)\s*", " ", key).strip()
    candidates += [outer, _plain(outer), *inner]
    candidates.append(re.sub(r"^THE\s+", "", outer))
    for candidate in candidates:
        candidate = candidate.strip(" .,;")
        if not candidate or candidate in ("THE",):
            continue
        code = _EXTRA.get(candidate) or _EXTRA.get(_plain(candidate)) or countries.to_code(candidate)
        if code:
            return code
    words = outer.split()
    for end in range(len(words) - 1, 0, -1):  # "Türkiye Turkey" → "Türkiye"
        code = countries.to_code(" ".join(words[:end]))
        if code:
            return code
    return None


def split_countries(text: str) -> list[str]:
    """Split 'Lithuania / United Arab Emirates (the)' or 'Kosovo; North Macedonia' into the names."""
    return [part.strip() for part in re.split(r"\s*[/;]\s*", text) if part.strip()]
