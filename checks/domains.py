"""Domains: the registrable part of a host, free-mail providers, and the bundled well-known list.

Everything here works offline. tldextract runs on its bundled public-suffix snapshot with
`suffix_list_urls=()` so that no check ever downloads the list; the well-known company domains
are built by `checks/data/build_well_known.py` from public company lists.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import idna
from anyascii import anyascii

DATA = Path(__file__).parent / "data"



@lru_cache(maxsize=1)
def _extractor() -> Any:
    """tldextract on its bundled snapshot, imported on the first domain (it loads requests: 0.3 s)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


def host_of(value: str | None) -> str | None:
    """The host of an email address, URL or bare domain, lower-cased, without port or `www.`."""
    if not value:
        return None
    text = value.strip().lower()
    if "@" in text and "://" not in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", text)
    text = text.split("/")[0].split("?")[0].split("#")[0].split("@")[-1]
    if text.startswith("[") or text.count(":") > 1:  # an IPv6 literal is no domain
        return None
    text = text.split(":")[0].strip(".")
    return text or None


def registrable_domain(value: str | None) -> str | None:
    """`procurement.siemens-trading.co.uk` -> `siemens-trading.co.uk`; None for IPs and junk."""
    parts = split_domain(value)
    return parts.domain if parts else None


@dataclass(frozen=True)
class DomainParts:
    label: str  # the name under the public suffix, e.g. "siemens-trading"
    suffix: str  # e.g. "co.uk"

    @property
    def domain(self) -> str:
        return f"{self.label}.{self.suffix}"


def split_domain(value: str | None) -> DomainParts | None:
    host = host_of(value)
    if not host:
        return None
    parts = _extractor()(host)
    if not parts.domain or not parts.suffix:
        return None
    return DomainParts(parts.domain, parts.suffix)


def unicode_label(label: str) -> str:
    """Decode an IDN (punycode) label so homoglyphs in other scripts can be seen."""
    if label.startswith("xn--"):
        try:
            return idna.decode(label)
        except idna.IDNAError:
            try:
                return label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                return label
    return label


# ------------------------------------------------------------------ free mail


@lru_cache(maxsize=1)
def free_mail_domains() -> frozenset[str]:
    lines = (DATA / "free_mail_domains.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def is_free_mail(domain_or_email: str | None) -> bool:
    """Whether the address or domain belongs to a free webmail provider."""
    host = host_of(domain_or_email)
    if not host:
        return False
    domains = free_mail_domains()
    return host in domains or (registrable_domain(host) or "") in domains


# ------------------------------------------------------------------ company names

_LEGAL_WORDS = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "companies", "ltd", "limited", "llc", "lp",
    "llp", "plc", "ag", "se", "sa", "sas", "sarl", "srl", "spa", "nv", "bv", "gmbh", "kg", "kgaa", "ab", "asa",
    "as", "oy", "oyj", "pte", "pty", "pvt", "bhd", "sdn", "jsc", "pjsc", "ooo", "oao", "zao", "ao", "fze", "fzco",
    "fzc", "dmcc", "kk", "tbk", "the", "holdings", "holding", "group", "and", "of", "de", "del", "la", "le",
    "cv", "sab", "sl", "aps", "ltda", "lda", "spol", "sro", "doo", "dd", "bsc", "saog", "wll", "est",
}
_CJK_LEGAL = re.compile(r"(股份)?有限(责任)?公司|集团|公司")


def name_tokens(name: str | None) -> list[str]:
    """Lower-case ASCII words of a company name without legal forms (`Siemens AG` -> [siemens])."""
    if not name:
        return []
    text = unicodedata.normalize("NFKC", name)
    text = _CJK_LEGAL.sub(" ", text)
    text = re.sub(r"\b([A-Za-z])/([A-Za-z])\b", r"\1\2", text)  # A/S, S/A -> AS, SA
    text = anyascii(text).lower().replace("&", " and ").replace("'", "").replace(".com", " ")
    text = re.sub(r"\.(?=[a-z]\b)", "", text)  # S.A. -> SA
    words = re.findall(r"[a-z0-9]+", text)
    kept = [w for w in words if w not in _LEGAL_WORDS]
    return kept or words


def normalize_company_name(name: str | None) -> str:
    return " ".join(name_tokens(name))


# ------------------------------------------------------------------ well-known companies


