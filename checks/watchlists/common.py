"""Small helpers the list parsers share: decoding, OFAC's empty marker, country names to codes."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .. import countries

# Publishers' spellings that CLDR names do not cover ("Korea, North", "Congo, Democratic Republic of the").
_COUNTRY_ALIASES = {
    "korea, north": "KP", "korea, south": "KR", "korea, democratic people's republic of": "KP",
    "democratic people's republic of korea": "KP", "republic of korea": "KR",
    "congo, democratic republic of the": "CD", "democratic republic of the congo": "CD",
    "congo, republic of the": "CG", "palestinian": "PS", "west bank": "PS", "gaza": "PS",
    "state of palestine": "PS", "iran (islamic republic of)": "IR", "syrian arab republic": "SY",
    "russian federation": "RU", "united republic of tanzania": "TZ", "viet nam": "VN",
    "lao people's democratic republic": "LA", "bolivia (plurinational state of)": "BO",
    "venezuela (bolivarian republic of)": "VE", "republic of moldova": "MD", "the netherlands": "NL",
    "netherlands antilles": "CW", "bahamas, the": "BS", "gambia, the": "GM", "region: crimea": "UA",
    "region: kurdistan region": "IQ", "türkiye": "TR", "turkiye": "TR", "kosovo": "XK",
    "virgin islands, british": "VG", "the gambia": "GM", "north macedonia, the republic of": "MK",
    "cote d ivoire": "CI", "man, isle of": "IM", "cabo verde": "CV", "micronesia, federated states of": "FM", "saint kitts and nevis": "KN", "united states of america": "US",
    "united kingdom of great britain and northern ireland": "GB", "the former yugoslav republic of macedonia": "MK",
}


def decode(data: bytes) -> str:
    """UTF-8 when it is (current OFAC files), else Windows-1252 (older OFAC and CSL exports)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def clean(value: str | None) -> str:
    """OFAC writes `-0-` (often `-0- `) for an empty field."""
    if value is None:
        return ""
    value = value.strip()
    return "" if value == "-0-" else value


def country_code(text: str | None) -> str | None:
    """ISO alpha-2 for a country as a list writes it; None when it is not a recognisable country."""
    if not text:
        return None
    value = " ".join(text.split()).strip(" .;,")
    if not value:
        return None
    alias = _COUNTRY_ALIASES.get(value.lower())
    if alias:
        return alias
    code = countries.to_code(value)
    if code is None and " and " in value:
        code = countries.to_code(value.replace(" and ", " & "))
    if code is None and value.lower().startswith(("region: ", "possibly ")):
        code = country_code(value.split(" ", 1)[1])
    return code


def unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        item = item.strip()
        if item and item not in seen:
            seen[item] = None
    return list(seen)


_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def iso_date(text: str | None) -> str | None:
    """YYYY-MM-DD from ISO or dd/mm/yyyy (UK) text; None when there is none."""
    if not text:
        return None
    match = _DATE_RE.search(text)
    if match:
        return match.group(0)
    match = re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return None
