"""Who is the same buyer: the keys that tie a new check to an existing case.

Keys, strongest first: an identifier (`lei:`, `vat:`, `reg:`), a registrable domain of the e-mail
or web site (`domain:acme.ae` — free-mail domains such as gmail.com or qq.com never count), and
the normalized name with the country (`name:acme trading llc|AE`). Two checks sharing any key are
the same case. A similar but different name ("ACME Trading FZE" vs "ACME Trading LLC") is not a
key: it is offered as "looks like case #12" and never merged silently.

Name normalization keeps the legal form (an FZE and an LLC of the same name are different legal
persons in the UAE) but folds its spellings (L.L.C. = LLC, Limited = Ltd, 有限公司 = co ltd).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from anyascii import anyascii

if TYPE_CHECKING:  # imported on the first domain: it loads requests, a tenth of a stored check's start-up
    import tldextract

# Strength of each key kind: the case matched by the strongest key wins.
KIND_RANK = {"lei": 0, "vat": 1, "reg": 2, "domain": 3, "name": 4}

_LEGAL_FORMS: list[tuple[str, str | None]] = [  # None: a legal form kept as written
    (r"l\.?\s?l\.?\s?c\.?", "llc"),
    (r"limited liability company", "llc"),
    (r"fz[\s\-]?llc", "fz-llc"),
    (r"f\.?z\.?e\.?", "fze"),
    (r"f\.?z\.?c\.?o\.?", "fzco"),
    (r"limited", "ltd"),
    (r"ltd\.?", "ltd"),
    (r"incorporated", "inc"),
    (r"inc\.?", "inc"),
    (r"corporation", "corp"),
    (r"corp\.?", "corp"),
    (r"company", "co"),
    (r"co\.?", "co"),
    (r"gmbh", "gmbh"),
    (r"s\.?\s?a\.?\s?r\.?\s?l\.?", "sarl"),
    (r"s\.?\s?r\.?\s?l\.?", "srl"),
    (r"s\.?\s?p\.?\s?a\.?", "spa"),
    (r"s\.?\s?a\.?", "sa"),
    (r"b\.?\s?v\.?", "bv"),
    (r"n\.?\s?v\.?", "nv"),
    (r"p\.?\s?l\.?\s?c\.?", "plc"),
    (r"pvt\.?", "pvt"),
    (r"pte\.?", "pte"),
    (r"pty\.?", "pty"),
    (r"jsc|pjsc|ooo|oao|zao|ao|ag|kg|llp|lp|dmcc|bhd|sdn", None),  # kept as written
]
_LEGAL_RE = [(re.compile(rf"(?<![\w]){pattern}(?![\w])"), repl) for pattern, repl in _LEGAL_FORMS]
_CJK_FORMS = [("有限责任公司", " co ltd "), ("股份有限公司", " co ltd "), ("有限公司", " co ltd "), ("公司", " co ")]
_LEGAL_WORDS = {
    "llc", "fz-llc", "fze", "fzco", "ltd", "inc", "corp", "co", "gmbh", "sarl", "srl", "spa", "sa", "bv", "nv",
    "plc", "pvt", "pte", "pty", "jsc", "pjsc", "ooo", "oao", "zao", "ao", "ag", "kg", "llp", "lp", "dmcc", "bhd",
    "sdn",
}

# A floor under checks.domains' curated list, in case that list cannot be loaded.
_FREE_MAIL_FALLBACK = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "ymail.com",
    "aol.com", "icloud.com", "me.com", "mail.com", "gmx.com", "gmx.de", "web.de", "yandex.ru", "yandex.com",
    "mail.ru", "proton.me", "protonmail.com", "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net",
    "sina.com", "sina.cn", "sohu.com", "aliyun.com", "139.com", "189.cn", "rediffmail.com", "zoho.com",
})


def is_free_mail(domain: str) -> bool:
    """Free-mail domains say nothing about who the buyer is."""
    domain = domain.lower().strip(".")
    if domain in _FREE_MAIL_FALLBACK:
        return True
    try:
        from checks.domains import is_free_mail as curated
    except ImportError:  # pragma: no cover - checks.domains ships with the package
        return False
    return bool(curated(domain))


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(host: str | None) -> str | None:
    """`mail.acme.co.uk` → `acme.co.uk` (offline Public Suffix List snapshot)."""
    if not host:
        return None
    host = host.strip().lower().rstrip(".")
    if "@" in host:
        host = host.rsplit("@", 1)[1]
    host = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", host).split("/")[0].split(":")[0]
    if not host or "." not in host:
        return None
    result = _extractor()(host)
    domain = getattr(result, "top_domain_under_public_suffix", None)
    if domain is None:
        domain = f"{result.domain}.{result.suffix}" if result.domain and result.suffix else ""
    return domain or None


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    for chinese, latin in _CJK_FORMS:
        text = text.replace(chinese, latin)
    if not text.isascii():
        text = anyascii(text).casefold()
    text = text.replace("&", " and ")
    return text


def normalize_name(name: str) -> str:
    """Case, width, punctuation and legal-form spelling folded; the legal form itself kept."""
    text = _fold(name)
    for regex, repl in _LEGAL_RE:
        if repl is not None:
            text = regex.sub(f" {repl} ", text)
    text = re.sub(r"[^\w\-]+", " ", text).replace("_", " ")
    return " ".join(text.split())


def base_name(name: str) -> str:
    """The name without legal forms and filler: what 'looks like' compares."""
    words = [w for w in normalize_name(name).split() if w not in _LEGAL_WORDS and w not in ("the", "and")]
    return " ".join(words)


def _identifier(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


@dataclass(frozen=True)
class BuyerKeys:
    """The keys of one request, strongest first, plus the values stored on the case."""

    keys: tuple[tuple[str, str], ...]  # (kind, key)
    name: str
    normalized_name: str
    base_name: str
    country: str | None
    domains: tuple[str, ...]
    identifiers: dict[str, str]


def buyer_keys(
    name: str = "",
    country: str | None = None,
    email: str | None = None,
    site: str | None = None,
    lei: str | None = None,
    vat: str | None = None,
    reg: str | None = None,
    extra_domains: tuple[str, ...] = (),
) -> BuyerKeys:
    country = (country or "").upper()[:2] or None
    identifiers: dict[str, str] = {}
    keys: list[tuple[str, str]] = []
    for kind, value in (("lei", lei), ("vat", vat), ("reg", reg)):
        if value and _identifier(value):
            identifiers[kind] = _identifier(value)
            # a registry number is only unique within its country; VAT numbers carry their prefix
            scope = f"{country or '??'}:" if kind == "reg" else ""
            keys.append((kind, f"{kind}:{scope}{identifiers[kind]}"))
    domains: list[str] = []
    for host in (email, site, *extra_domains):
        domain = registrable_domain(host)
        if domain and not is_free_mail(domain) and domain not in domains:
            domains.append(domain)
            keys.append(("domain", f"domain:{domain}"))
    normalized = normalize_name(name) if name else ""
    if normalized:
        keys.append(("name", f"name:{normalized}|{country or ''}"))
    return BuyerKeys(
        keys=tuple(keys), name=" ".join(name.split()), normalized_name=normalized,
        base_name=base_name(name) if name else "", country=country, domains=tuple(domains),
        identifiers=identifiers,
    )