@dataclass(frozen=True)
class KnownDomain:
    domain: str
    names: tuple[str, ...]
    sources: tuple[str, ...]


@lru_cache(maxsize=1)
def well_known() -> dict[str, KnownDomain]:
    """Bundled map of registrable domain -> the well-known company behind it."""
    raw = json.loads((DATA / "well_known_domains.json").read_text(encoding="utf-8"))
    return {d: KnownDomain(d, tuple(v["names"]), tuple(v["sources"])) for d, v in raw.items()}


@lru_cache(maxsize=1)
def _name_index() -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for known in well_known().values():
        for name in known.names:
            key = normalize_company_name(name)
            if key:
                index.setdefault(key, set()).add(known.domain)
                index.setdefault(key.replace(" ", ""), set()).add(known.domain)
    return index


FILLER_WORDS = frozenset(
    """trading trade trades group grp global official procurement procure purchasing purchase purchases buy buying
    buyer buyers sourcing source supply supplies supplier suppliers inc corp co company ltd llc gmbh ag intl
    international usa us uk eu asia china cn hk de europe america americas online shop store import imports export
    exports industries industry holding holdings mail email web secure support service services team office hq my
    the get info contact sales order orders vendor vendors partner partners logistics corporate business biz net
    enterprise enterprises solutions worldwide world limited plc sa srl llp apac emea mena me africa india uae dubai
    hub portal center centre direct express payment payments invoice invoices account accounts finance dept
    department division branch new real true verify verified login id""".split()
)


def claimed_domains(company: str | None) -> tuple[set[str], bool]:
    """Official domains of the well-known company a buyer claims to be, and whether the match is exact.

    Exact: the name (without legal forms) is a known name or alias. Partial: a known name plus filler
    words (`Siemens Trading`), or the claim is the known name's leading words (`Walgreens`).
    """
    tokens = name_tokens(company)
    if not tokens:
        return set(), False
    key = " ".join(tokens)
    index = _name_index()
    found = index.get(key) or index.get(key.replace(" ", ""))
    if found:
        return set(found), True
    partial: set[str] = set()
    # a well-known name plus words any business could add
    for size in range(len(tokens) - 1, 0, -1):
        for start in range(0, len(tokens) - size + 1):
            core = tokens[start : start + size]
            rest = tokens[:start] + tokens[start + size :]
            if all(word in FILLER_WORDS or word in _COUNTRY_WORDS for word in rest):
                hit = index.get(" ".join(core)) or index.get("".join(core))
                if hit and len("".join(core)) >= 3:
                    partial |= hit
        if partial:
            return partial, False
    # the leading words of a longer known name: "Walgreens" for "Walgreens Boots Alliance"
    if len(key) >= 5:
        for name, domains in index.items():
            if " " in name and name.startswith(key + " "):
                partial |= domains
    return partial, False


_COUNTRY_WORDS = frozenset(
    """usa us uk gb america american british china chinese hongkong hong kong germany german deutschland france
    french italy italia spain espana japan korea india indian uae emirates dubai singapore malaysia thailand vietnam
    indonesia turkey russia brazil mexico canada australia africa nigeria egypt saudi arabia qatar kuwait oman
    pakistan bangladesh europe asia pacific middle east latin""".split()
)


# ------------------------------------------------------------------ registry names


def _key_words(name: str) -> list[str]:
    """Words that identify a company, via screening's normalizer (legal forms dropped)."""
    name = re.sub(r"\b(\w)\.\s+(?=\w\.)", r"\1.", name)  # "a. s." -> "a.s."
    try:
        from .screening.normalize import key_tokens, tokenize
    except ImportError:  # screening not installed: the simpler normalizer above
        return name_tokens(name)
    return [token.text for token in key_tokens(tokenize(name))] or name_tokens(name)


def name_similarity(claimed: str | None, registered: str | None) -> float:
    """0..100: how well a registry's name agrees with the claimed one (legal forms and order ignored)."""
    from rapidfuzz import fuzz

    if not claimed or not registered:
        return 0.0
    a, b = " ".join(_key_words(claimed)), " ".join(_key_words(registered))
    if not a or not b:
        return 0.0
    if a.replace(" ", "") == b.replace(" ", ""):
        return 100.0
    return float(max(fuzz.token_sort_ratio(a, b), 0.95 * fuzz.token_set_ratio(a, b) if min(len(a), len(b)) >= 4 else 0))


NAME_MATCH = 85.0
